# scripts/staging chaos: faults across nodes under a constant page-view load from `client` through
# lb over HTTPS (scripts/chaos-lib/chaos_run.lua: the page_view mix of scripts/bench, answers per
# 100 ms bucket and status class, 503s split into host "503h" / NGINX "503n", "!" = no
# Retry-After). One case at a time; each prints errors by status, p99, recovery, and the whole run
# goes to bench/<stamp>-staging-chaos.json.
#
#   scripts/staging chaos [case...] [--rate R] [--lead-in S] [--hold S] [--tail S]
#   scripts/staging chaos [case...] [--runs N] [--add-rate R]   (pg_* cases: N runs each, R adds/s)
#   (the same: scripts/chaos --backend staging ...; the one list of cases of both backends is
#   scripts/chaos-lib/cases.tsv, `scripts/chaos --list`)
#   cases: link_cut host_kill host_stop pg_freeze redis_kill redis_replica_kill replica_stop replay_pause
#          pg_leader_kill pg_leader_partition pg_switchover pg_sync_standby_kill (default: all)
#     link_cut      nftables drops every packet of host2 (no reset) for --hold S
#     host_kill     kill -9 of host2's atelier-api, started again after --hold S
#     host_stop     SIGSTOP of host2's atelier-api for --hold S, then SIGCONT
#     pg_freeze     the leader's PostgreSQL processes SIGSTOPped for --hold S, then SIGCONT
#                   (host_kill, host_stop, pg_freeze: the faults of chaos-lib/faults.sh, as on
#                   the stack)
#     redis_kill    kill -9 of the Redis master; the Sentinels promote the replica; the old master
#                   comes back as a replica
#     redis_replica_kill  kill -9 of redis2, the hosts' Redis read endpoint, started again as a
#                   replica after --hold S: reads go to the master meanwhile, then back to redis2
#     replica_stop  the asynchronous replica's node (patroni and postgres) killed for --hold S: the
#                   hosts reading from it move to another replica or the leader
#     replay_pause  pg_wal_replay_pause() on the asynchronous replica, a catalog load publishes on
#                   the leader, replay resumed after --hold S: hosts keep the replica's version
#                   until it catches up
#     pg_*          the Patroni cluster's faults, with the lost-write checker
#                   (scripts/lib/staging-pg-chaos.sh)
# Sourced by scripts/staging after staging.sh.
# shellcheck shell=bash

# measure, now_ms, waiting, sleep_until, CHAOS_LIB and BENCH_LIB come from
# scripts/chaos' library (definitions only).
. "$ATELIER_ROOT/scripts/chaos-lib/lib.sh"
. "$ATELIER_ROOT/scripts/lib/staging-pg-chaos.sh"
# The faults both backends run (host_kill, host_stop) and the staging's verbs for them.
. "$ATELIER_ROOT/scripts/chaos-lib/backend-staging.sh"
. "$ATELIER_ROOT/scripts/chaos-lib/faults.sh"
chaos_event() { say "$1"; } # NAME EPOCH_MS: a log line (the case's JSON has the observations)


CHAOS_WRK_PID=""
chaos_load_start() { # PREFIX SECONDS
  in_node client env LUA_PATH="$BENCH_LIB/?.lua;;" BENCH_SCENARIO=page_view BENCH_MAX_ID="$CHAOS_MAX_ID" \
    BENCH_CART_SHARE="${CHAOS_CART_SHARE:-1}" \
    BENCH_RATE="$CHAOS_RATE" BENCH_THREADS=2 BENCH_SKU_FILE="$CHAOS_WORK/skus.txt" \
    BENCH_SESSION_PREFIX="$CHAOS_SESSIONS" BENCH_RESULT="$1.result.json" BENCH_DISTRIBUTION="" \
    CHAOS_BUCKETS="$1.buckets.tsv" CHAOS_BUCKET_MS=100 \
    timeout -s INT -k 30 "$(($2 + 30))" \
    wrk -t 2 -c "$CHAOS_CONNECTIONS" -d "${2}s" --timeout 10s -s "$CHAOS_LIB/chaos_run.lua" \
    "https://$(node_ip lb)" >"$1.wrk.txt" 2>&1 &
  CHAOS_WRK_PID=$!
}
chaos_load_wait() {
  [ -n "$CHAOS_WRK_PID" ] && wait "$CHAOS_WRK_PID" 2>/dev/null || true
  CHAOS_WRK_PID=""
}

