# The cases of scripts/chaos and the machinery they share: timing, the sampler, load windows,
# checks and the case JSON. Sourced by scripts/chaos after chaos-lib/lib.sh; it reads the
# driver's settings (RATE, DURATION, LEAD_IN, TAIL, FAULT_HOST, DOWN, OUTAGE, PG_DOWN, STALL,
# MAX_LATENCY_MS, DATA_DIR, work, low_id, max_id) and uses its restart_host and restore_stack.
# One function per case: case_<fault> (and case_baseline), run by the driver in order.
# shellcheck shell=bash disable=SC2154,SC2034 # variables shared with the driver (scripts/chaos)

# Timing helpers. All times are epoch milliseconds; case JSON reports seconds from load start.
# nap: a sleep that a TERM/INT trap interrupts at once (bash runs traps only between foreground
# commands, but during `wait` immediately), so an interrupted case restores the stack promptly.
nap() { sleep "$1" & wait $! || true; }
sleep_until() {
  local wait_ms=$(($1 - $(now_ms)))
  if [ "$wait_ms" -gt 0 ]; then nap "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"; fi
}
secs() { measure secs "$1" "$2"; }
# Seconds from A to B, or nothing when either is unknown (a recovery that was never seen).
secs_or_empty() { if [ -n "$1" ] && [ -n "$2" ]; then secs "$1" "$2"; fi; }

# poll_until CAP_MS COMMAND...: runs COMMAND every 100 ms until it succeeds; sets POLL_T to the
# epoch ms of success, or to "" when CAP_MS passed first. (A variable, not output: in a command
# substitution the poll would run in a subshell that a TERM to this script does not interrupt.)
POLL_T=""
poll_until() {
  local cap="$1"
  shift
  POLL_T=""
  while [ "$(now_ms)" -lt "$cap" ]; do
    if "$@"; then POLL_T="$(now_ms)"; return 0; fi
    nap 0.1
  done
  return 0
}

host_has_traffic() { [ "$(host_metrics "$1" | metrics_digest | cut -d' ' -f1)" -gt 0 ]; }
host_ready() { [ "$(readyz_line "$1" | cut -d' ' -f1)" = 200 ]; }
all_ready() {
  local i
  for ((i = 1; i <= HOST_COUNT; i++)); do [ "$(readyz_line "$i" | cut -d' ' -f1)" = 200 ] || return 1; done
}
all_cache_up() {
  local i
  for ((i = 1; i <= HOST_COUNT; i++)); do [ "$(readyz_line "$i" | cut -d' ' -f3)" = up ] || return 1; done
}
all_on_version() {
  local i
  for ((i = 1; i <= HOST_COUNT; i++)); do [ "$(readyz_line "$i" | cut -d' ' -f4)" = "$1" ] || return 1; done
}

# Background loops (this sampler, the probes) die by the default SIGTERM: a TERM trap that runs
# while bash 5.2 parses a command substitution prints a spurious parse error.
# Every 0.5 s: "<epoch ms> <host> <readyz code> <database> <cache> <version> <metrics digest>".
sampler_start() {
  local out="$1"
  (
    while true; do
      for ((i = 1; i <= HOST_COUNT; i++)); do
        t="$(now_ms)"
        r="$(readyz_line "$i")"
        m="$(host_metrics "$i" | metrics_digest)"
        echo "$t $i $r $m"
      done >>"$out"
      sleep 0.5
    done
  ) &
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
  while wrk_running && [ "$(now_ms)" -lt "$end" ]; do nap 0.2; done
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
  nap 2
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
  errors="$(jq '.failed_responses + ([.socket_errors[]] | add)' "$r" 2>/dev/null || echo 1)"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  case_json "no fault: the reference for host_stop's latency" '{}' '{}' '{}'
}

