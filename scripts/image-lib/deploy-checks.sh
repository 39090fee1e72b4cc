# shellcheck shell=bash
# scripts/image compose-check and kube-check (sourced by scripts/image, which set PODMAN,
# IMAGE_DIR, CONTAINERS_CONF and the helpers). Ports: 31080 + ATELIER_TEST_PORT_OFFSET for the
# compose edge, 31180 + offset for the kube-play edge (the one-box stack has 8080-8083).

DEPLOY_DIR="$IMAGE_DIR/deploy-check"

# deploy_measure TEXT: prints a measured number; under scripts/test also keeps it in
# $STACK_DIR/measurements.log (ctest shows a passing test's output only with -V).
deploy_measure() {
  echo "$*"
  if [ -n "${STACK_DIR:-}" ] && [ -d "$STACK_DIR" ]; then
    echo "$(date -u +%FT%TZ) scripts/image: $*" >>"$STACK_DIR/measurements.log"
  fi
}

# The contract and e2e tests that make sense through an edge alone (no host URLs, no database
# access, no host restarts): the API's contract on the generated catalog, the cart through NGINX,
# NGINX's own behaviour. The catalog must be TEST_PRODUCTS=3000, seed 7 (the tests read its
# manifest of planted dirt).
# The cart tests that a shopper's pace can pass through the edge: not the floods of one session
# (NGINX's per-session limit answers them 429, as it should), not the forwarded-scheme one (the
# edge sets X-Forwarded-Proto itself), and not those that read the test stack's own database.
EDGE_API_TESTS='ProductsList.*:ProductDetail.*:Styles.*:Related.*:HttpBehaviour.StrongEtagAndIfNoneMatch:HttpBehaviour.PreflightAndWrongMethods:Cart.*:BadInput.MalformedRequestsGetJsonErrors-Cart.AHundredDistinctSkusThenA409NamingTheBound:Cart.AThousandConcurrentAddsWithinTheBoundsAreAThousandUnits:Cart.ConcurrentAddsPastABoundAddExactlyUpToIt:Cart.TheCookieIsSecureWhenTheClientCameOverTls:Cart.TokensAreStoredOnlyAsAKeyedHash:Cart.TheApiRoleCannotWriteCartRowsExceptThroughTheAddFunction:Cart.LegacyNumericSessionsCannotBeReachedByCookieOrToken'
EDGE_E2E_TESTS='ThroughNginx.CartWorksAcrossHosts:ThroughNginx.LegacyPrefixServesTheSameApi:ThroughNginx.GzipForClientsThatAskForIt:ThroughNginx.NginxOwnErrorsAreJson:BadInputCorpus.LegacyPrefixKeepsThePathEncoded'

# deploy_prepare: secrets (each owned by the uid that reads it, mode 600), the passwords in the
# environment, a small catalog, the image version.
deploy_prepare() {
  local secrets="$DEPLOY_DIR/secrets" pw
  rm -rf "$DEPLOY_DIR"
  mkdir -p "$secrets" "$DEPLOY_DIR/catalog"
  (
    umask 077
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secrets/session_secret"
    for name in db_loader_password db_api_password redis_api_password redis_loader_password; do
      head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secrets/$name"
    done
  )
  # uids of the Dockerfile: atelier 10001 (hosts, tools), postgres 10002, redis 10003.
  chown 10001 "$secrets/session_secret"
  chown 10002 "$secrets/db_loader_password" "$secrets/db_api_password"
  chown 10003 "$secrets/redis_api_password" "$secrets/redis_loader_password"
  ATELIER_DB_LOADER_PASSWORD="$(cat "$secrets/db_loader_password")"
  ATELIER_DB_API_PASSWORD="$(cat "$secrets/db_api_password")"
  ATELIER_REDIS_API_PASSWORD="$(cat "$secrets/redis_api_password")"
  ATELIER_REDIS_LOADER_PASSWORD="$(cat "$secrets/redis_loader_password")"
  export ATELIER_DB_LOADER_PASSWORD ATELIER_DB_API_PASSWORD ATELIER_REDIS_API_PASSWORD ATELIER_REDIS_LOADER_PASSWORD
  export ATELIER_SECRETS_DIR="$secrets" ATELIER_CATALOG_DIR="$DEPLOY_DIR/catalog"
  ATELIER_VERSION="$(image_version)"
  export ATELIER_VERSION
  local role
  for role in "${ROLES[@]}"; do
    "${PODMAN[@]}" image exists "localhost/atelier-$role:$ATELIER_VERSION" ||
      die "no image localhost/atelier-$role:$ATELIER_VERSION: run scripts/image build"
  done
  build_targets atelier-gen >&2
  "$ATELIER_BIN/atelier-gen" --products 3000 --seed 7 --out "$DEPLOY_DIR/catalog" >/dev/null 2>&1
  chmod -R a+rX "$DEPLOY_DIR/catalog"
  build_targets atelier_integration_http_tests atelier_e2e_tests >&2
}

