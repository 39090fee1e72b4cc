# The cases of scripts/chaos and the machinery they share: timing, the sampler, load windows,
# checks and the case JSON. Sourced by scripts/chaos after chaos-lib/lib.sh; it reads the
# driver's settings (RATE, DURATION, LEAD_IN, TAIL, FAULT_HOST, DOWN, OUTAGE, PG_DOWN, STALL,
# MAX_LATENCY_MS, DATA_DIR, work, low_id, max_id) and uses its restore_stack. A case hurts and
# heals the system only through the backend's verbs (backend_*: chaos-lib/backend-stack.sh); the
# faults both backends run are chaos-lib/faults.sh's (their events: chaos_event = event here).
# One function per case: case_<fault> (and case_baseline), run by the driver in order.
# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with the driver (scripts/chaos)

# Timing helpers. All times are epoch milliseconds; case JSON reports seconds from load start.
# waiting and sleep_until: chaos-lib/lib.sh.
sleep_s() { sleep_until $(($(now_ms) + $1 * 1000)); } # SECONDS (whole)
secs() { measure secs "$1" "$2"; }
# Seconds from A to B, or nothing when either is unknown (a recovery that was never seen).
secs_or_empty() { if [ -n "$1" ] && [ -n "$2" ]; then secs "$1" "$2"; fi; }

# poll_until CAP_MS WHAT HOST...|all: measure.py poll, every 100 ms, until WHAT (ready, cache-up,
# version=V, traffic) holds for the hosts; sets POLL_T to the epoch ms it held, or to "" when
# CAP_MS passed first. (A variable, not output: a command substitution is not `wait`ed for, so
# a TERM would wait for the whole poll; see waiting.)
POLL_T=""
poll_until() {
  local cap="$1" what="$2" urls=() i
  shift 2
  # shellcheck disable=SC2046 # the host numbers
  if [ "$1" = all ]; then set -- $(seq 1 "$HOST_COUNT"); fi
  for i in "$@"; do urls+=("$(host_url "$i")"); done
  waiting poll "$cap" "$what" "${urls[@]}" >"$work/poll.out" || true
  POLL_T="$(cat "$work/poll.out")"
}

# Every 0.5 s: "<epoch ms> <host> <readyz code> <database> <cache> <version> <metrics digest>"
# (measure.py sampler, one process, ended by stop_background). Background loops (the probes
# below) die by the default SIGTERM: a TERM trap that runs while bash 5.2 parses a command
# substitution prints a spurious parse error.
sampler_start() {
  local urls
  mapfile -t urls < <(host_urls)
  python3 "$ATELIER_ROOT/scripts/lib/measure.py" sampler "$1" 500 "${urls[@]}" &
  SAMPLER_PID=$!
}

# ---------------------------------------------------------------------------------------------
# One case = load_begin, the fault, load_end, then case_json from the results.
CASE=""
PREFIX=""
T_LOAD=0
WRK_CAP_S=0
load_begin() { # NAME MIN_ID [EXTRA_CAP_S]
  CASE="$1"
  PREFIX="$work/$1"
  CASE_MIN_ID="$2"
  WRK_CAP_S=$((DURATION + ${3:-300}))
  : >"$PREFIX.checks.jsonl"
  : >"$PREFIX.timeline.jsonl"
  say "== $CASE: $RATE req/s through $API_URL, ids $CASE_MIN_ID..$max_id"
  sampler_start "$PREFIX.samples.tsv"
  wrk_start "$PREFIX" "$WRK_CAP_S" "$RATE" "$CASE_MIN_ID" "$max_id"
  T_LOAD="$(now_ms)"
}

