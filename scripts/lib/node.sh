# The node verbs: what the one-box stack (scripts/lib/stack.sh), the staging (scripts/lib/staging.sh,
# staging-pg.sh) and the test Redis group (scripts/redis-group) all do to their processes and
# servers, written once: stopping (kill, wait, kill), a Sentinel's configuration, and PostgreSQL's
# login roles. Where a node runs (loopback ports or a network namespace) stays with the caller.
# Source after common.sh.
# shellcheck shell=bash

# node_gone PID...: true when none of these processes runs any more. A zombie (exited, not yet
# reaped by its parent) counts as gone: it holds no port and no memory.
node_gone() {
  local pid stat
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    [ "${stat%% *}" = Z ] || return 1
  done
  return 0
}

# node_stop GRACE_TENTHS PID...: SIGTERM, up to GRACE_TENTHS tenths of a second for the processes
# to exit (a host drains in that time), then SIGKILL of what is left, and up to 5 s more until it
# is gone (a port is free again when this returns).
node_stop() {
  local grace="$1" _
  shift
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  for _ in $(seq 1 "$grace"); do node_gone "$@" && return 0; sleep 0.1; done
  node_kill "$@"
}

# node_kill PID...: SIGKILL (a crash, or the end of a stop), then up to 5 s until they are gone.
node_kill() {
  local _
  [ $# -gt 0 ] || return 0
  kill -KILL "$@" 2>/dev/null || true
  for _ in $(seq 1 100); do node_gone "$@" && return 0; sleep 0.05; done
  return 0
}

# node_pidfile_pid FILE: the pid a pid file names, when that process is alive; nothing otherwise.
node_pidfile_pid() {
  local pid
  [ -f "$1" ] || return 0
  pid="$(cat "$1" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  return 0
}

# sentinel_conf DIR BIND PORT MASTER_NAME MASTER_HOST MASTER_PORT SENTINEL_PASSWORD DATA_PASSWORD:
# a redis-sentinel's configuration (the staging's three and the test group's three): its own
# password for clients and the other Sentinels, the data nodes' password, quorum 2, the master
# declared down after 1 s, a failover bounded to 5 s. It holds passwords: write it under umask 077.
sentinel_conf() {
  local dir="$1" bind="$2" port="$3" master="$4" master_host="$5" master_port="$6"
  local sentinel_password="$7" data_password="$8"
  cat <<CONF
bind $bind
port $port
daemonize yes
pidfile $dir/sentinel.pid
logfile $dir/sentinel.log
dir $dir
requirepass $sentinel_password
sentinel sentinel-pass $sentinel_password
sentinel monitor $master $master_host $master_port 2
sentinel auth-pass $master $data_password
sentinel down-after-milliseconds $master 1000
sentinel failover-timeout $master 5000
sentinel parallel-syncs $master 1
CONF
}

# pg_roles_sql SECRET_COMMAND ROLE[:OPTIONS]...: SQL (for psql's standard input, so no password is
# an argument) that makes each login role if it is missing and sets its options (default LOGIN)
# and the password `SECRET_COMMAND ROLE` prints. Run on every start, it also brings an older
# database's roles in line.
pg_roles_sql() {
  local secret="$1" spec role options
  shift
  echo "SET client_min_messages = warning;"
  for spec in "$@"; do
    role="${spec%%:*}"
    options="LOGIN"
    [ "$spec" = "$role" ] || options="${spec#*:}"
    echo "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role $options; END IF; END \$\$;"
    echo "ALTER ROLE $role $options PASSWORD '$("$secret" "$role")';"
  done
}
