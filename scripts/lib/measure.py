"""Measurements of the load-and-fault scripts (scripts/chaos, scripts/soak, scripts/staging chaos),
in one place and one language: time windows over wrk's answer buckets, recovery times,
percentiles of probe latencies, seconds between epoch-millisecond instants. Bash keeps starting
processes and namespaces; what is computed from their output is computed here.

    python3 scripts/lib/measure.py COMMAND ARGS...   (the shell wrappers: scripts/chaos-lib/lib.sh)

Input files:
  BUCKETS  wrk's per-bucket answers (scripts/chaos-lib/chaos_run.lua): lines
           "bucket_start_epoch_ms <TAB> status class <TAB> count"
  PROBES   probe lines (scripts/chaos-lib/cases.sh probe_start): "batch_start_ms status seconds ..."

Commands (each prints one line; JSON where it says so):
  window BUCKETS FROM_MS TO_MS   JSON {requests, statuses, errors, error_pct, seconds, rate} of the
                                 buckets starting in [FROM_MS, TO_MS); errors: all but 200 and 201;
                                 statuses sorted by name
  recovery BUCKETS FAULT_MS      seconds from FAULT_MS to the end of the last bucket at or after it
                                 with an error (all but 200, 201, 404); 0 when there is none
  first BUCKETS | last BUCKETS   the first bucket's start / the last bucket's end (epoch ms)
  last-error-end BUCKETS         end of the last bucket with an error (not 200/201), or nothing
  error-span BUCKETS ZERO_MS     JSON [first, last] seconds from ZERO_MS of the buckets with an
                                 error (not 200/201; last = that bucket's end), or null
  probe-window PROBES FROM_MS TO_MS   JSON {reads, not_200, p50_ms, p99_ms, max_ms} of the probe
                                 lines whose batch starts in [FROM_MS, TO_MS)
  secs FROM_MS TO_MS             (TO - FROM) / 1000, two decimals
  max-column FILE N              the largest value of whitespace-separated column N, 3 decimals
  case-json CASE TARGET WINDOWS_JSON RECOVERY_JSON DETAILS_JSON PREFIX T_LOAD_MS RATE
            CONNECTIONS THREADS MIN_ID MAX_ID CARTS_DELETED
                                 a chaos case's result line (JSON), from the case's files
                                 PREFIX.result.json (wrk's), .buckets.tsv, .checks.jsonl and
                                 .timeline.jsonl and the driver's settings (CARTS_DELETED may
                                 be empty)
  case-text CASE_JSON            that line as scripts/chaos prints it
  windows BUCKETS BEFORE_END FAULT_END   JSON {before, fault, after}: windows from the first
                                 bucket to BEFORE_END, to FAULT_END (empty: the run's end), to
                                 the run's end
  event T_LOAD_MS AT_MS NAME     a case's timeline line: {event, t_s} (seconds from T_LOAD_MS)
  check NAME OK VALUE TARGET     a case's check line: {name, ok (true|false), value, target}
  skipped NAME REASON            the result line of a case that did not run
  result-errors RESULT           wrk's failed responses + socket errors (exit 1: no result)
  result-error-pct RESULT        those errors in % of the requests (100 without requests)
  error-classes BUCKETS RESULT OK   "<503s> <503s without Retry-After> <other errors>" of the
                                 whole run: other = statuses not in OK (comma list; "503*" = any
                                 503 class) + socket errors
  get JSON PATH...               the values at PATH (a.b.c; list[k] / list[k=v]: the list's first
                                 element whose k is true / is v; PATH//DEFAULT: DEFAULT when
                                 missing or null), space-separated; strings raw, the rest as JSON
  file-get FILE PATH...          the same of a JSON file
  case-get CASES_JSONL CASE PATH the value at PATH of case CASE's line ("null": none)
  object NAME=TEXT | NAME:=JSON | NAME?=NUMBER | NAME@=WORDS ...
                                 a JSON object: a string, a JSON value, a number (empty: null),
                                 the whitespace-separated words as a list of strings
  ratio A B                      A / B to one decimal, null when B is 0 or unknown
  hit-ratio EARLIER LATER        counter deltas summed over hosts of two metrics snapshots
                                 (JSON arrays, null = a host down) and the Redis hit ratio
  cache-timeline SAMPLES FAULT_MS   per host, the cache states of the sampler's lines in order,
                                 "state@Ns" (s after FAULT_MS)
  sleep-until EPOCH_MS           returns at EPOCH_MS (at once when it has passed)
  poll CAP_MS WHAT URL...        every 100 ms until WHAT holds for every URL (a host's base URL)
                                 or CAP_MS: prints the epoch ms it held, nothing when never;
                                 WHAT: ready (/readyz 200), cache-up (/readyz cache "up"),
                                 version=V (/readyz dataset_version V), traffic (/metrics: API
                                 requests answered > 0)
  readyz URL                     "<http code> <database> <cache> <dataset_version>" of the host at
                                 URL ("000 - - -": no answer within 0.5 s; "-": no such field)
  metrics-digest                 of a /metrics text on stdin: "<API requests answered (not
                                 /healthz, /readyz, /metrics)> <cache hits> <misses> <errors>
                                 <skipped> <db errors> <local hits> <local bytes>"
  metrics-snapshot URL...        JSON array, per host, those counters ({host, traffic, ...};
                                 null: no answer)
  sampler OUT INTERVAL_MS URL... until killed, every INTERVAL_MS, appends per host "<epoch ms>
                                 <host number> <readyz> <metrics digest>" to OUT
  chaos-report CASES_JSONL STARTED URL STACK_DIR COMMIT CPUS RATE DURATION CONNECTIONS THREADS MAX_ID
                                 scripts/chaos' run report (JSON) from its case lines
  chaos-summary REPORT           its summary lines (exit 1 when a case failed)
  staging-case NAME PREFIX FAULT_MS OBSERVED_JSON RUN   a scripts/staging chaos case's JSON
                                 (RUN empty: one run) from PREFIX.buckets.tsv, .result.json
                                 and .writer.json (if any)
  staging-case-text CASE_FILE    that case as it prints
  staging-report RATE COMMIT ACKED ROWS CASE_FILE...   the staging run's report (JSON)
"""
import json
import math
import os
import re
import sys
import time
import urllib.error
import urllib.request

