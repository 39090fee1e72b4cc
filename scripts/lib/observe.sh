# Monitoring of the private stack (scripts/up --observe): Prometheus scraping the hosts' /metrics,
# prometheus-nginx-exporter (NGINX stub_status), prometheus-redis-exporter and
# prometheus-postgres-exporter (role atelier_monitor), all under $STACK_DIR/observe on loopback
# ports. Source after common.sh and stack.sh (it uses their STACK_DIR, ports and helpers).
#   PROM_PORT (29090)  NGINX_STATUS_PORT (29080)  NGINX_EXPORTER_PORT (29113)
#   REDIS_EXPORTER_PORT (29121)  PG_EXPORTER_PORT (29187)
# Alertmanager (deploy/alertmanager) receives the alerts on ALERTMANAGER_PORT (29093) and sends
# them to ALERT_WEBHOOK_URL; unset, to a webhook sink on ALERT_SINK_PORT (29099) that appends
# each notification to $STACK_DIR/observe/alerts.jsonl.
# Targets default to this stack; OBSERVE_HOST_TARGETS / OBSERVE_NGINX_TARGETS /
# OBSERVE_REDIS_TARGETS / OBSERVE_PG_TARGETS (space-separated host:port) point the same
# Prometheus at other machines, e.g. a multi-node staging.
# shellcheck shell=bash

PROM_PORT="${PROM_PORT:-29090}"
NGINX_STATUS_PORT="${NGINX_STATUS_PORT:-29080}"
NGINX_EXPORTER_PORT="${NGINX_EXPORTER_PORT:-29113}"
REDIS_EXPORTER_PORT="${REDIS_EXPORTER_PORT:-29121}"
PG_EXPORTER_PORT="${PG_EXPORTER_PORT:-29187}"
ALERTMANAGER_PORT="${ALERTMANAGER_PORT:-29093}"
ALERT_SINK_PORT="${ALERT_SINK_PORT:-29099}"
OBSERVE_DIR="$STACK_DIR/observe"
OBSERVE_SRC="$ATELIER_ROOT/scripts/observe"
PG_MONITOR_ROLE="${PG_MONITOR_ROLE:-atelier_monitor}"

observe_url() { echo "http://127.0.0.1:$PROM_PORT"; }

# observe_yaml_targets "a:1 b:2" -> one `          - 'a:1'` line each (the template's indent).
observe_yaml_targets() {
  local t
  for t in $1; do printf "          - '%s'\n" "$t"; done
}

# observe_render_config OUT_FILE: prometheus.yml for this stack (or the OBSERVE_*_TARGETS).
observe_render_config() {
  local out="$1" hosts="" port
  for port in $HOST_PORTS; do hosts+="127.0.0.1:$port "; done
  local host_t nginx_t redis_t pg_t am_t
  host_t="$(observe_yaml_targets "${OBSERVE_HOST_TARGETS:-$hosts}")"
  nginx_t="$(observe_yaml_targets "${OBSERVE_NGINX_TARGETS:-127.0.0.1:$NGINX_EXPORTER_PORT}")"
  redis_t="$(observe_yaml_targets "${OBSERVE_REDIS_TARGETS:-127.0.0.1:$REDIS_EXPORTER_PORT}")"
  pg_t="$(observe_yaml_targets "${OBSERVE_PG_TARGETS:-127.0.0.1:$PG_EXPORTER_PORT}")"
  am_t="$(observe_yaml_targets "${OBSERVE_ALERTMANAGER_TARGETS-127.0.0.1:$ALERTMANAGER_PORT}")"
  [ -n "$am_t" ] || am_t="          []"
  sed -e "s|@@RULES_DIR@@|$OBSERVE_SRC/rules|g" -e "s|@@STACK_NAME@@|$(basename "$STACK_DIR")|g" \
    "$OBSERVE_SRC/prometheus.yml.template" |
    awk -v h="$host_t" -v n="$nginx_t" -v r="$redis_t" -v p="$pg_t" -v a="$am_t" '
      /^@@HOST_TARGETS@@$/ { print h; next }
      /^@@NGINX_EXPORTER@@$/ { print n; next }
      /^@@REDIS_EXPORTER@@$/ { print r; next }
      /^@@PG_EXPORTER@@$/ { print p; next }
      /^@@ALERTMANAGERS@@$/ { print a; next }
      { print }' >"$out"
}

