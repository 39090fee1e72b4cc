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
"""
import json
import math
import sys

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


def compact(value):
    """JSON as `jq -c` writes it (integral floats without a fraction)."""
    def clean(v):
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e17:
            return int(v)
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(value), separators=(",", ":"), ensure_ascii=False)


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


COMMANDS = {
    "window": (window, 3), "recovery": (recovery, 2), "first": (first, 1), "last": (last, 1),
    "last-error-end": (last_error_end, 1), "error-span": (error_span, 2),
    "probe-window": (probe_window, 3), "secs": (secs, 2), "max-column": (max_column, 2),
    "case-json": (case_json, 13), "case-text": (case_text, 1), "event": (event, 3),
    "check": (check, 4), "skipped": (skipped, 2), "windows": (windows, 3),
}


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    command = COMMANDS.get(argv[1])
    if command is None or len(argv) - 2 != command[1]:
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