case_host_kill() {
  local n="$FAULT_HOST" pid t_fault t_up t_rejoin
  load_begin host_kill "$low_id"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  pid="$(host_pid "$n")"
  t_fault="$(now_ms)"
  kill -9 "$pid"
  event "kill -9 host $n (pid $pid)" "$t_fault"
  nap "$DOWN"
  restart_host "$n" || say "host $n did not restart"
  t_up="$(now_ms)"
  event "host $n restarted (healthz)" "$t_up"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) host_has_traffic "$n"
  t_rejoin="$POLL_T"
  [ -n "$t_rejoin" ] && event "host $n gets traffic" "$t_rejoin"
  load_end "${t_rejoin:-$t_up}"

  local windows fault_pct after_errors
  windows="$(windows3 "$t_fault" "$t_rejoin")"
  fault_pct="$(jq -r '.fault.error_pct' <<<"$windows")"
  after_errors="$(jq -r '.after.errors' <<<"$windows")"
  check "error rate kill -> rejoin" "$(bool le "$fault_pct" 0.1)" "$fault_pct%" "<= 0.1%"
  if [ -n "$t_rejoin" ]; then
    check "errors after rejoin" "$(bool [ "$after_errors" = 0 ])" "$after_errors" "0"
  else
    check "host gets traffic again" false "never seen" "rejoins"
  fi
  check "socket errors" "$(bool [ "$(jq '[.socket_errors[]] | add' "$PREFIX.result.json")" = 0 ])" \
    "$(jq -c .socket_errors "$PREFIX.result.json")" "none"
  case_json "errors <= 0.1% from kill to rejoin, 0 after rejoin" "$windows" \
    "$(jq -n -c --arg a "$(secs_or_empty "$t_up" "$t_rejoin")" \
      --arg b "$(secs_or_empty "$t_fault" "$t_rejoin")" \
      '{restart_to_traffic: (if $a == "" then null else ($a | tonumber) end),
        kill_to_traffic: (if $b == "" then null else ($b | tonumber) end)}')" \
    "$(jq -n -c --argjson n "$n" --argjson down "$DOWN" '{host: $n, down_s: $down}')"
}

# Sum over hosts of (later - earlier) per counter, and the Redis hit ratio of that phase.
hit_ratio_phase() { # EARLIER_SNAPSHOT LATER_SNAPSHOT
  jq -n -c --argjson a "$1" --argjson b "$2" '
    def d(k): [range(0; $b | length) | select($a[.] != null and $b[.] != null)
               | ($b[.][k] - $a[.][k])] | add // 0;
    {hits: d("cache_hits"), misses: d("cache_misses"), cache_errors: d("cache_errors"),
     skipped: d("cache_skipped"), local_hits: d("local_hits"), db_errors: d("db_errors")}
    | . + {redis_hit_ratio: (if (.hits + .misses) > 0 then (1000 * .hits / (.hits + .misses) | round / 1000) else null end)}'
}

# Per host, the cache states of /readyz in order, with the time each began (s after the fault).
cache_timeline() { # SAMPLES FAULT_MS
  awk -v f="$2" '
    { state = ($3 == "000" ? "no-answer" : $5)
      if (state != last[$2]) { printf "%s\t%.1f\t%s\n", $2, ($1 - f) / 1000, state; last[$2] = state } }' "$1" |
    jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t"))
      | group_by(.[0]) | map({key: ("host" + .[0][0]), value: map("\(.[2])@\(.[1])s")}) | from_entries'
}

