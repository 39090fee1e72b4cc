// Selftest of the k6 scripts without k6 (which is not installable here): imports each script in
// node with mocked k6 modules, checks its options, runs setup() and many iterations, checks the
// URLs, ids and mix, and renders handleSummary() from synthetic end-of-test data.
//   node scripts/k6/selftest/run.mjs
import { register } from 'node:module';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import './open.mjs';

globalThis.__ENV = {
  BASE_URL: 'http://127.0.0.1:9/',
  RATE: '2000',
  DURATION: '30s',
  P99_MS: '50',
  MAX_PRODUCT_ID: '1000011',
};
register('./loader.mjs', import.meta.url);

const http = (await import('k6/http')).sent;
const k6 = (await import('k6')).recorded;
const lib = await import('../lib/atelier.js');

assert.equal(lib.coldRange.low, 900010, 'last 10% starts at 900010 (CONTRACT §5)');
assert.equal(lib.coldRange.high, 1000011);
assert.equal(lib.settings.baseUrl, 'http://127.0.0.1:9', 'trailing slash dropped');

const ITERATIONS = 4000;
const scripts = ['product', 'styles', 'related', 'products', 'cart', 'page_view'];
let failures = 0;

for (const name of scripts) {
  const script = await import(`../${name}.js`);
  const scenario = script.options.scenarios[name];
  assert.equal(scenario.executor, 'constant-arrival-rate', `${name}: executor`);
  assert.equal(scenario.rate, 2000, `${name}: rate`);
  assert.equal(scenario.duration, '30s', `${name}: duration`);
  assert.deepEqual(script.options.thresholds.http_req_failed, ['rate<0.001'], `${name}: failed threshold`);
  assert.deepEqual(script.options.thresholds.http_req_duration, ['p(99)<50'], `${name}: p99 threshold`);

  http.length = 0;
  const data = script.setup ? script.setup() : undefined;
  if (script.setup) {
    assert.ok(data.skus.length > 0, `${name}: setup found skus`);
    assert.ok(data.skus.every((s) => s === 71 || s === 72), `${name}: skus read from styles`);
  }
  http.length = 0;
  for (let i = 0; i < ITERATIONS; i += 1) script.default(data);

  const byEndpoint = {};
  for (const req of http) {
    const endpoint = req.params.tags.endpoint;
    byEndpoint[endpoint] = (byEndpoint[endpoint] || 0) + 1;
    assert.equal(req.params.headers.Connection, 'keep-alive', `${name}: keep-alive`);
    assert.equal(req.params.headers['Accept-Encoding'], 'gzip, deflate, br',
      `${name}: browsers' Accept-Encoding`);
    if (req.params.headers['If-None-Match'] !== undefined) {
      byEndpoint.revisit = (byEndpoint.revisit || 0) + 1;
      assert.equal(req.params.headers['If-None-Match'], `"${new URL(req.url).pathname}"`,
        `${name}: a revisit sends the ETag its first visit got`);
    }
    assert.ok(req.url.startsWith('http://127.0.0.1:9/'), `${name}: base url ${req.url}`);
    const id = /\/products\/(\d+)/.exec(req.url);
    if (id) {
      const n = Number(id[1]);
      assert.ok(n >= 900010 && n <= 1000011, `${name}: id ${n} outside the last 10%`);
    }
    const page = /page=(\d+)&count=5$/.exec(req.url);
    if (page) {
      const p = Number(page[1]);
      assert.ok(p >= 180002 && p <= 200003, `${name}: page ${p} outside the last 10%`);
    }
    if (req.method === 'POST') {
      assert.match(req.body, /^\{"sku_id":7[12]\}$/, `${name}: POST body`);
      assert.match(req.params.headers.Authorization, /^k6-\d+-\d+$/, `${name}: session`);
    }
  }
  const perIteration = Object.fromEntries(
    Object.entries(byEndpoint).map(([k, v]) => [k, Number((v / ITERATIONS).toFixed(3))]));
  console.log(`${name.padEnd(10)} ${http.length} requests in ${ITERATIONS} iterations, per iteration:`,
    JSON.stringify(perIteration));
  if (name === 'page_view') {
    assert.equal(perIteration.product, 1);
    assert.equal(perIteration.styles, 1);
    assert.equal(perIteration.related, 1);
    // The mix of scripts/lib/scenarios.json (read here directly, not through atelier.js).
    const mix = JSON.parse(readFileSync(new URL('../../lib/scenarios.json', import.meta.url), 'utf8')).page_view;
    assert.ok(Math.abs(perIteration.cart_get - mix.cart_read) < 0.03, `cart read in ~${mix.cart_read} of views`);
    assert.ok(Math.abs(perIteration.cart_post - mix.cart_add) < 0.015, `cart add in ~${mix.cart_add} of views`);
    // Three conditional requests per revisit.
    assert.ok(Math.abs(perIteration.revisit / 3 - mix.revisit) < 0.03, `revisits in ~${mix.revisit} of views`);
  } else {
    assert.equal(perIteration.revisit, undefined, `${name}: no revisits`);
  }
  if (k6.checks.fails > 0) {
    failures += 1;
    console.log(`  failed checks: ${[...k6.checks.failedNames].join(', ')}`);
  }
  k6.checks.fails = 0;
  k6.checks.failedNames.clear();
}

// handleSummary with data shaped like k6's end-of-test summary.
const trend = (med) => ({ avg: med, min: med / 4, med, max: med * 9, 'p(90)': med * 2, 'p(95)': med * 3, 'p(99)': med * 5, 'p(99.9)': med * 8 });
const summaryData = {
  state: { testRunDurationMs: 30012 },
  metrics: {
    iterations: { type: 'counter', values: { count: 59990, rate: 1998.9 } },
    dropped_iterations: { type: 'counter', values: { count: 10, rate: 0.3 } },
    http_reqs: { type: 'counter', values: { count: 195000, rate: 6497.4 } },
    checks: { type: 'rate', values: { rate: 0.9999, passes: 194980, fails: 20 } },
    http_req_failed: { type: 'rate', values: { rate: 0.0001, passes: 20, fails: 194980 }, thresholds: { 'rate<0.001': { ok: true } } },
    http_req_duration: { type: 'trend', values: trend(4), thresholds: { 'p(99)<50': { ok: true } } },
    'http_req_duration{endpoint:styles}': { type: 'trend', values: trend(6), thresholds: { 'p(99)<50': { ok: true } } },
    'http_req_duration{endpoint:cart_post}': { type: 'trend', values: trend(12), thresholds: { 'p(99)<50': { ok: false } } },
  },
};
const pageView = await import('../page_view.js');
const out = pageView.handleSummary(summaryData);
assert.deepEqual(Object.keys(out), ['stdout']);
assert.match(out.stdout, /FAIL {2}http_req_duration\{endpoint:cart_post\}: p\(99\)<50/);
assert.match(out.stdout, /THRESHOLDS FAILED/);
console.log(out.stdout);
globalThis.__ENV.SUMMARY_JSON = '/tmp/k6-summary.json';
assert.ok(pageView.handleSummary(summaryData)['/tmp/k6-summary.json'].includes('"testRunDurationMs"'));

if (failures > 0) {
  console.log(`selftest: ${failures} script(s) had failing checks`);
  process.exit(1);
}
console.log('selftest: ok');
