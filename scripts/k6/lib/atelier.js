// Shared parts of the k6 load tests: settings from the environment, id draws, the requests the
// product page makes, the constant-arrival-rate scenario with its thresholds, and a readable
// summary. The scenarios' numbers (id range, page-view mix, revisit share, Accept-Encoding, list
// page size) come from scripts/lib/scenarios.json, which scripts/bench-lib/scenarios.lua (wrk)
// reads too: one definition for both.
//
// Environment (k6 run -e NAME=value):
//   BASE_URL        API root, e.g. https://staging.example.com (no trailing slash needed)
//   RATE            target arrival rate: iterations per second (one request each, or one page view
//                   in page_view.js)                                            default 100
//   DURATION        k6 duration string                                          default 1m
//   P99_MS          p99 latency threshold in ms                                 default 100
//   MAX_PRODUCT_ID  largest product id; ids are drawn from its last 10%         default 1000011
//   PRE_VUS/MAX_VUS VUs allocated up front / at most                     default RATE/20 / RATE
//   SUMMARY_JSON    also write k6's summary data to this file
//   ACCEPT_ENCODING Accept-Encoding of every request            default gzip, deflate, br (browsers)
//   IDENTITY        1: ask for identity bodies instead (Accept-Encoding: identity)
//   REVISIT_SHARE   page_view.js: share of views that revisit a page with If-None-Match
//                                                          default scripts/lib/scenarios.json's
import http from 'k6/http';
import { check, fail } from 'k6';

// The shared numbers. open() at a module's top level reads relative to that module (k6's rule,
// and scripts/k6/run's): scripts/k6/lib/../../lib/scenarios.json.
export const SCENARIOS = JSON.parse(open('../../lib/scenarios.json'));

function envNumber(name, fallback) {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) fail(`${name} must be a positive number, got "${raw}"`);
  return value;
}

export const settings = {
  baseUrl: (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, ''),
  rate: Math.round(envNumber('RATE', 100)),
  duration: __ENV.DURATION || '1m',
  p99Ms: envNumber('P99_MS', 100),
  maxProductId: Math.floor(envNumber('MAX_PRODUCT_ID', 1000011)),
  // What browsers send; k6 inflates gzip and br bodies itself, so the checks read JSON either way.
  acceptEncoding: __ENV.IDENTITY === '1' ? 'identity'
    : (__ENV.ACCEPT_ENCODING || SCENARIOS.browser_accept_encoding),
  revisitShare: __ENV.REVISIT_SHARE === undefined || __ENV.REVISIT_SHARE === ''
    ? SCENARIOS.page_view.revisit : Number(__ENV.REVISIT_SHARE),
};
if (!(settings.revisitShare >= 0 && settings.revisitShare <= 1)) {
  fail(`REVISIT_SHARE must be 0..1, got "${__ENV.REVISIT_SHARE}"`);
}
settings.preVus = Math.round(envNumber('PRE_VUS', Math.max(20, Math.ceil(settings.rate / 20))));
settings.maxVus = Math.round(envNumber('MAX_VUS', Math.max(200, settings.rate, settings.preVus)));

// Load tests of this API draw ids from the last 10% of the catalog, the cold end of the tables
// (CONTRACT §5): 900010..1000011 for the full catalog.
export const coldRange = {
  low: Math.max(1, Math.ceil(settings.maxProductId * SCENARIOS.cold_range_start)),
  high: settings.maxProductId,
};

// A product page asks for the product, its styles and its related ids; per page view it reads the
// cart with this probability and adds to it with that one.
export const PAGE_VIEW_CART_READ = SCENARIOS.page_view.cart_read;
export const PAGE_VIEW_CART_ADD = SCENARIOS.page_view.cart_add;
// Share of page views that revisit a page seen before with If-None-Match (expecting 304).
export const PAGE_VIEW_REVISIT = settings.revisitShare;
export const LIST_PAGE_SIZE = SCENARIOS.list_page_size;
// cart.js: share of iterations that add (the rest read the cart).
export const CART_ADD_SHARE = SCENARIOS.cart_add_share;
const CART_SESSIONS = 1000;

export function randomInt(low, high) {
  return low + Math.floor(Math.random() * (high - low + 1));
}

export function productId() {
  return randomInt(coldRange.low, coldRange.high);
}

// One entry per endpoint: the request's tags group URLs under one name (ids would otherwise make
// one time series per URL) and `endpoint` feeds the per-endpoint thresholds. Only 200 (201 for a
// cart POST) counts as success (CONTRACT §5).
const ENDPOINTS = {
  product: { name: 'GET /products/:id', status: 200 },
  styles: { name: 'GET /products/:id/styles', status: 200 },
  related: { name: 'GET /products/:id/related', status: 200 },
  products: { name: 'GET /products?page&count', status: 200 },
  cart_get: { name: 'GET /cart', status: 200 },
  cart_post: { name: 'POST /cart', status: 201 },
};