case_redis_stop() {
  local t_fault t_back t_up m0 m1 m2 m3
  # The whole catalog: ids the in-process caches have not seen yet still go to Redis (with only
  # the last 10%, a warm host answers everything from its own memory and never asks Redis).
  load_begin redis_stop 1
  m0="$(metrics_snapshot)"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  m1="$(metrics_snapshot)"
  t_fault="$(now_ms)"
  (redis_stop)
  event "redis stopped" "$t_fault"
  sleep_until $((t_fault + OUTAGE * 1000))
  m2="$(metrics_snapshot)"
  t_back="$(now_ms)"
  (redis_start) || say "redis did not start"
  event "redis started" "$t_back"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) all_cache_up
  t_up="$POLL_T"
  [ -n "$t_up" ] && event "every host cache up" "$t_up"
  # "after" keeps the load on for TAIL s past recovery; the snapshot is taken before it ends.
  load_wait_end "${t_up:-$t_back}"
  m3="$(metrics_snapshot)"
  load_end "${t_up:-$t_back}"

  local windows errors phases timeline
  windows="$(windows3 "$t_fault" "$t_back")"
  errors="$(jq '.failed_responses + ([.socket_errors[]] | add)' "$PREFIX.result.json" 2>/dev/null || echo '?')"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  check "every host's cache up again" "$(bool [ -n "$t_up" ])" \
    "$(if [ -n "$t_up" ]; then echo "$(secs "$t_back" "$t_up") s after restart"; else echo "not seen"; fi)" "up"
  phases="$(jq -n -c --argjson before "$(hit_ratio_phase "$m0" "$m1")" \
    --argjson during "$(hit_ratio_phase "$m1" "$m2")" --argjson after "$(hit_ratio_phase "$m2" "$m3")" \
    '{before: $before, during: $during, after: $after}')"
  timeline="$(cache_timeline "$PREFIX.samples.tsv" "$t_fault")"
  # With every requested id already in the hosts' in-process caches, Redis is never asked and
  # the outage is invisible by construction: say so rather than pass.
  local asked
  asked="$(jq '.during | .hits + .misses + .cache_errors + .skipped' <<<"$phases")"
  check "Redis lookups during the outage (the fault was exercised)" "$(bool [ "$asked" -gt 0 ])" \
    "$asked lookups" "> 0"
  case_json "0 errors; every host's cache state back to up" "$windows" \
    "$(jq -n -c --arg a "$(secs_or_empty "$t_back" "$t_up")" \
      '{restart_to_all_cache_up: (if $a == "" then null else ($a | tonumber) end)}')" \
    "$(jq -n -c --argjson p "$phases" --argjson tl "$timeline" --argjson o "$OUTAGE" \
      '{outage_s: $o,
        redis_hit_ratio: ($p | map_values(.redis_hit_ratio)),
        cache_counters: $p,
        cache_state_by_host: $tl}')"
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
    (pg_stop)
    event "postgres stopped" "$t_fault"
    nap "$PG_DOWN"
    t_back="$(now_ms)"
    (pg_start) || say "postgres did not start"
  else
    event "postgres restart begins" "$t_fault"
    (pg_restart) || say "postgres restart failed"
  fi
  t_back="$(now_ms)"
  event "postgres accepting connections" "$t_back"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) all_ready
  t_ready="$POLL_T"
  [ -n "$t_ready" ] && event "every host /readyz 200" "$t_ready"
  nap 1
  m2="$(metrics_snapshot)"
  load_end "${t_ready:-$t_back}"

  local windows statuses n503 no_retry other max_ms probe_total probe_ok probe_max recovery
  windows="$(windows3 "$t_fault" "${t_ready:-}")"
  statuses="$(window_stats "$PREFIX.buckets.tsv" 0 99999999999999 | jq -c .statuses)"
  n503="$(jq '[to_entries[] | select(.key | startswith("503")) | .value] | add // 0' <<<"$statuses")"
  no_retry="$(jq '[to_entries[] | select(.key | endswith("!")) | .value] | add // 0' <<<"$statuses")"
  other="$(jq -n --argjson s "$statuses" --argjson se "$(jq -c .socket_errors "$PREFIX.result.json")" \
    '([$s | to_entries[] | select(.key != "200" and .key != "201" and (.key | startswith("503") | not)) | .value] | add // 0)
     + ([$se[]] | add)')"
  max_ms="$(jq '.latency_ms.max' "$PREFIX.result.json")"
  probe_total="$(wc -l <"$PREFIX.probe.txt")"
  probe_ok="$(awk '$3 == 200' "$PREFIX.probe.txt" | wc -l)"
  probe_max="$(measure max-column "$PREFIX.probe.txt" 4)"
  recovery="$(secs_or_empty "$t_back" "$t_ready")"
  # Clients may see errors for longer than /readyz says (NGINX keeps failed hosts out for its
  # fail_timeout): the end of the last 100 ms bucket with an error, from the database's return.
  local last_error clients_ok
  last_error="$(measure last-error-end "$PREFIX.buckets.tsv")"
  clients_ok="$(secs_or_empty "$t_back" "$last_error")"
  check "errors other than 503" "$(bool [ "$other" = 0 ])" "$other" "0"
  check "503s carry Retry-After" "$(bool [ "$no_retry" = 0 ])" "$no_retry of $n503 without" "all"
  check "cached product reads during the outage" "$(bool [ "$probe_ok" = "$probe_total" ])" \
    "$probe_ok/$probe_total probes 200, slowest ${probe_max}s" "all 200"
  check "max latency" "$(bool le "$max_ms" "$MAX_LATENCY_MS")" "$max_ms ms" "<= $MAX_LATENCY_MS ms"
  check "every /readyz 200 after the database returns" \
    "$(bool le "${recovery:-999999}" 5)" "${recovery:-never} s" "<= 5 s"
  case_json "cached reads 200, misses 503 + Retry-After, no other errors, max latency <= ${MAX_LATENCY_MS} ms, /readyz 200 <= 5 s after the database returns" \
    "$windows" \
    "$(jq -n -c --arg a "$recovery" --arg b "$clients_ok" '{db_back_to_all_ready: (if $a == "" then null else ($a | tonumber) end),
      db_back_to_last_client_error: (if $b == "" then 0 else ([($b | tonumber), 0] | max) end)}')" \
    "$(jq -n -c --argjson d "$PG_DOWN" --argjson n503 "$n503" --argjson nr "$no_retry" --argjson o "$other" \
      --argjson c "$(hit_ratio_phase "$m1" "$m2")" --arg pid "$probe_id" --argjson pt "$probe_total" \
      --argjson po "$probe_ok" --arg pm "$probe_max" \
      '{pg_down_s: $d, responses_503: $n503, responses_503_without_retry_after: $nr,
        other_errors: $o, counters_fault_to_ready: $c,
        cached_probe: {product: $pid, probes: $pt, ok_200: $po, slowest_s: ($pm | tonumber)}}')"
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

