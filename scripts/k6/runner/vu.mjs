// One VU of the k6-compatible runner: a worker thread with its own copy of the script (module
// state such as page_view.js's `seen` is per VU, as in k6). The script calls http.get() etc.
// synchronously, as k6 scripts do: the worker posts the request to the main thread, which owns
// the connections, and sleeps on a shared flag until the answer is there (Atomics.wait +
// receiveMessageOnPort). Loaded with node's vm.SourceTextModule, resolving `k6`, `k6/http` and
// `k6/metrics` to the implementations below and relative imports to files.
import { parentPort, workerData, receiveMessageOnPort } from 'node:worker_threads';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const { id, scriptPath, env, flag: flagBuffer, replyPort, defaultResponseType } = workerData;
const flag = new Int32Array(flagBuffer);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

let samples = [];          // [kind, ...] flushed to the main thread with each request and at the end
let groupPath = '';        // '' is the root group; '::name::inner' inside group()
let defaultCallback = { expected: [{ min: 200, max: 399 }] };
let initContext = true;

globalThis.__ENV = env;
globalThis.__VU = id;
globalThis.__ITER = 0;

function callMain(message) {
  Atomics.store(flag, 0, 0);
  message.samples = samples;
  samples = [];
  parentPort.postMessage(message);
  for (;;) {
    Atomics.wait(flag, 0, 0, 1000);
    const reply = receiveMessageOnPort(replyPort);
    if (reply) return reply.message;
  }
}

// ---- k6 -------------------------------------------------------------------------------------
function check(value, sets, tags) {
  let all = true;
  for (const [name, predicate] of Object.entries(sets || {})) {
    const ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
    samples.push(['check', name, groupPath, ok, tags || null]);
    all = all && ok;
  }
  return all;
}

function fail(message) {
  throw new Error(message === undefined ? 'fail' : String(message));
}

function sleep(seconds) {
  if (initContext) throw new Error('sleep() is not allowed in the init context');
  Atomics.wait(sleeper, 0, 0, Math.max(0, Number(seconds) * 1000));
}

function group(name, fn) {
  if (name.includes('::')) throw new Error(`group name "${name}" contains "::"`);
  const outer = groupPath;
  groupPath = `${outer}::${name}`;
  const started = performance.now();
  try {
    return fn();
  } finally {
    samples.push(['group', groupPath, performance.now() - started]);
    groupPath = outer;
  }
}

// ---- k6/http --------------------------------------------------------------------------------
function expectedStatuses(...statuses) {
  const expected = statuses.map((s) => {
    if (typeof s === 'number' && Number.isInteger(s)) return { min: s, max: s };
    if (s && Number.isInteger(s.min) && Number.isInteger(s.max)) return { min: s.min, max: s.max };
    throw new Error(`expectedStatuses: ${JSON.stringify(s)} is neither a status nor {min, max}`);
  });
  return { expected };
}

function setResponseCallback(callback) {
  defaultCallback = callback;
}

const KNOWN_PARAMS = new Set(['headers', 'tags', 'timeout', 'responseType', 'responseCallback', 'redirects']);
const warned = new Set();

function encodeBody(body) {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'object') {
    return Object.entries(body).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  }
  return String(body);
}

