# The staging's PostgreSQL (issue 20): a Patroni cluster of three nodes pg1..pg3 (Debian's
# `patroni`, PostgreSQL 15), with its leader lock in a three-member etcd (Debian's `etcd-server`,
# 3.4, spoken to through Patroni's `etcd3:` section, i.e. the v3 API; the v2 API stays off).
#
# Where etcd runs: on sen1..sen3, the three small "consensus" nodes that already hold the Redis
# Sentinels, never on a PostgreSQL node. Losing any one node then costs at most one PostgreSQL
# member (pg*) or one etcd member (sen*), never both: the two other etcd members keep the quorum,
# and a leader cut off from them cannot renew its lock, so it demotes itself within the TTL. Had
# etcd run on pg1..pg3, losing the leader's node would also take an etcd member, and with one more
# fault (the other etcd members' node partitioned) no leader could be elected at all.
#
# Authentication (issue 19, the staging's part): scram-sha-256 for every role, pg_hba rules per
# role and source address, no `trust` line. Passwords are random, written under a 077 umask to
# $STAGING_DIR/secrets (mode 700), and handed to clients only through PGPASSFILE files or Patroni's
# YAML (mode 600, owned by postgres): never in a process's arguments.
#
# Sourced by staging.sh after the node table.
# shellcheck shell=bash

PATRONI_SCOPE=atelier
PATRONI_PORT=8008
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
STAGING_PG_NODES=(pg1 pg2 pg3)
STAGING_ETCD_NODES=(sen1 sen2 sen3)
# Patroni's timing: a lost leader's lock expires after TTL s; loop_wait + 2 * retry_timeout <= ttl
# (Patroni's own rule), so a leader that cannot reach etcd demotes itself before the lock expires.
PATRONI_TTL="${PATRONI_TTL:-10}"
PATRONI_LOOP_WAIT="${PATRONI_LOOP_WAIT:-2}"
PATRONI_RETRY_TIMEOUT="${PATRONI_RETRY_TIMEOUT:-4}"
# synchronous_mode is always on (no acknowledged commit is lost by a failover); strict refuses
# writes while no synchronous standby is there. Measured in docs/OPERATIONS.md: not strict.
PATRONI_SYNC_STRICT="${PATRONI_SYNC_STRICT:-false}"
# How the hosts find the leader and the replicas (measured both, docs/OPERATIONS.md; haproxy is the
# default: the same cost per cart add, and it alone kept cached reads whole through a partition):
#   libpq    multi-host URLs with target_session_attrs=read-write for the cart, each member's own
#            URL for catalog reads (the host skips the leader and lagging members)
#   haproxy  HAProxy on lb checks Patroni's REST API (/primary, /replica?lag=...) every 0.5 s and
#            cuts the sessions of a member that leaves its role; hosts use lb:5000 and lb:5001
# Chosen at `up` (STAGING_PG_ROUTE) and kept in $STAGING_DIR/pg-route.
HAPROXY_PRIMARY_PORT=5000
HAPROXY_REPLICA_PORT=5001
staging_pg_route() {
  if [ -s "$STAGING_DIR/pg-route" ]; then cat "$STAGING_DIR/pg-route"; else echo "${STAGING_PG_ROUTE:-haproxy}"; fi
}

staging_secrets_dir() {
  local d="$STAGING_DIR/secrets"
  [ -d "$d" ] || (umask 077 && mkdir -p "$d")
  echo "$d"
}

# A random password per role, made once per `up` (mode 600 under umask 077).
staging_secret() {
  local f
  f="$(staging_secrets_dir)/$1"
  [ -s "$f" ] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$f")
  cat "$f"
}

# The PGPASSFILEs (root's, mode 600): `api` for the hosts (atelier_api only), `ops` for the tools
# of the client node (loader, superuser, monitor).
staging_pgpass() {
  local f
  f="$(staging_secrets_dir)/pgpass-$1"
  if [ ! -s "$f" ]; then
    (
      umask 077
      case "$1" in
        api) echo "*:*:atelier:atelier_api:$(staging_secret atelier_api)" ;;
        ops)
          echo "*:$PG_PORT_STAGING:*:atelier_loader:$(staging_secret atelier_loader)"
          echo "*:$PG_PORT_STAGING:*:postgres:$(staging_secret postgres)"
          echo "*:$PG_PORT_STAGING:*:atelier_monitor:$(staging_secret atelier_monitor)"
          ;;
      esac >"$f"
    )
  fi
  echo "$f"
}