# deploy_edge_checks URL: waits for the edge and a served catalog, then the tests above and a
# short scripts/bench through it.
deploy_edge_checks() {
  local url="$1" _
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$url/products/1" 2>/dev/null && break
    sleep 0.5
  done
  curl -fsS -o /dev/null "$url/products/1" || die "the edge $url does not serve /products/1"
  local t="$ATELIER_BUILD_DIR/tests"
  say "tests through the edge $url"
  HOST1_URL="$url" API_URL="$url" ATELIER_DATA_DIR="$DEPLOY_DIR/catalog" \
    "$t/atelier_integration_http_tests" --gtest_filter="$EDGE_API_TESTS" --gtest_brief=1 >&2 ||
    die "contract tests failed through $url"
  API_URL="$url" ATELIER_DATA_DIR="$DEPLOY_DIR/catalog" \
    "$t/atelier_e2e_tests" --gtest_filter="$EDGE_E2E_TESTS" --gtest_brief=1 >&2 ||
    die "e2e tests failed through $url"
  say "scripts/bench page_view, 10 s, through $url"
  "$ATELIER_ROOT/scripts/bench" page_view --duration 10 --connections 32 --url "$url" \
    --max-id 3000 --label "deploy-check" >"$DEPLOY_DIR/bench.log" 2>&1 || { tail -20 "$DEPLOY_DIR/bench.log"; die "scripts/bench failed through $url"; }
  deploy_measure "bench through $url: $(grep -E '^(throughput|latency|errors) ' "$DEPLOY_DIR/bench.log" | tr -s ' ' | tr '\n' ';')"
}

