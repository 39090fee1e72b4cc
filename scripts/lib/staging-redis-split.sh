# scripts/staging redis-split: the page-view mix of scripts/staging bench (HTTPS through lb), with
# the hosts reading Redis from redis2 (the split, ATELIER_REDIS_READ_URL) and without it (every
# command on the master), alternated within each round. Hosts run without their in-process tier
# (ATELIER_LOCAL_CACHE_MB=0), or a small catalog never reaches Redis after the first seconds. Per
# run: requests/s of the page-view mix, p50/p99, and from the servers themselves the commands/s and CPU seconds of
# redis1 and redis2 (INFO stats / INFO cpu), and the hosts' hit ratio (/metrics).
# Each round runs under `flock -o` of the benchmark lock ($ATELIER_BENCH_LOCK, default
# ${TMPDIR:-/tmp}/atelier-bench.lock: the machine may be shared); writes
# bench/<stamp>-staging-redis-split.json with the medians. Sourced by scripts/staging.
# shellcheck shell=bash

. "$ATELIER_ROOT/scripts/lib/staging-bench.sh"

# "<commands processed> <CPU seconds (user+sys)>" of a Redis node, from its own INFO.
redis_counters() {
  redis_node "$1" info all | tr -d '\r' | awk -F: '
    $1 == "total_commands_processed" { c = $2 }
    $1 == "used_cpu_user" || $1 == "used_cpu_sys" { cpu += $2 }
    END { printf "%d %.3f\n", c, cpu }'
}

hosts_ready() {
  local node
  for node in host1 host2 host3; do
    in_node client curl -fs -m 2 "http://$(node_ip "$node"):$HOST_PORT_STAGING/readyz" >/dev/null || return 1
  done
}

# One run: MODE (split | master) WORK ROUND DURATION CONNECTIONS -> $WORK/MODE-ROUND.json
redis_split_run() {
  local mode="$1" work="$2" round="$3" duration="$4" connections="$5" env="ATELIER_LOCAL_CACHE_MB=0"
  [ "$mode" = master ] && env+=" ATELIER_REDIS_READ_URL="
  staging_hosts_restart "$env"
  for _ in $(seq 1 100); do hosts_ready && break; sleep 0.1; done
  # A short warm-up so every worker has its connections before the measured window.
  staging_wrk "$(node_ns client)" "https://$(node_ip lb)" 3 "$connections" 0 "$work/warmup.json" \
    "$BENCH_MAX_ID" "$work/skus.txt"
  local r1 r2 hits0 misses0 reads0 r1b r2b hits1 misses1 reads1 out="$work/$mode-$round.json"
  read -r -a r1 <<<"$(redis_counters redis1)"
  read -r -a r2 <<<"$(redis_counters redis2)"
  hits0="$(hosts_metric_sum atelier_cache_hits_total)" misses0="$(hosts_metric_sum atelier_cache_misses_total)"
  reads0="$(hosts_metric_sum atelier_cache_replica_reads_total)"
  say "redis-split round $round: $mode, page_view over HTTPS, $connections connections, ${duration}s"
  staging_wrk "$(node_ns client)" "https://$(node_ip lb)" "$duration" "$connections" 0 "$out.wrk" \
    "$BENCH_MAX_ID" "$work/skus.txt"
  read -r -a r1b <<<"$(redis_counters redis1)"
  read -r -a r2b <<<"$(redis_counters redis2)"
  hits1="$(hosts_metric_sum atelier_cache_hits_total)" misses1="$(hosts_metric_sum atelier_cache_misses_total)"
  reads1="$(hosts_metric_sum atelier_cache_replica_reads_total)"
  jq -n --arg mode "$mode" --argjson round "$round" --argjson d "$duration" \
    --slurpfile w "$out.wrk" \
    --argjson c1 "$((r1b[0] - r1[0]))" --argjson c2 "$((r2b[0] - r2[0]))" \
    --argjson cpu1 "$(echo "${r1b[1]} - ${r1[1]}" | bc)" --argjson cpu2 "$(echo "${r2b[1]} - ${r2[1]}" | bc)" \
    --argjson hits "$((hits1 - hits0))" --argjson misses "$((misses1 - misses0))" \
    --argjson reads "$((reads1 - reads0))" '
    {mode: $mode, round: $round, requests_per_s: $w[0].requests_per_s,
     p50_ms: $w[0].latency_ms.p50, p99_ms: $w[0].latency_ms.p99,
     non_2xx: $w[0].failed_responses,
     socket_errors: ($w[0].socket_errors | if type == "object" then ([.[]] | add) else . end),
     redis1_ops_per_s: ($c1 / $d), redis2_ops_per_s: ($c2 / $d),
     redis1_cpu_s: $cpu1, redis2_cpu_s: $cpu2,
     hit_ratio: (if $hits + $misses > 0 then $hits / ($hits + $misses) else null end),
     replica_reads: $reads}' >"$out"
}

