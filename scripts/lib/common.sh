# Shared by every script: repo paths, logging, building. Source it, don't run it.
# shellcheck shell=bash

ATELIER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ATELIER_ROOT
ATELIER_BUILD_DIR="${ATELIER_BUILD_DIR:-$ATELIER_ROOT/build}"
ATELIER_BIN="$ATELIER_BUILD_DIR/src/tools"

say() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Configures (once) and builds the given targets (default: everything) in $ATELIER_BUILD_DIR.
# ATELIER_CMAKE_ARGS: more cmake arguments, split on whitespace (no glob expansion).
build_targets() {
  local type="${ATELIER_BUILD_TYPE:-Release}" cmake_args=()
  read -ra cmake_args <<<"${ATELIER_CMAKE_ARGS:-}"
  if [ ! -f "$ATELIER_BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S "$ATELIER_ROOT" -B "$ATELIER_BUILD_DIR" -DCMAKE_BUILD_TYPE="$type" \
      "${cmake_args[@]}" >/dev/null
  fi
  if [ $# -eq 0 ]; then
    cmake --build "$ATELIER_BUILD_DIR" -j"$(nproc)"
  else
    local args=()
    for t in "$@"; do args+=(--target "$t"); done
    cmake --build "$ATELIER_BUILD_DIR" -j"$(nproc)" "${args[@]}"
  fi
}

# secret_file PATH: PATH, holding a random secret (48 hex digits) made on first use, mode 600:
# written under umask 077 as a new file moved into place, so never readable by others, not even
# while it is written. For passwords of the private stack, the staging and the test Redis group.
secret_file() {
  if [ ! -s "$1" ]; then
    (
      umask 077
      mkdir -p "$(dirname "$1")"
      head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1.new" && mv -f "$1.new" "$1"
    ) || die "could not write $1"
  fi
  echo "$1"
}

# Builds a tool only when its binary is missing.
ensure_tool() {
  local tool="$1"
  if [ ! -x "$ATELIER_BIN/$tool" ]; then build_targets "$tool" >&2; fi
}

# Polls `command...` every 0.1 s, up to `tries` times; true as soon as it succeeds.
poll() { # TRIES COMMAND...
  local tries="$1" _
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# pids_cpu_ticks PID...: user + system clock ticks these processes have used so far, their children
# that exited and were waited for included (utime, stime, cutime, cstime of /proc/PID/stat); a
# process that is gone counts 0. Used by scripts/bench (bench-lib/cpu.sh) and scripts/staging cost.
pids_cpu_ticks() {
  local pid stat sum=0
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    # Cut "pid (comm) " first (comm may hold spaces): then utime..cstime are fields 12..15.
    sum=$((sum + $(awk '{ print $12 + $13 + $14 + $15 }' <<<"${stat##*) }")))
  done
  echo "$sum"
}

# cold_range_low MAX_ID: the first product id the load scenarios draw from (the last 10% of the
# catalog), by the rule of scripts/lib/scenarios.json that wrk's and k6's scenarios follow.
cold_range_low() {
  jq -r --argjson max "$1" '[1, ($max * .cold_range_start | ceil)] | max' \
    "$ATELIER_ROOT/scripts/lib/scenarios.json"
}

# SQL that deletes the cart rows and request keys of benchmark sessions PREFIX<n>, n = 1..COUNT
# (named as scripts/bench-lib/scenarios.lua names them: the prefix, then n zero-padded to 24
# digits, scripts/lib/scenarios.json's session_digits), keyed with the session secret in FILE as the hosts key them (docs/SECURITY.md), and
# prints how many cart rows went. Meant for psql's standard input, so the secret never appears in
# a process's arguments. Uses pgcrypto (trusted: the database owner may create it).
bench_carts_delete_sql() { # PREFIX COUNT SECRET_FILE
  local secret
  secret="$(cat "$3")" || return 1
  cat <<SQL
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE TEMP TABLE bench_keys AS
  SELECT encode(hmac('$1' || lpad(n::text, 24, '0'), '$secret', 'sha256'), 'hex') AS k
  FROM generate_series(1, $2) n;
DELETE FROM atelier.cart_requests WHERE session_key IN (SELECT k FROM bench_keys);
WITH gone AS (DELETE FROM atelier.cart WHERE session_key IN (SELECT k FROM bench_keys) RETURNING 1)
SELECT count(*) FROM gone;
SQL
}
