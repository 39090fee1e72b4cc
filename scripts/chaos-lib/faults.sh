# The faults that both backends run, written once against the backend verbs (backend_*:
# chaos-lib/backend-stack.sh for the one-box stack, backend-staging.sh for the staging). Each
# records its instants in FAULT_T (the fault: its verb returned, so a slow lookup before the
# signal, e.g. of the staging's leader, is not counted in the hold) and FAULT_HEALED_T (healed:
# the verb that heals returned) and names its events through chaos_event NAME EPOCH_MS, which
# each harness defines (scripts/chaos: the case's timeline; scripts/staging chaos: a log line).
# What is measured around a fault (load windows, recoveries, checks) stays each harness's.
# shellcheck shell=bash

FAULT_T=""
FAULT_HEALED_T=""

# fault_host_kill I HOLD_S: kill -9 of host I's atelier-api, started again HOLD_S s after the kill.
fault_host_kill() {
  backend_host_kill "$1"
  FAULT_T="$(now_ms)"
  chaos_event "kill -9 host $1 (pid $BACKEND_PID)" "$FAULT_T"
  sleep_until $((FAULT_T + $2 * 1000))
  backend_host_start "$1" || say "host $1 did not start again"
  FAULT_HEALED_T="$(now_ms)"
  chaos_event "host $1 restarted (healthz)" "$FAULT_HEALED_T"
}

# fault_host_stop I HOLD_S: SIGSTOP of host I's atelier-api for HOLD_S s, then SIGCONT.
fault_host_stop() {
  backend_host_signal "$1" STOP
  FAULT_T="$(now_ms)"
  chaos_event "SIGSTOP host $1 (pid $BACKEND_PID)" "$FAULT_T"
  sleep_until $((FAULT_T + $2 * 1000))
  backend_host_signal "$1" CONT
  FAULT_HEALED_T="$(now_ms)"
  chaos_event "SIGCONT host $1" "$FAULT_HEALED_T"
}

# fault_pg_freeze HOLD_S: every PostgreSQL process (on the staging: the leader's) SIGSTOPped for
# HOLD_S s, then SIGCONT: a hung database, no error and no answer.
fault_pg_freeze() {
  backend_pg_freeze
  FAULT_T="$(now_ms)"
  chaos_event "SIGSTOP PostgreSQL ($BACKEND_COUNT processes)" "$FAULT_T"
  sleep_until $((FAULT_T + $1 * 1000))
  backend_pg_thaw
  FAULT_HEALED_T="$(now_ms)"
  chaos_event "SIGCONT PostgreSQL" "$FAULT_HEALED_T"
}