function describe(method, url, body, params) {
  if (initContext) throw new Error('making requests in the init context is not supported (k6 forbids it too)');
  const p = params || {};
  for (const key of Object.keys(p)) {
    if (!KNOWN_PARAMS.has(key) && !warned.has(key)) {
      warned.add(key);
      process.stderr.write(`WARN  request parameter "${key}" is not supported by this runner and is ignored\n`);
    }
  }
  const headers = {};
  for (const [k, v] of Object.entries(p.headers || {})) headers[k] = String(v);
  const encoded = encodeBody(body);
  if (body && typeof body === 'object' && !(body instanceof ArrayBuffer) && !ArrayBuffer.isView(body)
    && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const callback = p.responseCallback === undefined ? defaultCallback : p.responseCallback;
  if (callback !== null && !(callback && Array.isArray(callback.expected))) {
    throw new Error('responseCallback must be null or http.expectedStatuses(...) (as in k6)');
  }
  return {
    method: String(method).toUpperCase(), url: String(url), body: encoded, headers,
    tags: p.tags || {}, timeout: p.timeout === undefined ? null : p.timeout,
    responseType: p.responseType || defaultResponseType, redirects: p.redirects === undefined ? null : p.redirects,
    expected: callback === null ? null : callback.expected,
  };
}

const decoder = new TextDecoder();

function makeResponse(r, req) {
  let body = null;
  if (r.body) {
    if (req.responseType === 'binary') body = r.body.buffer.slice(r.body.byteOffset, r.body.byteOffset + r.body.byteLength);
    else body = decoder.decode(r.body);
  } else if (req.responseType !== 'none' && r.status !== 0) {
    body = req.responseType === 'binary' ? new ArrayBuffer(0) : '';
  }
  return {
    status: r.status,
    status_text: r.statusText,
    proto: r.proto,
    url: r.url,
    headers: r.headers,
    body,
    timings: r.timings,
    error: r.error,
    error_code: r.errorCode,
    remote_ip: r.remoteIp,
    remote_port: r.remotePort,
    tls_version: r.tlsVersion,
    cookies: {},
    request: { method: req.method, url: req.url, headers: req.headers, body: typeof req.body === 'string' ? req.body : '' },
    json(selector) {
      if (selector !== undefined) throw new Error('res.json(selector) is not supported by this runner');
      if (typeof this.body !== 'string') throw new Error('res.json(): the body was discarded (responseType none)');
      return JSON.parse(this.body);
    },
  };
}

function send(list) {
  const reply = callMain({ type: 'http', group: groupPath, requests: list });
  return reply.map((r, i) => makeResponse(r, list[i]));
}

function request(method, url, body, params) {
  return send([describe(method, url, body, params)])[0];
}

function batch(requests) {
  const list = Array.isArray(requests) ? requests : Object.values(requests);
  const keys = Array.isArray(requests) ? null : Object.keys(requests);
  const described = list.map((r) => {
    if (typeof r === 'string') return describe('GET', r, null, null);
    if (Array.isArray(r)) return describe(r[0], r[1], r[2], r[3]);
    return describe(r.method || 'GET', r.url, r.body, r.params);
  });
  const responses = send(described);
  if (!keys) return responses;
  const out = {};
  keys.forEach((k, i) => { out[k] = responses[i]; });
  return out;
}

const httpModule = {
  request,
  get: (url, params) => request('GET', url, null, params),
  head: (url, params) => request('HEAD', url, null, params),
  post: (url, body, params) => request('POST', url, body, params),
  put: (url, body, params) => request('PUT', url, body, params),
  patch: (url, body, params) => request('PATCH', url, body, params),
  del: (url, body, params) => request('DELETE', url, body, params),
  options: (url, body, params) => request('OPTIONS', url, body, params),
  batch,
  expectedStatuses,
  setResponseCallback,
};

// ---- k6/metrics -----------------------------------------------------------------------------
function metricClass(type) {
  return class {
    constructor(name, isTime) {
      if (!initContext) throw new Error('metrics must be declared in the init context');
      if (!/^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/.test(name)) throw new Error(`invalid metric name "${name}"`);
      this.name = name;
      this.type = type;
      this.contains = type === 'trend' && isTime ? 'time' : 'default';
    }

    add(value, tags) {
      const v = typeof value === 'boolean' ? Number(value) : Number(value);
      samples.push(['metric', this.name, this.type, this.contains, v, groupPath, tags || null]);
      return true;
    }
  };
}
const metricsModule = {
  Counter: metricClass('counter'), Gauge: metricClass('gauge'), Rate: metricClass('rate'), Trend: metricClass('trend'),
};

// ---- module loading -------------------------------------------------------------------------
const builtins = {
  k6: { check, fail, sleep, group },
  'k6/http': httpModule,
  'k6/metrics': metricsModule,
};
const cache = new Map();

function builtinModule(name) {
  const key = `k6:${name}`;
  if (!cache.has(key)) {
    const exports = builtins[name];
    const names = Object.keys(exports);
    cache.set(key, new vm.SyntheticModule(['default', ...names], function init() {
      this.setExport('default', exports);
      for (const n of names) this.setExport(n, exports[n]);
    }, { identifier: key }));
  }
  return cache.get(key);
}

function fileModule(file) {
  if (!cache.has(file)) {
    const source = fs.readFileSync(file, 'utf8');
    cache.set(file, new vm.SourceTextModule(source, {
      identifier: pathToFileURL(file).href,
      initializeImportMeta(meta) { meta.url = pathToFileURL(file).href; },
    }));
  }
  return cache.get(file);
}

function link(specifier, referencing) {
  if (Object.prototype.hasOwnProperty.call(builtins, specifier)) return builtinModule(specifier);
  if (/^(k6\/|https?:)/.test(specifier)) {
    throw new Error(`import "${specifier}" is not supported by this runner (k6, k6/http, k6/metrics and local files only)`);
  }
  const base = path.dirname(fileURLToPath(referencing.identifier));
  return fileModule(path.resolve(base, specifier));
}

// The directory of the module whose code called open(): the first frame of the stack that is a
// loaded script (their identifiers are file: URLs) and not this file.
function callerDirectory() {
  const self = import.meta.url;
  for (const line of (new Error().stack || '').split('\n').slice(1)) {
    const match = /(file:\/\/[^\s()]+?):\d+:\d+\)?$/.exec(line.trim());
    if (match && match[1] !== self) return path.dirname(fileURLToPath(match[1]));
  }
  return path.dirname(path.resolve(scriptPath));
}

