# Private instances of everything the service needs, under one directory of the checkout:
# PostgreSQL, Redis, N atelier-api hosts and NGINX. Never the system services.
# Source after common.sh. Ports and the directory come from the caller:
#   STACK_DIR  PG_PORT  REDIS_PORT  NGINX_PORT  HOST_PORTS (space-separated)
# shellcheck shell=bash

. "$ATELIER_ROOT/scripts/lib/nginx-conf.sh"
. "$ATELIER_ROOT/scripts/lib/redis-acl.sh"
. "$ATELIER_ROOT/scripts/lib/node.sh"

# Absolute, because nginx -p and pg_ctl resolve relative paths against their own directories.
mkdir -p "$STACK_DIR"
STACK_DIR="$(cd "$STACK_DIR" && pwd)"

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_DB="${PG_DB:-atelier}"
PG_RUNAS=""
if [ "$(id -u)" -eq 0 ]; then PG_RUNAS="runuser -u postgres --"; fi

# Roles (docs/SECURITY.md): the loader owns the database and every schema it creates; the API
# hosts connect as atelier_api, which can only read the catalog views and read/insert cart rows
# (granted by atelier-etl when it publishes); atelier_monitor reads statistics (the exporter);
# atelier_replicator streams WAL to the standby. Each logs in over 127.0.0.1 with scram-sha-256
# and a password generated once per stack (pg_hba_conf); no rule trusts anyone. The superuser
# `postgres` is reachable only through the unix socket, by peer authentication of the OS users
# root/postgres/the stack's owner (psql_admin). Clients find the passwords in $PGPASSFILE
# ($STACK_DIR/pgpass, mode 600), so no URL, environment value or argument holds one.
pg_url() { echo "postgresql://atelier_loader@127.0.0.1:$PG_PORT/$PG_DB"; }
pg_api_url() { echo "postgresql://atelier_api@127.0.0.1:$PG_PORT/$PG_DB"; }
# The superuser, through the primary's unix socket (peer): for tests and administration only.
pg_admin_url() { echo "postgresql://postgres@/$PG_DB?host=$STACK_DIR/pg/run&port=$PG_PORT"; }
PG_LOGIN_ROLES=(atelier_loader atelier_api atelier_monitor atelier_replicator)
export PGPASSFILE="$STACK_DIR/pgpass"

# pg_secret ROLE: that role's password, made on first use (common.sh secret_file).
pg_secret() { cat "$(secret_file "$STACK_DIR/secrets/pg-$1")"; }

# $PGPASSFILE: one line per login role, any port of 127.0.0.1 (the primary and the standby).
pg_write_passfile() {
  local role
  (
    umask 077
    for role in "${PG_LOGIN_ROLES[@]}"; do echo "127.0.0.1:*:*:$role:$(pg_secret "$role")"; done \
      >"$PGPASSFILE.new" && mv -f "$PGPASSFILE.new" "$PGPASSFILE"
  )
}
# The hosts' session secret (docs/SECURITY.md): cart sessions are stored as HMACs keyed with it.
# Generated once per stack (common.sh secret_file: mode 600 under a 077 umask, never committed);
# the hosts and atelier-etl read it through ATELIER_SESSION_SECRET_FILE.
session_secret_file() { secret_file "$STACK_DIR/session-secret"; }

# psql as the superuser over the primary's unix socket (peer authentication, map `admin`).
psql_admin() { "$PG_BIN/psql" -h "$STACK_DIR/pg/run" -p "$PG_PORT" -U postgres "$@"; }

# pg_hba.conf: per role and source, scram-sha-256 everywhere, the superuser by peer on the socket.
# The loader and the API role reach the catalog's database, plus the scratch databases a test run
# names in PG_TEST_DATABASES (comma-separated; scripts/test: the deploy checks'); the monitor only
# the catalog's.
pg_hba_conf() {
  cat <<HBA
# Written by scripts/lib/stack.sh (pg_hba_conf) on every start; docs/SECURITY.md. No trust.
# TYPE  DATABASE     USER                ADDRESS        METHOD
local   all          postgres                           peer map=admin
host    $PG_DB${PG_TEST_DATABASES:+,$PG_TEST_DATABASES}       atelier_loader      127.0.0.1/32   scram-sha-256
host    $PG_DB${PG_TEST_DATABASES:+,$PG_TEST_DATABASES}       atelier_api         127.0.0.1/32   scram-sha-256
host    $PG_DB       atelier_monitor     127.0.0.1/32   scram-sha-256
host    replication  atelier_replicator  127.0.0.1/32   scram-sha-256
HBA
}

