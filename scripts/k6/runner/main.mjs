// k6-compatible runner, main thread: command line, options and scenarios, VU workers
// (vu.mjs), the HTTP requests of every VU (transport.mjs), metrics and thresholds (metrics.mjs),
// handleSummary. NOT k6: it implements the subset of k6's API that scripts/k6/*.js use, listed
// in scripts/k6/README.md ("Running the scripts without k6"), and refuses what it lacks.
import { Worker, MessageChannel } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Registry } from './metrics.mjs';
import { Transport } from './transport.mjs';

const EXIT = { thresholds: 99, script: 107, config: 104, usage: 2 };
const now = () => performance.now();
const VU_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'vu.mjs');

class ConfigError extends Error {}
class ScriptError extends Error {}

const USAGE = `usage: scripts/k6/run [run] [options] SCRIPT.js
  -e, --env NAME=VALUE        __ENV.NAME (repeatable); the process environment is in __ENV too,
                              as with k6 run (--no-system-env-vars: only -e)
  -u, --vus N  -d, --duration D  -i, --iterations N
                              replace the script's scenarios, as k6's flags do
  --cacert FILE               trust this CA (PEM) for https:// (default: env SSL_CERT_FILE, which
                              k6/Go read too, else node's built-in roots)
  --insecure-skip-tls-verify  do not verify certificates
  -q, --quiet                 no progress lines on stderr
Exit: 0, 99 thresholds failed, 104 invalid options, 107 script error (as k6).`;

// ---- k6 durations ---------------------------------------------------------------------------
export function durationMs(value, what) {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    const re = /(\d+(?:\.\d+)?)(ms|us|µs|ns|s|m|h)/g;
    let total = 0;
    let consumed = 0;
    let match;
    while ((match = re.exec(value)) !== null) {
      if (match.index !== consumed) break;
      consumed = re.lastIndex;
      const n = Number(match[1]);
      total += { h: 3600e3, m: 60e3, s: 1e3, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 }[match[2]] * n;
    }
    if (consumed === value.length && consumed > 0) return total;
  }
  throw new ConfigError(`${what}: "${value}" is not a duration (e.g. 30s, 1m30s, 500ms)`);
}

function parseArgs(argv) {
  const args = { env: {}, systemEnv: true, quiet: false, insecure: false, cacert: null, script: null, overrides: {} };
  const list = argv[0] === 'run' ? argv.slice(1) : argv.slice();
  while (list.length > 0) {
    const a = list.shift();
    const value = () => {
      if (list.length === 0) throw new ConfigError(`${a} needs a value`);
      return list.shift();
    };
    if (a === '-e' || a === '--env') {
      const kv = value();
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new ConfigError(`-e ${kv}: expected NAME=VALUE`);
      args.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('--env=')) {
      const kv = a.slice(6);
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new ConfigError(`${a}: expected NAME=VALUE`);
      args.env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a === '-u' || a === '--vus') args.overrides.vus = Number(value());
    else if (a === '-d' || a === '--duration') args.overrides.duration = value();
    else if (a === '-i' || a === '--iterations') args.overrides.iterations = Number(value());
    else if (a === '--cacert') args.cacert = value();
    else if (a === '--insecure-skip-tls-verify') args.insecure = true;
    else if (a === '--no-system-env-vars' || a === '--include-system-env-vars=false') args.systemEnv = false;
    else if (a === '-q' || a === '--quiet') args.quiet = true;
    else if (a === '-h' || a === '--help') { process.stdout.write(`${USAGE}\n`); process.exit(0); }
    else if (a.startsWith('-')) throw new ConfigError(`unknown option ${a} (this runner is not k6; --help lists what it takes)`);
    else if (args.script === null) args.script = a;
    else throw new ConfigError(`one script only (got ${args.script} and ${a})`);
  }
  if (!args.script) throw new ConfigError('no script given');
  return args;
}