cmd_compose_check() {
  command -v podman-compose >/dev/null || die "podman-compose is not installed (scripts/install-deps --deploy)"
  local off="${ATELIER_TEST_PORT_OFFSET:-0}" t0 t1 t2 t3
  deploy_prepare
  export ATELIER_EDGE_PORT=$((31080 + off)) ATELIER_EDGE_BIND=127.0.0.1
  export ATELIER_PROMETHEUS_PORT=$((31090 + off)) ATELIER_ALERTMANAGER_PORT=$((31093 + off))
  local project="atelier-check-$off"
  local compose=(podman-compose --podman-args "--root $IMAGE_DIR/storage --runroot $IMAGE_DIR/run --runtime runc"
    -p "$project" -f "$ATELIER_ROOT/deploy/compose.yaml")
  # podman-compose 1.0.3 has no --profile: the services are named (the monitoring profile too).
  local services=(postgres redis atelier-host-0 atelier-host-1 atelier-host-2 nginx prometheus alertmanager alert-sink)
  trap '"${compose[@]}" down -v >"$DEPLOY_DIR/down.log" 2>&1 || true' EXIT
  "${compose[@]}" down -v >/dev/null 2>&1 || true
  t0=$(date +%s.%N)
  "${compose[@]}" up -d "${services[@]}" >"$DEPLOY_DIR/up.log" 2>&1 || { tail -20 "$DEPLOY_DIR/up.log"; die "compose up failed"; }
  "${compose[@]}" run --rm --no-deps -T catalog-load >"$DEPLOY_DIR/load.log" 2>&1 || { tail -20 "$DEPLOY_DIR/load.log"; die "the catalog-load job failed"; }
  t1=$(date +%s.%N)
  local url="http://127.0.0.1:$ATELIER_EDGE_PORT"
  deploy_edge_checks "$url"
  # The monitoring profile: Prometheus scrapes the three hosts and sends to the Alertmanager.
  local prom="http://127.0.0.1:$ATELIER_PROMETHEUS_PORT" up=""
  for _ in $(seq 1 60); do
    up="$(curl -fsS "$prom/api/v1/query" --data-urlencode 'query=sum(up{job="atelier-hosts"})' 2>/dev/null |
      jq -r '.data.result[0].value[1] // "0"')" || up=0
    [ "$up" = 3 ] && break
    sleep 1
  done
  [ "$up" = 3 ] || die "compose's Prometheus does not see the 3 hosts up (sees '$up')"
  curl -fsS "$prom/api/v1/alertmanagers" | jq -e '.data.activeAlertmanagers | length == 1' >/dev/null ||
    die "compose's Prometheus has no Alertmanager"
  echo "monitoring: Prometheus scrapes 3 hosts up, sends to the Alertmanager"
  t2=$(date +%s.%N)
  "${compose[@]}" down -v >"$DEPLOY_DIR/down.log" 2>&1
  # podman-compose 1.0.3's down leaves the project's network behind.
  "${PODMAN[@]}" network rm -f "${project}_default" >/dev/null 2>&1 || true
  trap - EXIT
  t3=$(date +%s.%N)
  deploy_measure "$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
    printf "compose-check: up + catalog-load %.0f s, tests + bench + monitoring %.0f s, down %.0f s, total %.0f s", b-a, c-b, d-c, d-a }')"
}

# The stand-ins for the external PostgreSQL and Redis (deploy/k8s/base/external-services.yaml)
# as pods of the project's images, named as the manifests' URLs name them.
kube_external_pods() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: atelier-postgres}
spec:
  containers:
    - name: postgres
      image: localhost/atelier-postgres:$ATELIER_VERSION
      env:
        - {name: ATELIER_LOADER_PASSWORD_FILE, value: /run/secrets/atelier/db_loader_password}
        - {name: ATELIER_API_PASSWORD_FILE, value: /run/secrets/atelier/db_api_password}
      volumeMounts: [{name: secrets, mountPath: /run/secrets/atelier, readOnly: true}]
  volumes: [{name: secrets, hostPath: {path: $ATELIER_SECRETS_DIR, type: Directory}}]
---
apiVersion: v1
kind: Pod
metadata: {name: atelier-redis}
spec:
  containers:
    - name: redis
      image: localhost/atelier-redis:$ATELIER_VERSION
      env:
        - {name: REDIS_API_PASSWORD_FILE, value: /run/secrets/atelier/redis_api_password}
        - {name: REDIS_LOADER_PASSWORD_FILE, value: /run/secrets/atelier/redis_loader_password}
        - {name: REDIS_MAXMEMORY, value: 512mb}
      volumeMounts: [{name: secrets, mountPath: /run/secrets/atelier, readOnly: true}]
  volumes: [{name: secrets, hostPath: {path: $ATELIER_SECRETS_DIR, type: Directory}}]
YAML
}

