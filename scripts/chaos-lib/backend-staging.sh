# The staging's side of the chaos backend interface (the verbs chaos-lib/faults.sh uses; the
# list: chaos-lib/backend-stack.sh). Host I is node hostI; its only process is its atelier-api
# (scripts/lib/staging.sh staging_host_up). Sourced by scripts/lib/staging-chaos.sh.
# The verbs report through variables and must not run in a command substitution (what they
# stopped is remembered here for backend_restore).
# shellcheck shell=bash disable=SC2034 # BACKEND_* are read by chaos-lib/faults.sh

BACKEND_PID=""
STOPPED_NODE=""

# The pids of node hostI (by namespace: `ip netns exec` runs the host as a child, so no $!).
backend_host_pids() { ip netns pids "$(node_ns "host$1")" | tr '\n' ' ' | sed 's/ $//'; }

backend_host_kill() {
  BACKEND_PID="$(backend_host_pids "$1")"
  staging_host_kill "host$1"
}
backend_host_start() { staging_host_up "host$1" >/dev/null 2>&1; }

backend_host_signal() {
  BACKEND_PID="$(backend_host_pids "$1")"
  [ -n "$BACKEND_PID" ] || return 1
  if [ "$2" = STOP ]; then STOPPED_NODE="$1"; fi
  # shellcheck disable=SC2086 # the node's pids
  kill -"$2" $BACKEND_PID
  if [ "$2" = CONT ]; then STOPPED_NODE=""; fi
}

# What a fault of these verbs may have left: a stopped host, a frozen PostgreSQL.
backend_restore() {
  if [ -n "$STOPPED_NODE" ]; then backend_host_signal "$STOPPED_NODE" CONT || true; fi
  backend_pg_thaw
}

# The PostgreSQL processes of a pg node (not its Patroni): the postmaster and its children.
backend_pg_pids() {
  local pid
  for pid in $(ip netns pids "$(node_ns "$1")"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] && printf '%s ' "$pid"
  done
  return 0
}

# The leader's PostgreSQL frozen (its node: BACKEND_NODE; Patroni keeps running and, within its
# ttl, keeps the leader key), or thawed.
BACKEND_NODE=""
STOPPED_PG_NODE=""
backend_pg_freeze() {
  BACKEND_NODE="$(pg_leader)"
  [ "$BACKEND_NODE" != none ] || return 1
  BACKEND_PID="$(backend_pg_pids "$BACKEND_NODE")"
  BACKEND_COUNT="$(wc -w <<<"$BACKEND_PID")"
  STOPPED_PG_NODE="$BACKEND_NODE"
  # shellcheck disable=SC2086 # a list of pids
  kill -STOP $BACKEND_PID
}
backend_pg_thaw() {
  # shellcheck disable=SC2046 # a list of pids
  [ -z "$STOPPED_PG_NODE" ] || kill -CONT $(backend_pg_pids "$STOPPED_PG_NODE") 2>/dev/null || true
  STOPPED_PG_NODE=""
}