# observe_alertmanager_config OUT PAGE_URL [TICKET_URL]: deploy/alertmanager's config with its
# receivers' URLs (TICKET_URL defaults to PAGE_URL).
observe_alertmanager_config() {
  sed -e "s|@@PAGE_WEBHOOK_URL@@|$2|g" -e "s|@@TICKET_WEBHOOK_URL@@|${3:-$2}|g" \
    "$ATELIER_ROOT/deploy/alertmanager/alertmanager.yml.template" >"$1"
}

# observe_alertmanager_start: Alertmanager (one node, no cluster) on ALERTMANAGER_PORT, and the
# webhook sink when ALERT_WEBHOOK_URL is not given.
observe_alertmanager_start() {
  command -v prometheus-alertmanager >/dev/null ||
    die "prometheus-alertmanager is not installed (scripts/install-deps --observe)"
  local url="${ALERT_WEBHOOK_URL:-}"
  if [ -z "$url" ]; then
    url="http://127.0.0.1:$ALERT_SINK_PORT"
    observe_spawn alert-sink "$ATELIER_ROOT/deploy/alertmanager/webhook-sink" "$ALERT_SINK_PORT" \
      "$OBSERVE_DIR/alerts.jsonl"
  fi
  mkdir -p "$OBSERVE_DIR/alertmanager-data"
  observe_alertmanager_config "$OBSERVE_DIR/alertmanager.yml" "${url%/}/page" "${url%/}/ticket"
  observe_spawn alertmanager prometheus-alertmanager --config.file="$OBSERVE_DIR/alertmanager.yml" \
    --storage.path="$OBSERVE_DIR/alertmanager-data" --cluster.listen-address= \
    --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT"
  observe_wait alertmanager "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
}

# observe_spawn NAME CMD...: runs CMD detached, pid in $OBSERVE_DIR/NAME.pid, log NAME.log.
observe_spawn() {
  local name="$1"
  shift
  if pidfile_alive "$OBSERVE_DIR/$name.pid"; then return 0; fi
  setsid "$@" >>"$OBSERVE_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$OBSERVE_DIR/$name.pid"
}

# observe_wait NAME URL: waits up to 10 s for URL to answer 200.
observe_wait() {
  local _
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && return 0
    pidfile_alive "$OBSERVE_DIR/$1.pid" || break
    sleep 0.1
  done
  die "$1 did not come up on $2 (see $OBSERVE_DIR/$1.log)"
}

# A role of its own for the exporter: pg_monitor (the statistics views) plus reading the loader's
# summary tables, nothing else. On the stack it logs in with scram-sha-256 and the password
# pg_start gave it (pg_secret), passed to the exporter in DATA_SOURCE_NAME (its environment).
# observe_pg_role_sql DB prints the SQL (also run on the staging's primary,
# scripts/lib/staging-observe.sh).
observe_pg_role_sql() {
  cat <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_MONITOR_ROLE') THEN
    CREATE ROLE $PG_MONITOR_ROLE LOGIN;
  END IF;
END \$\$;
GRANT pg_monitor TO $PG_MONITOR_ROLE;
GRANT CONNECT ON DATABASE $1 TO $PG_MONITOR_ROLE;
CREATE SCHEMA IF NOT EXISTS atelier AUTHORIZATION atelier_loader;
GRANT USAGE ON SCHEMA atelier TO $PG_MONITOR_ROLE;
DO \$\$ BEGIN
  IF to_regclass('atelier.datasets') IS NOT NULL THEN
    GRANT SELECT ON atelier.datasets TO $PG_MONITOR_ROLE;
  END IF;
  IF to_regclass('atelier.publishes') IS NOT NULL THEN
    GRANT SELECT ON atelier.publishes TO $PG_MONITOR_ROLE;
  END IF;
END \$\$;
SQL
}

observe_pg_role() {
  observe_pg_role_sql "$PG_DB" |
    psql_admin -d "$PG_DB" -qAt -v ON_ERROR_STOP=1 >/dev/null
}

# observe_stub_status_conf FILE LISTEN [ALLOW]: an NGINX server with only stub_status on LISTEN
# (never the API port), for prometheus-nginx-exporter; ALLOW limits it to one client address.
observe_stub_status_conf() {
  local access="stub_status;"
  [ -n "${3:-}" ] && access="stub_status; allow $3; deny all;"
  mkdir -p "$(dirname "$1")"
  cat >"$1" <<CONF
# Written by scripts/lib/observe.sh: NGINX's counters for prometheus-nginx-exporter.
server {
  listen $2;
  access_log off;
  location = /stub_status { $access }
  location / { return 404; }
}
CONF
}