# Every process of the stack's PostgreSQL: the postmaster and its children.
pg_pids() {
  local main
  main="$(head -n 1 "$STACK_DIR/pg/data/postmaster.pid" 2>/dev/null)" || return 0
  [ -n "$main" ] || return 0
  echo "$main $(pgrep -P "$main" | tr '\n' ' ')"
}

# A hung database (issue: a stopped PostgreSQL is not a refused one): every postgres process
# SIGSTOPped for FREEZE seconds under the page-view mix, whose cart requests need the database.
# Cached reads must not feel it (each host's request threads never wait on the database; its
# database workers answer 503 + Retry-After at their deadline).
case_pg_freeze() {
  local t_steady t_freeze t_thaw pids ids=() id paths=()
  load_begin pg_freeze "$low_id"
  mapfile -t ids < <(seq "$low_id" $(((max_id - low_id) / 20 + 1)) "$max_id" | head -n 20)
  for id in "${ids[@]}"; do paths+=("/products/$id/styles"); done
  cached_probe_start "$PREFIX.cached.txt" "${paths[@]}"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  t_steady="$(now_ms)"
  nap "$FREEZE"
  pids="$(pg_pids)"
  t_freeze="$(now_ms)"
  STOPPED_PG_PIDS="$pids"
  # shellcheck disable=SC2086 # a list of pids
  kill -STOP $pids
  event "SIGSTOP PostgreSQL ($(wc -w <<<"$pids") processes)" "$t_freeze"
  nap "$FREEZE"
  # shellcheck disable=SC2086
  kill -CONT $pids
  STOPPED_PG_PIDS=""
  t_thaw="$(now_ms)"
  event "SIGCONT PostgreSQL" "$t_thaw"
  load_end "$t_thaw"

  local steady frozen after windows statuses n503 no_retry other ok_p99
  steady="$(probe_window "$PREFIX.cached.txt" "$t_steady" "$t_freeze")"
  frozen="$(probe_window "$PREFIX.cached.txt" "$t_freeze" "$t_thaw")"
  after="$(probe_window "$PREFIX.cached.txt" "$t_thaw" 99999999999999)"
  windows="$(windows3 "$t_freeze" "$t_thaw")"
  statuses="$(window_stats "$PREFIX.buckets.tsv" 0 99999999999999 | jq -c .statuses)"
  n503="$(jq '[to_entries[] | select(.key | startswith("503")) | .value] | add // 0' <<<"$statuses")"
  no_retry="$(jq '[to_entries[] | select(.key | endswith("!")) | .value] | add // 0' <<<"$statuses")"
  other="$(jq -n --argjson s "$statuses" --argjson se "$(jq -c .socket_errors "$PREFIX.result.json")" \
    '([$s | to_entries[] | select(.key != "200" and .key != "201" and .key != "304" and .key != "503h") | .value] | add // 0)
     + ([$se[]] | add)')"
  ok_p99="$(jq -n --argjson s "$steady" --argjson f "$frozen" \
    'if $s.p99_ms == null or $f.p99_ms == null then false else $f.p99_ms <= 2 * $s.p99_ms end')"
  check "cached reads while PostgreSQL is stopped: errors" \
    "$(jq -n --argjson f "$frozen" '$f.reads > 0 and $f.not_200 == 0')" \
    "$(jq -r '"\(.not_200) of \(.reads)"' <<<"$frozen")" "0"
  check "cached reads' p99 while stopped vs steady" "$ok_p99" \
    "$(jq -n -r --argjson s "$steady" --argjson f "$frozen" '"\($f.p99_ms) ms vs \($s.p99_ms) ms"')" "<= 2x"
  check "errors other than host 503s" "$(bool [ "$other" = 0 ])" "$other" "0"
  check "503s carry Retry-After" "$(bool [ "$no_retry" = 0 ])" "$no_retry of $n503 without" "all"
  case_json "cached reads 0 errors and p99 <= 2x steady while PostgreSQL is stopped; what needs it 503 + Retry-After" \
    "$windows" '{}' \
    "$(jq -n -c --argjson d "$FREEZE" --argjson s "$steady" --argjson f "$frozen" --argjson a "$after" \
      --argjson n503 "$n503" --argjson o "$other" \
      '{freeze_s: $d, cached_reads: {steady: $s, frozen: $f, after: $a}, responses_503: $n503, other_errors: $o}')"
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
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) all_on_version "$v_after"
  t_switched="$POLL_T"
  [ -n "$t_switched" ] && event "every host on version $v_after" "$t_switched"
  load_end "${t_switched:-$t_loaded}"
  for id in $ids; do curl -s "$API_URL/products/$id" >"$work/reload-bodies/post-$id"; done

  local windows errors samples mixed non200 same
  windows="$(windows3 "$t_fault" "${t_switched:-}")"
  errors="$(jq '.failed_responses + ([.socket_errors[]] | add)' "$PREFIX.result.json" 2>/dev/null || echo '?')"
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
    "$(jq -n -c --arg a "$(secs_or_empty "$t_loaded" "$t_switched")" \
      --arg b "$(secs "$t_fault" "$t_loaded")" \
      '{load_data_s: ($b | tonumber), loaded_to_all_hosts_switched: (if $a == "" then null else ($a | tonumber) end)}')" \
    "$(jq -n -c --arg dir "$dir" --arg vb "$v_before" --arg va "$v_after" --argjson s "$samples" \
      --argjson m "$mixed" --argjson n "$non200" --arg ids "$ids" --argjson same "$same" \
      '{data_dir: $dir, version_before: $vb, version_after: $va, sampled_products: ($ids | split(" ")),
        body_samples: $s, bodies_neither_pre_nor_post: $m, samples_not_200: $n,
        products_with_identical_pre_post_body: $same}')"
}

