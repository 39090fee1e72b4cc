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


def fmt(value, digits):
    """printf's %.Nf of value (the same rounding as C's)."""
    return "%.*f" % (digits, value)


def window(path, start, end):
    start, end = float(start), float(end)
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
    fault = float(fault)
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
    times, zero = errors(path), float(zero)
    if not times:
        return "null"
    return "[%s,%s]" % (fmt((min(times) - zero) / 1000, 1), fmt((max(times) + BUCKET_MS - zero) / 1000, 1))


def probe_window(path, start, end):
    start, end = float(start), float(end)
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
    return fmt((float(end) - float(start)) / 1000, 2)


def max_column(path, column):
    column, top = int(column), 0.0
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= column and float(fields[column - 1]) > top:
                top = float(fields[column - 1])
    return fmt(top, 3)


COMMANDS = {
    "window": (window, 3), "recovery": (recovery, 2), "first": (first, 1), "last": (last, 1),
    "last-error-end": (last_error_end, 1), "error-span": (error_span, 2),
    "probe-window": (probe_window, 3), "secs": (secs, 2), "max-column": (max_column, 2),
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
    print(command[0](*argv[2:]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
