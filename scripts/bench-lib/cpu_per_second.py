#!/usr/bin/env python3
"""CPU per second of each process group, from /proc: where a machine's cores go while something
happens beside a benchmark (docs/BENCHMARKS.md "A start, and a rolling restart").

    python3 scripts/bench-lib/cpu_per_second.py SECONDS

Prints one line a second: cores used in that second by the atelier-api hosts, PostgreSQL, Redis,
NGINX, wrk and everything else. Processes are grouped by name (a host started from another path,
e.g. `scripts/rolling-restart --bin`, counts as a host when its name starts with "atelier" or
"api"). A process seen for the first time counts from its second sample on.
"""
import os
import sys
import time

GROUPS = ["api", "pg", "redis", "nginx", "wrk", "other"]


def group_of(name):
    if name.startswith(("atelier", "api")):
        return "api"
    if name.startswith("postgres"):
        return "pg"
    if name.startswith("redis"):
        return "redis"
    if name.startswith("nginx"):
        return "nginx"
    if name == "wrk":
        return "wrk"
    return "other"


def ticks_by_process():
    """{(pid, group): user + system ticks} of every process readable now."""
    found = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[(pid, group_of(name))] = int(fields[11]) + int(fields[12])
    return found


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    hz = os.sysconf("SC_CLK_TCK")
    start = time.monotonic()
    before = ticks_by_process()
    print("second\t" + "\t".join(GROUPS), flush=True)
    for second in range(1, int(sys.argv[1]) + 1):
        time.sleep(max(0.0, start + second - time.monotonic()))
        now = ticks_by_process()
        used = dict.fromkeys(GROUPS, 0)
        for key, ticks in now.items():
            if key in before:
                used[key[1]] += ticks - before[key]
        before = now
        print(f"{second}\t" + "\t".join(f"{used[g] / hz:.2f}" for g in GROUPS), flush=True)


if __name__ == "__main__":
    main()