host_readyz() { in_node client curl -s -m 2 "http://$(node_ip "$1"):$HOST_PORT_STAGING/readyz" || true; }
# hosts_field PATH: the value at PATH (measure.py get) of each host's /readyz, space-separated.
hosts_field() {
  local node out=()
  for node in host1 host2 host3; do out+=("$(measure get "$(host_readyz "$node")" "$1" 2>/dev/null || echo none)"); done
  echo "${out[*]}"
}
hosts_versions() { hosts_field 'dataset_version//none'; }
redis_master_node() {
  local ip
  ip="$(sentinel_node sen1 sentinel get-master-addr-by-name "$SENTINEL_MASTER" | sed -n 1p)"
  case "$ip" in "$(node_ip redis1)") echo redis1 ;; "$(node_ip redis2)") echo redis2 ;; *) echo unknown ;; esac
}
cache_hits_total() { hosts_metric_sum atelier_cache_hits_total; }

# chaos_case NAME: runs the load, calls fault_NAME at lead-in (it echoes a JSON object of its own
# observations and may take as long as it needs), then summarises into $CHAOS_WORK/NAME.json.
chaos_case() {
  local name="$1" prefix="$CHAOS_WORK/$1" total fault_at extra
  total=$((CHAOS_LEAD_IN + CHAOS_HOLD + CHAOS_TAIL + 15))
  # The Patroni cases: page views only from wrk (every one a cached read), cart adds from the
  # lost-write checker; the partition holds at least 20 s.
  CHAOS_CART_SHARE=1
  case "$name" in
    pg_freeze) ;; # cart adds in the load: what needs the frozen database
    pg_*) CHAOS_CART_SHARE=0 ;;
  esac
  [ "$name" = pg_leader_partition ] && total=$((total + (CHAOS_HOLD > 20 ? 0 : 20 - CHAOS_HOLD)))
  CHAOS_TOTAL="$total"
  if declare -F "prepare_$name" >/dev/null; then "prepare_$name"; fi
  say "== $name: $CHAOS_RATE req/s of page views over HTTPS through lb, fault at ${CHAOS_LEAD_IN}s"
  chaos_load_start "$prefix" "$total"
  sleep "$CHAOS_LEAD_IN"
  fault_at="$(now_ms)"
  local run_fault="fault_$name"
  if declare -F "case_$name" >/dev/null; then run_fault="case_$name"; fi
  extra="$("$run_fault" || echo '{"fault_failed":true}')"
  chaos_load_wait
  if declare -F "finish_$name" >/dev/null; then "finish_$name"; fi
  # The windows, the recovery and the case's JSON (with the lost-write checker's, if it ran).
  measure staging-case "$name" "$prefix" "$fault_at" "${extra:-{\}}" "${CHAOS_RUN:-}" >"$prefix.json"
  measure staging-case-text "$prefix.json"
}

# nftables drops every packet of NODE but its own loopback's (no reset), until chaos_node_heal.
chaos_node_cut() {
  ip netns exec "$(node_ns "$1")" nft -f - <<NFT
table inet atelier_chaos {
  chain in { type filter hook input priority 0; policy drop; iifname "lo" accept; }
  chain out { type filter hook output priority 0; policy drop; oifname "lo" accept; }
}
NFT
}
chaos_node_heal() { ip netns exec "$(node_ns "$1")" nft delete table inet atelier_chaos 2>/dev/null || true; }

fault_link_cut() {
  local t0
  t0="$(now_ms)"
  chaos_node_cut host2
  sleep "$CHAOS_HOLD"
  chaos_node_heal host2
  measure object "link_dropped_ms:=$(($(now_ms) - t0))" node=host2
}