# load_end RECOVERED_MS: keeps the load on until both DURATION has passed and TAIL seconds after
# the recovery, then ends wrk (SIGINT: it still writes its results) and puts the stack back.
load_wait_end() {
  local end=$((T_LOAD + DURATION * 1000)) after=$(($1 + TAIL * 1000))
  if [ "$after" -gt "$end" ]; then end="$after"; fi
  local cap=$((T_LOAD + WRK_CAP_S * 1000))
  if [ "$end" -gt "$cap" ]; then end="$cap"; fi
  # Until END or wrk's end, whichever comes first (wait -n: the first of the two children).
  if wrk_running && [ "$(now_ms)" -lt "$end" ]; then
    python3 "$ATELIER_ROOT/scripts/lib/measure.py" sleep-until "$end" >/dev/null &
    WAITING_PID=$!
    wait -n "$WRK_PID" "$WAITING_PID" || true
    kill "$WAITING_PID" 2>/dev/null || true
    wait "$WAITING_PID" 2>/dev/null || true
    WAITING_PID=""
  fi
}
load_end() {
  load_wait_end "$1"
  stop_background
  restore_stack
  CARTS_DELETED="$(delete_bench_carts)"
  if [ ! -s "$PREFIX.result.json" ] || [ ! -s "$PREFIX.buckets.tsv" ]; then
    check "wrk wrote its results" false "missing: $(tail -n 3 "$PREFIX.wrk.txt" | tr '\n' ' ')" "present"
    touch "$PREFIX.buckets.tsv"
  fi
}

event() { measure event "$T_LOAD" "$2" "$1" >>"$PREFIX.timeline.jsonl"; } # NAME EPOCH_MS
chaos_event() { event "$@"; }

# check NAME OK(true|false) VALUE TARGET
check() { measure check "$1" "$2" "$3" "$4" >>"$PREFIX.checks.jsonl"; }
bool() { if "$@"; then echo true; else echo false; fi; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

# case_json TARGET_TEXT WINDOWS_JSON RECOVERY_JSON DETAILS_JSON: the case's result line (built by
# scripts/lib/measure.py from the case's files: wrk's result, buckets, checks, timeline), printed.
case_json() {
  measure case-json "$CASE" "$1" "$2" "$3" "$4" "$PREFIX" "$T_LOAD" "$RATE" "$WRK_CONNECTIONS" \
    "$WRK_THREADS" "$CASE_MIN_ID" "$max_id" "${CARTS_DELETED:-}" >>"$work/cases.jsonl"
  print_case "$(tail -n 1 "$work/cases.jsonl")"
}

print_case() { measure case-text "$1"; }

# Precondition of every case: the stack is whole. A broken stack is put back first.
precondition() {
  if stack_healthy; then return 0; fi
  say "stack not healthy before $1: restoring"
  restore_stack
  sleep_s 2
  stack_healthy
}

skip_case() { # NAME REASON
  measure skipped "$1" "$2" >>"$work/cases.jsonl"
  printf '\n== %s  FAIL   not run: %s\n' "$1" "$2"
}

windows3() { measure windows "$PREFIX.buckets.tsv" "$1" "$2"; } # BEFORE_END FAULT_END (epoch ms; FAULT_END may be empty = end of run)

# ---------------------------------------------------------------------------------------------
case_baseline() {
  load_begin baseline "$low_id" 0
  load_end "$T_LOAD"
  local r="$PREFIX.result.json" errors
  errors="$(measure result-errors "$r" 2>/dev/null || echo 1)"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  case_json "no fault: the reference for host_stop's latency" '{}' '{}' '{}'
}

case_host_kill() {
  local n="$FAULT_HOST" t_fault t_up t_rejoin
  load_begin host_kill "$low_id"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  fault_host_kill "$n" "$DOWN"
  t_fault="$FAULT_T" t_up="$FAULT_HEALED_T"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) traffic "$n"
  t_rejoin="$POLL_T"
  [ -n "$t_rejoin" ] && event "host $n gets traffic" "$t_rejoin"
  load_end "${t_rejoin:-$t_up}"

  local windows fault_pct after_errors
  windows="$(windows3 "$t_fault" "$t_rejoin")"
  read -r fault_pct after_errors <<<"$(measure get "$windows" fault.error_pct after.errors)"
  check "error rate kill -> rejoin" "$(bool le "$fault_pct" 0.1)" "$fault_pct%" "<= 0.1%"
  if [ -n "$t_rejoin" ]; then
    check "errors after rejoin" "$(bool [ "$after_errors" = 0 ])" "$after_errors" "0"
  else
    check "host gets traffic again" false "never seen" "rejoins"
  fi
  local socket connect read write timeout
  read -r socket connect read write timeout <<<"$(measure file-get "$PREFIX.result.json" socket_errors \
    socket_errors.connect socket_errors.read socket_errors.write socket_errors.timeout)"
  check "socket errors" "$(bool [ "$((connect + read + write + timeout))" = 0 ])" "$socket" "none"
  case_json "errors <= 0.1% from kill to rejoin, 0 after rejoin" "$windows" \
    "$(measure object "restart_to_traffic?=$(secs_or_empty "$t_up" "$t_rejoin")" \
      "kill_to_traffic?=$(secs_or_empty "$t_fault" "$t_rejoin")")" \
    "$(measure object "host:=$n" "down_s:=$DOWN")"
}