function params(endpoint, headers, revisit) {
  const spec = ENDPOINTS[endpoint];
  return {
    headers: Object.assign({ Connection: 'keep-alive', 'Accept-Encoding': settings.acceptEncoding },
      headers || {}),
    tags: { name: spec.name, endpoint },
    // A revisit sends If-None-Match: 304 for an unchanged product, 200 for one that changed.
    responseCallback: revisit ? http.expectedStatuses(spec.status, 304)
      : http.expectedStatuses(spec.status),
    // Bodies are discarded by default (options below); the checks read these few as text.
    responseType: 'text',
    timeout: '5s',
  };
}

function cartSession(runId) {
  // <prefix><n, 24 digits>: at least the 20 characters a cart token needs, and the form
  // scripts/lib/common.sh bench_carts_delete_sql finds sessions by (they are stored keyed).
  return `k6-${runId}-${String(randomInt(1, CART_SESSIONS)).padStart(SCENARIOS.session_digits, '0')}`;
}

// The three bodies of a product page again, with the ETags of the earlier visit.
function revisitRequest(endpoint, url, etag) {
  return {
    method: 'GET', url, params: params(endpoint, { 'If-None-Match': etag }, true),
    check: (r) => r.status === 304 || r.status === 200,
  };
}

export function revisitRequests(page) {
  return [
    revisitRequest('product', `${settings.baseUrl}/products/${page.id}`, page.etags[0]),
    revisitRequest('styles', `${settings.baseUrl}/products/${page.id}/styles`, page.etags[1]),
    revisitRequest('related', `${settings.baseUrl}/products/${page.id}/related`, page.etags[2]),
  ];
}

// Request descriptions in http.batch() form plus the check that goes with each.
export const requests = {
  product(id) {
    return {
      method: 'GET', url: `${settings.baseUrl}/products/${id}`, params: params('product'),
      check: (r) => r.status === 200 && r.body.indexOf(`{"id":${id},`) === 0,
    };
  },
  styles(id) {
    return {
      method: 'GET', url: `${settings.baseUrl}/products/${id}/styles`, params: params('styles'),
      check: (r) => r.status === 200 && r.body.indexOf(`{"product_id":"${id}"`) === 0,
    };
  },
  related(id) {
    return {
      method: 'GET', url: `${settings.baseUrl}/products/${id}/related`, params: params('related'),
      check: (r) => r.status === 200 && r.body.charAt(0) === '[',
    };
  },
  productsPage() {
    const page = randomInt(Math.ceil(coldRange.low / LIST_PAGE_SIZE),
      Math.ceil(coldRange.high / LIST_PAGE_SIZE));
    return {
      method: 'GET',
      url: `${settings.baseUrl}/products?page=${page}&count=${LIST_PAGE_SIZE}`,
      params: params('products'),
      check: (r) => r.status === 200 && r.body.charAt(0) === '[',
    };
  },
  cartRead(runId) {
    return {
      method: 'GET', url: `${settings.baseUrl}/cart`,
      params: params('cart_get', { Authorization: cartSession(runId) }),
      check: (r) => r.status === 200 && r.body.charAt(0) === '[',
    };
  },
  cartAdd(runId, skuId) {
    return {
      method: 'POST', url: `${settings.baseUrl}/cart`, body: JSON.stringify({ sku_id: skuId }),
      params: params('cart_post', {
        Authorization: cartSession(runId), 'Content-Type': 'application/json',
      }),
      check: (r) => r.status === 201,
    };
  },
};

// Sends one request (or several in parallel, as a browser does) and checks each answer.
export function send(list) {
  const batch = list.map((req) => ({
    method: req.method, url: req.url, body: req.body || null, params: req.params,
  }));
  const responses = list.length === 1
    ? [http.request(batch[0].method, batch[0].url, batch[0].body, batch[0].params)]
    : http.batch(batch);
  for (let i = 0; i < list.length; i += 1) {
    check(responses[i], { [`${ENDPOINTS[list[i].params.tags.endpoint].name} answered`]: list[i].check });
  }
  return responses;
}

// setup() for scripts that add to carts: a run id that names this run's cart sessions, and sku
// ids that exist, read from the styles of a few products in the id range (no database needed).
export function prepareCart(sampleProducts) {
  const skus = [];
  const count = sampleProducts || 40;
  for (let i = 0; i < count && skus.length < 500; i += 1) {
    const id = productId();
    const res = http.get(`${settings.baseUrl}/products/${id}/styles`,
      { responseType: 'text', tags: { name: 'setup: sku sample' } });
    if (res.status !== 200) continue;
    const styles = JSON.parse(res.body).results || [];
    for (const style of styles) {
      for (const sku of Object.keys(style.skus || {})) {
        if (sku !== 'null') skus.push(Number(sku));
      }
    }
  }
  if (skus.length === 0) fail(`no sku found in ${count} products of ${settings.baseUrl}`);
  return { runId: `${Date.now()}`, skus };
}