# The shared faults (chaos-lib/faults.sh) on host2. They run in the case's command substitution:
# chaos_restore puts back what an interrupted one left.
case_host_kill() {
  local t_start
  fault_host_kill 2 "$CHAOS_HOLD" >&2
  t_start="$((FAULT_T + CHAOS_HOLD * 1000))"
  measure object node=host2 "restart_to_healthy_ms:=$((FAULT_HEALED_T - t_start))"
}
case_pg_freeze() {
  fault_pg_freeze "$CHAOS_HOLD" >&2
  measure object "node=$BACKEND_NODE" "processes:=$BACKEND_COUNT" "stopped_ms:=$((FAULT_HEALED_T - FAULT_T))" \
    "leader_after=$(pg_leader)"
}
case_host_stop() {
  fault_host_stop 2 "$CHAOS_HOLD" >&2
  local t0 ready=""
  t0="$(now_ms)"
  for _ in $(seq 1 100); do
    if in_node client curl -fsS -m 1 "http://$(node_ip host2):$HOST_PORT_STAGING/readyz" >/dev/null 2>&1; then
      ready="$(($(now_ms) - t0))"
      break
    fi
    sleep 0.1
  done
  measure object node=host2 "stopped_ms:=$((FAULT_HEALED_T - FAULT_T))" "sigcont_to_readyz_ms?=$ready"
}

# With the in-process tier on, a page-view load of a small catalog never reaches Redis after the
# first seconds, and the case would show nothing: its hosts run without it. They read Redis from
# redis2 (the split, scripts/lib/staging.sh), so killing the master should cost reads nothing.
prepare_redis_kill() { staging_hosts_restart "ATELIER_LOCAL_CACHE_MB=0"; }
finish_redis_kill() { staging_hosts_restart ""; }

fault_redis_kill() {
  local old new t0 promoted="" hits0 hits1 hits_per_s_after hits_per_s_before
  hits0="$(cache_hits_total)"
  sleep 2
  hits_per_s_before="$(( ($(cache_hits_total) - hits0) / 2 ))"
  old="$(redis_master_node)"
  t0="$(now_ms)"
  kill -KILL "$(cat "$STAGING_DIR/$old/redis.pid")"
  for _ in $(seq 1 200); do
    new="$(redis_master_node)"
    if [ "$new" != "$old" ] && [ "$new" != unknown ]; then promoted="$(( $(now_ms) - t0 ))"; break; fi
    sleep 0.1
  done
  hits0="$(cache_hits_total)"
  local t_promoted
  t_promoted="$(now_ms)"
  sleep 3
  hits1="$(cache_hits_total)"
  hits_per_s_after="$(( (hits1 - hits0) * 1000 / ($(now_ms) - t_promoted + 1) ))"
  # The old master returns as a replica of the new one (the Sentinels would also tell it so).
  staging_redis_server "$old" --replicaof "$(node_ip "$new")" "$REDIS_PORT_STAGING" >/dev/null
  measure object "killed_master=$old" "new_master=$new" "promoted_after_ms=${promoted:-none}" \
    "hosts_cache_state_3s_later=$(hosts_field cache) " "redis_hits_per_s_before_kill:=$hits_per_s_before" \
    "redis_hits_per_s_in_3s_after_promotion:=$hits_per_s_after"
}

# The hosts read from redis2: after redis_kill it is the master, so it is handed back to redis1
# first (SENTINEL FAILOVER) and the case kills the hosts' read endpoint as a replica.
prepare_redis_replica_kill() {
  if [ "$(redis_master_node)" = redis2 ]; then
    sentinel_node sen1 sentinel failover "$SENTINEL_MASTER" >/dev/null
    for _ in $(seq 1 200); do
      [ "$(redis_master_node)" = redis1 ] &&
        redis_node redis2 info replication | grep -q '^master_link_status:up' && break
      sleep 0.1
    done
  fi
  staging_hosts_restart "ATELIER_LOCAL_CACHE_MB=0"
}
finish_redis_replica_kill() { staging_hosts_restart ""; }