# Sum over hosts of (later - earlier) per counter, and the Redis hit ratio of that phase.
hit_ratio_phase() { measure hit-ratio "$1" "$2"; } # EARLIER_SNAPSHOT LATER_SNAPSHOT

# Per host, the cache states of /readyz in order, with the time each began (s after the fault).
cache_timeline() { measure cache-timeline "$1" "$2"; } # SAMPLES FAULT_MS

case_redis_stop() {
  local t_fault t_back t_up m0 m1 m2 m3
  # The whole catalog: ids the in-process caches have not seen yet still go to Redis (with only
  # the last 10%, a warm host answers everything from its own memory and never asks Redis).
  load_begin redis_stop 1
  m0="$(metrics_snapshot)"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  m1="$(metrics_snapshot)"
  t_fault="$(now_ms)"
  backend_redis_stop
  event "redis stopped" "$t_fault"
  sleep_until $((t_fault + OUTAGE * 1000))
  m2="$(metrics_snapshot)"
  t_back="$(now_ms)"
  backend_redis_start || say "redis did not start"
  event "redis started" "$t_back"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) cache-up all
  t_up="$POLL_T"
  [ -n "$t_up" ] && event "every host cache up" "$t_up"
  # "after" keeps the load on for TAIL s past recovery; the snapshot is taken before it ends.
  load_wait_end "${t_up:-$t_back}"
  m3="$(metrics_snapshot)"
  load_end "${t_up:-$t_back}"

  local windows errors phases timeline
  windows="$(windows3 "$t_fault" "$t_back")"
  errors="$(measure result-errors "$PREFIX.result.json" 2>/dev/null || echo '?')"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  check "every host's cache up again" "$(bool [ -n "$t_up" ])" \
    "$(if [ -n "$t_up" ]; then echo "$(secs "$t_back" "$t_up") s after restart"; else echo "not seen"; fi)" "up"
  local during
  during="$(hit_ratio_phase "$m1" "$m2")"
  phases="$(measure object "before:=$(hit_ratio_phase "$m0" "$m1")" "during:=$during" \
    "after:=$(hit_ratio_phase "$m2" "$m3")")"
  timeline="$(cache_timeline "$PREFIX.samples.tsv" "$t_fault")"
  # With every requested id already in the hosts' in-process caches, Redis is never asked and
  # the outage is invisible by construction: say so rather than pass.
  local asked hits misses cache_errors skipped
  read -r hits misses cache_errors skipped <<<"$(measure get "$during" hits misses cache_errors skipped)"
  asked=$((hits + misses + cache_errors + skipped))
  check "Redis lookups during the outage (the fault was exercised)" "$(bool [ "$asked" -gt 0 ])" \
    "$asked lookups" "> 0"
  case_json "0 errors; every host's cache state back to up" "$windows" \
    "$(measure object "restart_to_all_cache_up?=$(secs_or_empty "$t_back" "$t_up")")" \
    "$(measure object "outage_s:=$OUTAGE" "redis_hit_ratio:=$(measure object \
      "before:=$(measure get "$phases" before.redis_hit_ratio)" "during:=$(measure get "$phases" during.redis_hit_ratio)" \
      "after:=$(measure get "$phases" after.redis_hit_ratio)")" "cache_counters:=$phases" \
      "cache_state_by_host:=$timeline")"
}

