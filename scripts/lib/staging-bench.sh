# scripts/staging bench: the page-view mix of scripts/bench (same wrk script, same settings) from
# the `client` node through lb over HTTPS and over plain HTTP, and (--compare) against the
# one-machine stack's NGINX on loopback in the same run. Writes bench/<stamp>-staging-bench.json.
# Sourced by scripts/staging after staging.sh.
# shellcheck shell=bash

BENCH_LIB="$ATELIER_ROOT/scripts/bench-lib"

# staging_wrk NS URL DURATION CONNECTIONS RATE OUT_JSON MAX_ID SKU_FILE [SCENARIO]: one wrk run of
# bench-lib/run.lua, inside namespace NS ("" = this machine's own namespace, for loopback).
staging_wrk() {
  local ns="$1" url="$2" duration="$3" connections="$4" rate="$5" out="$6" max_id="$7" skus="$8"
  local scenario="${9:-page_view}" runner=()
  [ -n "$ns" ] && runner=(ip netns exec "$ns")
  "${runner[@]}" env LUA_PATH="$BENCH_LIB/?.lua;;" BENCH_SCENARIO="$scenario" BENCH_MAX_ID="$max_id" \
    BENCH_RATE="$rate" BENCH_THREADS=2 BENCH_SKU_FILE="$skus" \
    BENCH_SESSION_PREFIX="staging-bench-" BENCH_RESULT="$out" BENCH_DISTRIBUTION="$out.tsv" \
    wrk -t 2 -c "$connections" -d "${duration}s" --timeout 5s -s "$BENCH_LIB/run.lua" "$url" \
    >"$out.wrk.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$out.wrk.txt")"
  [ -s "$out" ] || die "wrk wrote no result (see $out.wrk.txt)"
}

staging_bench_inputs() {
  local work="$1"
  BENCH_MAX_ID="$(psql_node pg1 -U atelier_loader -d atelier -Atqc 'SELECT max(id) FROM catalog.products')"
  local low
  low="$(cold_range_low "$BENCH_MAX_ID")"
  psql_node pg1 -U atelier_loader -d atelier -Atqc "SELECT k.id FROM catalog.skus k
    JOIN catalog.styles s ON s.id = k.style_id WHERE s.product_id >= $low ORDER BY random() LIMIT 5000" \
    >"$work/skus.txt"
}

# one_machine_limits NAME=VALUE... | restore: the one-machine stack's NGINX (scripts/up, .stack)
# with these limits, or as before.
one_machine_limits() {
  (
    STACK_DIR="$ATELIER_ROOT/.stack"
    . "$STACK_DIR/env"
    . "$ATELIER_ROOT/scripts/lib/stack.sh"
    if [ "$1" = restore ]; then nginx_limits_restore; else nginx_with_limits "$@"; fi
  ) 2>/dev/null || say "could not change the one-machine stack's NGINX limits"
}

cmd_bench() {
  local duration=20 connections=64 compare="" rounds=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) duration="${2%s}"; shift 2 ;;
      --connections) connections="$2"; shift 2 ;;
      --rounds) rounds="$2"; shift 2 ;;
      --compare) compare="$2"; shift 2 ;;
      *) die "unknown option $1 (bench [--duration S] [--connections C] [--rounds N] [--compare http://127.0.0.1:PORT])" ;;
    esac
  done
  [[ "$duration" =~ ^[0-9]+$ ]] && [ "$duration" -ge 1 ] && [ "$duration" -le 300 ] || die "--duration 1..300"
  case "$compare" in
    "" | http://127.0.0.1:*) ;;
    *) die "--compare must be the one-machine stack's http://127.0.0.1:PORT" ;;
  esac
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  local work stamp out
  work="$(mktemp -d /tmp/atelier-staging-bench.XXXXXX)"
  chmod 755 "$work"
  staging_bench_inputs "$work"
  stamp="$(date +%Y%m%d-%H%M%S)"
  mkdir -p "$ATELIER_ROOT/bench"
  out="$ATELIER_ROOT/bench/$stamp-staging-bench.json"
  # The mix's cart adds and wrk's connections all come from the client node's one address, a
  # flood to the limits at the edge: lifted on lb (and the one-machine stack's NGINX) for the run,
  # put back after the last run (a run that dies leaves them lifted until the next `up`;
  # docs/SECURITY.md, "Rate and connection limits").
  staging_lb_reload "${NGINX_UNLIMITED[@]}"
  [ -n "$compare" ] && one_machine_limits "${NGINX_UNLIMITED[@]}"
  local runs=() r target
  for r in $(seq 1 "$rounds"); do
    # Alternating targets within a round, so a slow minute of the shared machine hits all of them.
    for target in https http ${compare:+one-machine}; do
      local url ns
      case "$target" in
        https) url="https://$(node_ip lb)"; ns="$(node_ns client)" ;;
        http) url="http://$(node_ip lb)"; ns="$(node_ns client)" ;;
        one-machine) url="$compare"; ns="" ;;
      esac
      say "bench round $r: $target $url, page_view, 2 threads, $connections connections, ${duration}s"
      staging_wrk "$ns" "$url" "$duration" "$connections" 0 "$work/$target-$r.json" "$BENCH_MAX_ID" "$work/skus.txt"
      runs+=("$(jq -c --arg target "$target" --arg url "$url" --argjson round "$r" \
        '{target: $target, url: $url, round: $round, requests_per_s, latency_ms, statuses,
          failed_responses, socket_errors}' "$work/$target-$r.json")")
    done
  done
  staging_lb_reload
  [ -z "$compare" ] || one_machine_limits restore
  printf '%s\n' "${runs[@]}" | jq -s --arg stamp "$stamp" --argjson duration "$duration" \
    --argjson connections "$connections" --arg commit "$(git -C "$ATELIER_ROOT" rev-parse --short HEAD)" '
    def best(t): [.[] | select(.target == t) | .requests_per_s] | if length > 0 then max else null end;
    {started: $stamp, scenario: "page_view", commit: $commit,
     settings: {duration_s: $duration, connections: $connections, threads: 2},
     runs: .,
     best_requests_per_s: {https: best("https"), http: best("http"), one_machine: best("one-machine")},
     tls_cost: (if best("http") then 1 - best("https") / best("http") else null end),
     staging_over_one_machine: (if best("one-machine") then best("http") / best("one-machine") else null end)}' \
    >"$out"
  jq -r '.runs[] | "\(.target)\t\(.requests_per_s | round) req/s\tp50 \(.latency_ms.p50) ms\tp99 \(.latency_ms.p99) ms\tnon-2xx \(.failed_responses)"' "$out"
  jq -r '"TLS cost (1 - https/http): \(.tls_cost)\nstaging http / one-machine: \(.staging_over_one_machine)"' "$out"
  echo "files       ${out#"$ATELIER_ROOT"/}"
  rm -rf "$work"
}