fault_redis_replica_kill() {
  local master replica=redis2 during after reads0 reads1 failures
  master="$(redis_master_node)"
  [ "$master" = redis1 ] || die "redis_replica_kill: redis2 is not a replica"
  reads0="$(hosts_metric_sum atelier_cache_replica_reads_total)"
  kill -KILL "$(cat "$STAGING_DIR/$replica/redis.pid")"
  sleep 2
  during="$(hosts_field cache_read.state) "
  sleep "$((CHAOS_HOLD > 2 ? CHAOS_HOLD - 2 : 0))"
  staging_redis_server "$replica" --replicaof "$(node_ip "$master")" "$REDIS_PORT_STAGING" >/dev/null
  sleep 12  # the probe's back-off has grown to 10 s by now
  after="$(hosts_field cache_read.state) "
  reads1="$(hosts_metric_sum atelier_cache_replica_reads_total)"
  failures="$(hosts_metric_sum atelier_cache_replica_failures_total)"
  measure object "killed_replica=$replica" "hosts_cache_read_state_while_down=$during" \
    "hosts_cache_read_state_after_restart=$after" "replica_reads_during_case:=$((reads1 - reads0))" \
    "replica_failed_gets:=$failures"
}

# The member that is neither the leader nor the synchronous standby.
pg_async_replica() {
  measure get "$(pg_cluster_json)" 'members[role=replica].name//none' 2>/dev/null || echo none
}

fault_replica_stop() {
  local node
  node="$(pg_async_replica)"
  staging_pg_node_kill "$node"
  sleep 2
  local during
  during="$(hosts_field 'read_endpoints[preferred].endpoint') "
  sleep "$((CHAOS_HOLD > 2 ? CHAOS_HOLD - 2 : 0))"
  staging_pg_node_start "$node"
  wait_pg_rejoined "$node" "$(now_ms)" 600 >/dev/null
  sleep 3
  local back
  back="$(hosts_field 'read_endpoints[preferred].endpoint') "
  measure object "stopped=$node" "hosts_read_from_while_down=$during" "hosts_read_from_after=$back"
}

fault_replay_pause() {
  local before during lag primary after t_resume caught="" replica
  replica="$(pg_async_replica)"
  before="$(hosts_versions)"
  psql_node "$replica" -U postgres -d postgres -Atqc 'SELECT pg_wal_replay_pause()' >/dev/null
  in_node client env DATABASE_URL="$(staging_database_url)" PGPASSFILE="$(staging_pgpass ops)" \
    ATELIER_SESSION_SECRET_FILE="$(staging_session_secret_file)" \
    "$ATELIER_BIN/atelier-etl" --data "$STAGING_DIR/data" >"$CHAOS_WORK/replay_pause.load.log" 2>&1
  primary="$(psql_leader atelier_loader -Atqc 'SELECT version FROM catalog.dataset')"
  sleep "$CHAOS_HOLD"
  during="$(hosts_versions)"
  lag="$(in_node client curl -s "http://$(node_ip host1):$HOST_PORT_STAGING/metrics" |
    awk -v ep="$([ "$(staging_pg_route)" = haproxy ] && echo "$(node_ip lb):$HAPROXY_REPLICA_PORT" || node_ip "$replica")" \
      'index($0, "atelier_db_replica_lag_seconds{endpoint=\"" ep) == 1 { print $2 }')"
  t_resume="$(now_ms)"
  psql_node "$replica" -U postgres -d postgres -Atqc 'SELECT pg_wal_replay_resume()' >/dev/null
  for _ in $(seq 1 100); do
    after="$(hosts_versions)"
    if [ "$after" = "$primary $primary $primary" ]; then caught="$(( $(now_ms) - t_resume ))"; break; fi
    sleep 0.1
  done
  measure object "paused_replica=$replica" "hosts_versions_before=$before" "primary_published=$primary" \
    "hosts_versions_while_paused=$during" "host1_replica_lag_s_while_paused=$lag" \
    "hosts_versions_after_resume=$after" "hosts_on_new_version_ms_after_resume=${caught:-never}"
}

# Puts the staging back after a case that was interrupted (^C, a failed step): link open, replay
# running, both databases and host2 up.
chaos_restore() {
  if [ -n "$CHAOS_WRK_PID" ]; then kill -INT "$CHAOS_WRK_PID" 2>/dev/null || true; fi
  local node
  chaos_node_heal host2
  backend_restore
  # A host_stop or pg_freeze interrupted inside its command substitution: what it stopped is not
  # remembered here.
  [ -z "$(backend_host_pids 2)" ] || backend_host_signal 2 CONT || true
  for node in "${STAGING_PG_NODES[@]}"; do STOPPED_PG_NODE="$node" backend_pg_thaw; done
  pg_chaos_restore
  for node in "${STAGING_PG_NODES[@]}"; do
    psql_node "$node" -U postgres -d postgres -Atqc 'SELECT pg_wal_replay_resume()' >/dev/null 2>&1 || true
  done
  in_node client curl -fsS -m 2 "http://$(node_ip host2):$HOST_PORT_STAGING/healthz" >/dev/null 2>&1 ||
    staging_host_up host2 >/dev/null 2>&1 || true
  rm -rf "$CHAOS_WORK"
  return 0
}

