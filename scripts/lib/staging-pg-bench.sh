# scripts/staging sync-cost: what synchronous replication costs the cart's adds (issue 20). Cart adds
# only (scripts/bench's `cart` scenario with every request an add), from the client node through lb
# over HTTPS, unpaced, with the Patroni cluster switched between three settings within each round
# (patronictl edit-config, no restart):
#   async   synchronous_mode off: a commit waits for the leader's disk only
#   sync    synchronous_mode on, not strict (the staging's setting)
#   strict  synchronous_mode on and strict
# Prints req/s and p50/p99 per run, the medians per setting, and writes
# bench/<stamp>-staging-sync-cost.json. The cluster is put back to the staging's setting afterwards.
# Sourced by scripts/staging after staging.sh and staging-bench.sh.
# shellcheck shell=bash

# pg_sync_mode MODE: sets the cluster's synchronous_mode (async | sync | strict) and waits until
# the leader's synchronous_standby_names follows (a standby named, or none).
pg_sync_mode() {
  local mode="$1" on=true strict=false
  case "$mode" in
    async) on=false ;;
    sync) ;;
    strict) strict=true ;;
    *) die "pg_sync_mode: async, sync or strict" ;;
  esac
  patronictl_staging edit-config --force -s "synchronous_mode=$on" -s "synchronous_mode_strict=$strict" \
    >/dev/null 2>&1 || die "patronictl edit-config failed"
  for _ in $(seq 1 200); do
    local names
    names="$(psql_node "$(pg_leader)" -U postgres -d postgres -Atqc 'SHOW synchronous_standby_names' 2>/dev/null || echo '?')"
    if { [ "$on" = true ] && [ -n "$names" ] && [ "$names" != '?' ]; } || { [ "$on" = false ] && [ -z "$names" ]; }; then
      return 0
    fi
    sleep 0.1
  done
  die "the leader's synchronous_standby_names did not follow synchronous_mode=$on"
}

# How hosts reach the cluster (a staging made with STAGING_PG_ROUTE=haproxy has both paths open):
#   libpq    multi-host URL to the members for the cart, each member's own URL for reads
#   haproxy  lb:5000 for the cart, lb:5001 for reads
pg_route_mode() {
  local env
  case "$1" in
    libpq) env="DATABASE_URL=$(staging_leader_url atelier_api) ATELIER_READ_DATABASE_URLS=$(STAGING_PG_ROUTE=libpq staging_api_read_urls_for host1)" ;;
    haproxy) env="DATABASE_URL=postgresql://atelier_api@$(node_ip lb):$HAPROXY_PRIMARY_PORT/atelier ATELIER_READ_DATABASE_URLS=postgresql://atelier_api@$(node_ip lb):$HAPROXY_REPLICA_PORT/atelier" ;;
    *) die "pg_route_mode: libpq or haproxy" ;;
  esac
  staging_hosts_restart "$env"
}

# cmd_sync_cost [options]: the three synchronous settings. cmd_route_cost: the two routes (the
# staging must have been made with STAGING_PG_ROUTE=haproxy; the hosts keep haproxy afterwards).
cmd_route_cost() { PG_COST_KIND=route cmd_sync_cost "$@"; }

cmd_sync_cost() {
  local duration=15 connections=16 rounds=3 kind="${PG_COST_KIND:-sync}" modes=(async sync strict) setter=pg_sync_mode
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration="${2%s}"; shift 2 ;;
      --connections) connections="$2"; shift 2 ;;
      --rounds) rounds="$2"; shift 2 ;;
      *) die "unknown option $1 (sync-cost [--duration S] [--connections C] [--rounds N])" ;;
    esac
  done
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  if [ "$kind" = route ]; then
    [ "$(staging_pg_route)" = haproxy ] || die "route-cost needs a staging made with STAGING_PG_ROUTE=haproxy"
    modes=(libpq haproxy) setter=pg_route_mode
  fi
  local work stamp out runs=() r mode
  work="$(mktemp -d /tmp/atelier-staging-sync.XXXXXX)"
  chmod 755 "$work"
  staging_bench_inputs "$work"
  stamp="$(date +%Y%m%d-%H%M%S)"
  export BENCH_ADD_SHARE=1
  for r in $(seq 1 "$rounds"); do
    for mode in "${modes[@]}"; do
      "$setter" "$mode"
      say "$kind-cost round $r: $mode, cart adds, $connections connections, ${duration}s"
      staging_wrk "$(node_ns client)" "https://$(node_ip lb)" "$duration" "$connections" 0 \
        "$work/$mode-$r.json" "$BENCH_MAX_ID" "$work/skus.txt" cart
      runs+=("$(jq -c --arg mode "$mode" --argjson round "$r" \
        '{mode: $mode, round: $round, requests_per_s, latency_ms, statuses, failed_responses}' "$work/$mode-$r.json")")
    done
  done
  if [ "$kind" = route ]; then
    pg_route_mode haproxy
  else
    pg_sync_mode "$([ "$PATRONI_SYNC_STRICT" = true ] && echo strict || echo sync)"
  fi
  mkdir -p "$ATELIER_ROOT/bench"
  out="$ATELIER_ROOT/bench/$stamp-staging-$kind-cost.json"
  printf '%s\n' "${runs[@]}" | jq -s --arg stamp "$stamp" --argjson duration "$duration" \
    --argjson connections "$connections" --arg commit "$(git -C "$ATELIER_ROOT" rev-parse --short HEAD)" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def med(m; f): [.[] | select(.mode == m) | f] | median;
    {started: $stamp, scenario: "cart adds (BENCH_ADD_SHARE=1) through lb over HTTPS", commit: $commit,
     settings: {duration_s: $duration, connections: $connections}, runs: .,
     medians: ([(.[].mode) as $m |
       {($m): {requests_per_s: med($m; .requests_per_s), p50_ms: med($m; .latency_ms.p50),
               p99_ms: med($m; .latency_ms.p99)}}] | add)}' >"$out"
  jq -r '.runs[] | "\(.mode)\tround \(.round)\t\(.requests_per_s | round) adds/s\tp50 \(.latency_ms.p50) ms\tp99 \(.latency_ms.p99) ms\tnon-2xx \(.failed_responses)"' "$out"
  jq -r '.medians | to_entries[] | "median \(.key)\t\(.value.requests_per_s | round) adds/s\tp50 \(.value.p50_ms) ms\tp99 \(.value.p99_ms) ms"' "$out"
  echo "files       ${out#"$ATELIER_ROOT"/}"
  rm -rf "$work"
}