case_host_stop() {
  local n="$FAULT_HOST" pid t_fault t_cont t_ok
  load_begin host_stop "$low_id"
  sleep_until $((T_LOAD + LEAD_IN * 1000))
  pid="$(host_pid "$n")"
  t_fault="$(now_ms)"
  STOPPED_PID="$pid"
  kill -STOP "$pid"
  event "SIGSTOP host $n (pid $pid)" "$t_fault"
  nap "$STALL"
  kill -CONT "$pid"
  STOPPED_PID=""
  t_cont="$(now_ms)"
  event "SIGCONT host $n" "$t_cont"
  poll_until $((T_LOAD + WRK_CAP_S * 1000 - 5000)) host_ready "$n"
  t_ok="$POLL_T"
  [ -n "$t_ok" ] && event "host $n /readyz 200" "$t_ok"
  load_end "${t_ok:-$t_cont}"

  local windows pct base_p99 p99 max_ms
  windows="$(windows3 "$t_fault" "$t_cont")"
  pct="$(jq 'if .requests > 0 then 100 * (.failed_responses + ([.socket_errors[]] | add)) / .requests else 100 end' \
    "$PREFIX.result.json" 2>/dev/null || echo 100)"
  p99="$(jq '.latency_ms.p99' "$PREFIX.result.json")"
  max_ms="$(jq '.latency_ms.max' "$PREFIX.result.json")"
  base_p99="$(jq -s 'map(select(.case == "baseline"))[0].latency_ms.p99 // null' "$work/cases.jsonl")"
  check "errors" "$(bool le "$pct" 0)" "$pct%" "0"
  case_json "0 errors; p99 against the baseline run" "$windows" \
    "$(jq -n -c --arg a "$(secs_or_empty "$t_cont" "$t_ok")" '{sigcont_to_readyz: (if $a == "" then null else ($a | tonumber) end)}')" \
    "$(jq -n -c --argjson n "$n" --argjson s "$STALL" --argjson p "$p99" --argjson b "$base_p99" --argjson m "$max_ms" \
      '{host: $n, stall_s: $s, p99_ms: $p, baseline_p99_ms: $b, max_ms: $m,
        p99_vs_baseline: (if $b == null or $b == 0 then null else ($p / $b * 10 | round / 10) end)}')"
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
  errors="$(jq '.failed_responses + ([.socket_errors[]] | add)' "$PREFIX.result.json" 2>/dev/null || echo 1)"
  check "every host replaced and ready" "$ok" "$(tail -n 1 "$PREFIX.restart.txt")" "yes"
  check "errors" "$(bool [ "$errors" = 0 ])" "$errors" "0"
  case_json "0 errors while every host is drained and replaced" "$windows" \
    "$(jq -n -c --arg s "$(secs "$t_start" "$t_end")" '{whole_restart_s: ($s | tonumber)}')" \
    "$(jq -n -c --arg log "$(grep -o 'host [0-9]: .*' "$PREFIX.restart.txt" | tr '\n' ';')" '{hosts: $log}')"
}