BUCKET_MS = 100  # chaos_run.lua's CHAOS_BUCKET_MS, as every caller sets it


def read_buckets(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and fields[0]:
                rows.append((float(fields[0]), fields[1], float(fields[2])))
    return rows


def num(text):
    """A number given on the command line; empty (an unknown instant) is 0, as awk had it."""
    return float(text) if str(text).strip() != "" else 0.0


def fmt(value, digits):
    """printf's %.Nf of value (the same rounding as C's)."""
    return "%.*f" % (digits, value)


def window(path, start, end):
    start, end = num(start), num(end)
    statuses, total = {}, 0.0
    for t, status, count in read_buckets(path):
        if start <= t < end:
            statuses[status] = statuses.get(status, 0) + count
            total += count
    bad = sum(n for s, n in statuses.items() if s not in ("200", "201"))
    seconds = (end - start) / 1000
    return ('{"requests":%d,"statuses":%s,"errors":%d,"error_pct":%s,"seconds":%s,"rate":%s}' % (
        total, json.dumps({s: int(n) for s, n in statuses.items()}, separators=(",", ":"), sort_keys=True), bad,
        fmt(100 * bad / total, 4) if total > 0 else "0", fmt(seconds, 1),
        fmt(total / seconds if seconds > 0 else 0, 0)))


def recovery(path, fault):
    fault = num(fault)
    last = max((t for t, s, _ in read_buckets(path) if t >= fault and s not in ("200", "201", "404")),
               default=0)
    return "0" if last == 0 else fmt((last + BUCKET_MS - fault) / 1000, 1)


def first(path):
    rows = read_buckets(path)
    return fmt(min(t for t, _, _ in rows), 0) if rows else ""


def last(path):
    rows = read_buckets(path)
    return fmt(max(t for t, _, _ in rows) + BUCKET_MS, 0) if rows else ""


def errors(path):
    return [t for t, s, _ in read_buckets(path) if s not in ("200", "201")]


def last_error_end(path):
    times = errors(path)
    return fmt(max(times) + BUCKET_MS, 0) if times else ""


def error_span(path, zero):
    times, zero = errors(path), num(zero)
    if not times:
        return "null"
    return "[%s,%s]" % (fmt((min(times) - zero) / 1000, 1), fmt((max(times) + BUCKET_MS - zero) / 1000, 1))


def probe_window(path, start, end):
    start, end = num(start), num(end)
    values, not_200 = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 3 or not start <= float(fields[0]) < end:
                continue
            if fields[1] != "200":
                not_200 += 1
            values.append(float(fields[2]) * 1000)
    if not values:
        return '{"reads":0,"not_200":%d,"p50_ms":null,"p99_ms":null,"max_ms":null}' % not_200
    values.sort()
    n = len(values)
    # Nearest rank, as the shell version had it: p50 the floor rank, p99 the ceiling one.
    i50 = max(1, int(n * 0.50))
    i99 = min(n, int(n * 0.99 + 0.999999))
    return '{"reads":%d,"not_200":%d,"p50_ms":%s,"p99_ms":%s,"max_ms":%s}' % (
        n, not_200, fmt(values[i50 - 1], 2), fmt(values[i99 - 1], 2), fmt(values[-1], 2))


def secs(start, end):
    return fmt((num(end) - num(start)) / 1000, 2)


def max_column(path, column):
    column, top = int(column), 0.0
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= column and float(fields[column - 1]) > top:
                top = float(fields[column - 1])
    return fmt(top, 3)


def event(t_load, at, name):
    """A timeline line of a chaos case: NAME at AT, in seconds from the load's start."""
    return compact({"event": name, "t_s": float(secs(t_load, at))})


def check(name, ok, value, target):
    """A check line of a chaos case (OK is true or false)."""
    if ok not in ("true", "false"):
        raise ValueError("a check's OK is true or false, got %r" % ok)
    return compact({"name": name, "ok": ok == "true", "value": value, "target": target})


def skipped(name, reason):
    """The result line of a chaos case that did not run."""
    return compact({"case": name, "pass": False, "skipped": reason})


def windows(path, before_end, fault_end):
    """Before, during and after the fault: windows from the first bucket to BEFORE_END, to
    FAULT_END (empty: the end of the run), and to the end of the run."""
    first_ms, last_ms = first(path), last(path)
    fault_end = fault_end or last_ms
    return compact({"before": json.loads(window(path, first_ms, before_end)),
                    "fault": json.loads(window(path, before_end, fault_end)),
                    "after": json.loads(window(path, fault_end, last_ms))})


def jq_number(value):
    """A number as jq 1.6 prints it: integral values without a fraction, others shortest."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def jq_text(value):
    """A value as jq's string interpolation shows it."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return jq_number(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def jq_round(value):
    """jq's round: half away from zero."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def clean(v):
    """Integral floats as integers, as jq writes them."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e17:
        return int(v)
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


def compact(value):
    """JSON as `jq -c` writes it (integral floats without a fraction)."""
    return json.dumps(clean(value), separators=(",", ":"), ensure_ascii=False)


def pretty(value):
    """JSON as `jq` writes it to a file (two-space indent)."""
    return json.dumps(clean(value), indent=2, ensure_ascii=False)


def read_json_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def case_json(name, target, windows_json, recovery_json, details_json, prefix, t_load, rate,
              connections, threads, min_id, max_id, carts):
    """The result line of one scripts/chaos case, from its files and the driver's settings."""
    c = {"case": name, "target": target, "windows": json.loads(windows_json),
         "recovery": json.loads(recovery_json), "details": json.loads(details_json),
         "result": prefix + ".result.json", "buckets": prefix + ".buckets.tsv",
         "checks": prefix + ".checks.jsonl", "timeline": prefix + ".timeline.jsonl",
         "t_load": t_load, "rate": json.loads(rate), "connections": json.loads(connections),
         "threads": json.loads(threads), "min_id": json.loads(min_id), "max_id": json.loads(max_id),
         "carts_deleted": carts}
    try:
        with open(c["result"], encoding="utf-8") as f:
            r = json.load(f)
    except (OSError, ValueError):
        r = {}
    whole = json.loads(window(c["buckets"], 0, 99999999999999))
    span = json.loads(error_span(c["buckets"], c["t_load"]))
    checks = read_json_lines(c["checks"])
    se = r.get("socket_errors") or {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    bad = (r.get("failed_responses") or 0) + se["connect"] + se["read"] + se["write"] + se["timeout"]
    requests = r.get("requests") or 0
    latency = r.get("latency_ms") or {}
    carts = c.get("carts_deleted", "")
    return compact({
        "case": c["case"], "pass": all(x["ok"] for x in checks), "target": c["target"],
        "load": {"target_rate": c["rate"], "achieved_rate": r.get("requests_per_s") or 0,
                 "connections": c["connections"], "threads": c["threads"],
                 "duration_s": r.get("duration_s") or 0, "id_range": [c["min_id"], c["max_id"]]},
        "requests": requests, "statuses": whole.get("statuses") or {}, "socket_errors": se,
        "errors": bad, "errors_between_s": span,
        "error_pct": 100 * bad / requests if requests > 0 else 0,
        "latency_ms": {k: latency.get(k) for k in ("p50", "p90", "p99", "p99_9", "max")},
        "timeline": read_json_lines(c["timeline"]), "recovery_s": c["recovery"],
        "windows": c["windows"], "details": c["details"], "checks": checks,
        "cart_rows_deleted": None if carts == "" else int(carts),
    })


def case_text(line):
    """A case's result line as scripts/chaos prints it (one block of lines)."""
    c = json.loads(line)

    def ms(v):
        if v is None:
            return "-"
        return jq_number(jq_round(v * 100) / 100 if v < 10 else jq_round(v * 10) / 10) + " ms"

    def st(statuses):
        return "  ".join("%s: %s" % (k, jq_text(v)) for k, v in statuses.items())

    load, se, lat = c["load"], c["socket_errors"], c["latency_ms"]
    span = c["errors_between_s"]
    out = [
        "",
        "== %s  %s   target: %s" % (c["case"], "PASS" if c["pass"] else "FAIL", c["target"]),
        "load        %s req/s target, %s achieved, %s connections, %s s, ids %s..%s" % (
            jq_text(load["target_rate"]), jq_number(jq_round(load["achieved_rate"])),
            jq_text(load["connections"]), jq_number(jq_round(load["duration_s"] * 10) / 10),
            jq_text(load["id_range"][0]), jq_text(load["id_range"][1])),
        "requests    %s   errors %s (%s%%)%s   socket errors: connect %s read %s write %s timeout %s" % (
            jq_text(c["requests"]), jq_text(c["errors"]),
            jq_number(jq_round(c["error_pct"] * 10000) / 10000),
            " from %s s to %s s" % (jq_text(span[0]), jq_text(span[1])) if span is not None else "",
            jq_text(se["connect"]), jq_text(se["read"]), jq_text(se["write"]), jq_text(se["timeout"])),
        "statuses    " + st(c["statuses"]),
        "latency     p50 %s  p99 %s  max %s" % (ms(lat.get("p50")), ms(lat.get("p99")), ms(lat.get("max"))),
        "timeline    " + ", ".join("%s %s s" % (jq_text(e["event"]), jq_text(e["t_s"])) for e in c["timeline"]),
    ]
    if c["recovery_s"]:
        out.append("recovery    " + ", ".join(
            "%s %s" % (k, "NOT SEEN" if v is None else jq_text(v) + " s") for k, v in c["recovery_s"].items()))
    for k, v in c["windows"].items():
        out.append("  %s %s s, %s answers (%s/s), errors %s (%s%%)  %s" % (
            (k + "          ")[:10], jq_text(v["seconds"]), jq_text(v["requests"]), jq_text(v["rate"]),
            jq_text(v["errors"]), jq_text(v["error_pct"]), st(v["statuses"])))
    for k, v in c["details"].items():
        out.append("  %s: %s" % (k, v if isinstance(v, str) else jq_text(v)))
    for x in c["checks"]:
        out.append("  [%s] %s: %s  (target %s)" % ("ok" if x["ok"] else "FAIL", jq_text(x["name"]),
                                                  jq_text(x["value"]), jq_text(x["target"])))
    return "\n".join(out)


def read_result(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def result_bad(r):
    return (r.get("failed_responses") or 0) + sum((r.get("socket_errors") or {}).values())


def result_errors(path):
    return jq_number(result_bad(read_result(path)))


def result_error_pct(path):
    try:
        r = read_result(path)
    except (OSError, ValueError):
        return "100"
    requests = r.get("requests") or 0
    return jq_number(100 * result_bad(r) / requests if requests > 0 else 100)


def error_classes(buckets, result, ok):
    statuses = json.loads(window(buckets, 0, 99999999999999))["statuses"]
    allowed = ok.split(",")

    def fine(status):
        return any(status.startswith(a[:-1]) if a.endswith("*") else status == a for a in allowed)

    n503 = sum(n for s, n in statuses.items() if s.startswith("503"))
    no_retry = sum(n for s, n in statuses.items() if s.endswith("!"))
    other = sum(n for s, n in statuses.items() if not fine(s)) + sum(
        (read_result(result).get("socket_errors") or {}).values())
    return "%d %d %d" % (n503, no_retry, other)


def lookup(value, path):
    path, default = (path.split("//", 1) + [None])[:2]
    for key in [k for k in path.split(".") if k]:
        pick = re.fullmatch(r"([^\[]+)\[([^=\]]+)(?:=([^\]]*))?\]", key)
        if pick:  # NAME[KEY] / NAME[KEY=VALUE]: the first element of list NAME with KEY true / = VALUE
            name, k, v = pick.groups()
            items = value.get(name) if isinstance(value, dict) else None
            value = next((x for x in items or [] if isinstance(x, dict) and
                          (x.get(k) if v is None else str(x.get(k)) == v)), None)
        elif isinstance(value, dict):
            value = value.get(key)
        elif isinstance(value, list) and re.fullmatch(r"-?[0-9]+", key) and -len(value) <= int(key) < len(value):
            value = value[int(key)]
        else:
            value = None
    if value is None and default is not None:
        return default
    return value if isinstance(value, str) else jq_text(value)


def get(text, *paths):
    value = json.loads(text)
    return " ".join(lookup(value, p) for p in paths)


def file_get(path, *paths):
    with open(path, encoding="utf-8") as f:
        return get(f.read(), *paths)


def case_get(path, name, field):
    found = [c for c in read_json_lines(path) if c.get("case") == name]
    return lookup(found[0], field) if found else "null"


def json_object(*fields):
    out = {}
    for field in fields:
        m = re.fullmatch(r"([A-Za-z0-9_]+)(=|:=|\?=|@=)(.*)", field, re.S)
        if not m:
            raise ValueError("object: NAME=TEXT, NAME:=JSON, NAME?=NUMBER or NAME@=WORDS, got %r" % field)
        name, kind, text = m.groups()
        if kind == "=":
            out[name] = text
        elif kind == ":=":
            out[name] = json.loads(text)
        elif kind == "?=":
            out[name] = None if text.strip() == "" else float(text)
        else:
            out[name] = text.split()
    return compact(out)


def ratio(a, b):
    try:
        a, b = float(a), float(b)
    except ValueError:
        return "null"
    return "null" if b == 0 else jq_number(jq_round(a / b * 10) / 10)


def hit_ratio(earlier, later):
    a, b = json.loads(earlier), json.loads(later)

    def d(k):
        return sum(b[i][k] - a[i][k] for i in range(len(b)) if i < len(a) and a[i] is not None and b[i] is not None)

    out = {"hits": d("cache_hits"), "misses": d("cache_misses"), "cache_errors": d("cache_errors"),
           "skipped": d("cache_skipped"), "local_hits": d("local_hits"), "db_errors": d("db_errors")}
    asked = out["hits"] + out["misses"]
    out["redis_hit_ratio"] = jq_round(1000 * out["hits"] / asked) / 1000 if asked > 0 else None
    return compact(out)


def cache_timeline(path, fault):
    fault, last_state, hosts = num(fault), {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) < 5:
                continue
            state = "no-answer" if fields[2] == "000" else fields[4]
            if state != last_state.get(fields[1]):
                last_state[fields[1]] = state
                hosts.setdefault(fields[1], []).append("%s@%ss" % (state, fmt((float(fields[0]) - fault) / 1000, 1)))
    return compact({"host" + h: hosts[h] for h in sorted(hosts)})


def sleep_until(at):
    delay = num(at) / 1000 - time.time()
    if delay > 0:
        time.sleep(delay)
    return ""


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=0.5) as answer:
            return answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return 0, ""


def readyz(base):
    code, body = fetch(base + "/readyz")
    try:
        fields = json.loads(body)
    except ValueError:
        fields = {}
    return code, fields if isinstance(fields, dict) else {}


# The counters of a host's /metrics text that the scripts watch (metrics-digest): API requests
# answered (without the probes' own routes /healthz, /readyz and /metrics), then the cache and
# database counters below, in this order.
SERIES = re.compile(r'^([a-z_]+)(\{[^}]*\})?\s+(\S+)$')
DIGEST = ("atelier_cache_hits_total", "atelier_cache_misses_total", "atelier_cache_errors_total",
          "atelier_cache_skipped_total", "atelier_db_errors_total", "atelier_local_cache_hits_total",
          "atelier_local_cache_bytes")
DIGEST_NAMES = ("traffic", "cache_hits", "cache_misses", "cache_errors", "cache_skipped", "db_errors",
                "local_hits", "local_bytes")


def digest(text):
    values = dict.fromkeys(DIGEST, 0.0)
    traffic = 0.0
    for line in text.splitlines():
        m = SERIES.match(line)
        if not m:
            continue
        name, labels, value = m.groups()
        if name == "atelier_http_requests_total" and labels and \
                not re.search(r'route="/(healthz|readyz|metrics)"', labels):
            traffic += float(value)
        elif name in values and not labels:
            values[name] = float(value)
    return [traffic] + [values[k] for k in DIGEST]


def metrics_digest():
    """The digest of a /metrics text on stdin: "<traffic> <hits> ... <local bytes>"."""
    return " ".join("%.0f" % v for v in digest(sys.stdin.read()))


def host_digest(base):
    code, text = fetch(base + "/metrics")
    return digest(text) if code == 200 and text else None


def traffic(base):
    d = host_digest(base)
    return d[0] if d else 0.0


def metrics_snapshot(*urls):
    """Per host, the digest's counters as an object with its number (null: no answer)."""
    out = []
    for i, base in enumerate(urls, 1):
        d = host_digest(base)
        out.append(None if d is None else dict([("host", i)] + [(k, int(round(v))) for k, v in zip(DIGEST_NAMES, d)]))
    return compact(out)


def readyz_line(base):
    """"<http code> <database> <cache> <dataset_version>" of a host ("000 - - -": no answer)."""
    code, fields = readyz(base)
    return "%03d %s" % (code, " ".join(str(fields.get(k) if fields.get(k) is not None else "-")
                                       for k in ("database", "cache", "dataset_version")))


def sampler(out, interval_ms, *urls):
    """Until killed, every INTERVAL_MS: a line per host "<epoch ms> <host> <readyz line> <digest>"."""
    while True:
        lines = []
        for i, base in enumerate(urls, 1):
            t = int(time.time() * 1000)
            ready = readyz_line(base)
            d = host_digest(base)
            lines.append("%d %d %s %s\n" % (t, i, ready, " ".join("%.0f" % v for v in d or [0.0] * 8)))
        with open(out, "a", encoding="utf-8") as f:
            f.writelines(lines)
        time.sleep(num(interval_ms) / 1000)


def holds(what, base):
    if what == "traffic":
        return traffic(base) > 0
    code, fields = readyz(base)
    if what == "ready":
        return code == 200
    if what == "cache-up":
        return fields.get("cache") == "up"
    if what.startswith("version="):
        return str(fields.get("dataset_version")) == what[len("version="):]
    raise ValueError("poll: WHAT is ready, cache-up, version=V or traffic, got %r" % what)


def poll(cap, what, *urls):
    cap = num(cap)
    while time.time() * 1000 < cap:
        if all(holds(what, u) for u in urls):
            return "%d" % (time.time() * 1000)
        time.sleep(0.1)
    return ""


def chaos_report(cases, started, url, stack, commit, cpus, rate, duration, connections, threads, max_id):
    lines = read_json_lines(cases)
    return pretty({
        "started": started, "url": url, "stack_dir": stack,
        "settings": {"rate": json.loads(rate), "min_duration_s": json.loads(duration),
                     "connections": json.loads(connections), "threads": json.loads(threads),
                     "max_id": json.loads(max_id)},
        "machine": {"cpus": json.loads(cpus), "commit": commit},
        "pass": all(c["pass"] for c in lines), "cases": lines})


def chaos_summary(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    print("\n".join("  %s %s" % ((c["case"] + " " * 12)[:12], "PASS" if c["pass"] else "FAIL")
                    for c in report["cases"]))
    sys.stdout.flush()
    if not report["pass"]:
        sys.exit(1)
    return ""


def staging_case(name, prefix, fault_at, observed, run):
    buckets = prefix + ".buckets.tsv"
    start, end = first(buckets) or "0", last(buckets) or "100"
    fault_at = num(fault_at)
    before = json.loads(window(buckets, start, fault_at - 100))
    after = json.loads(window(buckets, fault_at - 100, end))
    result = read_result(prefix + ".result.json")
    out = {"case": name, "before_fault": before, "from_fault": after,
           "errors_end_s_after_fault": json.loads(recovery(buckets, fault_at)),
           "requests_per_s": result.get("requests_per_s"), "latency_ms": result.get("latency_ms"),
           "observed": json.loads(observed or "{}")}
    if os.path.exists(prefix + ".writer.json") and os.path.getsize(prefix + ".writer.json") > 0:
        out["cart"] = read_result(prefix + ".writer.json")
        out["cached_reads_failed"] = before["errors"] + after["errors"]
    if run:
        out["run"] = int(run)
    return pretty(out)


def staging_case_text(path):
    c = read_result(path)
    b, a, lat = c["before_fault"], c["from_fault"], c.get("latency_ms") or {}
    text = ("%s: before %s errors / %s; from the fault on %s errors / %s %s; last error %s s after the "
            "fault; p99 %s ms, max %s ms\n  observed: %s") % (
        c["case"], jq_text(b["errors"]), jq_text(b["requests"]), jq_text(a["errors"]), jq_text(a["requests"]),
        jq_text(a["statuses"]), jq_text(c["errors_end_s_after_fault"]), jq_text(lat.get("p99")),
        jq_text(lat.get("max")), jq_text(c["observed"]))
    if c.get("cart"):
        w, add = c["cart"], c["cart"].get("add_latency_ms") or {}
        text += ("\n  cart: %s acknowledged, %s lost, %s duplicated, unavailable %s s, add p99 %s ms, max %s ms; "
                 "cached reads failed: %s") % (
            jq_text(w.get("acknowledged")), jq_text(w.get("lost")), jq_text(w.get("duplicated")),
            jq_text(w.get("cart_unavailable_s")), jq_text(add.get("p99")), jq_text(add.get("max")),
            jq_text(c["cached_reads_failed"]))
    return text


def staging_report(rate, commit, acked, rows, *files):
    acked, rows = json.loads(acked), json.loads(rows)
    return pretty({"rate": json.loads(rate), "commit": commit,
                       "protocol": "HTTPS through lb (wrk: HTTP/1.1 over TLS)",
                       "cases": [read_result(f) for f in files], "cart_acknowledged": acked,
                       "cart_rows_kept": rows, "cart_nothing_lost": rows >= acked})


COMMANDS = {
    "window": (window, 3), "recovery": (recovery, 2), "first": (first, 1), "last": (last, 1),
    "last-error-end": (last_error_end, 1), "error-span": (error_span, 2),
    "probe-window": (probe_window, 3), "secs": (secs, 2), "max-column": (max_column, 2),
    "case-json": (case_json, 13), "case-text": (case_text, 1), "event": (event, 3),
    "check": (check, 4), "skipped": (skipped, 2), "windows": (windows, 3),
    "result-errors": (result_errors, 1), "result-error-pct": (result_error_pct, 1),
    "error-classes": (error_classes, 3), "get": (get, "2+"), "file-get": (file_get, "2+"),
    "case-get": (case_get, 3), "object": (json_object, "0+"), "ratio": (ratio, 2),
    "hit-ratio": (hit_ratio, 2), "cache-timeline": (cache_timeline, 2), "sleep-until": (sleep_until, 1),
    "poll": (poll, "3+"), "chaos-report": (chaos_report, 11), "chaos-summary": (chaos_summary, 1),
    "staging-case": (staging_case, 5), "staging-case-text": (staging_case_text, 1),
    "staging-report": (staging_report, "5+"), "metrics-digest": (metrics_digest, 0),
    "metrics-snapshot": (metrics_snapshot, "1+"), "readyz": (readyz_line, 1), "sampler": (sampler, "3+"),
}
# "N+": at least N arguments.


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    command = COMMANDS.get(argv[1])
    given, wanted = len(argv) - 2, str(command[1]) if command else ""
    if command is None or (given < int(wanted[:-1]) if wanted.endswith("+") else given != int(wanted)):
        print("measure.py: unknown command or wrong arguments: %s (see --help)" % " ".join(argv[1:]),
              file=sys.stderr)
        return 2
    try:
        print(command[0](*argv[2:]))
    except (OSError, ValueError, KeyError) as error:
        print("measure.py %s: %s" % (argv[1], error), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