export function pick(list) {
  return list[randomInt(0, list.length - 1)];
}

// The k6 options of every script: one constant-arrival-rate scenario plus thresholds.
// `endpoints` lists the endpoint tags the script uses; each gets its own p99 threshold so that the
// summary reports it separately.
export function makeOptions(scenarioName, endpoints) {
  const p99 = `p(99)<${settings.p99Ms}`;
  const thresholds = {
    http_req_failed: ['rate<0.001'],
    http_req_duration: [p99],
  };
  for (const endpoint of endpoints) {
    thresholds[`http_req_duration{endpoint:${endpoint}}`] = [p99];
    thresholds[`http_req_failed{endpoint:${endpoint}}`] = ['rate<0.001'];
  }
  return {
    discardResponseBodies: true,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'],
    scenarios: {
      [scenarioName]: {
        executor: 'constant-arrival-rate',
        rate: settings.rate,
        timeUnit: '1s',
        duration: settings.duration,
        preAllocatedVUs: settings.preVus,
        maxVUs: settings.maxVus,
        gracefulStop: '10s',
      },
    },
    thresholds,
  };
}

function fixed(value, digits) {
  return value === undefined || value === null ? '-' : Number(value).toFixed(digits);
}

function trendLine(label, values) {
  if (!values) return null;
  return `  ${label.padEnd(30)} p50 ${fixed(values.med, 1).padStart(8)}  p90 ${fixed(values['p(90)'], 1).padStart(8)}`
    + `  p95 ${fixed(values['p(95)'], 1).padStart(8)}  p99 ${fixed(values['p(99)'], 1).padStart(8)}`
    + `  max ${fixed(values.max, 1).padStart(8)}   (ms)`;
}

// Human-readable summary of k6's end-of-test data (handleSummary receives it).
export function summaryText(data, scenarioName) {
  const m = data.metrics;
  const value = (name, key) => (m[name] && m[name].values ? m[name].values[key] : undefined);
  const seconds = data.state && data.state.testRunDurationMs ? data.state.testRunDurationMs / 1000 : 0;
  const lines = [];
  lines.push('');
  lines.push(`== k6 ${scenarioName} against ${settings.baseUrl} ==`);
  lines.push(`load        constant arrival ${settings.rate}/s for ${settings.duration}`
    + `, ids ${coldRange.low}..${coldRange.high} uniform`);
  const iterationRate = value('iterations', 'rate');
  lines.push(`achieved    ${fixed(iterationRate, 1)} iterations/s, ${fixed(value('http_reqs', 'rate'), 1)} requests/s`
    + `, ${value('http_reqs', 'count') || 0} requests in ${fixed(seconds, 1)} s`);
  const dropped = value('dropped_iterations', 'count') || 0;
  if (dropped > 0) {
    lines.push(`WARNING     ${dropped} iterations dropped: not enough VUs (raise MAX_VUS) or the target is`
      + ' saturated; the achieved rate is below RATE');
  }
  const failedRate = value('http_req_failed', 'rate');
  lines.push(`failed      ${fixed(100 * (failedRate || 0), 3)}% of requests (not 200, 201 for a cart POST, 304 for a revisit)`);
  lines.push(`checks      ${fixed(100 * (value('checks', 'rate') || 0), 3)}% passed`);
  lines.push('latency');
  const overall = trendLine('all requests', m.http_req_duration && m.http_req_duration.values);
  if (overall) lines.push(overall);
  for (const name of Object.keys(m).sort()) {
    const match = /^http_req_duration\{endpoint:(.+)\}$/.exec(name);
    if (match) lines.push(trendLine(ENDPOINTS[match[1]] ? ENDPOINTS[match[1]].name : match[1], m[name].values));
  }
  lines.push('thresholds');
  let allOk = true;
  for (const name of Object.keys(m).sort()) {
    const thresholds = m[name].thresholds;
    if (!thresholds) continue;
    for (const expression of Object.keys(thresholds)) {
      const ok = thresholds[expression].ok;
      allOk = allOk && ok;
      lines.push(`  ${ok ? 'ok  ' : 'FAIL'}  ${name}: ${expression}`);
    }
  }
  lines.push(`result      ${allOk ? 'all thresholds met' : 'THRESHOLDS FAILED'}`);
  lines.push('');
  return lines.join('\n');
}

// handleSummary body shared by every script: text on stdout, k6's raw data on request.
export function summaryOutputs(data, scenarioName) {
  const outputs = { stdout: summaryText(data, scenarioName) };
  if (__ENV.SUMMARY_JSON) outputs[__ENV.SUMMARY_JSON] = JSON.stringify(data, null, 2);
  return outputs;
}
