# Shared by scripts/chaos, scripts/soak and scripts/staging chaos: the running stack, paced wrk
# runs, host probes, and the measurements of scripts/lib/measure.py. Source after
# scripts/lib/common.sh. Needs python3 (scripts/install-deps).
# shellcheck shell=bash

CHAOS_LIB="$ATELIER_ROOT/scripts/chaos-lib"
BENCH_LIB="$ATELIER_ROOT/scripts/bench-lib"

now_ms() { date +%s%3N; }

# The waiting is scripts/lib/measure.py's (sleep-until, poll). waiting ARGS...: measure.py ARGS as
# a child that bash `wait`s for. Why not in the foreground: bash runs a TERM/INT trap only after
# the foreground command ends, but during `wait` at once; a TERM to the script alone (not to its
# process group, as ^C sends) would otherwise put the system back only after the wait (up to a
# fault's hold, or a poll's cap of minutes). scripts/chaos' stop_background ends the child.
WAITING_PID=""
waiting() {
  python3 "$ATELIER_ROOT/scripts/lib/measure.py" "$@" &
  WAITING_PID=$!
  local status=0
  wait "$WAITING_PID" || status=$?
  WAITING_PID=""
  return "$status"
}
sleep_until() { waiting sleep-until "$1" >/dev/null || true; } # EPOCH_MS

# Reads $STACK_DIR/env (what scripts/up wrote) and sources stack.sh with the same ports, so the
# start/stop functions act on that stack and nothing else.
load_stack_env() {
  STACK_DIR="${STACK_DIR:-$ATELIER_ROOT/.stack}"
  [ -f "$STACK_DIR/env" ] || die "no stack at $STACK_DIR (no env file): run scripts/up first"
  # shellcheck disable=SC1091
  . "$STACK_DIR/env"
  export STACK_DIR PG_PORT REDIS_PORT NGINX_PORT HOST_PORTS
  # shellcheck disable=SC1091
  . "$ATELIER_ROOT/scripts/lib/stack.sh"
  case "${API_URL:-}" in
    http://127.0.0.1:*) ;;
    *) die "API_URL in $STACK_DIR/env must be http://127.0.0.1:PORT (got '${API_URL:-}')" ;;
  esac
  read -r -a HOST_PORT_LIST <<<"$HOST_PORTS"
  HOST_COUNT=${#HOST_PORT_LIST[@]}
  [ "$HOST_COUNT" -ge 1 ] || die "no HOST_PORTS in $STACK_DIR/env"
}

host_port() { echo "${HOST_PORT_LIST[$(($1 - 1))]}"; }
host_url() { echo "http://127.0.0.1:$(host_port "$1")"; }
host_pid() { cat "$STACK_DIR/hosts/$1.pid" 2>/dev/null || true; }

# The catalog's largest product id (the bench's id range ends there).
catalog_max_id() { psql "$DATABASE_URL" -X -Atqc 'SELECT max(id) FROM catalog.products'; }
dataset_version_db() { psql "$DATABASE_URL" -X -Atqc 'SELECT version FROM catalog.dataset' 2>/dev/null || echo ""; }

# readyz_line N: "<http code> <database> <cache> <dataset_version>" of host N ("000 - - -" when
# it does not answer within 0.5 s; a SIGSTOPped host never answers).
readyz_line() { measure readyz "$(host_url "$1")"; }

host_metrics() { curl -s -m "${PROBE_TIMEOUT_S:-0.5}" "$(host_url "$1")/metrics" 2>/dev/null || true; }

# From a /metrics text on stdin: "<traffic> <cache hits> <cache misses> <cache errors> <cache
# skipped> <db errors> <local hits> <local bytes>". traffic = API requests answered, without
# /healthz, /readyz and /metrics (the probes of these scripts would otherwise count as traffic).
metrics_digest() { measure metrics-digest; }

host_urls() { local i; for ((i = 1; i <= HOST_COUNT; i++)); do host_url "$i"; done; }

# metrics_snapshot: JSON array, one object per host, of the counters above (null when down).
metrics_snapshot() {
  local urls
  mapfile -t urls < <(host_urls)
  measure metrics-snapshot "${urls[@]}"
}

# Every host answers /readyz 200 and NGINX answers /healthz.
stack_healthy() {
  local i
  for ((i = 1; i <= HOST_COUNT; i++)); do
    [ "$(readyz_line "$i" | cut -d' ' -f1)" = 200 ] || return 1
  done
  curl -fsS -m 1 "$API_URL/healthz" >/dev/null 2>&1
}

# Skus of the products under test, for the page_view mix's cart POSTs (as scripts/bench does).
sample_skus() { # OUT_FILE LOW_ID
  psql "$DATABASE_URL" -X -Atqc "SELECT k.id FROM catalog.skus k
      JOIN catalog.styles s ON s.id = k.style_id WHERE s.product_id >= $2
      ORDER BY random() LIMIT 5000" >"$1" 2>/dev/null || : >"$1"
}