# libpq multi-host URLs (PostgreSQL 15's libpq): the leader is whichever member accepts writes, so
# a client that reconnects after a failover finds the new one without being told.
staging_pg_hosts() {
  local node out=""
  for node in "$@"; do out+="${out:+,}$(node_ip "$node"):$PG_PORT_STAGING"; done
  echo "$out"
}
staging_leader_url() { # ROLE
  echo "postgresql://$1@$(staging_pg_hosts "${STAGING_PG_NODES[@]}")/atelier?target_session_attrs=read-write"
}

etcd_endpoints() {
  local node out=""
  for node in "${STAGING_ETCD_NODES[@]}"; do out+="${out:+,}http://$(node_ip "$node"):$ETCD_CLIENT_PORT"; done
  echo "$out"
}

# One etcd member per consensus node; the cluster is made with a token unique to the checkout.
staging_etcd_up() {
  local node initial="" dir
  for node in "${STAGING_ETCD_NODES[@]}"; do
    initial+="${initial:+,}$node=http://$(node_ip "$node"):$ETCD_PEER_PORT"
  done
  for node in "${STAGING_ETCD_NODES[@]}"; do
    dir="$STAGING_DIR/$node/etcd"
    (umask 077 && mkdir -p "$dir")
    ip netns exec "$(node_ns "$node")" setsid etcd --name "$node" --data-dir "$dir/data" \
      --listen-client-urls "http://$(node_ip "$node"):$ETCD_CLIENT_PORT" \
      --advertise-client-urls "http://$(node_ip "$node"):$ETCD_CLIENT_PORT" \
      --listen-peer-urls "http://$(node_ip "$node"):$ETCD_PEER_PORT" \
      --initial-advertise-peer-urls "http://$(node_ip "$node"):$ETCD_PEER_PORT" \
      --initial-cluster "$initial" --initial-cluster-token "$STAGING_PREFIX" \
      --initial-cluster-state new --heartbeat-interval 100 --election-timeout 1000 \
      >>"$dir/etcd.log" 2>&1 </dev/null &
    disown
  done
  for _ in $(seq 1 100); do
    in_node client env ETCDCTL_API=3 etcdctl --endpoints "$(etcd_endpoints)" endpoint health \
      >/dev/null 2>&1 && break
    sleep 0.1
  done
  in_node client env ETCDCTL_API=3 etcdctl --endpoints "$(etcd_endpoints)" endpoint health >/dev/null 2>&1 ||
    die "etcd did not become healthy (see $STAGING_DIR/sen*/etcd/etcd.log)"
  say "etcd: 3 members on ${STAGING_ETCD_NODES[*]} (client :$ETCD_CLIENT_PORT, v3 API)"
}

# PostgreSQL data must be reachable by the postgres user; under a private checkout it goes to /tmp.
staging_pg_dir() {
  local node="$1" dir="$STAGING_DIR/$1"
  if [ ! -e "$dir" ]; then
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      rmdir "$dir"
      ln -s "$(mktemp -d "/tmp/atelier-staging-$node.XXXXXX")" "$dir"
      chown postgres:postgres "$(readlink -f "$dir")"
    fi
  fi
  echo "$dir"
}

pg_as() { runuser -u postgres -- "$@"; }

# pg_hba of every member: one line per role and source, scram-sha-256 only, the rest rejected.
staging_pg_hba_yaml() {
  local n h
  echo "    - local all postgres scram-sha-256"
  for n in "${STAGING_PG_NODES[@]}"; do
    echo "    - host all postgres $(node_ip "$n")/32 scram-sha-256"
    echo "    - host replication replicator $(node_ip "$n")/32 scram-sha-256"
    echo "    - host postgres rewinder $(node_ip "$n")/32 scram-sha-256"
  done
  for h in host1 host2 host3; do echo "    - host atelier atelier_api $(node_ip "$h")/32 scram-sha-256"; done
  # Through HAProxy the hosts' connections come from lb's address.
  [ "$(staging_pg_route)" = haproxy ] && echo "    - host atelier atelier_api $(node_ip lb)/32 scram-sha-256"
  echo "    - host all postgres $(node_ip client)/32 scram-sha-256"
  echo "    - host atelier atelier_loader $(node_ip client)/32 scram-sha-256"
  echo "    - host atelier atelier_monitor $(node_ip client)/32 scram-sha-256"
  echo "    - host all all 0.0.0.0/0 reject"
  echo "    - local all all reject"
}