# pg_ident.conf: who may be the superuser on the socket: root (scripts run as root), the server's
# own OS user, and the user running the stack when that is not root.
pg_ident_conf() {
  echo "# Written by scripts/lib/stack.sh (pg_ident_conf)."
  echo "admin  root      postgres"
  echo "admin  postgres  postgres"
  [ "$(id -un)" = root ] || [ "$(id -un)" = postgres ] || echo "admin  $(id -un)  postgres"
}

# pg_auth_files DATA: the two files above into a data directory (as the server's OS user).
pg_auth_files() {
  pg_hba_conf | $PG_RUNAS tee "$1/pg_hba.conf" >/dev/null
  pg_ident_conf | $PG_RUNAS tee "$1/pg_ident.conf" >/dev/null
}

# The private Redis has three users (docs/SECURITY.md), each with a password generated once per
# stack and kept in $STACK_DIR/redis (mode 600, never committed):
#   default         the operator (scripts, tests, redis-cli): every command
#   atelier_api     the hosts: only the commands they send, only atelier:* keys
#   atelier_loader  the warm-up (atelier-warm): reads, writes and INFO of atelier:* keys
# No password is ever an argument of a process: redis-server reads them (as hashes) from its
# generated config file, redis-cli from REDISCLI_AUTH, the hosts from ATELIER_REDIS_PASSWORD_FILE.
redis_secret_file() { secret_file "$STACK_DIR/redis/$1.password"; } # NAME
redis_password() { cat "$(redis_secret_file default)"; }
redis_url() { echo "redis://:$(redis_password)@127.0.0.1:$REDIS_PORT/0"; }
# The hosts' URL names the user only; the password is in redis_api_password_file.
redis_api_url() { echo "redis://atelier_api:@127.0.0.1:$REDIS_PORT/0"; }
redis_api_password_file() { redis_secret_file atelier_api; }
redis_loader_url() { echo "redis://atelier_loader:$(cat "$(redis_secret_file atelier_loader)")@127.0.0.1:$REDIS_PORT/0"; }
redis_cli() { REDISCLI_AUTH="$(redis_password)" redis-cli -p "$REDIS_PORT" "$@"; }

# redis_acl_lines: the `user` lines of this stack's Redis (scripts/lib/redis-acl.sh).
redis_acl_lines() {
  redis_acl_user_lines "$(redis_secret_file default)" "$(redis_secret_file atelier_api)" \
    "$(redis_secret_file atelier_loader)"
}

pidfile_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# PostgreSQL data lives in $STACK_DIR/pg. As root the server must run as `postgres`; if that user
# cannot reach the checkout (e.g. it sits under a private home directory), the data directory is
# placed under /tmp and linked from $STACK_DIR/pg.
# NAME (default pg): the directory under $STACK_DIR (pg-standby for the hot standby).
pg_prepare_dir() {
  local dir="$STACK_DIR/${1:-pg}"
  mkdir -p "$STACK_DIR"
  if [ -e "$dir" ]; then return; fi
  if [ -n "$PG_RUNAS" ]; then
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      rmdir "$dir"
      local alt
      alt="$(mktemp -d /tmp/atelier-pg.XXXXXX)"
      chown postgres:postgres "$alt"
      ln -s "$alt" "$dir"
    fi
  else
    mkdir -p "$dir"
  fi
}

