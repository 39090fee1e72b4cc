# The one-box stack's side of the chaos backend interface: the verbs a case hurts and heals the
# system with. The cases (chaos-lib/cases.sh) name only these and the measuring, never a process
# of the stack. Where scripts/stack-control has the verb (the interface the tests use) it is
# used; otherwise the scripts/lib/stack.sh function behind such verbs. Sourced by scripts/chaos
# after load_stack_env.
#
#   backend_url                        the API's base URL (the stack's NGINX)
#   backend_host_count                 how many hosts
#   backend_host_kill I                kill -9 of host I's atelier-api (its pid: BACKEND_PID)
#   backend_host_start I               host I started again exactly as it was launched
#   backend_host_signal I STOP|CONT    SIGSTOP / SIGCONT of host I (its pid: BACKEND_PID)
#   backend_redis_stop | backend_redis_start
#   backend_pg_stop | backend_pg_start | backend_pg_restart
#   backend_pg_freeze | backend_pg_thaw   SIGSTOP / SIGCONT of every PostgreSQL process
#                                      (how many: BACKEND_COUNT)
#   backend_restore                    puts back whatever a case (or an interrupted one) took away
# The verbs report through variables, not output, and must not run in a command substitution:
# what they stopped is remembered here for backend_restore, and a subshell would forget it.
# shellcheck shell=bash disable=SC2154,SC2034 # STACK_DIR, API_URL, HOST_COUNT: load_stack_env; BACKEND_*: read by faults.sh

stack_control() { "$ATELIER_ROOT/scripts/stack-control" --dir "$STACK_DIR" "$@"; }

backend_url() { echo "$API_URL"; }
backend_host_count() { echo "$HOST_COUNT"; }

BACKEND_PID=""
BACKEND_COUNT=0
backend_host_kill() {
  BACKEND_PID="$(stack_control host pid "$1")" || return 1
  kill -9 "$BACKEND_PID"
}

# host_restart (scripts/lib/stack.sh) reads the launch record host_start wrote (binary, cache
# on/off, extra settings), whatever build directory or HOST_EXTRA_ENV scripts/up used. A stack
# started before those records existed gets a plain host start.
backend_host_start() {
  if [ -f "$STACK_DIR/hosts/$1.launch" ]; then
    stack_control host restart "$1"
  else
    stack_control host start "$1" "$(host_port "$1")"
  fi
}

STOPPED_PID=""
backend_host_signal() {
  BACKEND_PID="$(stack_control host pid "$1")" || return 1
  if [ "$2" = STOP ]; then STOPPED_PID="$BACKEND_PID"; fi
  kill -"$2" "$BACKEND_PID"
  if [ "$2" = CONT ]; then STOPPED_PID=""; fi
}

backend_redis_stop() { stack_control redis stop; }
backend_redis_start() { stack_control redis start; }
backend_pg_stop() { (pg_stop); }
backend_pg_start() { stack_control pg start; }
backend_pg_restart() { (pg_restart); }

# Every process of the stack's PostgreSQL: the postmaster and its children.
pg_pids() {
  local main
  main="$(head -n 1 "$STACK_DIR/pg/data/postmaster.pid" 2>/dev/null)" || return 0
  [ -n "$main" ] || return 0
  echo "$main $(pgrep -P "$main" | tr '\n' ' ')"
}

STOPPED_PG_PIDS=""
backend_pg_freeze() {
  STOPPED_PG_PIDS="$(pg_pids)"
  # shellcheck disable=SC2086 # a list of pids
  kill -STOP $STOPPED_PG_PIDS
  BACKEND_COUNT="$(wc -w <<<"$STOPPED_PG_PIDS")"
}
backend_pg_thaw() {
  # shellcheck disable=SC2086 # a list of pids
  [ -z "$STOPPED_PG_PIDS" ] || kill -CONT $STOPPED_PG_PIDS 2>/dev/null || true
  STOPPED_PG_PIDS=""
}

backend_restore() {
  if [ -n "$STOPPED_PID" ]; then kill -CONT "$STOPPED_PID" 2>/dev/null || true; STOPPED_PID=""; fi
  backend_pg_thaw
  if ! psql_stack -Atqc 'SELECT 1' >/dev/null 2>&1; then
    say "restore: starting PostgreSQL"
    backend_pg_start || say "restore: PostgreSQL did not start"
  fi
  if ! redis_cli ping 2>/dev/null | grep -q PONG; then
    say "restore: starting Redis"
    backend_redis_start || say "restore: Redis did not start"
  fi
  local i
  for ((i = 1; i <= HOST_COUNT; i++)); do
    if ! pidfile_alive "$STACK_DIR/hosts/$i.pid"; then
      say "restore: starting host $i"
      backend_host_start "$i" || say "restore: host $i did not start"
    fi
  done
}