cmd_redis_split() {
  local duration=20 connections=64 rounds=3
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration="${2%s}"; shift 2 ;;
      --connections) connections="$2"; shift 2 ;;
      --rounds) rounds="$2"; shift 2 ;;
      *) die "unknown option $1 (redis-split [--duration S] [--connections C] [--rounds N])" ;;
    esac
  done
  [[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -ge 1 ] && [ "$duration" -le 100 ] || die "--duration 1..100"
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  local work stamp r
  work="$(mktemp -d /tmp/atelier-staging-split.XXXXXX)"
  chmod 755 "$work"
  staging_bench_inputs "$work"
  export BENCH_MAX_ID
  for r in $(seq 1 "$rounds"); do
    # One round (both modes, alternating which goes first) per hold of the shared lock. -o: the
    # hosts a round starts must not inherit the lock's descriptor, or they would hold it for good.
    flock -o "${ATELIER_BENCH_LOCK:-${TMPDIR:-/tmp}/atelier-bench.lock}" "$ATELIER_ROOT/scripts/staging" redis-split-round "$work" "$r" \
      "$duration" "$connections" || die "round $r failed"
  done
  staging_hosts_restart ""  # back to the staging's own settings (split on, in-process tier on)
  stamp="$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$ATELIER_ROOT/bench"
  local out="$ATELIER_ROOT/bench/$stamp-staging-redis-split.json"
  jq -s --arg commit "$(git -C "$ATELIER_ROOT" rev-parse --short HEAD)" \
    --argjson duration "$duration" --argjson connections "$connections" '
    def median: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
      else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def medians(m): [.[] | select(.mode == m)] as $r |
      reduce ("requests_per_s", "p50_ms", "p99_ms", "redis1_ops_per_s", "redis2_ops_per_s",
              "redis1_cpu_s", "redis2_cpu_s", "hit_ratio", "non_2xx", "socket_errors") as $k
        ({}; .[$k] = ([$r[][$k] | select(. != null)] | median));
    {scenario: "page_view over HTTPS through lb, hosts without in-process tier", commit: $commit,
     settings: {duration_s: $duration, connections: $connections}, runs: .,
     median: {split: medians("split"), master_only: medians("master")}}' \
    "$work"/split-*.json "$work"/master-*.json >"$out"
  jq -r '.runs[] | "round \(.round) \(.mode)\t\(.requests_per_s | round) req/s\tp99 \(.p99_ms) ms\tredis1 \(.redis1_ops_per_s | round) ops/s \(.redis1_cpu_s) cpu-s\tredis2 \(.redis2_ops_per_s | round) ops/s \(.redis2_cpu_s) cpu-s\thit \(.hit_ratio)\tnon-2xx \(.non_2xx)"' "$out"
  jq -r '.median | to_entries[] | "median \(.key): \(.value | tojson)"' "$out"
  echo "files       ${out#"$ATELIER_ROOT"/}"
  rm -rf "$work"
}

# One round under the lock: both modes, the first alternating by round.
cmd_redis_split_round() {
  local work="$1" round="$2" duration="$3" connections="$4" modes=(split master)
  [ $((round % 2)) -eq 0 ] && modes=(master split)
  staging_bench_inputs_max "$work"
  local m
  for m in "${modes[@]}"; do redis_split_run "$m" "$work" "$round" "$duration" "$connections"; done
}

staging_bench_inputs_max() {
  BENCH_MAX_ID="${BENCH_MAX_ID:-$(psql_node pg1 -U atelier_loader -d atelier -Atqc 'SELECT max(id) FROM catalog.products')}"
}