pg_start() {
  [ -n "$PG_BIN" ] || die "PostgreSQL server binaries not found (run scripts/install-deps)"
  pg_prepare_dir
  local data="$STACK_DIR/pg/data" run="$STACK_DIR/pg/run"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "postgres: initdb in $data"
    $PG_RUNAS mkdir -p "$run"
    # pg_hba_conf replaces initdb's rules before the first start.
    $PG_RUNAS "$PG_BIN/initdb" -D "$data" -U postgres --auth-local=peer --auth-host=reject -E UTF8 \
      --locale=C.UTF-8 >"$STACK_DIR/pg/initdb.log" 2>&1 || die "initdb failed: see $STACK_DIR/pg/initdb.log"
    # wal_level=minimal lets COPY into tables created in the same transaction skip the WAL
    # (the loader relies on it for speed); the dataset is rebuildable from the CSVs.
    cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$run'
max_connections = 200
shared_buffers = '${PG_SHARED_BUFFERS:-1GB}'
effective_cache_size = '8GB'
work_mem = '16MB'
maintenance_work_mem = '1GB'
wal_level = minimal
max_wal_senders = 0
max_wal_size = '8GB'
checkpoint_timeout = '30min'
random_page_cost = 1.1
jit = off
max_parallel_maintenance_workers = 2
log_min_duration_statement = -1
password_encryption = 'scram-sha-256'
CONF
  fi
  # The rules on every start, so a data directory made before them (trust) is brought in line.
  pg_auth_files "$data"
  pg_write_passfile
  if ! $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    $PG_RUNAS mkdir -p "$run"
    $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" -o "-p $PG_PORT" -l "$STACK_DIR/pg/server.log" -w -t 60 start \
      >/dev/null || die "postgres did not start: see $STACK_DIR/pg/server.log"
  else
    psql_admin -d postgres -Atqc 'SELECT pg_reload_conf()' >/dev/null ||
      die "could not reload postgres' authentication rules"
  fi
  # The login roles and their passwords (SQL on stdin: no password in an argument), every start.
  local roles=() role
  for role in "${PG_LOGIN_ROLES[@]}"; do
    if [ "$role" = atelier_replicator ]; then roles+=("$role:LOGIN REPLICATION"); else roles+=("$role"); fi
  done
  pg_roles_sql pg_secret "${roles[@]}" | psql_admin -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null ||
    die "could not set up the PostgreSQL roles"
  if ! psql_admin -Atqc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" postgres | grep -q 1; then
    psql_admin -d postgres -qc "CREATE DATABASE $PG_DB OWNER atelier_loader" >/dev/null
    psql_stack -qc "REVOKE ALL ON DATABASE $PG_DB FROM PUBLIC; GRANT CONNECT ON DATABASE $PG_DB TO atelier_api;"
  fi
  say "postgres: up on 127.0.0.1:$PG_PORT (database $PG_DB; scram-sha-256, passwords in $PGPASSFILE)"
}

pg_stop() { pg_stop_dir "$STACK_DIR/pg/data" "postgres: stopped"; }

# pg_stop_dir DATA MESSAGE: a fast shutdown of the server of DATA, if one runs there.
pg_stop_dir() {
  local data="$1"
  [ -f "$data/PG_VERSION" ] || return 0
  if $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    say "$2"
  fi
}

pg_restart() {
  $PG_RUNAS "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -o "-p $PG_PORT" -l "$STACK_DIR/pg/server.log" \
    -m fast -w restart >/dev/null
}

psql_stack() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U atelier_loader -d "$PG_DB" -v ON_ERROR_STOP=1 "$@"; }

# A catalog is loaded when one dataset is active and it has the table layout this build queries
# (photos/skus carry product_id since 2026-11-25); an older one is loaded again.
catalog_loaded() {
  psql_stack -Atqc "SELECT count(*) FROM catalog.dataset
    WHERE EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'catalog'
                  AND table_name = 'skus' AND column_name = 'product_id')" 2>/dev/null |
    grep -q '^1$'
}

