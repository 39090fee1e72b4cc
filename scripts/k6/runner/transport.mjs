// HTTP client of the k6-compatible runner (main thread). One Transport per VU, like k6's per-VU
// connection pool: http:// over HTTP/1.1 keep-alive (one connection per request in flight, reused
// afterwards); https:// negotiates ALPN on the first connection to an origin and, when the server
// offers h2, sends every request of that VU to that origin as a stream of one HTTP/2 connection
// (k6/Go does the same); otherwise HTTP/1.1 keep-alive over TLS. Errors (refused, reset, TLS,
// timeout) become results with status 0 and k6's error codes, never exceptions.
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';

const now = () => performance.now();
const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);

// Headers HTTP/2 forbids (RFC 9113 §8.2.2); Go drops them from an h2 request, so do we.
const H2_DROP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

// Go's textproto.CanonicalMIMEHeaderKey: k6 scripts read `res.headers['Content-Type']`, `Etag`.
export function canonicalHeader(name) {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
}

class RequestError extends Error {
  constructor(message, code) {
    super(message);
    this.k6code = code;
  }
}

// k6's error codes (https://grafana.com/docs/k6/latest/javascript-api/error-codes/) and messages
// close to Go's, so that `error_code` tags and res.error read the same.
export function classify(err, url) {
  if (err instanceof RequestError) return { error: err.message, code: err.k6code };
  const addr = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  switch (err.code) {
    case 'ECONNREFUSED': return { error: `dial tcp ${addr}: connect: connection refused`, code: 1212 };
    case 'ETIMEDOUT': return { error: `dial tcp ${addr}: i/o timeout`, code: 1211 };
    case 'ENOTFOUND': case 'EAI_AGAIN': return { error: `lookup ${url.hostname}: no such host`, code: 1101 };
    case 'ECONNRESET': return { error: `read tcp ${addr}: connection reset by peer`, code: 1220 };
    case 'EPIPE': return { error: `write tcp ${addr}: broken pipe`, code: 1201 };
    case 'EHOSTUNREACH': case 'ENETUNREACH': return { error: `dial tcp ${addr}: ${err.message}`, code: 1210 };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE': case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT': case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return { error: `x509: certificate signed by unknown authority (${err.code})`, code: 1310 };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { error: `x509: certificate is not valid for ${url.hostname}`, code: 1311 };
    case 'CERT_HAS_EXPIRED': return { error: 'x509: certificate has expired', code: 1300 };
    default:
      if (/^ERR_HTTP2/.test(err.code || '')) return { error: `http2: ${err.message}`, code: 1600 };
      if (/SSL|TLS/.test(err.code || '')) return { error: `tls: ${err.message}`, code: 1300 };
      return { error: err.message || String(err), code: 1000 };
  }
}

async function decode(body, encoding) {
  if (!encoding) return body;
  // Content-Encoding lists codings in the order applied: undo them from the last.
  const codings = encoding.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'identity');
  let out = body;
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = await gunzip(out);
    else if (coding === 'br') out = await brotli(out);
    else if (coding === 'deflate') {
      try { out = await inflate(out); } catch { out = await inflateRaw(out); }
    } else throw new RequestError(`unsupported Content-Encoding ${coding}`, 1701);
  }
  return out;
}

function joinHeaders(pairs) {
  const out = {};
  for (const [name, value] of pairs) {
    const key = canonicalHeader(name);
    out[key] = out[key] === undefined ? String(value) : `${out[key]}, ${value}`;
  }
  return out;
}

export class Transport {
  // cfg: { ca (PEM string or undefined), insecure (bool) }
  constructor(cfg) {
    this.cfg = cfg;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    this.httpsAgent = new https.Agent({
      keepAlive: true, maxSockets: Infinity, ca: cfg.ca, rejectUnauthorized: !cfg.insecure,
      ALPNProtocols: ['http/1.1'],
    });
    this.origins = new Map();  // https origin -> { proto: 'h2'|'http/1.1', session } or { pending }
    this.closed = false;
  }

  close() {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    for (const entry of this.origins.values()) {
      if (entry.session) entry.session.destroy();
    }
    this.origins.clear();
  }