# Probes a cached product through NGINX every 0.2 s: "<epoch ms> <path> <status> <seconds>".
probe_start() { # OUT PATH...
  local out="$1"
  shift
  (
    while true; do
      for path in "$@"; do
        printf '%s %s %s\n' "$(now_ms)" "$path" \
          "$(curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}' "$API_URL$path" || echo "000 0")"
      done >>"$out"
      sleep 0.2
    done
  ) &
  BACKGROUND_PIDS+=($!)
}

case_pg_restart() {
  local t_fault t_back t_ready probe_id="$max_id" m1 m2
  # The whole catalog, so some reads are misses that need the database (with a catalog warmed
  # into Redis by scripts/up, the cart requests of the mix are the ones that always do).
  load_begin pg_restart 1
  # A product certainly cached: asked for a few times before the fault.
  for _ in 1 2 3; do
    curl -s -o /dev/null "$API_URL/products/$probe_id"
    curl -s -o /dev/null "$API_URL/products/$probe_id/styles"
  done
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  probe_start "$PREFIX.probe.txt" "/products/$probe_id" "/products/$probe_id/styles"
  m1="$(metrics_snapshot)"
  t_fault="$(now_ms)"
  if [ "$PG_DOWN" -gt 0 ]; then
    backend_pg_stop
    event "postgres stopped" "$t_fault"
    sleep_until $((t_fault + PG_DOWN * 1000))
    backend_pg_start || say "postgres did not start"
  else
    event "postgres restart begins" "$t_fault"
    backend_pg_restart || say "postgres restart failed"
  fi
  t_back="$(now_ms)"
  event "postgres accepting connections" "$t_back"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) ready all
  t_ready="$POLL_T"
  [ -n "$t_ready" ] && event "every host /readyz 200" "$t_ready"
  sleep_s 1
  m2="$(metrics_snapshot)"
  load_end "${t_ready:-$t_back}"

  local windows n503 no_retry other max_ms probe_total probe_ok probe_max recovery
  windows="$(windows3 "$t_fault" "${t_ready:-}")"
  read -r n503 no_retry other <<<"$(measure error-classes "$PREFIX.buckets.tsv" "$PREFIX.result.json" '200,201,503*')"
  max_ms="$(measure file-get "$PREFIX.result.json" latency_ms.max)"
  probe_total="$(wc -l <"$PREFIX.probe.txt")"
  probe_ok="$(awk '$3 == 200' "$PREFIX.probe.txt" | wc -l)"
  probe_max="$(measure max-column "$PREFIX.probe.txt" 4)"
  recovery="$(secs_or_empty "$t_back" "$t_ready")"
  # Clients may see errors for longer than /readyz says (NGINX keeps failed hosts out for its
  # fail_timeout): the end of the last 100 ms bucket with an error, from the database's return.
  local last_error clients_ok
  last_error="$(measure last-error-end "$PREFIX.buckets.tsv")"
  clients_ok="$(secs_or_empty "$t_back" "$last_error")"
  case "$clients_ok" in "" | -*) clients_ok=0 ;; esac # none, or all before the database returned
  check "errors other than 503" "$(bool [ "$other" = 0 ])" "$other" "0"
  check "503s carry Retry-After" "$(bool [ "$no_retry" = 0 ])" "$no_retry of $n503 without" "all"
  check "cached product reads during the outage" "$(bool [ "$probe_ok" = "$probe_total" ])" \
    "$probe_ok/$probe_total probes 200, slowest ${probe_max}s" "all 200"
  check "max latency" "$(bool le "$max_ms" "$MAX_LATENCY_MS")" "$max_ms ms" "<= $MAX_LATENCY_MS ms"
  check "every /readyz 200 after the database returns" \
    "$(bool le "${recovery:-999999}" 5)" "${recovery:-never} s" "<= 5 s"
  case_json "cached reads 200, misses 503 + Retry-After, no other errors, max latency <= ${MAX_LATENCY_MS} ms, /readyz 200 <= 5 s after the database returns" \
    "$windows" \
    "$(measure object "db_back_to_all_ready?=$recovery" "db_back_to_last_client_error?=$clients_ok")" \
    "$(measure object "pg_down_s:=$PG_DOWN" "responses_503:=$n503" "responses_503_without_retry_after:=$no_retry" \
      "other_errors:=$other" "counters_fault_to_ready:=$(hit_ratio_phase "$m1" "$m2")" \
      "cached_probe:=$(measure object "product=$probe_id" "probes:=$probe_total" "ok_200:=$probe_ok" \
        "slowest_s?=$probe_max")")"
}