// k6's open(): in the init context only; a relative path is read from the directory of the module
// that calls it at its top level (k6's rule: lib/x.js opening '../d.json' reads ./d.json).
globalThis.open = (file, mode) => {
  if (!initContext) throw new Error('open() is only available in the init context');
  const full = path.resolve(callerDirectory(), file);
  if (mode === 'b') {
    const buf = fs.readFileSync(full);
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  }
  return fs.readFileSync(full, 'utf8');
};

let script = null;
let setupData;

function errorText(err) {
  if (err && err.stack) return err.stack.split('\n').filter((l) => !l.includes('runner/vu.mjs') && !l.includes('node:')).join('\n');
  return String(err);
}

async function init() {
  const module = fileModule(path.resolve(scriptPath));
  await module.link(link);
  await module.evaluate();
  script = module.namespace;
  initContext = false;
  const exported = Object.keys(script).filter((k) => typeof script[k] === 'function');
  // Only data crosses threads: options are plain data in k6 too.
  return { options: script.options === undefined ? {} : JSON.parse(JSON.stringify(script.options)), exported };
}

// k6 functions are synchronous here (requests block the VU); an async one is awaited.
async function call(fn, args) {
  return fn(...args);
}

parentPort.on('message', async (cmd) => {
  try {
    switch (cmd.cmd) {
      case 'init': {
        const info = await init();
        parentPort.postMessage({ type: 'ready', ...info });
        break;
      }
      case 'setup': {
        groupPath = '::setup';
        const data = typeof script.setup === 'function' ? await call(script.setup, []) : undefined;
        groupPath = '';
        parentPort.postMessage({ type: 'done', samples: flush(), result: data === undefined ? null : JSON.stringify(data) });
        break;
      }
      case 'data':
        setupData = cmd.json === null ? undefined : JSON.parse(cmd.json);
        parentPort.postMessage({ type: 'done', samples: flush() });
        break;
      case 'iter': {
        const started = performance.now();
        let error = null;
        globalThis.__ITER = cmd.iter;
        try {
          const fn = script[cmd.exec];
          if (typeof fn !== 'function') throw new Error(`the script exports no function "${cmd.exec}"`);
          await call(fn, [setupData]);
        } catch (err) {
          error = errorText(err);
        }
        groupPath = '';
        parentPort.postMessage({ type: 'done', samples: flush(), durationMs: performance.now() - started, error });
        break;
      }
      case 'teardown': {
        groupPath = '::teardown';
        if (typeof script.teardown === 'function') await call(script.teardown, [setupData]);
        groupPath = '';
        parentPort.postMessage({ type: 'done', samples: flush() });
        break;
      }
      case 'summary': {
        const out = await call(script.handleSummary, [cmd.data]);
        const files = {};
        for (const [k, v] of Object.entries(out || {})) {
          files[k] = typeof v === 'string' ? v : (v instanceof ArrayBuffer ? new Uint8Array(v) : JSON.stringify(v));
        }
        parentPort.postMessage({ type: 'done', samples: flush(), result: files });
        break;
      }
      default:
        throw new Error(`unknown command ${cmd.cmd}`);
    }
  } catch (err) {
    groupPath = '';
    parentPort.postMessage({ type: 'error', samples: flush(), error: errorText(err) });
  }
});

function flush() {
  const out = samples;
  samples = [];
  return out;
}