cmd_chaos() {
  local cases=()
  CHAOS_RATE=600 CHAOS_LEAD_IN=5 CHAOS_HOLD=8 CHAOS_TAIL=8 CHAOS_CONNECTIONS=64 CHAOS_ADD_RATE=40
  local runs=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --rate) CHAOS_RATE="$2"; shift 2 ;;
      --lead-in) CHAOS_LEAD_IN="$2"; shift 2 ;;
      --hold) CHAOS_HOLD="$2"; shift 2 ;;
      --tail) CHAOS_TAIL="$2"; shift 2 ;;
      --runs) runs="$2"; shift 2 ;;
      --add-rate) CHAOS_ADD_RATE="$2"; shift 2 ;;
      -*) die "unknown option '$1'" ;;
      *) chaos_case_check staging "$1"; cases+=("$1"); shift ;;
    esac
  done
  [ ${#cases[@]} -gt 0 ] || read -r -a cases <<<"$(chaos_cases staging)"
  [[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  staging_install_deps nftables python3
  CHAOS_WORK="$(mktemp -d /tmp/atelier-staging-chaos.XXXXXX)"
  chmod 755 "$CHAOS_WORK"
  trap 'chaos_restore' EXIT
  local stamp
  stamp="$(date +%Y%m%d-%H%M%S)"
  CHAOS_SESSIONS="chaos-$stamp-"
  CHAOS_MAX_ID="$(psql_leader atelier_loader -Atqc 'SELECT max(id) FROM catalog.products')"
  local low
  low="$(cold_range_low "$CHAOS_MAX_ID")"
  psql_leader atelier_loader -Atqc "SELECT k.id FROM catalog.skus k
    JOIN catalog.styles s ON s.id = k.style_id WHERE s.product_id >= $low ORDER BY random() LIMIT 5000" \
    >"$CHAOS_WORK/skus.txt"
  local c run files=()
  for c in "${cases[@]}"; do
    for run in $(seq 1 "$runs"); do
      CHAOS_RUN=""
      [ "$runs" -gt 1 ] && CHAOS_RUN="$run"
      chaos_case "$c"
      mv "$CHAOS_WORK/$c.json" "$CHAOS_WORK/$c.$run.json"
      files+=("$CHAOS_WORK/$c.$run.json")
      rm -f "$CHAOS_WORK/$c.writer.json"
    done
  done
  # Nothing acknowledged is lost: every 201 the load saw is a cart row on pg1.
  local acked rows
  acked="$(cat "$CHAOS_WORK"/*.buckets.tsv | awk -F'\t' '$2 == "201" { s += $3 } END { printf "%d", s }')"
  # Sessions are stored keyed (docs/SECURITY.md): the load's are found by their names and the
  # secret (common.sh bench_carts_delete_sql), counted as they are deleted.
  rows="$(bench_carts_delete_sql "$CHAOS_SESSIONS" "${BENCH_SESSIONS:-10000}" "$(staging_session_secret_file)" |
    psql_leader atelier_loader -Atq | tail -n 1)"
  say "cart (the page-view load's own adds): $acked POSTs answered 201, $rows rows of those sessions on the leader"
  mkdir -p "$ATELIER_ROOT/bench"
  local out="$ATELIER_ROOT/bench/$stamp-staging-chaos.json"
  measure staging-report "$CHAOS_RATE" "$(git -C "$ATELIER_ROOT" rev-parse --short HEAD)" "$acked" "$rows" \
    "${files[@]}" >"$out"
  echo "files       ${out#"$ATELIER_ROOT"/}"
  rm -rf "$CHAOS_WORK"
}