# One PING; bounded, so a port held by something that never answers cannot stall the poll.
redis_answers() { REDISCLI_AUTH="$(redis_password)" timeout 1 redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# REDIS_EXTRA_ARGS: more redis-server arguments, split on whitespace (no glob expansion).
redis_start() {
  local dir="$STACK_DIR/redis"
  mkdir -p "$dir"
  if pidfile_alive "$dir/redis.pid"; then return 0; fi
  local extra=()
  read -ra extra <<<"${REDIS_EXTRA_ARGS:-}"
  # The repository's settings, then this stack's: its users (as hashes) and paths. Mode 600.
  (
    umask 077
    {
      echo "include $ATELIER_ROOT/cache/redis.conf"
      echo "port $REDIS_PORT"
      echo "dir $dir"
      echo "daemonize yes"
      echo "pidfile $dir/redis.pid"
      echo "logfile $dir/redis.log"
      echo "maxmemory ${REDIS_MAXMEMORY:-6gb}"
      redis_acl_lines
    } >"$dir/redis-stack.conf.new" && mv -f "$dir/redis-stack.conf.new" "$dir/redis-stack.conf"
  ) || die "could not write $dir/redis-stack.conf"
  (umask 077; redis-server "$dir/redis-stack.conf" "${extra[@]}") ||
    die "redis did not start: see $dir/redis.log"
  poll 50 redis_answers ||
    die "redis did not answer PING on 127.0.0.1:$REDIS_PORT within 5 s: see $STACK_DIR/redis/redis.log"
  say "redis: up on 127.0.0.1:$REDIS_PORT"
}

redis_stop() {
  local pidfile="$STACK_DIR/redis/redis.pid" pid
  pid="$(node_pidfile_pid "$pidfile")"
  if [ -n "$pid" ]; then
    # Redis saves nothing on SIGTERM here (cache/redis.conf), but give it 30 s before SIGKILL.
    node_stop 300 "$pid"
    say "redis: stopped"
  fi
  rm -f "$pidfile"
}

# How NGINX reaches the hosts: NGINX_UPSTREAM=unix (default) or tcp. With unix, every host also
# listens on $STACK_DIR/hosts/INDEX.sock (ATELIER_UNIX_SOCKET) and NGINX uses that: loopback TCP is
# most of what an NGINX->host hop costs on one machine. The hosts' TCP ports stay open either way
# (health checks, tests, HOSTn_URL). Falls back to tcp when the path is too long for a unix socket
# or NGINX's workers (nobody, when started as root) cannot reach the directory.
upstream_mode() {
  local mode="${NGINX_UPSTREAM:-unix}" dir="$STACK_DIR/hosts"
  case "$mode" in
    tcp) echo tcp; return ;;
    unix) ;;
    *) die "NGINX_UPSTREAM must be unix or tcp, got '$mode'" ;;
  esac
  mkdir -p "$dir"
  # A socket is bound at DIR/N.sock.new-PID first (src/http/unix_listener.hpp): 107 bytes at most.
  if [ "${#dir}" -gt 88 ]; then
    echo tcp
  elif [ "$(id -u)" -eq 0 ] && ! runuser -u nobody -- test -x "$dir" 2>/dev/null; then
    echo tcp
  else
    echo unix
  fi
}
host_socket() { echo "$STACK_DIR/hosts/$1.sock"; }

# host_start INDEX PORT: one atelier-api host; its pid in $STACK_DIR/hosts/INDEX.pid.
#   ATELIER_API_BIN  the binary (default $ATELIER_BIN/atelier-api)
#   HOST_EXTRA_ENV   more NAME=VALUE settings, split on whitespace (no glob expansion)
#   STACK_REDIS_URL  set (even empty) to override the stack's REDIS_URL; empty = no cache
host_start() {
  local index="$1" port="$2" extra=()
  read -ra extra <<<"${HOST_EXTRA_ENV:-}"
  host_launch "$index" "$port" "${ATELIER_API_BIN:-$ATELIER_BIN/atelier-api}" \
    "$([ -n "${STACK_REDIS_URL-$(redis_url)}" ] && echo on || echo off)" "${extra[@]}"
}

# host_restart INDEX: the host exactly as it was last launched, from $STACK_DIR/hosts/INDEX.launch
# (same port, binary, cache on/off and extra settings). Fails when there is no such record.
host_restart() {
  local index="$1" record="$STACK_DIR/hosts/$1.launch" key value port="" bin="" cache=on env=()
  [ -f "$record" ] || { say "host $index: no launch record $record"; return 1; }
  while IFS='=' read -r key value; do
    case "$key" in
      port) port="$value" ;;
      bin) bin="$value" ;;
      cache) cache="$value" ;;
      env) env+=("$value") ;;
    esac
  done <"$record"
  host_launch "$index" "$port" "$bin" "$cache" "${env[@]}"
}

