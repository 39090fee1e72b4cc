# scripts/staging cost: CPU per request of each path, per node, measured on the staging (the input
# of docs/CAPACITY.md). Each path is a paced wrk run from `client` (bench-lib/run.lua) with the
# nodes' CPU time (utime + stime of every process in the node's namespace, children included) read
# from /proc before and after. Writes bench/<stamp>-staging-cost.json.
#
#   path            target          host1 configuration             scenario
#   local_hit       host1 directly  as staged (in-process LRU on)   styles, after a warm-up pass
#   redis_hit       host1 directly  ATELIER_LOCAL_CACHE_MB=0         styles, after a warm-up pass
#   db_miss         host1 directly  no local cache, no Redis         styles (every request reads pg2)
#   cart            host1 directly  as staged                        cart: half POST, half GET
#   lb_https        lb :443         as staged                        page_view
#   lb_http         lb :80          as staged                        page_view
# Sourced by scripts/staging after staging.sh and staging-bench.sh.
# shellcheck shell=bash

# CPU clock ticks of every process in NODE's namespace (common.sh pids_cpu_ticks).
node_cpu_ticks() {
  # shellcheck disable=SC2046 # one pid per word
  pids_cpu_ticks $(ip netns pids "$(node_ns "$1")")
}

COST_NODES=(lb host1 host2 host3 pg1 pg2 redis1 redis2)

cost_snapshot() {
  local node out=()
  for node in "${COST_NODES[@]}"; do out+=("$node=$(node_cpu_ticks "$node")"); done
  echo "${out[*]}"
}

# cost_run PATH URL SCENARIO RATE SECONDS WORK: prints one JSON object.
cost_run() {
  local path="$1" url="$2" scenario="$3" rate="$4" seconds="$5" work="$6" before after tck
  tck="$(getconf CLK_TCK)"
  before="$(cost_snapshot)"
  staging_wrk "$(node_ns client)" "$url" "$seconds" 32 "$rate" "$work/$path.json" "$BENCH_MAX_ID" "$work/skus.txt" "$scenario"
  after="$(cost_snapshot)"
  jq -c --arg path "$path" --arg url "$url" --arg scenario "$scenario" --arg before "$before" \
    --arg after "$after" --argjson tck "$tck" '
    def parse: split(" ") | map(split("=") | {key: .[0], value: (.[1] | tonumber)}) | from_entries;
    ($before | parse) as $b | ($after | parse) as $a | .requests as $n |
    {path: $path, url: $url, scenario: $scenario, requests: $n, requests_per_s, statuses,
     latency_ms: {p50: .latency_ms.p50, p99: .latency_ms.p99},
     cpu_ms_per_request: ($a | to_entries | map({key, value: ((.value - $b[.key]) * 1000 / $tck / ([$n, 1] | max) * 1000 | round / 1000)}) | from_entries)}' \
    "$work/$path.json"
}

restart_host1() { # extra env
  staging_host_kill host1
  sleep 0.3
  STAGING_HOST_ENV="$1" staging_host_up host1 >/dev/null 2>&1
}

cmd_cost() {
  local seconds=10 rate=1500
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) seconds="$2"; shift 2 ;;
      --rate) rate="$2"; shift 2 ;;
      *) die "unknown option $1 (cost [--duration S] [--rate R])" ;;
    esac
  done
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  local work stamp out host runs=()
  work="$(mktemp -d /tmp/atelier-staging-cost.XXXXXX)"
  chmod 755 "$work"
  COST_WORK="$work"
  trap 'restart_host1 ""; rm -rf "$COST_WORK"' EXIT
  staging_bench_inputs "$work"
  host="http://$(node_ip host1):$HOST_PORT_STAGING"
  say "cost: $rate req/s for ${seconds}s per path"

  restart_host1 ""
  staging_wrk "$(node_ns client)" "$host" 3 32 "$rate" "$work/warm.json" "$BENCH_MAX_ID" "$work/skus.txt" styles
  runs+=("$(cost_run local_hit "$host" styles "$rate" "$seconds" "$work")")
  runs+=("$(cost_run cart "$host" cart "$rate" "$seconds" "$work")")

  restart_host1 "ATELIER_LOCAL_CACHE_MB=0"
  staging_wrk "$(node_ns client)" "$host" 3 32 "$rate" "$work/warm.json" "$BENCH_MAX_ID" "$work/skus.txt" styles
  runs+=("$(cost_run redis_hit "$host" styles "$rate" "$seconds" "$work")")

  restart_host1 "ATELIER_LOCAL_CACHE_MB=0 REDIS_URL="
  runs+=("$(cost_run db_miss "$host" styles "$rate" "$seconds" "$work")")

  restart_host1 ""
  runs+=("$(cost_run lb_https "https://$(node_ip lb)" page_view "$rate" "$seconds" "$work")")
  runs+=("$(cost_run lb_http "http://$(node_ip lb)" page_view "$rate" "$seconds" "$work")")

  stamp="$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$ATELIER_ROOT/bench"
  out="$ATELIER_ROOT/bench/$stamp-staging-cost.json"
  printf '%s\n' "${runs[@]}" | jq -s --argjson rate "$rate" --argjson seconds "$seconds" \
    --arg commit "$(git -C "$ATELIER_ROOT" rev-parse --short HEAD)" \
    '{rate: $rate, duration_s: $seconds, commit: $commit, cpus: 2, paths: .}' >"$out"
  jq -r '.paths[] | "\(.path)\t\(.requests_per_s | round) req/s\tp99 \(.latency_ms.p99) ms\tCPU ms/request: " +
    ([.cpu_ms_per_request | to_entries[] | select(.value > 0.001) | "\(.key) \(.value)"] | join(", "))' "$out"
  echo "files       ${out#"$ATELIER_ROOT"/}"
}