# Cached product reads timed one by one: 20 per curl (one keep-alive connection), each line
# "<batch start epoch ms> <status> <seconds>". The paths are read twice first, so every one is in
# both cache tiers of the host NGINX sends it to (consistent hashing).
cached_probe_start() { # OUT PATH...
  local out="$1" args=() path
  shift
  for path in "$@"; do args+=(-o /dev/null "$API_URL$path"); done
  curl -s "${args[@]}" >/dev/null 2>&1 || true
  curl -s "${args[@]}" >/dev/null 2>&1 || true
  (
    while true; do
      t="$(now_ms)"
      curl -s -m 30 -w '%{http_code} %{time_total}\n' "${args[@]}" | sed "s/^/$t /" >>"$out"
    done
  ) &
  BACKGROUND_PIDS+=($!)
}

# p99 in ms and the count of non-200 of the probe lines with FROM_MS <= batch start < TO_MS.
probe_window() { measure probe-window "$@"; } # FILE FROM_MS TO_MS

# A hung database (issue: a stopped PostgreSQL is not a refused one): every postgres process
# SIGSTOPped for FREEZE seconds under the page-view mix, whose cart requests need the database.
# Cached reads must not feel it (each host's request threads never wait on the database; its
# database workers answer 503 + Retry-After at their deadline).
case_pg_freeze() {
  local t_steady t_freeze t_thaw ids=() id paths=()
  load_begin pg_freeze "$low_id"
  mapfile -t ids < <(seq "$low_id" $(((max_id - low_id) / 20 + 1)) "$max_id" | head -n 20)
  for id in "${ids[@]}"; do paths+=("/products/$id/styles"); done
  cached_probe_start "$PREFIX.cached.txt" "${paths[@]}"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  t_steady="$(now_ms)"
  sleep_until $((t_steady + FREEZE * 1000))
  fault_pg_freeze "$FREEZE"
  t_freeze="$FAULT_T" t_thaw="$FAULT_HEALED_T"
  load_end "$t_thaw"

  local steady frozen after windows n503 no_retry other ok_p99 s99 f99 reads not_200
  steady="$(probe_window "$PREFIX.cached.txt" "$t_steady" "$t_freeze")"
  frozen="$(probe_window "$PREFIX.cached.txt" "$t_freeze" "$t_thaw")"
  after="$(probe_window "$PREFIX.cached.txt" "$t_thaw" 99999999999999)"
  windows="$(windows3 "$t_freeze" "$t_thaw")"
  read -r n503 no_retry other <<<"$(measure error-classes "$PREFIX.buckets.tsv" "$PREFIX.result.json" '200,201,304,503h')"
  s99="$(measure get "$steady" p99_ms)"
  read -r f99 reads not_200 <<<"$(measure get "$frozen" p99_ms reads not_200)"
  ok_p99=false
  if [ "$s99" != null ] && [ "$f99" != null ] && le "$f99" "$(awk -v s="$s99" 'BEGIN { print 2 * s }')"; then ok_p99=true; fi
  check "cached reads while PostgreSQL is stopped: errors" \
    "$(bool [ "$reads" -gt 0 -a "$not_200" = 0 ])" "$not_200 of $reads" "0"
  check "cached reads' p99 while stopped vs steady" "$ok_p99" "$f99 ms vs $s99 ms" "<= 2x"
  check "errors other than host 503s" "$(bool [ "$other" = 0 ])" "$other" "0"
  check "503s carry Retry-After" "$(bool [ "$no_retry" = 0 ])" "$no_retry of $n503 without" "all"
  case_json "cached reads 0 errors and p99 <= 2x steady while PostgreSQL is stopped; what needs it 503 + Retry-After" \
    "$windows" '{}' \
    "$(measure object "freeze_s:=$FREEZE" \
      "cached_reads:=$(measure object "steady:=$steady" "frozen:=$frozen" "after:=$after")" \
      "responses_503:=$n503" "other_errors:=$other")"
}