# host_launch INDEX PORT BIN CACHE(on|off) [NAME=VALUE...]: starts the host and records what it
# launched in INDEX.launch, so a restart needs neither the caller's environment nor the process's
# (/proc/PID/environ). The record holds no secret: the database and Redis URLs come from this file.
# HOST_SUCCESSOR=1: start it beside the running host INDEX, to replace it (scripts/rolling-restart):
# its pid goes to INDEX.pid.next, and it takes INDEX.sock over when ready; the caller waits for that.
host_launch() {
  local index="$1" port="$2" bin="$3" cache="$4" dir="$STACK_DIR/hosts" socket="" redis=""
  local redis_password_file="" pidfile="$STACK_DIR/hosts/$1.pid"
  shift 4
  mkdir -p "$dir"
  if [ -n "${HOST_SUCCESSOR:-}" ]; then
    pidfile="$pidfile.next"
  elif pidfile_alive "$pidfile"; then
    return 0
  fi
  if [ "$(upstream_mode)" = unix ]; then
    socket="$(host_socket "$index")"
    # A socket left by a killed host: gone first, so that the wait below sees the new one's.
    [ -n "${HOST_SUCCESSOR:-}" ] || rm -f "$socket"
  fi
  # The hosts are Redis user atelier_api, their password in a file (ATELIER_REDIS_PASSWORD_FILE).
  if [ "$cache" = on ]; then
    redis="$(redis_api_url)"
    redis_password_file="$(redis_api_password_file)"
  fi
  {
    echo "port=$port"
    echo "bin=$bin"
    echo "cache=$cache"
    local setting
    for setting in "$@"; do echo "env=$setting"; done
  } >"$dir/$index.launch"
  (
    export ATELIER_PORT="$port" ATELIER_BIND=127.0.0.1 ATELIER_UNIX_SOCKET="$socket" \
      DATABASE_URL="$(pg_api_url)" REDIS_URL="$redis" ATELIER_REDIS_PASSWORD_FILE="$redis_password_file" \
      ATELIER_SESSION_SECRET_FILE="$(session_secret_file)" \
      ATELIER_HOT_SET_FILE="$dir/hot-products" ATELIER_HOT_SET_NAME="host$index"
    local setting
    for setting in "$@"; do export "${setting?}"; done
    exec setsid "$bin" >>"$dir/$index.log" 2>&1 </dev/null
  ) &
  echo $! >"$pidfile"
  if [ -n "${HOST_SUCCESSOR:-}" ] || [ -n "${HOST_NO_WAIT:-}" ]; then return 0; fi
  host_await "$index" "$port"
}

# host_await INDEX PORT: waits until host INDEX answers /healthz and, behind unix sockets, has
# opened the socket NGINX uses (dies when it does not). host_launch calls it unless HOST_NO_WAIT
# is set, as hosts_start does to start every host at once and wait for them together.
host_await() {
  local index="$1" port="$2" dir="$STACK_DIR/hosts" socket="" pidfile="$STACK_DIR/hosts/$1.pid"
  [ "$(upstream_mode)" = unix ] && socket="$(host_socket "$index")"
  # 30 s: hosts_start launches every host first, and three container launches (scripts/image run)
  # side by side take longer than one.
  poll 300 curl -fsS -m 1 "http://127.0.0.1:$port/healthz" ||
    die "atelier-api host $index did not come up on :$port (see $dir/$index.log)"
  # NGINX's socket opens only after the host loaded its revisions and prefilled its in-process tier
  # (docs/ARCHITECTURE.md "Warm again fast"): on the full catalog that is seconds after /healthz.
  # Bounded by the host's own limits (revisions 60 s, ATELIER_PREFILL_TIMEOUT_MS), plus margin.
  if [ -n "$socket" ]; then
    poll 900 host_socket_or_exit "$socket" "$(cat "$pidfile")" && [ -S "$socket" ] ||
      die "atelier-api host $index did not open $socket (see $dir/$index.log)"
  fi
  say "host $index: up on 127.0.0.1:$port${socket:+ and $socket} (pid $(cat "$pidfile"))"
}

