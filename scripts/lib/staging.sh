# A multi-node staging on this machine (issue 13): one Linux network namespace per node, joined by
# a bridge that itself lives in a namespace of its own, so no address or link of the staging ever
# exists in the machine's own namespace and traffic can only go between the nodes made here.
# Source after common.sh. Needs root (ip netns, nft).
# shellcheck shell=bash

# nginx_conf_render: lb's NGINX from the same template, filled in the same way.
. "$ATELIER_ROOT/scripts/lib/nginx-conf.sh"
# redis_acl_user_lines, REDIS_ACL_*: the Redis users, as the stack's.
. "$ATELIER_ROOT/scripts/lib/redis-acl.sh"
. "$ATELIER_ROOT/scripts/lib/node.sh"

# STAGING_NAME=x gives a second staging of the same checkout (prefix and directory of its own);
# the CTest test uses "test".
STAGING_NAME="${STAGING_NAME:-}"
STAGING_DIR="$ATELIER_ROOT/.staging${STAGING_NAME:+-$STAGING_NAME}"
PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"

# Names carry a prefix unique to the checkout (a hash of its path), so two checkouts, or CI beside
# a developer's staging, never share a namespace or a link. Interface names are at most 15 bytes:
# "<prefix>b" for the bridge and "<prefix>-<n>" for links (prefix = "a" + 6 hex digits).
staging_hash="$(printf '%s:%s' "$ATELIER_ROOT" "$STAGING_NAME" | sha1sum | cut -c1-6)"
STAGING_PREFIX="a$staging_hash"
# A /24 inside 10.213.0.0/16, chosen by the same hash. It exists only inside the namespaces (the
# machine's own namespace has no route to it), so even two checkouts with the same /24 could not
# see each other: each has its own bridge namespace.
STAGING_NET="10.213.$((16#${staging_hash:0:2}))"

# node -> last octet. Sentinels run on nodes of their own (sen1..3), as on separate machines.
STAGING_NODES=(lb host1 host2 host3 pg1 pg2 pg3 redis1 redis2 sen1 sen2 sen3 client)
declare -A STAGING_OCTET=(
  [lb]=10 [host1]=11 [host2]=12 [host3]=13 [pg1]=21 [pg2]=22 [pg3]=23 [redis1]=31 [redis2]=32
  [sen1]=41 [sen2]=42 [sen3]=43 [client]=50
)
STAGING_SWITCH="$STAGING_PREFIX-sw"   # the namespace holding the bridge
STAGING_BRIDGE="${STAGING_PREFIX}b"

PG_PORT_STAGING=5432
REDIS_PORT_STAGING=6379
SENTINEL_PORT=26379
HOST_PORT_STAGING=8080
SENTINEL_MASTER=atelier

node_ns() { echo "$STAGING_PREFIX-$1"; }
# The Patroni cluster, its etcd and the PostgreSQL authentication (issue 20).
. "$ATELIER_ROOT/scripts/lib/staging-pg.sh"
node_ip() { echo "$STAGING_NET.${STAGING_OCTET[$1]}"; }
# Runs a command inside a node's namespace.
in_node() {
  local node="$1"
  shift
  ip netns exec "$(node_ns "$node")" "$@"
}

staging_require_root() {
  [ "$(id -u)" -eq 0 ] || die "scripts/staging needs root (network namespaces, nftables)"
}

# The packages only the staging needs (the one-machine stack does not): redis-sentinel, openssl
# for the private CA; `staging_install_deps nftables` adds nft for the link faults of chaos.
staging_install_deps() {
  local missing=() pkg
  for pkg in redis-sentinel openssl wrk jq curl "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    die "could not install ${missing[*]}"
}

# Every namespace of this checkout's staging that exists now, also those of an interrupted run.
staging_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$STAGING_PREFIX-" || true
}