# Patroni's YAML for one member (mode 600, owned by postgres: it holds the passwords).
staging_patroni_config() {
  local node="$1" dir="$2" ip etcd_hosts="" e
  ip="$(node_ip "$node")"
  for e in "${STAGING_ETCD_NODES[@]}"; do etcd_hosts+="${etcd_hosts:+, }$(node_ip "$e"):$ETCD_CLIENT_PORT"; done
  cat <<YAML
scope: $PATRONI_SCOPE
namespace: /atelier-$STAGING_PREFIX/
name: $node
log:
  level: INFO
  dir: $dir/log
restapi:
  listen: $ip:$PATRONI_PORT
  connect_address: $ip:$PATRONI_PORT
  authentication:
    username: patroni
    password: '$(staging_secret patroni_rest)'
ctl:
  authentication:
    username: patroni
    password: '$(staging_secret patroni_rest)'
etcd3:
  hosts: [$etcd_hosts]
bootstrap:
  dcs:
    ttl: $PATRONI_TTL
    loop_wait: $PATRONI_LOOP_WAIT
    retry_timeout: $PATRONI_RETRY_TIMEOUT
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: $PATRONI_SYNC_STRICT
    synchronous_node_count: 1
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: 'on'
        hot_standby_feedback: 'on'
        wal_log_hints: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 512MB
        max_wal_size: 2GB
        max_connections: 200
        password_encryption: scram-sha-256
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - auth-host: scram-sha-256
    - auth-local: scram-sha-256
  post_bootstrap: $dir/post-bootstrap.sh
postgresql:
  listen: $ip:$PG_PORT_STAGING
  connect_address: $ip:$PG_PORT_STAGING
  use_unix_socket: true
  data_dir: $dir/data
  bin_dir: $PG_BIN
  pgpass: $dir/pgpass
  # A new member's base backup asks for an immediate checkpoint (the default spread one kept the
  # clone waiting 1.5 min on an idle leader).
  basebackup:
    - checkpoint: fast
  authentication:
    superuser:
      username: postgres
      password: '$(staging_secret postgres)'
    replication:
      username: replicator
      password: '$(staging_secret replicator)'
    rewind:
      username: rewinder
      password: '$(staging_secret rewinder)'
  parameters:
    unix_socket_directories: '$dir/run'
    shared_buffers: 256MB
    work_mem: 16MB
    maintenance_work_mem: 256MB
    random_page_cost: 1.1
    jit: 'off'
  pg_hba:
$(staging_pg_hba_yaml)
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
YAML
}

# The roles and the database, made once by the member that bootstraps the cluster (Patroni runs
# it with a PGPASSFILE of its own; the SQL, with the passwords, is a mode-600 file).
staging_patroni_post_bootstrap() {
  local dir="$1"
  (
    umask 077
    cat >"$dir/post-bootstrap.sql" <<SQL
$(pg_roles_sql staging_secret atelier_loader atelier_api atelier_monitor)
CREATE DATABASE atelier OWNER atelier_loader;
REVOKE ALL ON DATABASE atelier FROM PUBLIC;
GRANT CONNECT ON DATABASE atelier TO atelier_api;
SQL
    printf '#!/bin/sh\nexec %s/psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f %s/post-bootstrap.sql\n' \
      "$PG_BIN" "$dir" >"$dir/post-bootstrap.sh"
    chmod 700 "$dir/post-bootstrap.sh"
  )
  chown postgres:postgres "$dir/post-bootstrap.sql" "$dir/post-bootstrap.sh"
}

# Starts Patroni on one node (it starts, bootstraps or clones its PostgreSQL itself).
staging_patroni_start() {
  local node="$1" dir
  dir="$(staging_pg_dir "$node")"
  ip netns exec "$(node_ns "$node")" runuser -u postgres -- env PATH="$PG_BIN:/usr/bin:/bin" \
    setsid patroni "$dir/patroni.yml" >>"$dir/patroni.out" 2>&1 </dev/null &
  disown
}