# host_socket_or_exit SOCKET PID: true once SOCKET is a socket or PID has exited (no use waiting).
host_socket_or_exit() { [ -S "$1" ] || ! kill -0 "$2" 2>/dev/null; }

host_stop() {
  local index="$1" pidfile="$STACK_DIR/hosts/$1.pid" pid
  pid="$(node_pidfile_pid "$pidfile")"
  if [ -n "$pid" ]; then
    # SIGTERM drains (ATELIER_DRAIN_DELAY_MS, then what is in flight): 5 s, then SIGKILL.
    node_stop 50 "$pid"
    say "host $index: stopped"
  fi
  rm -f "$pidfile"
}

# hosts_start: every host of HOST_PORTS, started together and then waited for. On the full
# catalog each spends seconds loading its revisions and prefilling its tier before it opens its
# socket (docs/ARCHITECTURE.md "Warm again fast"); side by side they share that time.
hosts_start() {
  local i=1 port
  for port in $HOST_PORTS; do HOST_NO_WAIT=1 host_start "$i" "$port"; i=$((i + 1)); done
  i=1
  for port in $HOST_PORTS; do host_await "$i" "$port"; i=$((i + 1)); done
}

hosts_stop() {
  local f
  for f in "$STACK_DIR"/hosts/*.pid; do
    [ -e "$f" ] || continue
    host_stop "$(basename "$f" .pid)"
  done
}

# NGINX in front of the hosts, from nginx/nginx.conf.template.
nginx_start() {
  local dir="$STACK_DIR/nginx"
  mkdir -p "$dir/logs" "$dir/tmp"
  local upstreams="" mode i=1 target
  mode="$(upstream_mode)"
  for port in $HOST_PORTS; do
    target="127.0.0.1:$port"
    if [ "$mode" = unix ]; then target="unix:$(host_socket "$i")"; fi
    upstreams+="    server $target max_fails=2 fail_timeout=2s;"$'\n'
    i=$((i + 1))
  done
  nginx_conf_render "$dir" "$NGINX_PORT" "$upstreams" "${NGINX_RATE_LIMIT:-off}" \
    "${NGINX_ACCESS_LOG:-off}" >"$dir/nginx.conf.new" || die "could not render nginx.conf"
  mv -f "$dir/nginx.conf.new" "$dir/nginx.conf"
  # What it was rendered with, so nginx_with_limits can render it again with only limits changed.
  {
    echo "NGINX_RATE_LIMIT='${NGINX_RATE_LIMIT:-off}'"
    echo "NGINX_ACCESS_LOG='${NGINX_ACCESS_LOG:-off}'"
    nginx_limit_settings
  } >"$dir/render.env"
  if pidfile_alive "$dir/nginx.pid"; then
    # A reload with a bad configuration only logs it and keeps the old one: test it first.
    nginx -p "$dir" -c "$dir/nginx.conf" -t -q 2>"$dir/logs/configtest.log" ||
      die "nginx config invalid: $(cat "$dir/logs/configtest.log")"
    nginx -p "$dir" -c "$dir/nginx.conf" -s reload
  else
    nginx -p "$dir" -c "$dir/nginx.conf" -t -q 2>"$dir/logs/configtest.log" ||
      die "nginx config invalid: $(cat "$dir/logs/configtest.log")"
    nginx -p "$dir" -c "$dir/nginx.conf" || die "nginx did not start"
  fi
  # /healthz through NGINX: NGINX listens and reaches a host.
  poll 50 curl -fsS -m 1 "http://127.0.0.1:$NGINX_PORT/healthz" ||
    die "nginx did not answer /healthz on 127.0.0.1:$NGINX_PORT within 5 s: see $dir/logs/error.log"
  if [ "$mode" = unix ]; then
    say "nginx: up on 127.0.0.1:$NGINX_PORT -> hosts' unix sockets $STACK_DIR/hosts/*.sock"
  else
    say "nginx: up on 127.0.0.1:$NGINX_PORT -> $HOST_PORTS"
  fi
}

# nginx_with_limits NAME=VALUE...: the running stack's NGINX rendered again as it was started,
# with these limit settings (NGINX_UNLIMITED: none), and reloaded; in-flight requests finish.
# nginx_limits_restore puts back what was in force before the first nginx_with_limits.
nginx_with_limits() {
  local dir="$STACK_DIR/nginx"
  [ -f "$dir/render.env" ] || die "no $dir/render.env: start the stack with this checkout's scripts/up"
  [ -f "$dir/render.env.before" ] || cp "$dir/render.env" "$dir/render.env.before"
  (
    unset "${NGINX_LIMIT_VARS[@]}"
    set -a
    . "$dir/render.env"
    set +a
    local setting
    for setting in "$@"; do export "${setting?}"; done
    nginx_start
  )
}

nginx_limits_restore() {
  local dir="$STACK_DIR/nginx"
  [ -f "$dir/render.env.before" ] || return 0
  (
    unset "${NGINX_LIMIT_VARS[@]}"
    set -a
    . "$dir/render.env.before"
    set +a
    nginx_start
  ) && rm -f "$dir/render.env.before"
}

nginx_stop() {
  local dir="$STACK_DIR/nginx"
  if pidfile_alive "$dir/nginx.pid"; then
    nginx -p "$dir" -c "$dir/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$dir/nginx.pid")"
    for _ in $(seq 1 50); do pidfile_alive "$dir/nginx.pid" || break; sleep 0.1; done
    say "nginx: stopped"
  fi
}

# $STACK_DIR/env holds the Redis password (in REDIS_URL): written mode 600, as a new file moved
# into place, so it is never readable by others, not even while it is written.
# The lines are made before the umask applies: making them may create $STACK_DIR/hosts
# (upstream_mode), which NGINX's workers must be able to enter.
write_env() {
  local f="$STACK_DIR/env" lines
  lines="$(write_env_lines "$f")" || die "could not write $f"
  (
    umask 077
    printf '%s\n' "$lines" >"$f.new"
  )
  mv -f "$f.new" "$f"
}

write_env_lines() { # PATH (for the comment)
  {
    echo "# Written by scripts/up: what runs where. Source it: . $1"
    echo "export DATABASE_URL='$(pg_url)'   # loader role: atelier-etl, ops"
    echo "export API_DATABASE_URL='$(pg_api_url)'   # what the hosts use: read catalog, write cart"
    echo "export PGPASSFILE='$PGPASSFILE'   # the roles' passwords (scram-sha-256; psql, libpq)"
    echo "export PG_ADMIN_URL='$(pg_admin_url)'   # the superuser: unix socket, peer (root/postgres)"
    echo "export REDIS_URL='$(redis_loader_url)'   # user atelier_loader: atelier-warm, loaders"
    echo "export REDIS_ADMIN_URL='$(redis_url)'   # the default user: operators, redis-cli"
    echo "export API_REDIS_URL='$(redis_api_url)'   # user atelier_api: the hosts"
    echo "export API_REDIS_PASSWORD_FILE='$(redis_api_password_file)'   # its password (ATELIER_REDIS_PASSWORD_FILE)"
    echo "export ATELIER_SESSION_SECRET_FILE='$(session_secret_file)'   # hosts and atelier-etl"
    echo "export API_URL='http://127.0.0.1:$NGINX_PORT'"
    local i=1 mode
    mode="$(upstream_mode)"
    echo "export NGINX_UPSTREAM='$mode'   # how NGINX reaches the hosts: unix sockets or TCP"
    for port in $HOST_PORTS; do
      echo "export HOST${i}_URL='http://127.0.0.1:$port'"
      if [ "$mode" = unix ]; then echo "export HOST${i}_SOCKET='$(host_socket "$i")'"; fi
      i=$((i + 1))
    done
    echo "export PG_PORT='$PG_PORT'"
    echo "export REDIS_PORT='$REDIS_PORT'"
    echo "export NGINX_PORT='$NGINX_PORT'"
    echo "export HOST_PORTS='$HOST_PORTS'"
  }
}

stack_stop_all() {
  nginx_stop
  hosts_stop
  redis_stop
  pg_standby_stop
  pg_stop
}

# ---- PostgreSQL hot standby (issue 13; scripts/test) ---------------------------------------------
# A streaming replica of the stack's PostgreSQL in $STACK_DIR/pg-standby, on PG_STANDBY_PORT: a
# pg_basebackup -R of the primary (primary_conninfo + standby.signal), so the read-endpoint tests
# run against a real hot standby on loopback. scripts/lib/staging.sh does the same across nodes.
pg_standby_url() { echo "postgresql://atelier_api@127.0.0.1:$PG_STANDBY_PORT/$PG_DB"; }
pg_standby_admin_url() { echo "postgresql://postgres@/$PG_DB?host=$STACK_DIR/pg-standby/run&port=$PG_STANDBY_PORT"; }
psql_standby() { "$PG_BIN/psql" -h "$STACK_DIR/pg-standby/run" -p "$PG_STANDBY_PORT" -U postgres -d "$PG_DB" -v ON_ERROR_STOP=1 "$@"; }

# The one-machine stack runs wal_level=minimal (the loader's COPY skips WAL); a standby needs
# replica. Switched once, by ALTER SYSTEM and a restart, before anything connects.
pg_enable_streaming() {
  local level
  level="$(psql_admin -d postgres -Atqc 'SHOW wal_level')"
  [ "$level" = minimal ] || return 0
  psql_admin -d postgres -qAt -v ON_ERROR_STOP=1 \
    -c "ALTER SYSTEM SET wal_level = replica" -c "ALTER SYSTEM SET max_wal_senders = 4" \
    -c "ALTER SYSTEM SET wal_keep_size = '256MB'" >/dev/null
  pg_restart || die "postgres did not restart with wal_level=replica: see $STACK_DIR/pg/server.log"
}

# True when the standby is in recovery and its WAL receiver streams from the primary.
pg_standby_streaming() {
  psql_standby -Atqc "SELECT pg_is_in_recovery() AND EXISTS
    (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null | grep -q '^t$'
}

pg_standby_start() {
  [ -n "${PG_STANDBY_PORT:-}" ] || die "PG_STANDBY_PORT is not set"
  local dir="$STACK_DIR/pg-standby"
  local data="$dir/data"
  if [ ! -f "$data/PG_VERSION" ]; then
    pg_enable_streaming
    pg_prepare_dir pg-standby
    # The replication role's password, readable by the server's OS user only: for the base backup
    # and then the standby's primary_conninfo (passfile=...).
    local passfile="$dir/replication.pgpass"
    (umask 077; echo "127.0.0.1:$PG_PORT:*:atelier_replicator:$(pg_secret atelier_replicator)" >"$passfile")
    [ -z "$PG_RUNAS" ] || chown postgres:postgres "$passfile"
    # --no-sync: a throw-away copy of a throw-away database; fsyncing it only costs time.
    $PG_RUNAS env PGPASSFILE="$passfile" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PG_PORT" \
      -U atelier_replicator -D "$data" -R --no-sync -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
      die "pg_basebackup failed: see $dir/basebackup.log"
    echo "primary_conninfo = 'host=127.0.0.1 port=$PG_PORT user=atelier_replicator passfile=$passfile application_name=standby'" |
      $PG_RUNAS tee -a "$data/postgresql.auto.conf" >/dev/null
    $PG_RUNAS mkdir -p "$dir/run"
    # The primary's settings came with the backup; the standby needs less memory, its own
    # socket directory, and hot_standby_feedback so its readers' rows are not vacuumed away.
    $PG_RUNAS tee -a "$data/postgresql.conf" >/dev/null <<CONF
unix_socket_directories = '$dir/run'
shared_buffers = '128MB'
hot_standby = on
hot_standby_feedback = on
CONF
  fi
  if ! $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    $PG_RUNAS mkdir -p "$dir/run"
    $PG_RUNAS "$PG_BIN/pg_ctl" -D "$data" -o "-p $PG_STANDBY_PORT" -l "$dir/server.log" -w -t 60 \
      start >/dev/null || die "the standby did not start: see $dir/server.log"
  fi
  poll 300 pg_standby_streaming ||
    die "the standby on :$PG_STANDBY_PORT does not stream from :$PG_PORT: see $dir/server.log"
  say "postgres: hot standby up on 127.0.0.1:$PG_STANDBY_PORT, streaming from :$PG_PORT"
}

pg_standby_stop() { pg_stop_dir "$STACK_DIR/pg-standby/data" "postgres: hot standby stopped"; }