// ---- scenarios ------------------------------------------------------------------------------
const SCENARIO_KEYS = {
  common: ['executor', 'startTime', 'gracefulStop', 'exec', 'tags'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'constant-vus': ['vus', 'duration'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
};
const OPTION_KEYS = new Set(['scenarios', 'thresholds', 'vus', 'duration', 'iterations', 'discardResponseBodies',
  'summaryTrendStats', 'tags', 'userAgent', 'insecureSkipTLSVerify', 'batch', 'batchPerHost', 'maxRedirects',
  'setupTimeout', 'teardownTimeout', 'noColor', 'summaryTimeUnit']);

function positiveInt(value, what) {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${what} must be a positive integer, got ${value}`);
  return value;
}

function scenariosOf(options, overrides) {
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new ConfigError(`option "${key}" is not supported by this runner`);
  }
  const flat = { vus: options.vus, duration: options.duration, iterations: options.iterations, ...overrides };
  const useFlat = Object.keys(overrides).length > 0 || !options.scenarios;
  let scenarios;
  if (useFlat) {
    // k6's shortcuts: duration -> constant-vus, iterations -> shared-iterations, neither -> 1 iteration.
    const vus = flat.vus === undefined ? 1 : flat.vus;
    if (flat.duration !== undefined && flat.iterations === undefined) {
      scenarios = { default: { executor: 'constant-vus', vus, duration: flat.duration } };
    } else {
      scenarios = { default: { executor: 'shared-iterations', vus, iterations: flat.iterations === undefined ? 1 : flat.iterations, maxDuration: flat.duration || '10m' } };
    }
  } else {
    scenarios = options.scenarios;
  }
  return Object.entries(scenarios).map(([name, s]) => {
    const allowed = SCENARIO_KEYS[s.executor];
    if (!allowed) throw new ConfigError(`scenario ${name}: executor "${s.executor}" is not supported by this runner (constant-arrival-rate, constant-vus, per-vu-iterations, shared-iterations)`);
    for (const key of Object.keys(s)) {
      if (!allowed.includes(key) && !SCENARIO_KEYS.common.includes(key)) {
        throw new ConfigError(`scenario ${name}: "${key}" is not supported by this runner`);
      }
    }
    const sc = {
      name, executor: s.executor, exec: s.exec || 'default', tags: s.tags || {},
      startMs: s.startTime === undefined ? 0 : durationMs(s.startTime, `${name}.startTime`),
      gracefulStopMs: s.gracefulStop === undefined ? 30e3 : durationMs(s.gracefulStop, `${name}.gracefulStop`),
    };
    if (s.executor === 'constant-arrival-rate') {
      sc.rate = positiveInt(s.rate, `${name}.rate`);
      sc.timeUnitMs = s.timeUnit === undefined ? 1000 : durationMs(s.timeUnit, `${name}.timeUnit`);
      sc.durationMs = durationMs(s.duration, `${name}.duration`);
      sc.preVus = positiveInt(s.preAllocatedVUs, `${name}.preAllocatedVUs`);
      sc.maxVus = s.maxVUs === undefined ? sc.preVus : positiveInt(s.maxVUs, `${name}.maxVUs`);
      if (sc.maxVus < sc.preVus) throw new ConfigError(`${name}: maxVUs < preAllocatedVUs`);
    } else {
      sc.preVus = s.vus === undefined ? 1 : positiveInt(s.vus, `${name}.vus`);
      sc.maxVus = sc.preVus;
      if (s.executor === 'constant-vus') sc.durationMs = durationMs(s.duration, `${name}.duration`);
      else {
        sc.iterations = s.iterations === undefined ? 1 : positiveInt(s.iterations, `${name}.iterations`);
        sc.durationMs = durationMs(s.maxDuration === undefined ? '10m' : s.maxDuration, `${name}.maxDuration`);
      }
    }
    return sc;
  });
}

// A request that was not made (bad URL or parameter): k6's shape of an error response.
function failedResult(error, code) {
  return {
    status: 0, statusText: '', proto: '', headers: {}, body: null, url: '', error, errorCode: code,
    timings: { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 },
  };
}

// ---- VUs ------------------------------------------------------------------------------------
class Vu {
  constructor(id, run) {
    this.id = id;
    this.run = run;
    this.pending = null;
    this.dead = false;
    this.transport = new Transport(run.tls);
    this.flag = new Int32Array(new SharedArrayBuffer(4));
    const channel = new MessageChannel();
    this.replyPort = channel.port1;
    this.worker = new Worker(VU_FILE, {
      workerData: {
        id, scriptPath: run.scriptPath, env: run.env, flag: this.flag.buffer, replyPort: channel.port2,
        defaultResponseType: run.options.discardResponseBodies ? 'none' : 'text',
      },
      transferList: [channel.port2],
      stdout: false, stderr: false,
    });
    this.worker.on('message', (m) => this.onMessage(m));
    this.worker.on('error', (err) => this.settle({ type: 'error', error: String(err && err.stack ? err.stack : err), samples: [] }));
    this.worker.on('exit', () => {
      this.dead = true;
      this.settle({ type: 'error', error: 'VU exited', samples: [] });
    });
  }

  settle(message) {
    const p = this.pending;
    this.pending = null;
    if (p) p(message);
  }

  onMessage(m) {
    if (m.samples && m.samples.length) this.run.recordScriptSamples(m.samples, this.tags);
    if (m.type === 'http') {
      // Whatever happens, the blocked VU gets an answer: a bug here must not hang it.
      this.run.http(this, m).catch((err) => m.requests.map(() => failedResult(`runner: ${err.message}`, 1000)))
        .then((responses) => {
          if (this.dead) return;
          this.replyPort.postMessage(responses);
          Atomics.store(this.flag, 0, 1);
          Atomics.notify(this.flag, 0);
        });
      return;
    }
    this.settle(m);
  }

  // Sends a command and resolves with the worker's answer ('ready', 'done' or 'error').
  send(cmd) {
    if (this.dead) return Promise.resolve({ type: 'error', error: 'VU is stopped', samples: [] });
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage(cmd);
    });
  }

  async stop() {
    this.dead = true;
    this.transport.close();
    await this.worker.terminate();
  }
}

// ---- the run --------------------------------------------------------------------------------
class Run {
  constructor(args) {
    this.args = args;
    this.scriptPath = path.resolve(args.script);
    if (!fs.existsSync(this.scriptPath)) throw new ConfigError(`no such script: ${args.script}`);
    this.env = args.systemEnv ? { ...process.env, ...args.env } : { ...args.env };
    const caFile = args.cacert || process.env.SSL_CERT_FILE || null;
    this.caFile = caFile;
    this.tls = { ca: caFile ? fs.readFileSync(caFile, 'utf8') : undefined, insecure: args.insecure };
    this.nextVuId = 1;
    this.checkTree = new Map();   // group path -> Map(check name -> {passes, fails})
    this.groupsSeen = new Set();
    this.errors = new Map();      // message -> count (request errors and script exceptions)
    this.allVus = [];
    this.protocols = new Map();   // response protocol (HTTP/1.1, HTTP/2.0) -> requests
  }

  // Request errors and script exceptions: the first three of each kind on stderr (k6 logs each
  // one; at thousands per second that buries the summary), all counted in the summary.
  logOnce(kind, message, detail) {
    const key = `${kind}: ${message}`;
    const n = (this.errors.get(key) || 0) + 1;
    this.errors.set(key, n);
    if (n <= 3) {
      process.stderr.write(`${kind === 'request' ? 'WARN  Request Failed' : 'ERROR'} ${message}${detail ? ` ${detail}` : ''}`
        + `${n === 3 ? ' (more of these are counted, not shown)' : ''}\n`);
    }
  }

  recordScriptSamples(samples, vuTags) {
    for (const s of samples) {
      if (s[0] === 'check') {
        const [, name, group, ok, tags] = s;
        this.registry.add('checks', ok ? 1 : 0, { ...vuTags, ...(tags || {}), group, check: name });
        let byName = this.checkTree.get(group);
        if (!byName) { byName = new Map(); this.checkTree.set(group, byName); }
        const c = byName.get(name) || { passes: 0, fails: 0 };
        if (ok) c.passes += 1; else c.fails += 1;
        byName.set(name, c);
      } else if (s[0] === 'group') {
        this.groupsSeen.add(s[1]);
        this.registry.add('group_duration', s[2], { ...vuTags, group: s[1] });
      } else if (s[0] === 'metric') {
        const [, name, type, contains, value, group, tags] = s;
        this.registry.add(name, value, { ...vuTags, group, ...(tags || {}) }, type, contains);
      }
    }
  }

  // The requests of one http.request() or http.batch() call, at most `batchPerHost` at a time
  // per host and `batch` in all (k6's defaults 6 and 20), each following redirects.
  async http(vu, message) {
    const list = message.requests;
    const results = new Array(list.length);
    const limit = this.options.batch || 20;
    const perHost = this.options.batchPerHost || 6;
    const active = new Map();
    let next = 0;
    let running = 0;
    await new Promise((resolve) => {
      if (list.length === 0) { resolve(); return; }
      let done = 0;
      const hostOf = (r) => { try { return new URL(r.url).host; } catch { return ''; } };
      const pump = () => {
        for (let i = next; i < list.length && running < limit; i += 1) {
          if (results[i] !== undefined || list[i].started) continue;
          const host = hostOf(list[i]);
          if ((active.get(host) || 0) >= perHost) continue;
          list[i].started = true;
          active.set(host, (active.get(host) || 0) + 1);
          running += 1;
          this.one(vu, list[i], message.group).then((r) => {
            results[i] = r;
            running -= 1;
            active.set(host, active.get(host) - 1);
            done += 1;
            if (done === list.length) resolve(); else pump();
          });
        }
        while (next < list.length && list[next].started) next += 1;
      };
      pump();
    });
    return results;
  }

  async one(vu, req, group) {
    let url;
    let timeoutMs;
    try {
      url = new URL(req.url);
      timeoutMs = req.timeout === null ? 60e3 : durationMs(req.timeout, 'timeout');
    } catch (err) {
      const r = failedResult(url ? err.message : `invalid URL "${req.url}"`, url ? 1000 : 1020);
      r.url = req.url;
      this.logOnce('request', r.error);
      return r;
    }
    const headers = { 'User-Agent': this.userAgent, ...req.headers };
    let method = req.method;
    let body = req.body === null ? null : Buffer.from(req.body);
    let redirects = req.redirects === null ? (this.options.maxRedirects === undefined ? 10 : this.options.maxRedirects) : req.redirects;
    for (;;) {
      const r = await vu.transport.exchange({ method, url, headers, body, timeoutMs, wantBody: req.responseType !== 'none' });
      r.url = url.href;
      this.recordHttp(vu, req, r, url, method, group);
      const location = r.headers.Location;
      if (r.status >= 300 && r.status < 400 && r.status !== 304 && location && redirects > 0) {
        redirects -= 1;
        url = new URL(location, url);
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
          method = 'GET';
          body = null;
        }
        continue;
      }
      return r;
    }
  }

  recordHttp(vu, req, r, url, method, group) {
    const expected = req.expected === null ? null
      : req.expected.some((e) => r.status >= e.min && r.status <= e.max);
    const tags = {
      ...vu.tags, ...req.tags, group, method, url: url.href, name: req.tags.name || url.href,
      status: String(r.status), proto: r.proto,
    };
    if (expected !== null) tags.expected_response = String(expected);
    if (r.errorCode) {
      tags.error_code = String(r.errorCode);
      this.logOnce('request', `error="${r.error}"`, `url=${url.href}`);
    }
    const proto = r.proto || 'no response';
    this.protocols.set(proto, (this.protocols.get(proto) || 0) + 1);
    const reg = this.registry;
    const t = r.timings;
    reg.add('http_reqs', 1, tags);
    reg.add('http_req_duration', t.duration, tags);
    reg.add('http_req_blocked', t.blocked, tags);
    reg.add('http_req_connecting', t.connecting, tags);
    reg.add('http_req_tls_handshaking', t.tls_handshaking, tags);
    reg.add('http_req_sending', t.sending, tags);
    reg.add('http_req_waiting', t.waiting, tags);
    reg.add('http_req_receiving', t.receiving, tags);
    if (expected !== null) reg.add('http_req_failed', expected ? 0 : 1, tags);
    reg.add('data_sent', r.sent || 0, tags);
    reg.add('data_received', r.received || 0, tags);
    if (r.body) r.body = new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  }

  // A VU started during the run (constant-arrival-rate beyond preAllocatedVUs): init + setup data.
  async newVu(scenario) {
    const vu = await this.newVuNoData(scenario);
    const data = await vu.send({ cmd: 'data', json: this.setupJson });
    if (data.type !== 'done') throw new ScriptError(`VU ${vu.id}: ${data.error}`);
    return vu;
  }

  // One iteration on a VU: iteration metrics, script exceptions logged (the run goes on, as in k6).
  async iterate(vu, scenario) {
    const started = now();
    const m = await vu.send({ cmd: 'iter', exec: scenario.exec, iter: vu.iter });
    vu.iter += 1;
    if (vu.dead || this.stopping) return;
    if (m.type !== 'done') {
      this.logOnce('script', m.error);
      return;
    }
    if (m.error) this.logOnce('script', m.error);
    this.registry.add('iterations', 1, { ...vu.tags, group: '' });
    this.registry.add('iteration_duration', m.durationMs === undefined ? now() - started : m.durationMs, { ...vu.tags, group: '' });
  }

  // Waits for the iterations in flight, at most gracefulStop; returns the VUs still busy.
  async drain(inflight, graceMs) {
    let timer;
    const grace = new Promise((resolve) => { timer = setTimeout(resolve, graceMs); });
    await Promise.race([Promise.all([...inflight]), grace]);
    clearTimeout(timer);
  }

  async arrivalRate(sc, pool) {
    const period = sc.timeUnitMs / sc.rate;
    const idle = [...pool];
    let allocated = pool.length;
    let initializing = false;
    const inflight = new Set();
    const started = now();
    let index = 0;
    let ended = false;
    const startIteration = () => {
      const vu = idle.pop();
      if (!vu) {
        this.registry.add('dropped_iterations', 1, { ...(this.options.tags || {}), ...sc.tags, scenario: sc.name });
        // One more VU, initialized in the background one at a time, as k6 does: starting a
        // worker costs tens of ms of CPU, and starting hundreds at once on a saturated machine
        // would only deepen the saturation that made the VUs scarce.
        if (allocated < sc.maxVus && !initializing) {
          allocated += 1;
          initializing = true;
          this.newVu(sc).then((v) => { pool.push(v); if (!ended) idle.push(v); })
            .catch((err) => { allocated -= 1; if (!ended) this.logOnce('script', err.message); })
            .finally(() => { initializing = false; });
        }
        return;
      }
      const p = this.iterate(vu, sc).then(() => { inflight.delete(p); if (!vu.dead) idle.push(vu); });
      inflight.add(p);
    };
    for (;;) {
      const elapsed = now() - started;
      if (elapsed >= sc.durationMs) break;
      const due = Math.min(Math.floor(elapsed / period) + 1, Math.ceil(sc.durationMs / period));
      while (index < due) {
        startIteration();
        index += 1;
      }
      const wait = started + index * period - now();
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
    ended = true;
    await this.drain(inflight, sc.gracefulStopMs);
  }

  async constantVus(sc, pool) {
    const end = now() + sc.durationMs;
    const loops = pool.map(async (vu) => {
      while (now() < end && !vu.dead) await this.iterate(vu, sc);
    });
    await new Promise((resolve) => setTimeout(resolve, sc.durationMs));
    await this.drain(new Set(loops), sc.gracefulStopMs);
  }

  async iterationsExecutor(sc, pool) {
    const end = now() + sc.durationMs;
    let shared = sc.iterations;
    const loops = pool.map(async (vu) => {
      let own = sc.iterations;
      for (;;) {
        if (now() >= end || vu.dead) return;
        if (sc.executor === 'shared-iterations') {
          if (shared <= 0) return;
          shared -= 1;
        } else {
          if (own <= 0) return;
          own -= 1;
        }
        await this.iterate(vu, sc);
      }
    });
    let timer;
    await Promise.race([Promise.all(loops), new Promise((resolve) => { timer = setTimeout(resolve, sc.durationMs); })]);
    clearTimeout(timer);
    await this.drain(new Set(loops), sc.gracefulStopMs);
  }

  progress(startedAt) {
    if (this.args.quiet) return null;
    return setInterval(() => {
      const m = this.registry.metrics;
      const count = (name) => (m.get(name) ? m.get(name).sink.sum : 0);
      const failed = m.get('http_req_failed') ? m.get('http_req_failed').sink.passes : 0;
      process.stderr.write(`running ${((now() - startedAt) / 1000).toFixed(0)}s: ${count('iterations')} iterations, `
        + `${count('http_reqs')} requests (${failed} failed), ${count('dropped_iterations')} dropped, `
        + `${this.allVus.length} VUs\n`);
    }, 10e3);
  }

  async main() {
    // The init VU: reads the options (k6 runs the init context once for them too), then runs
    // setup(), teardown() and handleSummary() with __VU 0.
    const initVuId = this.nextVuId;
    this.nextVuId = 0;
    this.options = {};
    const first = new Vu(0, this);
    this.nextVuId = initVuId;
    first.tags = {};
    this.allVus.push(first);
    const ready = await first.send({ cmd: 'init' });
    if (ready.type !== 'ready') throw new ScriptError(ready.error);
    this.options = ready.options || {};
    this.exported = ready.exported;
    this.scenarios = scenariosOf(this.options, Object.fromEntries(Object.entries(this.args.overrides)));
    for (const sc of this.scenarios) {
      if (!this.exported.includes(sc.exec)) throw new ScriptError(`scenario ${sc.name}: the script exports no function "${sc.exec}"`);
    }
    if (this.options.insecureSkipTLSVerify) this.tls.insecure = true;
    this.userAgent = this.options.userAgent || `atelier-k6-runner/1 (node ${process.version}; not k6)`;
    this.trendStats = this.options.summaryTrendStats || ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
    try {
      this.registry = new Registry(this.options.thresholds, this.trendStats);
    } catch (err) {
      throw new ConfigError(err.message);
    }

    // Every VU up front (preAllocatedVUs / vus), as k6 initializes them before setup().
    this.setupJson = null;
    const pools = new Map();
    const inits = [];
    for (const sc of this.scenarios) {
      const pool = [];
      pools.set(sc.name, pool);
      for (let i = 0; i < sc.preVus; i += 1) inits.push(this.newVuNoData(sc).then((vu) => pool.push(vu)));
    }
    await Promise.all(inits);

    const startedAt = now();
    const setup = await first.send({ cmd: 'setup' });
    if (setup.type !== 'done') throw new ScriptError(`setup() failed: ${setup.error}`);
    this.setupJson = setup.result;
    for (const pool of pools.values()) {
      for (const vu of pool) {
        const r = await vu.send({ cmd: 'data', json: this.setupJson });
        if (r.type !== 'done') throw new ScriptError(r.error);
      }
    }
    await first.send({ cmd: 'data', json: this.setupJson });

    if (!this.args.quiet) {
      for (const sc of this.scenarios) {
        const what = sc.executor === 'constant-arrival-rate'
          ? `${sc.rate} iterations per ${sc.timeUnitMs / 1000}s for ${sc.durationMs / 1000}s, ${sc.preVus}..${sc.maxVus} VUs`
          : `${sc.preVus} VUs, ${sc.iterations === undefined ? `${sc.durationMs / 1000}s` : `${sc.iterations} iterations`}`;
        process.stderr.write(`scenario ${sc.name}: ${sc.executor}, ${what}${this.caFile ? `; CA ${this.caFile}` : ''}\n`);
      }
    }
    const ticker = this.progress(startedAt);
    await Promise.all(this.scenarios.map(async (sc) => {
      if (sc.startMs > 0) await new Promise((resolve) => setTimeout(resolve, sc.startMs));
      const pool = pools.get(sc.name);
      if (sc.executor === 'constant-arrival-rate') await this.arrivalRate(sc, pool);
      else if (sc.executor === 'constant-vus') await this.constantVus(sc, pool);
      else await this.iterationsExecutor(sc, pool);
    }));
    this.stopping = true;
    if (ticker) clearInterval(ticker);
    const busy = this.allVus.filter((vu) => vu !== first && vu.pending);
    if (busy.length > 0) process.stderr.write(`${busy.length} iterations interrupted after gracefulStop\n`);
    // Interrupted iterations end here: their VUs stop, so no late request adds to the summary.
    await Promise.all(busy.map((vu) => vu.stop()));

    const teardown = await first.send({ cmd: 'teardown' });
    if (teardown.type !== 'done') throw new ScriptError(`teardown() failed: ${teardown.error}`);
    const testRunDurationMs = now() - startedAt;
    const vusMax = this.allVus.length - 1;
    this.registry.add('vus', 0, {});
    this.registry.add('vus_max', vusMax, {});

    const durationS = testRunDurationMs / 1000;
    let results;
    try {
      results = this.registry.evaluate(durationS);
    } catch (err) {
      throw new ConfigError(err.message);
    }
    const data = {
      root_group: this.rootGroup(),
      options: { summaryTrendStats: this.trendStats, summaryTimeUnit: '', noColor: false },
      state: { isStdOutTTY: Boolean(process.stdout.isTTY), isStdErrTTY: Boolean(process.stderr.isTTY), testRunDurationMs },
      metrics: this.registry.summaryMetrics(durationS, results),
      setup_data: this.setupJson === null ? undefined : JSON.parse(this.setupJson),
    };
    if (this.exported.includes('handleSummary')) {
      const out = await first.send({ cmd: 'summary', data });
      if (out.type !== 'done') throw new ScriptError(`handleSummary() failed: ${out.error}`);
      for (const [target, content] of Object.entries(out.result)) {
        if (target === 'stdout') process.stdout.write(content);
        else if (target === 'stderr') process.stderr.write(content);
        else fs.writeFileSync(target, content);
      }
    } else {
      process.stdout.write(defaultSummary(data));
    }
    await Promise.all(this.allVus.map((vu) => vu.stop()));
    const failed = results.filter((r) => !r.ok);
    for (const [key, n] of this.errors) if (n > 3) process.stderr.write(`${n} x ${key}\n`);
    // Not in k6's summary data: which protocol the answers came in (ALPN's choice for https).
    if (!this.args.quiet || this.protocols.size > 0) {
      process.stderr.write(`requests by protocol: ${[...this.protocols].map(([p, n]) => `${p}=${n}`).join(' ') || 'none'}\n`);
    }
    for (const r of failed) process.stderr.write(`threshold ${r.key}: ${r.expression} failed (${r.actual})\n`);
    return failed.length > 0 ? EXIT.thresholds : 0;
  }

  async newVuNoData(sc) {
    const vu = new Vu(this.nextVuId, this);
    this.nextVuId += 1;
    vu.tags = { ...(this.options.tags || {}), ...sc.tags, scenario: sc.name };
    vu.iter = 0;
    this.allVus.push(vu);
    const ready = await vu.send({ cmd: 'init' });
    if (ready.type !== 'ready') throw new ScriptError(`VU ${vu.id} init: ${ready.error}`);
    return vu;
  }

  rootGroup() {
    const id = (p) => createHash('md5').update(p).digest('hex');
    const make = (groupPath, name) => ({ name, path: groupPath, id: id(groupPath), groups: [], checks: [] });
    const root = make('', '');
    const nodes = new Map([['', root]]);
    const node = (groupPath) => {
      if (nodes.has(groupPath)) return nodes.get(groupPath);
      const cut = groupPath.lastIndexOf('::');
      const parent = node(groupPath.slice(0, cut));
      const g = make(groupPath, groupPath.slice(cut + 2));
      parent.groups.push(g);
      nodes.set(groupPath, g);
      return g;
    };
    for (const g of this.groupsSeen) node(g);
    for (const [groupPath, byName] of this.checkTree) {
      const g = node(groupPath);
      for (const [name, c] of byName) {
        g.checks.push({ name, path: `${groupPath}::${name}`, id: id(`${groupPath}::${name}`), passes: c.passes, fails: c.fails });
      }
    }
    return root;
  }
}

// Summary without handleSummary: one line per metric, like k6's end-of-test text.
function defaultSummary(data) {
  const lines = [''];
  const fmt = (m, v) => (m.contains === 'time' ? `${v.toFixed(2)}ms` : m.contains === 'data' ? `${v} B` : `${Number(v.toFixed(6))}`);
  for (const name of Object.keys(data.metrics).sort()) {
    const m = data.metrics[name];
    let text;
    if (m.type === 'trend') text = Object.entries(m.values).map(([k, v]) => `${k}=${fmt(m, v)}`).join(' ');
    else if (m.type === 'rate') text = `${(100 * m.values.rate).toFixed(2)}% ✓ ${m.values.passes} ✗ ${m.values.fails}`;
    else if (m.type === 'counter') text = `${fmt(m, m.values.count)} ${m.values.rate.toFixed(2)}/s`;
    else text = `${m.values.value} min=${m.values.min} max=${m.values.max}`;
    const marks = m.thresholds ? Object.entries(m.thresholds).map(([e, r]) => ` [${r.ok ? 'ok' : 'FAIL'} ${e}]`).join('') : '';
    lines.push(`  ${name.padEnd(40, '.')}: ${text}${marks}`);
  }
  lines.push('');
  return lines.join('\n');
}

async function mainCli() {
  let run = null;
  try {
    const args = parseArgs(process.argv.slice(2));
    run = new Run(args);
    return await run.main();
  } catch (err) {
    if (run) await Promise.all(run.allVus.map((vu) => vu.stop().catch(() => {})));
    if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n${err.message === 'no script given' ? `${USAGE}\n` : ''}`);
      return EXIT.config;
    }
    process.stderr.write(`ERROR ${err instanceof ScriptError ? err.message : err.stack}\n`);
    return EXIT.script;
  }
}

process.exitCode = await mainCli();