staging_pg_cluster_up() {
  local node dir
  case "${STAGING_PG_ROUTE:-haproxy}" in libpq | haproxy) ;; *) die "STAGING_PG_ROUTE: libpq or haproxy" ;; esac
  echo "${STAGING_PG_ROUTE:-haproxy}" >"$STAGING_DIR/pg-route"
  staging_etcd_up
  for node in "${STAGING_PG_NODES[@]}"; do
    dir="$(staging_pg_dir "$node")"
    pg_as mkdir -p "$dir/run" "$dir/log"
    (umask 077 && staging_patroni_config "$node" "$dir" >"$dir/patroni.yml")
    chown postgres:postgres "$dir/patroni.yml"
    staging_patroni_post_bootstrap "$dir"
  done
  # pg1 first, so it bootstraps the cluster and is its first leader; the others clone it.
  staging_patroni_start pg1
  wait_pg_leader 600 || die "pg1 did not bootstrap the cluster (see $STAGING_DIR/pg1/log)"
  staging_patroni_start pg2
  staging_patroni_start pg3
  wait_pg_members_streaming 900 ||
    die "the replicas did not start streaming (see $STAGING_DIR/pg{2,3}/log)"
  say "patroni: cluster $PATRONI_SCOPE up, leader $(pg_leader), sync standby $(pg_sync_standby)"
  [ "$(staging_pg_route)" = haproxy ] && staging_haproxy_up
  return 0
}

# HAProxy on lb (Debian's haproxy), TCP, with Patroni's REST API as the health check of each role.
staging_haproxy_up() {
  local dir="$STAGING_DIR/lb" node servers=""
  mkdir -p "$dir"
  for node in "${STAGING_PG_NODES[@]}"; do
    servers+="  server $node $(node_ip "$node"):$PG_PORT_STAGING check port $PATRONI_PORT"$'\n'
  done
  cat >"$dir/haproxy.cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 2s
  timeout client 30m
  timeout server 30m
  default-server inter 500ms fastinter 250ms fall 2 rise 2 on-marked-down shutdown-sessions
listen primary
  bind $(node_ip lb):$HAPROXY_PRIMARY_PORT
  option httpchk OPTIONS /primary
  http-check expect status 200
$servers
listen replicas
  bind $(node_ip lb):$HAPROXY_REPLICA_PORT
  # By the client's address: every connection of one host (its readers, its change feed, its lag
  # check) lands on the same replica, so the host still reads through one endpoint at a time and
  # its lag rule measures the member its readers use (Patroni's ?lag counts WAL received, not
  # replayed: a replica with paused replay stays in the pool, and the host's own rule skips it).
  balance source
  hash-type consistent
  option httpchk OPTIONS /replica?lag=1048576
  http-check expect status 200
$servers
CFG
  in_node lb haproxy -c -q -f "$dir/haproxy.cfg" || die "haproxy.cfg invalid"
  in_node lb haproxy -D -f "$dir/haproxy.cfg" -p "$dir/haproxy.pid" || die "haproxy on lb did not start"
  say "haproxy: lb:$HAPROXY_PRIMARY_PORT -> the leader, lb:$HAPROXY_REPLICA_PORT -> the replicas (Patroni REST checks)"
}

# patronictl inside the client node (its config names the etcd members and the REST password).
patronictl_staging() {
  in_node client runuser -u postgres -- patronictl -c "$STAGING_DIR/pg1/patroni.yml" "$@"
}

# The cluster as Patroni's REST API of any live member sees it (JSON), or nothing.
pg_cluster_json() {
  local node
  for node in "${STAGING_PG_NODES[@]}"; do
    in_node client curl -fsS -m 1 "http://$(node_ip "$node"):$PATRONI_PORT/cluster" 2>/dev/null && return 0
  done
  return 1
}
pg_leader() { pg_cluster_json | jq -r '[.members[] | select(.role == "leader" and .state == "running")][0].name // "none"' 2>/dev/null || echo none; }
pg_sync_standby() { pg_cluster_json | jq -r '[.members[] | select(.role == "sync_standby")][0].name // "none"' 2>/dev/null || echo none; }

