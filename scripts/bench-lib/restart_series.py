#!/usr/bin/env python3
"""Per-second page views around a start or a rolling restart (scripts/bench-restart).

Reads the bench result JSON (result.per_second: [epoch, succeeded, failed] per second, written by
run.lua) and the events file (epoch <TAB> text), prints the series as a share of the steady rate
and the seconds until the rate reached 90% of it, and writes a TSV for restart.gnuplot.
"""
import argparse
import json
import re
import statistics
import sys


def load_events(path):
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            stamp, _, text = line.rstrip("\n").partition("\t")
            events.append((float(stamp), text))
    return events


def seconds_to_reach(series, start, steady, share=0.9):
    """Seconds from `start` (epoch) until the first full second at >= share x steady."""
    for epoch, ok, _ in series:
        if epoch >= int(start) and ok >= share * steady:
            return max(0, epoch - int(start))
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["start", "rolling"], required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--tsv", required=True)
    parser.add_argument("--title", default="")
    args = parser.parse_args()

    with open(args.result, encoding="utf-8") as f:
        result = json.load(f)["result"]
    # The first and last seconds are partial (the run starts and ends inside them).
    series = [tuple(p) for p in result.get("per_second", [])][1:-1]
    if len(series) < 6:
        sys.exit("bench-restart: too few seconds measured (%d)" % len(series))
    events = load_events(args.events)
    first = series[0][0]

    if args.mode == "start":
        half = series[len(series) // 2:]
        steady = statistics.median(ok for _, ok, _ in half)
        steps = [("all hosts ready", first)]
    else:
        rolling = next(t for t, text in events if text == "rolling")
        before = [ok for epoch, ok, _ in series if epoch < int(rolling)]
        steady = statistics.median(before) if before else statistics.median(o for _, o, _ in series)
        steps = []
        # A step ends when scripts/rolling-restart reports the host replaced: by a successor that
        # took its socket over (then the old one drained), or drained first and started again.
        for stamp, text in events:
            m = re.search(r"host (\S+): (successor pid \d+ took over|drained and exited)", text)
            if m:
                steps.append(("host %s replaced" % m.group(1), stamp))

    with open(args.tsv, "w", encoding="utf-8") as out:
        out.write("# second\treq_per_s\tshare_of_steady\tfailed\n")
        for epoch, ok, failed in series:
            out.write("%d\t%d\t%.3f\t%d\n" % (epoch - first, ok, ok / steady, failed))
        for label, stamp in steps:
            out.write("# event\t%.1f\t%s\n" % (stamp - first, label))

    print("== %s ==" % (args.title or "bench-restart"))
    print("steady: %d req/s (median of %s)" % (
        steady, "the second half" if args.mode == "start" else "the seconds before the restart"))
    print("%-8s %9s %7s %7s" % ("second", "req/s", "share", "failed"))
    for epoch, ok, failed in series:
        marks = [label for label, stamp in steps if int(stamp) == epoch]
        print("%-8d %9d %7.2f %7d %s" % (epoch - first, ok, ok / steady, failed,
                                           ("<- " + ", ".join(marks)) if marks else ""))
    reaches = []
    unjudged = []  # steps the run ended too soon after to tell whether they recovered in time
    last = series[-1][0]
    for label, stamp in steps:
        reach = seconds_to_reach(series, stamp, steady)
        if reach is None and int(stamp) + 10 > last:
            unjudged.append(label)
            print("%s: the run ended %d s after it, before 90%% of steady; too short to judge" % (
                label, max(0, last - int(stamp))))
            continue
        reaches.append(float("inf") if reach is None else reach)
        window = [ok / steady for epoch, ok, _ in series if int(stamp) <= epoch < int(stamp) + 10]
        low = min(window) if window else float("nan")
        print("%s: >= 90%% of steady after %s s; lowest share in its first 10 s %.2f" % (
            label, "never" if reach is None else reach, low))
    if args.mode == "rolling":
        # While each step ran (from the previous step's end, or the restart's start): the cost of
        # the replacement itself, which the per-step recovery above does not show.
        start = rolling
        for label, stamp in steps:
            during = [ok / steady for epoch, ok, _ in series if int(start) <= epoch < int(stamp)]
            if during:
                print("%s: during the step (%d s) share median %.2f, lowest %.2f" % (
                    label, len(during), statistics.median(during), min(during)))
            start = stamp
    failed = sum(f for _, _, f in series)
    print("failed responses: %d of %d" % (failed, sum(ok + f for _, ok, f in series)))
    if any(reach > 10 for reach in reaches) or not (reaches or unjudged):
        verdict = "MISSED"
    elif unjudged:
        verdict = "not judged: the run ended too soon after %s (a longer --duration)" % (
            ", ".join(unjudged))
    else:
        verdict = "met"
    print("target (>= 90%% within 10 s of every step): %s" % verdict)


if __name__ == "__main__":
    main()
