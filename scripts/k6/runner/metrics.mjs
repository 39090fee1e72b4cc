// Metrics of the k6-compatible runner (main thread): k6's four metric types, sub-metrics selected
// by tags (only those a threshold names, as in k6's summary), threshold expressions, and the
// end-of-test summary data that handleSummary(data) receives. Percentiles are k6's: linear
// interpolation between the two nearest of all recorded values (no sampling).

// A growable array of doubles: every value of a Trend is kept, as k6 does.
class Values {
  constructor() {
    this.data = new Float64Array(1024);
    this.length = 0;
    this.sorted = true;
  }

  push(value) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length] = value;
    this.length += 1;
    this.sorted = false;
  }

  view() {
    const values = this.data.subarray(0, this.length);
    if (!this.sorted) {
      values.sort();
      this.sorted = true;
    }
    return values;
  }
}

class Sink {
  constructor(type) {
    this.type = type;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.last = 0;
    this.passes = 0;
    if (type === 'trend') this.values = new Values();
  }

  add(value) {
    this.count += 1;
    this.sum += value;
    this.last = value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.type === 'rate' && value !== 0) this.passes += 1;
    if (this.type === 'trend') this.values.push(value);
  }

  // k6's TrendSink.P: p in 0..1.
  percentile(p) {
    if (this.count === 0) return 0;
    const values = this.values.view();
    if (values.length === 1) return values[0];
    const i = p * (values.length - 1);
    const low = values[Math.floor(i)];
    const high = values[Math.ceil(i)];
    return low + (high - low) * (i - Math.floor(i));
  }

  // One aggregate by its k6 name: avg, min, max, med, p(N), count, rate, value, passes, fails.
  aggregate(name, durationS) {
    const p = /^p\((\d+(?:\.\d+)?)\)$/.exec(name);
    if (p) {
      if (this.type !== 'trend') return undefined;
      return this.percentile(Number(p[1]) / 100);
    }
    switch (this.type) {
      case 'trend':
        switch (name) {
          case 'avg': return this.count ? this.sum / this.count : 0;
          case 'min': return this.count ? this.min : 0;
          case 'max': return this.count ? this.max : 0;
          case 'med': return this.percentile(0.5);
          case 'count': return this.count;
          default: return undefined;
        }
      case 'counter':
        if (name === 'count') return this.sum;
        if (name === 'rate') return durationS > 0 ? this.sum / durationS : 0;
        return undefined;
      case 'rate':
        if (name === 'rate') return this.count ? this.passes / this.count : 0;
        if (name === 'passes') return this.passes;
        if (name === 'fails') return this.count - this.passes;
        return undefined;
      case 'gauge':
        if (name === 'value') return this.last;
        if (name === 'min') return this.count ? this.min : 0;
        if (name === 'max') return this.count ? this.max : 0;
        return undefined;
      default:
        return undefined;
    }
  }

  summaryValues(trendStats, durationS) {
    switch (this.type) {
      case 'trend': {
        const out = {};
        for (const stat of trendStats) out[stat] = this.aggregate(stat, durationS);
        return out;
      }
      case 'counter':
        return { count: this.sum, rate: this.aggregate('rate', durationS) };
      case 'rate':
        return { rate: this.aggregate('rate'), passes: this.passes, fails: this.count - this.passes };
      default:
        return { value: this.last, min: this.aggregate('min'), max: this.aggregate('max') };
    }
  }
}