# True as soon as a leader runs (TRIES 0.1 s apart).
wait_pg_leader() {
  local l
  for _ in $(seq 1 "$1"); do
    l="$(pg_leader)"
    [ "$l" != none ] && [ -n "$l" ] && return 0
    sleep 0.1
  done
  return 1
}

# True once every member runs and both replicas stream from the leader, one of them synchronous.
wait_pg_members_streaming() {
  for _ in $(seq 1 "$1"); do
    if pg_cluster_json | jq -e '([.members[] | select(.state == "running" or .state == "streaming")] | length == 3)
      and ([.members[] | select(.role == "sync_standby")] | length >= 1)' >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# Waits until every replica has replayed everything the leader has written.
wait_replicas_caught_up() {
  local leader lsn node
  leader="$(pg_leader)"
  lsn="$(psql_node "$leader" -U postgres -d postgres -Atqc 'SELECT pg_current_wal_lsn()')"
  for node in "${STAGING_PG_NODES[@]}"; do
    [ "$node" = "$leader" ] && continue
    for _ in $(seq 1 150); do
      [ "$(psql_node "$node" -U postgres -d postgres -Atqc "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn" 2>/dev/null)" = t ] && break
      sleep 0.1
    done
    [ "$(psql_node "$node" -U postgres -d postgres -Atqc "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] ||
      die "$node did not replay up to $lsn within 15 s"
  done
}

# kill -9 of every process of a PostgreSQL node (patroni and postgres), waiting until they are gone:
# the same as a host node's (staging.sh), by namespace.
staging_pg_node_kill() { staging_host_kill "$1"; }

# Patroni started again on a node whose processes are gone (a killed postmaster leaves its pid file,
# which PostgreSQL itself recognises as stale).
staging_pg_node_start() {
  [ -z "$(ip netns pids "$(node_ns "$1")")" ] || return 0
  staging_patroni_start "$1"
}

# psql from the client node (the ops pgpass): to one member, or to whichever member leads.
psql_node() {
  local node="$1"
  shift
  in_node client env PGPASSFILE="$(staging_pgpass ops)" "$PG_BIN/psql" -h "$(node_ip "$node")" \
    -p "$PG_PORT_STAGING" -X -v ON_ERROR_STOP=1 "$@"
}
psql_leader() { # ROLE psql-args...
  local role="$1"
  shift
  in_node client env PGPASSFILE="$(staging_pgpass ops)" "$PG_BIN/psql" -d "$(staging_leader_url "$role")" \
    -X -v ON_ERROR_STOP=1 "$@"
}

# For the loader, update-data and warm-cache on the client node: the leader, found by libpq.
staging_database_url() { staging_leader_url atelier_loader; }
staging_api_url() {
  if [ "$(staging_pg_route)" = haproxy ]; then
    echo "postgresql://atelier_api@$(node_ip lb):$HAPROXY_PRIMARY_PORT/atelier"
  else
    staging_leader_url atelier_api
  fi
}
# A host's catalog endpoints: each member on its own, rotated by host so that the hosts spread
# over the replicas; the host skips a member that is not in recovery (the leader) and one that lags
# (ATELIER_REPLICA_MAX_LAG_MS), and falls back to the leader URL.
staging_api_read_urls_for() {
  local i n=${#STAGING_PG_NODES[@]} k out="" node
  if [ "$(staging_pg_route)" = haproxy ]; then
    echo "postgresql://atelier_api@$(node_ip lb):$HAPROXY_REPLICA_PORT/atelier"
    return
  fi
  i="${1#host}"
  for k in 0 1 2; do
    node="${STAGING_PG_NODES[$(((i + k) % n))]}"
    out+="${out:+,}postgresql://atelier_api@$(node_ip "$node"):$PG_PORT_STAGING/atelier"
  done
  echo "$out"
}

# `scripts/staging status`: patronictl list (leader, sync standby, lag, timeline of each member).
staging_pg_status() {
  patronictl_staging list 2>/dev/null || echo "  patronictl: no member answers"
  printf '  etcd         %s\n' "$(in_node client env ETCDCTL_API=3 etcdctl --endpoints "$(etcd_endpoints)" endpoint status -w simple 2>/dev/null |
    awk -F', ' '{ printf "%s%s leader=%s raft_term=%s", sep, $1, $5, $7; sep = "; " }' || echo down)"
}