# wrk_start PREFIX DURATION_S RATE MIN_ID MAX_ID: the page_view load of scripts/bench through
# NGINX in the background (pid in WRK_PID). Bounded twice: wrk -d, and `timeout` in case wrk
# hangs. Stop early with wrk_stop (SIGINT: wrk stops and still writes its results).
# Writes PREFIX.result.json, .buckets.tsv, .wrk.txt. No latency distribution table: bench's
# writer walks every microsecond up to wrk's --timeout (10 M steps here), which takes longer
# than the run's tail.
WRK_PID=""
wrk_start() {
  local prefix="$1" duration="$2" rate="$3" min_id="$4" max_id="$5"
  case "$API_URL" in http://127.0.0.1:*) ;; *) die "load only goes to 127.0.0.1" ;; esac
  [ -s "$prefix.skus" ] || sample_skus "$prefix.skus" "$min_id"
  env LUA_PATH="$BENCH_LIB/?.lua;;" BENCH_SCENARIO=page_view BENCH_MAX_ID="$max_id" \
    BENCH_RATE="$rate" BENCH_THREADS="$WRK_THREADS" BENCH_SKU_FILE="$prefix.skus" \
    BENCH_SESSION_PREFIX="$SESSION_PREFIX" BENCH_RESULT="$prefix.result.json" \
    BENCH_DISTRIBUTION="" CHAOS_BUCKETS="$prefix.buckets.tsv" \
    CHAOS_MIN_ID="$min_id" CHAOS_BUCKET_MS=100 \
    timeout -s INT -k 60 "$((duration + 30))" \
    wrk -t "$WRK_THREADS" -c "$WRK_CONNECTIONS" -d "${duration}s" --timeout "${WRK_TIMEOUT_S:-10}s" \
    -s "$CHAOS_LIB/chaos_run.lua" "$API_URL" >"$prefix.wrk.txt" 2>&1 &
  WRK_PID=$!
}

wrk_running() { [ -n "$WRK_PID" ] && kill -0 "$WRK_PID" 2>/dev/null; }

# Waits for the wrk run; with "now", ends it first (SIGINT to our `timeout`, which passes it on).
wrk_stop() {
  [ -n "$WRK_PID" ] || return 0
  if [ "${1:-}" = now ] && wrk_running; then kill -INT "$WRK_PID" 2>/dev/null || true; fi
  wait "$WRK_PID" 2>/dev/null || true
  WRK_PID=""
}

# Deletes the cart rows the page_view POSTs added under SESSION_PREFIX (as scripts/bench does).
delete_bench_carts() {
  bench_carts_delete_sql "$SESSION_PREFIX" "${BENCH_SESSIONS:-10000}" "$ATELIER_SESSION_SECRET_FILE" |
    psql "$DATABASE_URL" -X -Atq 2>/dev/null | tail -n 1 || echo ""
}

# What is computed from the runs' output (windows, recovery, percentiles, seconds between
# instants) is scripts/lib/measure.py's (python3; `python3 scripts/lib/measure.py --help`).
measure() { python3 "$ATELIER_ROOT/scripts/lib/measure.py" "$@"; }

# window_stats BUCKETS FROM_MS TO_MS: JSON {requests, statuses, errors, error_pct, rate} of the
# answers whose bucket starts in [FROM_MS, TO_MS). errors = everything but 200/201.
window_stats() { measure window "$@"; }

# chaos_cases BACKEND: the names of the cases that BACKEND (stack | staging) implements, in the
# order of scripts/chaos-lib/cases.tsv (the one list of cases for both backends).
chaos_cases() {
  awk -F'\t' -v backend="$1" '!/^#/ && NF >= 3 { n = split($2, b, " "); for (i = 1; i <= n; i++) if (b[i] == backend) print $1 }' \
    "$CHAOS_LIB/cases.tsv" | tr '\n' ' ' | sed 's/ $//'
}

# chaos_cases_table: every case, where it runs and what it does (scripts/chaos --list).
chaos_cases_table() {
  awk -F'\t' '!/^#/ && NF >= 3 { printf "  %-21s %-14s %s\n", $1, $2, $3 }' "$CHAOS_LIB/cases.tsv"
}

# chaos_case_check BACKEND NAME: nothing when BACKEND implements case NAME; otherwise dies saying
# where it runs (the other backend) or that there is no such case.
chaos_case_check() {
  case " $(chaos_cases "$1") " in *" $2 "*) return 0 ;; esac
  case "$1:  $(chaos_cases stack) | $(chaos_cases staging) " in
    staging:*" $2 "*"|"*) die "case '$2' runs on the one-box stack only: scripts/chaos $2" ;;
    stack:*"|"*" $2 "*) die "case '$2' runs on the staging only: scripts/chaos --backend staging $2" ;;
  esac
  die "unknown case '$2' (one of: $(chaos_cases "$1"); scripts/chaos --list)"
}