const THRESHOLD = /^\s*(avg|min|max|med|count|rate|value|passes|fails|p\(\d+(?:\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/;

export function parseThreshold(expression) {
  const match = THRESHOLD.exec(expression);
  if (!match) throw new Error(`threshold "${expression}": expected "<aggregation> <op> <number>"`);
  return { expression, aggregate: match[1], op: match[2], value: Number(match[3]) };
}

function compare(left, op, right) {
  switch (op) {
    case '<': return left < right;
    case '<=': return left <= right;
    case '>': return left > right;
    case '>=': return left >= right;
    case '==': case '===': return left === right;
    default: return left !== right;
  }
}

// `name{tag:value,tag2:"value 2"}` -> { name, tags }.
export function parseMetricKey(key) {
  const match = /^([^{}]+?)\s*(?:\{(.*)\})?\s*$/.exec(key);
  if (!match) throw new Error(`threshold metric "${key}" is not name or name{tag:value}`);
  const tags = {};
  if (match[2] !== undefined && match[2].trim() !== '') {
    for (const part of match[2].split(',')) {
      const colon = part.indexOf(':');
      if (colon < 0) throw new Error(`threshold metric "${key}": tag "${part}" has no ':'`);
      tags[part.slice(0, colon).trim()] = part.slice(colon + 1).trim().replace(/^"(.*)"$/, '$1');
    }
  }
  return { name: match[1].trim(), tags: match[2] === undefined ? null : tags };
}

const BUILTIN = {
  vus: ['gauge', 'default'],
  vus_max: ['gauge', 'default'],
  iterations: ['counter', 'default'],
  iteration_duration: ['trend', 'time'],
  dropped_iterations: ['counter', 'default'],
  checks: ['rate', 'default'],
  data_sent: ['counter', 'data'],
  data_received: ['counter', 'data'],
  group_duration: ['trend', 'time'],
  http_reqs: ['counter', 'default'],
  http_req_failed: ['rate', 'default'],
  http_req_duration: ['trend', 'time'],
  http_req_blocked: ['trend', 'time'],
  http_req_connecting: ['trend', 'time'],
  http_req_tls_handshaking: ['trend', 'time'],
  http_req_sending: ['trend', 'time'],
  http_req_waiting: ['trend', 'time'],
  http_req_receiving: ['trend', 'time'],
};

export class Registry {
  constructor(thresholds, trendStats) {
    this.metrics = new Map();
    this.trendStats = trendStats;
    this.thresholds = [];   // { key, metricName, sub, list: [{expression, aggregate, op, value}] }
    for (const [key, spec] of Object.entries(thresholds || {})) {
      const { name, tags } = parseMetricKey(key);
      const list = (Array.isArray(spec) ? spec : [spec]).map((item) => {
        if (typeof item === 'string') return parseThreshold(item);
        if (item && typeof item.threshold === 'string') {
          if (item.abortOnFail) throw new Error(`threshold ${key}: abortOnFail is not supported by this runner`);
          return parseThreshold(item.threshold);
        }
        throw new Error(`threshold ${key}: ${JSON.stringify(item)} is neither a string nor {threshold}`);
      });
      this.thresholds.push({ key, name, tags, list });
    }
  }

  // Metric by name; the type of an unknown (custom) metric comes from its first sample.
  metric(name, type, contains) {
    let metric = this.metrics.get(name);
    if (!metric) {
      const builtin = BUILTIN[name];
      const metricType = builtin ? builtin[0] : type;
      if (!metricType) throw new Error(`metric ${name} has no type`);
      metric = {
        name, type: metricType, contains: builtin ? builtin[1] : (contains || 'default'),
        sink: new Sink(metricType), subs: [],
      };
      for (const t of this.thresholds) {
        if (t.name === name && t.tags) {
          metric.subs.push({ key: t.key, tags: t.tags, sink: new Sink(metricType) });
        }
      }
      this.metrics.set(name, metric);
    } else if (type && metric.type !== type) {
      throw new Error(`metric ${name} is a ${metric.type}, not a ${type}`);
    }
    return metric;
  }

  add(name, value, tags, type, contains) {
    const metric = this.metric(name, type, contains);
    metric.sink.add(value);
    for (const sub of metric.subs) {
      let match = true;
      for (const k in sub.tags) {
        if (!tags || String(tags[k]) !== sub.tags[k]) { match = false; break; }
      }
      if (match) sub.sink.add(value);
    }
  }

  // Evaluates every threshold: [{ key, expression, ok, actual }].
  evaluate(durationS) {
    const results = [];
    for (const t of this.thresholds) {
      const metric = this.metrics.get(t.name);
      let sink = null;
      if (metric) sink = t.tags ? metric.subs.find((s) => s.key === t.key).sink : metric.sink;
      for (const th of t.list) {
        // k6 passes a threshold whose metric never got a sample only if its aggregate of nothing
        // (0) passes; an aggregation the metric type lacks is a configuration error.
        const actual = sink ? sink.aggregate(th.aggregate, durationS) : 0;
        if (actual === undefined) {
          throw new Error(`threshold ${t.key}: "${th.aggregate}" does not apply to a ${metric.type}`);
        }
        results.push({ key: t.key, expression: th.expression, ok: compare(actual, th.op, th.value), actual });
      }
    }
    return results;
  }

  // handleSummary's data.metrics: every metric with a sample or a threshold, and the sub-metrics
  // thresholds name, each with its `thresholds: { expression: { ok } }`.
  summaryMetrics(durationS, thresholdResults) {
    const out = {};
    const put = (key, type, contains, sink) => {
      out[key] = { type, contains, values: sink.summaryValues(this.trendStats, durationS) };
    };
    for (const metric of this.metrics.values()) {
      put(metric.name, metric.type, metric.contains, metric.sink);
      for (const sub of metric.subs) put(sub.key, metric.type, metric.contains, sub.sink);
    }
    for (const r of thresholdResults) {
      if (!out[r.key]) {
        const { name } = parseMetricKey(r.key);
        const builtin = BUILTIN[name] || ['counter', 'default'];
        put(r.key, builtin[0], builtin[1], new Sink(builtin[0]));
      }
      out[r.key].thresholds = out[r.key].thresholds || {};
      out[r.key].thresholds[r.expression] = { ok: r.ok };
    }
    return out;
  }
}