# NGINX's stub_status on its own loopback port: a file in $STACK_DIR/nginx/conf.d, which
# nginx.conf.template includes, then a reload.
observe_nginx_status() {
  observe_stub_status_conf "$STACK_DIR/nginx/conf.d/stub_status.conf" "127.0.0.1:$NGINX_STATUS_PORT"
  if pidfile_alive "$STACK_DIR/nginx/nginx.pid"; then
    nginx -p "$STACK_DIR/nginx" -c "$STACK_DIR/nginx/nginx.conf" -s reload
  fi
}

observe_start() {
  for bin in prometheus prometheus-nginx-exporter prometheus-redis-exporter prometheus-postgres-exporter prometheus-alertmanager; do
    command -v "$bin" >/dev/null || die "$bin is not installed (scripts/install-deps --observe)"
  done
  mkdir -p "$OBSERVE_DIR/prometheus-data"
  observe_render_config "$OBSERVE_DIR/prometheus.yml"
  observe_nginx_status
  observe_pg_role
  observe_spawn nginx-exporter prometheus-nginx-exporter \
    -nginx.scrape-uri "http://127.0.0.1:$NGINX_STATUS_PORT/stub_status" -nginx.retries 20 \
    -nginx.retry-interval 250ms -web.listen-address "127.0.0.1:$NGINX_EXPORTER_PORT"
  # The password goes through the environment, never the command line (ps shows that).
  REDIS_PASSWORD="$(redis_password)" observe_spawn redis-exporter prometheus-redis-exporter \
    -redis.addr "redis://127.0.0.1:$REDIS_PORT" -web.listen-address "127.0.0.1:$REDIS_EXPORTER_PORT"
  # Its password (scram-sha-256, scripts/lib/stack.sh pg_secret) in the environment, not argv.
  DATA_SOURCE_NAME="postgresql://$PG_MONITOR_ROLE:$(pg_secret "$PG_MONITOR_ROLE")@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable" \
    observe_spawn postgres-exporter prometheus-postgres-exporter \
    --extend.query-path="$OBSERVE_SRC/postgres-queries.yml" \
    --web.listen-address="127.0.0.1:$PG_EXPORTER_PORT"
  observe_alertmanager_start
  observe_spawn prometheus prometheus --config.file="$OBSERVE_DIR/prometheus.yml" \
    --storage.tsdb.path="$OBSERVE_DIR/prometheus-data" --storage.tsdb.retention.time=15d \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-lifecycle
  observe_wait nginx-exporter "http://127.0.0.1:$NGINX_EXPORTER_PORT/metrics"
  observe_wait redis-exporter "http://127.0.0.1:$REDIS_EXPORTER_PORT/metrics"
  observe_wait postgres-exporter "http://127.0.0.1:$PG_EXPORTER_PORT/metrics"
  observe_wait prometheus "$(observe_url)/-/ready"
  observe_write_env
  say "observe: Alertmanager on 127.0.0.1:$ALERTMANAGER_PORT -> ${ALERT_WEBHOOK_URL:-$OBSERVE_DIR/alerts.jsonl}"
  say "observe: Prometheus on $(observe_url), exporters on :$NGINX_EXPORTER_PORT (nginx) :$REDIS_EXPORTER_PORT (redis) :$PG_EXPORTER_PORT (postgres)"
}

# Adds Prometheus to $STACK_DIR/env (write_env rewrites that file without it).
observe_write_env() {
  {
    echo "export PROMETHEUS_URL='$(observe_url)'   # scripts/up --observe"
    echo "export PROM_PORT='$PROM_PORT'"
  } >>"$STACK_DIR/env"
}

observe_stop() {
  local f name
  for f in "$OBSERVE_DIR"/*.pid; do
    [ -e "$f" ] || continue
    name="$(basename "$f" .pid)"
    if pidfile_alive "$f"; then
      kill "$(cat "$f")" 2>/dev/null || true
      for _ in $(seq 1 50); do pidfile_alive "$f" || break; sleep 0.1; done
      pidfile_alive "$f" && kill -9 "$(cat "$f")" 2>/dev/null
      say "observe: $name stopped"
    fi
    rm -f "$f"
  done
}

# True when this stack's Prometheus answers.
observe_running() { curl -fsS -o /dev/null --max-time 2 "$(observe_url)/-/ready" 2>/dev/null; }