  // The first connection to an https origin decides its protocol (ALPN); an h2 connection is
  // kept and shared by the VU's requests until the server closes it.
  connectTls(url, timings) {
    const origin = url.origin;
    const entry = this.origins.get(origin);
    if (entry && entry.session && !entry.session.closed && !entry.session.destroyed) return Promise.resolve(entry);
    if (entry && entry.proto === 'http/1.1') return Promise.resolve(entry);
    if (entry && entry.pending) return entry.pending;
    const port = Number(url.port || 443);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const pending = new Promise((resolve, reject) => {
      const started = now();
      let connected = 0;
      const socket = tls.connect({
        host, port, servername: net.isIP(host) ? undefined : host, ca: this.cfg.ca,
        rejectUnauthorized: !this.cfg.insecure, ALPNProtocols: ['h2', 'http/1.1'],
      });
      socket.once('connect', () => { connected = now(); });
      socket.once('error', (err) => { this.origins.delete(origin); reject(err); });
      socket.once('secureConnect', () => {
        const done = now();
        if (timings) {
          timings.connecting = (connected || done) - started;
          timings.tls_handshaking = done - (connected || started);
        }
        socket.removeAllListeners('error');
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy();
          const result = { proto: 'http/1.1' };
          this.origins.set(origin, result);
          resolve(result);
          return;
        }
        const session = http2.connect(origin, { createConnection: () => socket });
        const result = { proto: 'h2', session };
        const drop = () => { if (this.origins.get(origin) === result) this.origins.delete(origin); };
        session.on('error', drop);
        session.on('close', drop);
        session.on('goaway', drop);
        this.origins.set(origin, result);
        resolve(result);
      });
    });
    this.origins.set(origin, { pending });
    return pending;
  }

  // One exchange, no redirects. req: { method, url (URL), headers, body (Buffer|null),
  // timeoutMs, wantBody }. Resolves { status, statusText, proto, headers, body, timings,
  // error, errorCode, sent, received, remoteIp, remotePort, tlsVersion }.
  async exchange(req) {
    const timings = { blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0, duration: 0 };
    const start = now();
    let timer = null;
    let abort = null;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        reject(new RequestError('request timeout', 1050));
        if (abort) abort();
      }, req.timeoutMs);
    });
    try {
      let result;
      if (req.url.protocol === 'https:') {
        const entry = await Promise.race([this.connectTls(req.url, timings), timeout]);
        if (entry.proto === 'h2') {
          timings.blocked = now() - start - timings.connecting - timings.tls_handshaking;
          result = await Promise.race([this.h2(entry.session, req, timings, (fn) => { abort = fn; }), timeout]);
        } else {
          timings.connecting = 0;
          timings.tls_handshaking = 0;
          result = await Promise.race([this.h1(https, this.httpsAgent, req, timings, start, (fn) => { abort = fn; }), timeout]);
        }
      } else if (req.url.protocol === 'http:') {
        result = await Promise.race([this.h1(http, this.httpAgent, req, timings, start, (fn) => { abort = fn; }), timeout]);
      } else {
        throw new RequestError(`unsupported protocol scheme "${req.url.protocol.replace(':', '')}"`, 1020);
      }
      if (req.wantBody && result.body.length > 0) {
        result.body = await Promise.race([decode(result.body, result.headers['Content-Encoding']), timeout]);
      } else if (!req.wantBody) {
        result.body = null;
      }
      timings.duration = timings.sending + timings.waiting + timings.receiving;
      result.timings = timings;
      return result;
    } catch (err) {
      if (abort) abort();
      const { error, code } = classify(err, req.url);
      const elapsed = now() - start;
      // A failed request still has a duration (k6 records it): whatever was spent after the
      // connection, or all of it when no connection was made.
      const rest = Math.max(0, elapsed - timings.blocked - timings.connecting - timings.tls_handshaking - timings.sending);
      if (timings.waiting === 0) timings.waiting = rest;
      else timings.receiving = Math.max(0, rest - timings.waiting);
      timings.duration = timings.sending + timings.waiting + timings.receiving;
      return {
        status: 0, statusText: '', proto: '', headers: {}, body: null, timings, error, errorCode: code,
        sent: 0, received: 0, remoteIp: '', remotePort: 0, tlsVersion: '',
      };
    } finally {
      clearTimeout(timer);
    }
  }

  h1(module, agent, req, timings, start, setAbort) {
    return new Promise((resolve, reject) => {
      let ready = 0;
      let finished = 0;
      let responded = 0;
      const url = req.url;
      const r = module.request({
        protocol: url.protocol, hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || undefined,
        path: url.pathname + url.search, method: req.method, headers: req.headers, agent,
      });
      setAbort(() => r.destroy());
      r.once('error', reject);
      r.once('socket', (socket) => {
        const t = now();
        if (socket.connecting || (module === https && !socket.encrypted)) {
          timings.blocked = t - start;
          let connected = 0;
          socket.once('connect', () => {
            connected = now();
            timings.connecting = connected - t;
            if (module === http) ready = connected;
          });
          socket.once('secureConnect', () => {
            ready = now();
            timings.tls_handshaking = ready - (connected || t);
          });
        } else {
          timings.blocked = t - start;
          ready = t;
        }
      });
      r.once('finish', () => {
        finished = now();
        timings.sending = finished - (ready || finished);
      });
      r.once('response', (res) => {
        responded = now();
        timings.waiting = responded - (finished || responded);
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.once('error', reject);
        res.once('aborted', () => reject(new RequestError('unexpected EOF', 1000)));
        res.once('end', () => {
          timings.receiving = now() - responded;
          const pairs = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          const socket = r.socket || {};
          resolve({
            status: res.statusCode, statusText: `${res.statusCode} ${res.statusMessage || ''}`.trim(),
            proto: `HTTP/${res.httpVersion}`, headers: joinHeaders(pairs), body: Buffer.concat(chunks),
            error: '', errorCode: 0,
            sent: (req.body ? req.body.length : 0) + 64 + Object.entries(req.headers).reduce((n, [k, v]) => n + k.length + String(v).length + 4, 0),
            // Bytes on the wire, approximately: status line, headers and the (encoded) body.
            received: 17 + res.rawHeaders.reduce((n, v) => n + v.length + 2, 0) + chunks.reduce((n, c) => n + c.length, 0),
            remoteIp: socket.remoteAddress || '', remotePort: socket.remotePort || 0,
            tlsVersion: socket.getProtocol ? socket.getProtocol() || '' : '',
          });
        });
      });
      r.end(req.body || undefined);
    });
  }

  h2(session, req, timings, setAbort) {
    return new Promise((resolve, reject) => {
      const url = req.url;
      const headers = {
        ':method': req.method, ':path': url.pathname + url.search, ':scheme': 'https', ':authority': url.host,
      };
      let sent = 0;
      for (const [name, value] of Object.entries(req.headers)) {
        const lower = name.toLowerCase();
        if (H2_DROP.has(lower)) continue;
        headers[lower] = value;
        sent += lower.length + String(value).length;
      }
      const started = now();
      let stream;
      try {
        stream = session.request(headers, { endStream: !req.body });
      } catch (err) {
        reject(err);
        return;
      }
      setAbort(() => stream.close(http2.constants.NGHTTP2_CANCEL));
      let responded = 0;
      let status = 0;
      let responseHeaders = {};
      const chunks = [];
      let size = 0;
      stream.once('error', reject);
      if (req.body) {
        stream.end(req.body);
        stream.once('finish', () => { timings.sending = now() - started; });
      }
      stream.once('response', (h) => {
        responded = now();
        timings.waiting = responded - started - timings.sending;
        status = Number(h[':status']);
        const pairs = [];
        for (const [name, value] of Object.entries(h)) {
          if (name.startsWith(':')) continue;
          for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, v]);
          size += name.length + String(value).length;
        }
        responseHeaders = joinHeaders(pairs);
      });
      stream.on('data', (chunk) => { chunks.push(chunk); size += chunk.length; });
      stream.once('end', () => {
        timings.receiving = now() - (responded || now());
        const socket = session.socket || {};
        resolve({
          status, statusText: `${status} ${http.STATUS_CODES[status] || ''}`.trim(), proto: 'HTTP/2.0',
          headers: responseHeaders, body: Buffer.concat(chunks), error: '', errorCode: 0,
          sent: sent + (req.body ? req.body.length : 0), received: size,
          remoteIp: socket.remoteAddress || '', remotePort: socket.remotePort || 0,
          tlsVersion: socket.getProtocol ? socket.getProtocol() || '' : '',
        });
      });
      stream.once('close', () => {
        if (!responded || stream.rstCode) {
          reject(new RequestError(`stream error: stream ID ${stream.id}; code ${stream.rstCode}`, 1630));
        }
      });
    });
  }
}