# The catalog directory the stack was loaded from: the one with a manifest.json, newest first.
find_data_dir() {
  if [ -n "$DATA_DIR" ]; then echo "$DATA_DIR"; return; fi
  local manifest
  manifest="$(ls -t "$STACK_DIR"/data/*/manifest.json 2>/dev/null | head -n 1 || true)"
  [ -n "$manifest" ] && dirname "$manifest"
}

case_reload() {
  local dir v_before v_after t_fault t_loaded t_switched rc=0 ids id sample_out
  dir="$(find_data_dir)"
  if [ -z "$dir" ] || [ ! -f "$dir/product.csv" ]; then
    skip_case reload "no catalog directory (pass --data DIR)"
    return
  fi
  v_before="$(dataset_version_db)"
  ids="$max_id $low_id $(((low_id + max_id) / 2))"
  mkdir -p "$work/reload-bodies"
  for id in $ids; do curl -s "$API_URL/products/$id" >"$work/reload-bodies/pre-$id"; done
  load_begin reload "$low_id" 600
  sample_out="$PREFIX.samples-bodies.txt"
  (
    while true; do
      for id in $ids; do
        code="$(curl -s -o "$work/reload-bodies/cur-$id" -w '%{http_code}' "$API_URL/products/$id" || echo 000)"
        echo "$(now_ms) $id $code $(md5sum <"$work/reload-bodies/cur-$id" | cut -d' ' -f1)"
      done >>"$sample_out"
      sleep 0.05
    done
  ) &
  BACKGROUND_PIDS+=($!)
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  t_fault="$(now_ms)"
  event "load-data begins" "$t_fault"
  DATABASE_URL="$DATABASE_URL" "$ATELIER_ROOT/scripts/load-data" "$dir" >"$PREFIX.load-data.log" 2>&1 || rc=$?
  t_loaded="$(now_ms)"
  event "load-data done (exit $rc)" "$t_loaded"
  v_after="$(dataset_version_db)"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) "version=$v_after" all
  t_switched="$POLL_T"
  [ -n "$t_switched" ] && event "every host on version $v_after" "$t_switched"
  load_end "${t_switched:-$t_loaded}"
  for id in $ids; do curl -s "$API_URL/products/$id" >"$work/reload-bodies/post-$id"; done

  local windows errors samples mixed non200 same
  windows="$(windows3 "$t_fault" "${t_switched:-}")"
  errors="$(measure result-errors "$PREFIX.result.json" 2>/dev/null || echo '?')"
  samples="$(wc -l <"$sample_out")"
  mixed=0
  non200=0
  same=0
  for id in $ids; do
    local pre post
    pre="$(md5sum <"$work/reload-bodies/pre-$id" | cut -d' ' -f1)"
    post="$(md5sum <"$work/reload-bodies/post-$id" | cut -d' ' -f1)"
    [ "$pre" = "$post" ] && same=$((same + 1))
    mixed=$((mixed + $(awk -v id="$id" -v a="$pre" -v b="$post" '$2 == id && $3 == 200 && $4 != a && $4 != b' "$sample_out" | wc -l)))
    non200=$((non200 + $(awk -v id="$id" '$2 == id && $3 != 200' "$sample_out" | wc -l)))
  done
  check "load-data succeeded" "$(bool [ "$rc" = 0 ])" "exit $rc" "0"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  check "dataset version moved" "$(bool [ -n "$v_after" -a "$v_after" != "$v_before" ])" "$v_before -> $v_after" "new version"
  check "every host on the new version" "$(bool [ -n "$t_switched" ])" \
    "$(if [ -n "$t_switched" ]; then echo "$(secs "$t_loaded" "$t_switched") s after load-data"; else echo "not seen"; fi)" "all"
  check "sampled bodies = pre or post body" "$(bool [ "$((mixed + non200))" = 0 ])" \
    "$samples samples, $mixed other bodies, $non200 non-200" "0 other"
  case_json "0 errors, new dataset version, every sampled body identical to the pre- or post-reload body" \
    "$windows" \
    "$(measure object "load_data_s?=$(secs "$t_fault" "$t_loaded")" \
      "loaded_to_all_hosts_switched?=$(secs_or_empty "$t_loaded" "$t_switched")")" \
    "$(measure object "data_dir=$dir" "version_before=$v_before" "version_after=$v_after" \
      "sampled_products@=$ids" "body_samples:=$samples" "bodies_neither_pre_nor_post:=$mixed" \
      "samples_not_200:=$non200" "products_with_identical_pre_post_body:=$same")"
}

