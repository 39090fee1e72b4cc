# scripts/staging observe [start|status|stop]: the monitoring of scripts/up --observe (Prometheus,
# the same rules, prometheus-nginx-exporter, -redis-exporter, -postgres-exporter) against the
# multi-node staging. Every process runs in the client node, which reaches every node's address
# through the bridge like a monitoring machine would, and listens on that node's loopback (so
# nothing of it exists in this machine's own namespace). Config and rules: scripts/observe/,
# rendered by scripts/lib/observe.sh with the staging's targets. `scripts/staging down` ends it
# with every other process of the staging. Source after scripts/lib/staging.sh.
# shellcheck shell=bash

STAGING_OBS_DIR="$STAGING_DIR/observe"
STAGING_PROM_PORT=29090
STAGING_NGINX_STATUS_PORT=29080
STAGING_OBS_EXPORTERS=(nginx:29113 redis:29121 pg1:29187 pg2:29188 pg3:29189)

# The renderer and its helpers of the one-machine monitoring, pointed at the staging.
# (observe.sh reads STACK_DIR and HOST_PORTS; here they name the staging and no local hosts.)
STACK_DIR="$STAGING_DIR"
HOST_PORTS=""
# shellcheck disable=SC1091
. "$ATELIER_ROOT/scripts/lib/observe.sh"

obs_spawn() { # NAME CMD...: runs CMD detached in the client node, pid in NAME.pid
  local name="$1"
  shift
  setsid ip netns exec "$(node_ns client)" "$@" >>"$STAGING_OBS_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$STAGING_OBS_DIR/$name.pid"
}

obs_get() { in_node client curl -fsS --max-time 2 "$@"; }

obs_wait() { # NAME URL: up to 10 s for URL (from the client node) to answer 200
  local _
  for _ in $(seq 1 100); do
    obs_get -o /dev/null "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  die "$1 did not come up on $2 (see $STAGING_OBS_DIR/$1.log)"
}

observe_staging_start() {
  local bin
  for bin in prometheus prometheus-nginx-exporter prometheus-redis-exporter prometheus-postgres-exporter; do
    command -v "$bin" >/dev/null || die "$bin is not installed (scripts/install-deps --observe)"
  done
  [ -f "$STAGING_DIR/env" ] || die "no staging here: scripts/staging up first"
  mkdir -p "$STAGING_OBS_DIR/prometheus-data"
  # NGINX's counters on lb's own address and a port of their own, for the client node only.
  observe_stub_status_conf "$STAGING_DIR/lb/conf.d/stub_status.conf" \
    "$(node_ip lb):$STAGING_NGINX_STATUS_PORT" "$(node_ip client)"
  in_node lb nginx -p "$STAGING_DIR/lb" -c "$STAGING_DIR/lb/nginx.conf" -s reload 2>/dev/null
  # The exporter's role (made with its password when the cluster was) gets its grants on the
  # leader; the replicas get them by replication.
  observe_pg_role_sql atelier | psql_leader postgres -qAt >/dev/null
  obs_spawn nginx-exporter prometheus-nginx-exporter \
    -nginx.scrape-uri "http://$(node_ip lb):$STAGING_NGINX_STATUS_PORT/stub_status" \
    -nginx.retries 20 -nginx.retry-interval 250ms -web.listen-address 127.0.0.1:29113
  # The Redis primary of now; after a failover the exporter reports redis1 as down or a replica,
  # which is what an operator wants to see. The password goes through the environment.
  REDIS_PASSWORD="$(staging_redis_password)" obs_spawn redis-exporter prometheus-redis-exporter \
    -redis.addr "redis://$(node_ip redis1):$REDIS_PORT_STAGING" -web.listen-address 127.0.0.1:29121
  local node port
  for node in "${STAGING_PG_NODES[@]}"; do
    port=$((29186 + ${node#pg}))
    # The password through the environment, never the command line (scram-sha-256, no trust).
    DATA_SOURCE_NAME="postgresql://$PG_MONITOR_ROLE:$(staging_secret atelier_monitor)@$(node_ip "$node"):$PG_PORT_STAGING/atelier?sslmode=disable" \
      obs_spawn "postgres-exporter-$node" prometheus-postgres-exporter \
      --extend.query-path="$OBSERVE_SRC/postgres-queries.yml" --web.listen-address="127.0.0.1:$port"
  done
  local hosts=""
  for node in host1 host2 host3; do hosts+="$(node_ip "$node"):$HOST_PORT_STAGING "; done
  OBSERVE_HOST_TARGETS="$hosts" OBSERVE_NGINX_TARGETS="127.0.0.1:29113" \
    OBSERVE_REDIS_TARGETS="127.0.0.1:29121" OBSERVE_PG_TARGETS="127.0.0.1:29187 127.0.0.1:29188 127.0.0.1:29189" \
    observe_render_config "$STAGING_OBS_DIR/prometheus.yml"
  obs_spawn prometheus prometheus --config.file="$STAGING_OBS_DIR/prometheus.yml" \
    --storage.tsdb.path="$STAGING_OBS_DIR/prometheus-data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$STAGING_PROM_PORT" --web.enable-lifecycle
  for node in "${STAGING_OBS_EXPORTERS[@]}"; do
    obs_wait "exporter ${node%%:*}" "http://127.0.0.1:${node##*:}/metrics"
  done
  obs_wait prometheus "http://127.0.0.1:$STAGING_PROM_PORT/-/ready"
  say "observe: Prometheus in node client on 127.0.0.1:$STAGING_PROM_PORT (ip netns exec $(node_ns client) curl ...), scraping 3 hosts, lb, redis1, pg1, pg2 and pg3"
}

# Every scrape target and its health, as Prometheus sees it; non-zero while any of the eight (3
# hosts, nginx, redis, pg1, pg2, pg3) is missing or not up.
observe_staging_status() {
  local targets
  targets="$(obs_get "http://127.0.0.1:$STAGING_PROM_PORT/api/v1/targets")" ||
    die "no Prometheus in the staging (scripts/staging observe start)"
  jq -r '.data.activeTargets[] | "\(.health)\t\(.labels.job)\t\(.scrapeUrl)"' <<<"$targets"
  jq -e '[.data.activeTargets[] | select(.health == "up")] | length >= 8' <<<"$targets" >/dev/null
}

observe_staging_stop() {
  local f
  for f in "$STAGING_OBS_DIR"/*.pid; do
    [ -e "$f" ] || continue
    kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  say "observe: stopped"
}

cmd_observe() {
  staging_require_root
  case "${1:-start}" in
    start) observe_staging_start ;;
    status) observe_staging_status ;;
    stop) observe_staging_stop ;;
    *) die "usage: scripts/staging observe [start|status|stop]" ;;
  esac
}
