# shellcheck shell=bash
# Helpers of tests/deploy: a private API host on a database of the test's own, acknowledged cart
# adds through it, and the carts as GET /cart shows them. Source it; needs curl and jq.
#   test_host_start URL PORT LOG  an atelier-api (ATELIER_BIN_DIR) on 127.0.0.1:PORT against the
#       database URL, no Redis, one thread; its pid in TEST_HOST_PID. Does not wait.
#   test_host_wait PORT           true once /healthz answers (10 s at most)
#   test_host_stop                stops it (SIGTERM) if it runs
#   cart_adds BASE_URL LEDGER TAG N SKUS...  N adds spread over 5 sessions and the given skus;
#       each add the host acknowledged (201) is appended to LEDGER as "session sku tag"
#   cart_expected LEDGER [TAG...]  "session sku count" lines the ledger says, for those tags
#   cart_observed BASE_URL LEDGER  "session sku count" lines GET /cart shows for the ledger's sessions
TEST_HOST_PID=""
test_host_start() {
  DATABASE_URL="$1" REDIS_URL="" ATELIER_PORT="$2" ATELIER_BIND=127.0.0.1 ATELIER_THREADS=1 \
    ATELIER_UNIX_SOCKET="" "$ATELIER_BIN_DIR/atelier-api" >"$3" 2>&1 &
  TEST_HOST_PID=$!
}
test_host_wait() {
  local _
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
test_host_stop() {
  if [ -n "$TEST_HOST_PID" ] && kill "$TEST_HOST_PID" 2>/dev/null; then wait "$TEST_HOST_PID" 2>/dev/null || true; fi
  TEST_HOST_PID=""
}

cart_session() { printf 'backup-check-session-token-%013d' "$1"; }  # 40 characters

cart_adds() {
  local base="$1" ledger="$2" tag="$3" n="$4" i s sku code
  shift 4
  local skus=("$@")
  for i in $(seq 1 "$n"); do
    s="$(cart_session $((i % 5)))"
    sku="${skus[$(((i / 5) % ${#skus[@]}))]}"
    code="$(curl -sS -o /dev/null -w '%{http_code}' -XPOST -H "Authorization: $s" \
      -H 'Content-Type: application/json' -d "{\"sku_id\": $sku}" "$base/cart")" || code=000
    if [ "$code" = 201 ]; then echo "$s $sku $tag" >>"$ledger"; else echo "add $i ($tag): HTTP $code" >&2; fi
  done
}

cart_expected() {
  local ledger="$1"
  shift
  awk -v tags=" $* " 'index(tags, " " $3 " ") { n[$1 " " $2]++ } END { for (k in n) print k, n[k] }' \
    "$ledger" | sort
}

cart_observed() {
  local base="$1" ledger="$2" s
  for s in $(awk '{print $1}' "$ledger" | sort -u); do
    curl -fsS -H "Authorization: $s" "$base/cart" | jq -r --arg s "$s" '.[] | "\($s) \(.sku_id) \(.count)"'
  done | sort
}

# measure TEXT: prints a measured number and keeps it in $STACK_DIR/measurements.log (scripts/test's
# stack directory, kept after the run), since ctest shows a passing test's output only with -V.
measure() {
  echo "$*"
  if [ -n "${STACK_DIR:-}" ] && [ -d "$STACK_DIR" ]; then
    echo "$(date -u +%FT%TZ) $(basename "$0"): $*" >>"$STACK_DIR/measurements.log"
  fi
}