# Stops every process inside this checkout's namespaces (TERM, then KILL), removes their nftables
# rules and the namespaces (which takes the veth pairs and the bridge with them).
staging_teardown() {
  local ns pids=()
  local all=()
  mapfile -t all < <(staging_namespaces)
  [ ${#all[@]} -eq 0 ] && return 0
  for ns in "${all[@]}"; do
    mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$ns" 2>/dev/null)
  done
  node_stop 50 "${pids[@]}"
  for ns in "${all[@]}"; do
    ip netns exec "$ns" nft flush ruleset 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  say "staging: removed ${#all[@]} namespaces (${all[*]})"
}

# The switch namespace with its bridge, then one namespace per node with a veth pair to it.
staging_network_up() {
  ip netns add "$STAGING_SWITCH"
  ip -n "$STAGING_SWITCH" link set lo up
  ip -n "$STAGING_SWITCH" link add "$STAGING_BRIDGE" type bridge
  ip -n "$STAGING_SWITCH" link set "$STAGING_BRIDGE" up
  local node ns i=0 port
  for node in "${STAGING_NODES[@]}"; do
    i=$((i + 1))
    ns="$(node_ns "$node")"
    port="$STAGING_PREFIX-$i"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Both ends are created inside the switch namespace, then one end moves into the node: no
    # link of the staging ever shows in the machine's own namespace, even for a moment.
    ip -n "$STAGING_SWITCH" link add "$port" type veth peer name eth0 netns "$ns"
    ip -n "$STAGING_SWITCH" link set "$port" master "$STAGING_BRIDGE" up
    ip -n "$ns" addr add "$(node_ip "$node")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip netns exec "$ns" sysctl -qw net.core.somaxconn=4096 net.ipv4.ip_local_port_range="32768 60999"
  done
  say "staging: ${#STAGING_NODES[@]} nodes on $STAGING_NET.0/24 behind bridge $STAGING_BRIDGE (namespace $STAGING_SWITCH)"
}

# The staging's Redis secrets, one file each (mode 600, made under umask 077), never a process
# argument (docs/SECURITY.md): the default user's (operators, replication, the Sentinels' link to
# the data nodes), atelier_api's (the hosts), atelier_loader's (the warm-up), and the Sentinels'
# own password (their requirepass; clients send it before asking them anything).
staging_secret_file() { secret_file "$STAGING_DIR/secrets/$1"; } # NAME
staging_redis_password() { cat "$(staging_secret_file redis-default)"; }
staging_sentinel_password() { cat "$(staging_secret_file sentinel)"; }

# redis-server on NODE from a COPY of cache/redis.conf with the node's users and masterauth
# appended (mode 600): a Sentinel failover makes Redis rewrite its config file (CONFIG REWRITE),
# which must never be the repository's.
staging_redis_server() {
  local node="$1" dir="$STAGING_DIR/$1"
  shift
  mkdir -p "$dir"
  if [ ! -f "$dir/redis.conf" ]; then
    (
      umask 077
      {
        cat "$ATELIER_ROOT/cache/redis.conf"
        echo "masterauth $(staging_redis_password)"
        redis_acl_user_lines "$(staging_secret_file redis-default)" \
          "$(staging_secret_file redis-atelier_api)" "$(staging_secret_file redis-atelier_loader)"
      } >"$dir/redis.conf"
    ) || die "could not write $dir/redis.conf"
  fi
  # Under umask 077: the config a failover rewrites stays mode 600.
  (
    umask 077
    in_node "$node" redis-server "$dir/redis.conf" --bind "$(node_ip "$node")" \
      --port "$REDIS_PORT_STAGING" --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --maxmemory 512mb "$@"
  ) || die "redis on $node did not start: see $dir/redis.log"
}

# redis1 (master) and redis2 (replica), from cache/redis.conf with the node's address.
staging_redis_up() {
  local node="$1" extra=()
  if [ "$node" != redis1 ]; then extra=(--replicaof "$(node_ip redis1)" "$REDIS_PORT_STAGING"); fi
  staging_redis_server "$node" "${extra[@]}"
  for _ in $(seq 1 50); do
    redis_node "$node" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  say "$node: redis up on $(node_ip "$node"):$REDIS_PORT_STAGING${extra[*]:+ (replica of redis1)}"
}

redis_node() {
  local node="$1"
  shift
  REDISCLI_AUTH="$(staging_redis_password)" in_node client redis-cli -h "$(node_ip "$node")" \
    -p "$REDIS_PORT_STAGING" --no-auth-warning "$@"
}

sentinel_node() {
  local node="$1"
  shift
  REDISCLI_AUTH="$(staging_sentinel_password)" in_node client redis-cli -h "$(node_ip "$node")" \
    -p "$SENTINEL_PORT" --no-auth-warning "$@"
}

# Three Sentinels (Debian's redis-sentinel), quorum 2, 1 s to declare the master down.
staging_sentinel_up() {
  local node="$1" dir="$STAGING_DIR/$1"
  mkdir -p "$dir"
  # Mode 600 (it holds passwords, and Sentinel rewrites it): made under umask 077. Its own
  # password (requirepass) for clients, the same for the other Sentinels (sentinel-pass).
  (
    umask 077
    sentinel_conf "$dir" "$(node_ip "$node")" "$SENTINEL_PORT" "$SENTINEL_MASTER" "$(node_ip redis1)" \
      "$REDIS_PORT_STAGING" "$(staging_sentinel_password)" "$(staging_redis_password)" >"$dir/sentinel.conf"
  ) || die "could not write $dir/sentinel.conf"
  chmod 600 "$dir/sentinel.conf"
  # Under umask 077: the config file a Sentinel rewrites (failovers, CONFIG REWRITE) stays 600.
  (umask 077; in_node "$node" redis-sentinel "$dir/sentinel.conf") || die "sentinel on $node did not start"
  for _ in $(seq 1 50); do
    sentinel_node "$node" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  say "$node: sentinel up on $(node_ip "$node"):$SENTINEL_PORT"
}

# USER (default atelier_api): the Sentinel URL with the user only; its password is in
# staging_secret_file redis-USER (ATELIER_REDIS_PASSWORD_FILE), the Sentinels' in
# staging_secret_file sentinel (ATELIER_REDIS_SENTINEL_PASSWORD_FILE).
staging_redis_url() {
  echo "redis-sentinel://${1:-atelier_api}:@$(node_ip sen1):$SENTINEL_PORT,$(node_ip sen2):$SENTINEL_PORT,$(node_ip sen3):$SENTINEL_PORT/0#$SENTINEL_MASTER"
}

# The Redis read endpoint of every host: redis2, the replica "near" the hosts (ATELIER_REDIS_READ_URL);
# writes, and reads it lacks, go to the master through the Sentinels. After a failover redis2 may be
# the master itself, which serves reads as well. STAGING_HOST_ENV="ATELIER_REDIS_READ_URL=" turns
# the split off (scripts/staging redis-split measures both).
staging_redis_read_url() { echo "redis://atelier_api:@$(node_ip redis2):$REDIS_PORT_STAGING/0"; }

# The hosts' session secret (docs/SECURITY.md), one per staging, mode 600 (common.sh secret_file).
staging_session_secret_file() { secret_file "$STAGING_DIR/session-secret"; }

# One atelier-api per host node: catalog reads from a replica of the Patroni cluster (the leader the
# fall-back), cart on the leader (scripts/lib/staging-pg.sh), Redis reads from redis2 and writes
# through the Sentinels. The database password comes from a PGPASSFILE, never the command line.
staging_host_up() {
  local node="$1" dir="$STAGING_DIR/$1" ip
  ip="$(node_ip "$node")"
  mkdir -p "$dir"
  [ -z "$(ip netns pids "$(node_ns "$node")")" ] || die "$node already runs a process (staging_host_kill first)"
  # A simple command, not in_node: a backgrounded function would keep a copy of the caller's
  # stdout open in its subshell, and a caller reading that (a $(...)) would wait forever.
  # Settings exported in a subshell, never env(1) arguments: nothing secret in `ps`. Redis user
  # atelier_api, its password and the Sentinels' from files; PostgreSQL's from the PGPASSFILE.
  (
    export ATELIER_BIND="$ip" ATELIER_PORT="$HOST_PORT_STAGING" ATELIER_THREADS="${STAGING_HOST_THREADS:-2}" \
      DATABASE_URL="$(staging_api_url)" ATELIER_READ_DATABASE_URLS="$(staging_api_read_urls_for "$node")" \
      PGPASSFILE="$(staging_pgpass api)" \
      REDIS_URL="$(staging_redis_url)" ATELIER_REDIS_READ_URL="$(staging_redis_read_url)" \
      ATELIER_REDIS_PASSWORD_FILE="$(staging_secret_file redis-atelier_api)" \
      ATELIER_REDIS_SENTINEL_PASSWORD_FILE="$(staging_secret_file sentinel)" \
      ATELIER_SESSION_SECRET_FILE="$(staging_session_secret_file)"
    for setting in ${STAGING_HOST_ENV:-}; do export "${setting?}"; done
    exec ip netns exec "$(node_ns "$node")" setsid "$ATELIER_BIN/atelier-api" >>"$dir/host.log" 2>&1 </dev/null
  ) &
  disown  # its kill -9 in scripts/staging chaos is expected, not a job to report
  for _ in $(seq 1 100); do
    in_node client curl -fsS "http://$ip:$HOST_PORT_STAGING/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  in_node client curl -fsS "http://$ip:$HOST_PORT_STAGING/healthz" >/dev/null 2>&1 ||
    die "$node: atelier-api did not come up (see $dir/host.log)"
  say "$node: atelier-api up on $ip:$HOST_PORT_STAGING (pid $(ip netns pids "$(node_ns "$node")" | tr '\n' ' '))"
}

# kill -9 of every process of a host node (only its atelier-api runs there), and wait until they
# are gone: a host started again before that finds its port still taken. By namespace, not by a
# saved pid: `ip netns exec` runs its command as a child, so $! is not the host.
staging_host_kill() {
  local pids
  mapfile -t pids < <(ip netns pids "$(node_ns "$1")")
  node_kill "${pids[@]}"
}

# The sum over the three hosts of one metric's samples (any labels), from their /metrics.
hosts_metric_sum() {
  local node sum=0 v
  for node in host1 host2 host3; do
    v="$(in_node client curl -s -m 2 "http://$(node_ip "$node"):$HOST_PORT_STAGING/metrics" |
      awk -v m="$1" 'index($0, m " ") == 1 || index($0, m "{") == 1 { s += $NF } END { printf "%d", s }')"
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# `calls` of one command in a Redis node's INFO commandstats (0 if never called).
redis_command_calls() {
  redis_node "$1" info commandstats | tr -d '\r' |
    awk -F'[:=,]' -v c="cmdstat_$2" '$1 == c { print $3; found = 1 } END { if (!found) print 0 }'
}

# Every host killed and started again with ENV (STAGING_HOST_ENV) added, one after the other.
staging_hosts_restart() {
  local node
  for node in host1 host2 host3; do
    staging_host_kill "$node"
    sleep 0.2
    STAGING_HOST_ENV="$1" staging_host_up "$node" >/dev/null 2>&1
  done
}

# A private CA and a certificate for the lb's address, made with openssl on every `up`.
staging_tls_up() {
  local dir="$STAGING_DIR/tls" ip
  ip="$(node_ip lb)"
  mkdir -p "$dir"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Atelier staging CA $STAGING_PREFIX" \
      -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=lb.staging" -keyout "$dir/lb.key" \
      -out "$dir/lb.csr" 2>/dev/null
    printf 'subjectAltName=IP:%s,DNS:lb.staging\nextendedKeyUsage=serverAuth\n' "$ip" >"$dir/ext.cnf"
    openssl x509 -req -in "$dir/lb.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
      -days 30 -extfile "$dir/ext.cnf" -out "$dir/lb.pem" 2>/dev/null
  ) || die "could not make the staging certificates"
  chmod 644 "$dir/ca.pem" "$dir/lb.pem"
  say "tls: private CA $dir/ca.pem, certificate for $ip (lb.staging)"
}

# NGINX on lb from the project's template: the same upstream, retry and error settings as the
# one-machine stack, with TCP upstreams to the hosts' addresses, and the client side replaced by
# TLS + HTTP/2 on :443 and plain HTTP/1.1 on :80 (to measure what TLS costs).
staging_lb_up() {
  local dir="$STAGING_DIR/lb" ip
  ip="$(node_ip lb)"
  mkdir -p "$dir/logs" "$dir/tmp"
  staging_lb_render
  in_node lb nginx -p "$dir" -c "$dir/nginx.conf" -t -q 2>"$dir/logs/configtest.log" ||
    die "staging nginx config invalid: $(cat "$dir/logs/configtest.log")"
  in_node lb nginx -p "$dir" -c "$dir/nginx.conf" || die "nginx on lb did not start"
  for _ in $(seq 1 50); do
    lb_curl -fsS "https://$ip/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  say "lb: nginx up on https://$ip (TLS, HTTP/2) and http://$ip -> hosts :$HOST_PORT_STAGING"
}

# lb's nginx.conf, with the limits at the edge of the caller's environment (NGINX_CART_*,
# NGINX_CONN_PER_ADDR: scripts/lib/nginx-conf.sh). Both client-facing listeners (TLS and plain)
# share the server block and so its limit_conn.
staging_lb_render() {
  local dir="$STAGING_DIR/lb" ip upstreams="" node listen
  ip="$(node_ip lb)"
  for node in host1 host2 host3; do
    upstreams+="    server $(node_ip "$node"):$HOST_PORT_STAGING max_fails=2 fail_timeout=2s;"$'\n'
  done
  listen="    listen $ip:80 reuseport backlog=4096;
    listen $ip:443 ssl http2 reuseport backlog=4096;
    ssl_certificate $STAGING_DIR/tls/lb.pem;
    ssl_certificate_key $STAGING_DIR/tls/lb.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:staging_tls:10m;
    ssl_session_timeout 1h;"
  grep -Eq '^[[:space:]]*listen .*@@LISTEN_PORT@@' "$ATELIER_ROOT/nginx/nginx.conf.template" ||
    die "nginx/nginx.conf.template has no 'listen ...@@LISTEN_PORT@@' line to replace"
  # Rendered as the stack renders it (every other placeholder filled there), the port left as its
  # own placeholder so that this listen line can be swapped for the TLS + HTTP block.
  nginx_conf_render "$dir" "@@LISTEN_PORT@@" "$upstreams" off "${NGINX_ACCESS_LOG:-off}" |
    awk -v listen="$listen" '
      /^[ \t]*listen .*@@LISTEN_PORT@@/ { print listen; next }
      { print }' >"$dir/nginx.conf.new" || die "could not render lb's nginx.conf"
  mv -f "$dir/nginx.conf.new" "$dir/nginx.conf"
}

# staging_lb_reload NAME=VALUE...: lb rendered again with these limit settings (NGINX_UNLIMITED
# for a benchmark; none: the defaults) and reloaded.
staging_lb_reload() {
  local dir="$STAGING_DIR/lb"
  (
    unset "${NGINX_LIMIT_VARS[@]}"
    local setting
    for setting in "$@"; do export "${setting?}"; done
    staging_lb_render
  )
  in_node lb nginx -p "$dir" -c "$dir/nginx.conf" -s reload || die "nginx on lb did not reload"
  sleep 0.5  # the old workers finish; the new ones serve with the new limits
}

# curl from the client node, trusting only the staging's CA.
lb_curl() { in_node client curl --cacert "$STAGING_DIR/tls/ca.pem" "$@"; }

# Mode 600 (it names the secret files and the topology), written under umask 077.
staging_write_env() {
  local f="$STAGING_DIR/env" node
  (umask 077; : >"$f.new")
  {
    echo "# Written by scripts/staging up: the topology. Addresses exist only inside the namespaces;"
    echo "# run clients with: ip netns exec $(node_ns client) CMD"
    echo "export STAGING_PREFIX='$STAGING_PREFIX'"
    echo "export STAGING_SUBNET='$STAGING_NET.0/24'"
    echo "export STAGING_SWITCH_NS='$STAGING_SWITCH'   # holds bridge $STAGING_BRIDGE"
    for node in "${STAGING_NODES[@]}"; do
      local var="${node^^}"
      echo "export STAGING_${var}_NS='$(node_ns "$node")' STAGING_${var}_IP='$(node_ip "$node")'"
    done
    echo "export API_URL='https://$(node_ip lb)'   # TLS + HTTP/2 (CA: $STAGING_DIR/tls/ca.pem)"
    echo "export API_HTTP_URL='http://$(node_ip lb)'   # plain HTTP/1.1, for the TLS comparison"
    echo "export STAGING_CA='$STAGING_DIR/tls/ca.pem'"
    echo "export DATABASE_URL='$(staging_database_url)'   # the Patroni leader: loader, ops"
    echo "export PGPASSFILE='$(staging_pgpass ops)'   # passwords of the loader, superuser, monitor (mode 600)"
    echo "export API_DATABASE_URL='$(staging_api_url)'   # hosts: cart (read + write, the leader)"
    echo "export API_READ_DATABASE_URLS_HOST1='$(staging_api_read_urls_for host1)'   # catalog reads (replicas first)"
    echo "export REDIS_URL='$(staging_redis_url atelier_loader)'   # the warm-up's user"
    echo "export ATELIER_REDIS_PASSWORD_FILE='$(staging_secret_file redis-atelier_loader)'   # its password"
    echo "export ATELIER_REDIS_SENTINEL_PASSWORD_FILE='$(staging_secret_file sentinel)'   # the Sentinels'"
    echo "export API_REDIS_URL='$(staging_redis_url)'   # hosts (password: $(staging_secret_file redis-atelier_api))"
    echo "export REDIS_READ_URL='$(staging_redis_read_url)'   # hosts: cache reads (redis2)"
    for node in host1 host2 host3; do
      echo "export ${node^^}_URL='http://$(node_ip "$node"):$HOST_PORT_STAGING'"
    done
  } >"$f.new"
  mv -f "$f.new" "$f"
}
