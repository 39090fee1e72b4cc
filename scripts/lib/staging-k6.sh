# scripts/staging k6: a k6 script of scripts/k6/, unchanged, run by the k6-compatible runner
# (scripts/k6/run, node) from the `client` node against lb: https://<lb> (TLS verified by the
# staging's private CA, HTTP/2 by ALPN) or, with --http, http://<lb> (HTTP/1.1 keep-alive).
# MAX_PRODUCT_ID defaults to the staging catalog's largest id; -e NAME=VALUE is passed on (and
# wins). The summary data goes to bench/<stamp>-staging-k6-<script>-<https|http>.json.
# Sourced by scripts/staging after staging.sh.
# shellcheck shell=bash

# staging_k6 URL SCRIPT SUMMARY_JSON [runner args...]: one run in the client node; returns the
# runner's exit code (0, or 99 when a threshold failed, as k6).
staging_k6() {
  local url="$1" script="$2" summary="$3"
  shift 3
  local max_id
  max_id="$(psql_node pg1 -U atelier_loader -d atelier -Atqc 'SELECT max(id) FROM catalog.products')"
  # HOME for node; the client node's namespace shares this machine's files.
  in_node client env HOME="${HOME:-/root}" "$ATELIER_ROOT/scripts/k6/run" --no-system-env-vars \
    --cacert "$STAGING_DIR/tls/ca.pem" -e BASE_URL="$url" -e MAX_PRODUCT_ID="$max_id" \
    -e SUMMARY_JSON="$summary" "$@" "$script"
}

cmd_k6() {
  local scheme=https name="" args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --http) scheme=http; shift ;;
      -e | --env) args+=(-e "$2"); shift 2 ;;
      -q | --quiet) args+=(-q); shift ;;
      -*) die "unknown option $1 (k6 SCRIPT [--http] [-e NAME=VALUE]...)" ;;
      *) [ -z "$name" ] || die "one script only"; name="$1"; shift ;;
    esac
  done
  [ -n "$name" ] || die "k6 SCRIPT [--http] [-e NAME=VALUE]...: SCRIPT is one of $(cd "$ATELIER_ROOT/scripts/k6" && ls ./*.js | sed 's|^\./||; s|\.js$||' | tr '\n' ' ')"
  local script="$ATELIER_ROOT/scripts/k6/${name%.js}.js"
  [ -f "$script" ] || die "no k6 script $script"
  staging_require_root
  [ -f "$STAGING_DIR/env" ] || die "no staging: scripts/staging up"
  mkdir -p "$ATELIER_ROOT/bench"
  local out rc=0
  out="$ATELIER_ROOT/bench/$(date +%Y%m%d-%H%M%S)-staging-k6-${name%.js}-$scheme.json"
  staging_k6 "$scheme://$(node_ip lb)" "$script" "$out" "${args[@]}" || rc=$?
  [ -s "$out" ] && echo "files       ${out#"$ATELIER_ROOT"/}"
  return "$rc"
}

# Part of the smoke check: page_view.js for 3 s at 10 page views/s over HTTPS, every request
# answered over HTTP/2, every check passed, the thresholds held (latency bound at the scripts'
# 5 s timeout: a smoke check, not a benchmark). Prints "ok"/"FAIL" lines through `check`.
staging_k6_smoke() {
  local work rc=0 out verdict
  work="$(mktemp -d /tmp/atelier-staging-k6.XXXXXX)"
  chmod 755 "$work"
  out="$(staging_k6 "https://$(node_ip lb)" "$ATELIER_ROOT/scripts/k6/page_view.js" "$work/summary.json" \
    -q -e RATE=10 -e DURATION=3s -e PRE_VUS=3 -e MAX_VUS=30 -e P99_MS=5000 2>&1)" || rc=$?
  verdict="$(jq -r '"\(.metrics.http_reqs.values.count // 0) \(.metrics.checks.values.passes // 0) \(.metrics.checks.values.fails // -1)"' \
    "$work/summary.json" 2>/dev/null || echo "0 0 -1")"
  local reqs passes check_fails h2
  read -r reqs passes check_fails <<<"$verdict"
  h2="$(sed -n 's/^requests by protocol: //p' <<<"$out")"
  check "k6 page_view.js (scripts/k6/run) over HTTPS: exit 0, requests, no failed check" \
    "$rc $([ "$reqs" -ge 20 ] && [ "$passes" -ge 20 ] && echo many || echo "$reqs requests/$passes passes") $check_fails" "0 many 0"
  check "k6 page_view.js: every answer over HTTP/2" "$h2" "HTTP/2.0=$reqs"
  [ "$rc" -eq 0 ] || sed 's/^/      /' <<<"$out" | tail -n 30 >&2
  rm -rf "$work"
}