case_host_stop() {
  local n="$FAULT_HOST" t_fault t_cont t_ok
  load_begin host_stop "$low_id"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  fault_host_stop "$n" "$STALL"
  t_fault="$FAULT_T" t_cont="$FAULT_HEALED_T"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) ready "$n"
  t_ok="$POLL_T"
  [ -n "$t_ok" ] && event "host $n /readyz 200" "$t_ok"
  load_end "${t_ok:-$t_cont}"

  local windows pct base_p99 p99 max_ms
  windows="$(windows3 "$t_fault" "$t_cont")"
  pct="$(measure result-error-pct "$PREFIX.result.json")"
  read -r p99 max_ms <<<"$(measure file-get "$PREFIX.result.json" latency_ms.p99 latency_ms.max)"
  base_p99="$(measure case-get "$work/cases.jsonl" baseline latency_ms.p99)"
  check "errors" "$(bool le "$pct" 0)" "$pct%" "0"
  case_json "0 errors; p99 against the baseline run" "$windows" \
    "$(measure object "sigcont_to_readyz?=$(secs_or_empty "$t_cont" "$t_ok")")" \
    "$(measure object "host:=$n" "stall_s:=$STALL" "p99_ms:=$p99" "baseline_p99_ms:=$base_p99" "max_ms:=$max_ms" \
      "p99_vs_baseline:=$(measure ratio "$p99" "$base_p99")")"
}

# Every host drained and replaced, one at a time (scripts/rolling-restart), under the load.
case_rolling_restart() {
  local t_start t_end args=() ok=true
  load_begin rolling_restart "$low_id"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  [ -z "$NEW_BIN" ] || args=(--bin "$NEW_BIN")
  t_start="$(now_ms)"
  event "rolling restart begins" "$t_start"
  "$ATELIER_ROOT/scripts/rolling-restart" "${args[@]}" >"$PREFIX.restart.txt" 2>&1 || ok=false
  t_end="$(now_ms)"
  event "every host replaced" "$t_end"
  load_end "$t_end"

  local windows errors
  windows="$(windows3 "$t_start" "$t_end")"
  errors="$(measure result-errors "$PREFIX.result.json" 2>/dev/null || echo 1)"
  check "every host replaced and ready" "$ok" "$(tail -n 1 "$PREFIX.restart.txt")" "yes"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  case_json "0 errors while every host is drained and replaced" "$windows" \
    "$(measure object "whole_restart_s?=$(secs "$t_start" "$t_end")")" \
    "$(measure object "hosts=$(grep -o 'host [0-9]: .*' "$PREFIX.restart.txt" | tr '\n' ';')")"
}