cmd_kube_check() {
  local off="${ATELIER_TEST_PORT_OFFSET:-0}" t0 t1 t2 t3 k="$DEPLOY_DIR/k8s"
  deploy_prepare
  mkdir -p "$k/secret-values"
  t0=$(date +%s.%N)
  kubectl kustomize "$ATELIER_ROOT/deploy/k8s/base" >"$k/base.yaml"
  kubectl kustomize "$ATELIER_ROOT/deploy/k8s/overlays/example" >"$k/overlay.yaml"
  echo "kustomize: base $(grep -c '^kind:' "$k/base.yaml") objects, example overlay $(grep -c '^kind:' "$k/overlay.yaml") objects rendered"
  # The Secrets' values (the overlay takes them from its files; here from this run's passwords).
  chmod 755 "$k/secret-values"
  umask 077
  printf 'postgresql://atelier_api:%s@atelier-postgres:5432/atelier' "$ATELIER_DB_API_PASSWORD" >"$k/secret-values/atelier-db.api-url"
  printf 'postgresql://atelier_loader:%s@atelier-postgres:5432/atelier' "$ATELIER_DB_LOADER_PASSWORD" >"$k/secret-values/atelier-db.loader-url"
  printf 'redis://atelier_api:%s@atelier-redis:6379/0' "$ATELIER_REDIS_API_PASSWORD" >"$k/secret-values/atelier-redis.api-url"
  printf 'redis://atelier_loader:%s@atelier-redis:6379/0' "$ATELIER_REDIS_LOADER_PASSWORD" >"$k/secret-values/atelier-redis.loader-url"
  umask 022
  local edge_port=$((31180 + off)) net="atelier-kube-$off"
  local pods=("$ATELIER_ROOT/scripts/image-lib/kube-pods" "$k/base.yaml" "$k/secret-values" "$ATELIER_CATALOG_DIR" "$ATELIER_VERSION" "$edge_port")
  "${pods[@]}" atelier-host-0,atelier-host-1,atelier-host-2,atelier-nginx >"$k/serving.yaml"
  "${pods[@]}" atelier-catalog-load >"$k/job.yaml"
  # The session secret volume's file, under the name the manifest mounts, readable by the hosts.
  install -m 600 -o 10001 "$ATELIER_SECRETS_DIR/session_secret" "$k/secret-values/session_secret"
  kube_external_pods >"$k/external.yaml"
  kube_down() {
    local f
    for f in job serving external; do "${PODMAN[@]}" kube play --down "$k/$f.yaml" >/dev/null 2>&1 || true; done
    "${PODMAN[@]}" network rm -f "$net" >/dev/null 2>&1 || true
  }
  trap kube_down EXIT
  kube_down
  "${PODMAN[@]}" network create "$net" >/dev/null
  "${PODMAN[@]}" kube play --network "$net" "$k/external.yaml" >"$k/play.log" 2>&1 ||
    { cat "$k/play.log"; die "podman kube play of the external stand-ins failed"; }
  for _ in $(seq 1 120); do
    "${PODMAN[@]}" exec atelier-postgres-postgres /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -d atelier 2>/dev/null && break
    sleep 0.5
  done
  "${PODMAN[@]}" kube play --network "$net" "$k/serving.yaml" >>"$k/play.log" 2>&1 ||
    { cat "$k/play.log"; die "podman kube play of the hosts and NGINX failed"; }
  "${PODMAN[@]}" kube play --network "$net" "$k/job.yaml" >>"$k/play.log" 2>&1 ||
    { cat "$k/play.log"; die "podman kube play of the catalog-load job failed"; }
  local state=""
  for _ in $(seq 1 300); do
    state="$("${PODMAN[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' atelier-catalog-load-load 2>/dev/null || true)"
    [[ "$state" == exited* ]] && break
    sleep 0.5
  done
  [ "$state" = "exited 0" ] || { "${PODMAN[@]}" logs atelier-catalog-load-load 2>&1 | tail -20; die "the catalog-load job pod ended '$state'"; }
  t1=$(date +%s.%N)
  deploy_edge_checks "http://127.0.0.1:$edge_port"
  t2=$(date +%s.%N)
  kube_down
  trap - EXIT
  t3=$(date +%s.%N)
  deploy_measure "$(awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
    printf "kube-check: render + play + catalog-load %.0f s, tests + bench %.0f s, down %.0f s, total %.0f s", b-a, c-b, d-c, d-a }')"
}
