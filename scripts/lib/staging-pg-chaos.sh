# The Patroni cluster's chaos cases of scripts/staging chaos (issue 20). Each runs under the page-view
# load of scripts/lib/staging-chaos.sh (product reads only: those are the cached reads, so every
# error of that load is a failed cached read) plus the lost-write checker
# (scripts/chaos-lib/cart_writer.py: cart adds with Idempotency-Key, every 201 recorded, every cart
# read back afterwards), both through lb over HTTPS.
#
#   pg_leader_kill        kill -9 of every process of the leader's node (patroni and postgres);
#                         Patroni started again there after --hold S, it rejoins as a replica
#   pg_leader_partition   nftables drops all traffic of the leader's node for max(--hold, 20) s;
#                         the old leader must be read-only before a new one takes writes, and
#                         rejoins as a replica after the partition heals
#   pg_switchover         patronictl switchover to the synchronous standby
#   pg_sync_standby_kill  kill -9 of the synchronous standby's node; writes go on, another member
#                         becomes the synchronous standby; started again after --hold S
#
# After pg_leader_kill and pg_switchover a catalog load publishes on the new leader, and every host
# must move to its version: the change feed's LISTEN found the new leader (or its poll did).
# Sourced by staging-chaos.sh.
# shellcheck shell=bash

PG_CHAOS_WRITER_PID=""

# pg_timeline NODE: the member's timeline as Patroni reports it.
pg_member() { pg_cluster_json | jq -c --arg n "$1" '.members[] | select(.name == $n)' 2>/dev/null || true; }
pg_timeline() { pg_cluster_json | jq -r '[.members[] | select(.role == "leader")][0].timeline // 0' 2>/dev/null || echo 0; }

# Waits until NODE runs as a replica of the cluster again; echoes the ms it took from T0, or "never".
wait_pg_rejoined() { # NODE T0_MS TRIES
  for _ in $(seq 1 "$3"); do
    if pg_member "$1" | jq -e '(.role == "replica" or .role == "sync_standby") and (.state == "running" or .state == "streaming")' >/dev/null 2>&1; then
      echo "$(( $(now_ms) - $2 ))"
      return 0
    fi
    sleep 0.2
  done
  echo never
}

# Waits until a leader other than OLD runs; echoes its name (or "none").
wait_pg_new_leader() { # OLD TRIES
  local l
  for _ in $(seq 1 "$2"); do
    l="$(pg_leader)"
    if [ "$l" != none ] && [ "$l" != "$1" ]; then echo "$l"; return 0; fi
    sleep 0.1
  done
  echo none
}

# The lost-write checker for the whole case, in the client node (prepare_* starts it).
pg_writer_start() { # NAME SECONDS
  in_node client /usr/bin/python3 "$ATELIER_ROOT/scripts/chaos-lib/cart_writer.py" \
    --url "https://$(node_ip lb)" --ca "$STAGING_DIR/tls/ca.pem" --skus "$CHAOS_WORK/skus.txt" \
    --prefix "pgc-$(date +%H%M%S)-$((RANDOM % 1000))" --duration "$2" --rate "$CHAOS_ADD_RATE" \
    --out "$CHAOS_WORK/$1.writer.json" >"$CHAOS_WORK/$1.writer.log" 2>&1 &
  PG_CHAOS_WRITER_PID=$!
}
pg_writer_wait() {
  [ -n "$PG_CHAOS_WRITER_PID" ] && wait "$PG_CHAOS_WRITER_PID" 2>/dev/null || true
  PG_CHAOS_WRITER_PID=""
}

pg_case_prepare() {
  # The cluster whole again before a case: every member running, a synchronous standby.
  wait_pg_members_streaming 600 || die "$1: the cluster is not whole (scripts/staging status)"
  pg_writer_start "$1" "$((CHAOS_TOTAL - 5))"
}
prepare_pg_leader_kill() { pg_case_prepare pg_leader_kill; }
prepare_pg_leader_partition() { pg_case_prepare pg_leader_partition; }
prepare_pg_switchover() { pg_case_prepare pg_switchover; }
prepare_pg_sync_standby_kill() { pg_case_prepare pg_sync_standby_kill; }
finish_pg_leader_kill() { pg_writer_wait; }
finish_pg_leader_partition() { pg_writer_wait; }
finish_pg_switchover() { pg_writer_wait; }
finish_pg_sync_standby_kill() { pg_writer_wait; }

# A catalog load published on the (new) leader: ms until every host serves its version, and whether
# every host LISTENs again (atelier_catalog_listening).
pg_publish_check() {
  local t0 version versions=" " ms=never listening
  t0="$(now_ms)"
  in_node client env DATABASE_URL="$(staging_database_url)" PGPASSFILE="$(staging_pgpass ops)" \
    "$ATELIER_BIN/atelier-etl" --data "$STAGING_DIR/data" >"$CHAOS_WORK/publish.log" 2>&1 || true
  version="$(psql_leader atelier_loader -Atqc 'SELECT version FROM catalog.dataset' 2>/dev/null || echo 0)"
  for _ in $(seq 1 150); do
    versions="$(hosts_versions)"
    if [ "$versions" = "$version $version $version" ]; then ms="$(( $(now_ms) - t0 ))"; break; fi
    sleep 0.1
  done
  listening="$(hosts_metric_sum atelier_catalog_listening)"
  jq -n -c --arg v "$version" --arg h "$versions" --arg ms "$ms" --argjson l "${listening:-0}" \
    '{published_version: $v, hosts_versions: $h, hosts_on_it_ms_after_load_start: $ms, hosts_listening: $l}'
}

fault_pg_leader_kill() {
  local old new t0 promoted tl0 tl1 rejoined publish
  old="$(pg_leader)" tl0="$(pg_timeline)"
  t0="$(now_ms)"
  staging_pg_node_kill "$old"
  new="$(wait_pg_new_leader "$old" 600)"
  promoted="$(( $(now_ms) - t0 ))"
  tl1="$(pg_timeline)"
  publish="$(pg_publish_check)"
  sleep "$CHAOS_HOLD"
  local t1
  t1="$(now_ms)"
  staging_pg_node_start "$old"
  rejoined="$(wait_pg_rejoined "$old" "$t1" 600)"
  jq -n -c --arg old "$old" --arg new "$new" --argjson ms "$promoted" --arg tl0 "$tl0" --arg tl1 "$tl1" \
    --arg rejoin "$rejoined" --argjson publish "$publish" --arg sync "$(pg_sync_standby)" \
    '{old_leader: $old, new_leader: $new, new_leader_after_ms: $ms, timeline: "\($tl0) -> \($tl1)",
      old_leader_rejoined_as_replica_ms_after_restart: $rejoin, sync_standby_after: $sync,
      publish_after_failover: $publish}'
}

# True (0) while NODE's PostgreSQL takes writes, asked from inside its own namespace (which the
# partition leaves reachable over lo).
pg_node_writable() {
  [ "$(in_node "$1" env PGPASSFILE="$(staging_pgpass ops)" "$PG_BIN/psql" -h "$(node_ip "$1")" \
    -p "$PG_PORT_STAGING" -U postgres -d postgres -X -w -Atqc \
    "SELECT NOT pg_is_in_recovery()" 2>/dev/null)" = t ]
}

fault_pg_leader_partition() {
  local old new=none t0 hold read_only=never promoted=never overlap=0 both=0 l rejoined tl0 tl1
  old="$(pg_leader)" tl0="$(pg_timeline)"
  hold=$((CHAOS_HOLD > 20 ? CHAOS_HOLD : 20))
  t0="$(now_ms)"
  chaos_node_cut "$old"
  # Every 0.2 s: is the old leader still writable, and has another member been promoted? Both at
  # once would be a split brain.
  while [ "$(( $(now_ms) - t0 ))" -lt "$((hold * 1000))" ]; do
    local writable=0
    pg_node_writable "$old" && writable=1
    [ "$writable" = 0 ] && [ "$read_only" = never ] && read_only="$(( $(now_ms) - t0 ))"
    if [ "$new" = none ]; then
      l="$(pg_leader)"
      if [ "$l" != none ] && [ "$l" != "$old" ]; then new="$l"; promoted="$(( $(now_ms) - t0 ))"; fi
    fi
    if [ "$new" != none ] && [ "$writable" = 1 ]; then both=$((both + 1)); fi
    sleep 0.2
  done
  tl1="$(pg_timeline)"
  chaos_node_heal "$old"
  local t1
  t1="$(now_ms)"
  rejoined="$(wait_pg_rejoined "$old" "$t1" 600)"
  overlap=$((both * 200))
  jq -n -c --arg old "$old" --arg new "$new" --arg ro "$read_only" --arg pr "$promoted" \
    --argjson overlap "$overlap" --argjson held "$((hold * 1000))" --arg rejoin "$rejoined" \
    --arg tl "$tl0 -> $tl1" --arg sync "$(pg_sync_standby)" \
    '{old_leader: $old, new_leader: $new, partition_ms: $held, old_leader_read_only_after_ms: $ro,
      new_leader_after_ms: $pr, split_brain_ms: $overlap, timeline: $tl,
      old_leader_rejoined_as_replica_ms_after_heal: $rejoin, sync_standby_after: $sync}'
}

fault_pg_switchover() {
  local old cand new t0 done_ms tl0 tl1 rejoined publish
  old="$(pg_leader)" cand="$(pg_sync_standby)" tl0="$(pg_timeline)"
  t0="$(now_ms)"
  patronictl_staging switchover --leader "$old" --candidate "$cand" --force >"$CHAOS_WORK/switchover.log" 2>&1 || true
  new="$(wait_pg_new_leader "$old" 300)"
  done_ms="$(( $(now_ms) - t0 ))"
  tl1="$(pg_timeline)"
  rejoined="$(wait_pg_rejoined "$old" "$t0" 600)"
  publish="$(pg_publish_check)"
  sleep "$CHAOS_HOLD"
  jq -n -c --arg old "$old" --arg cand "$cand" --arg new "$new" --argjson ms "$done_ms" \
    --arg tl "$tl0 -> $tl1" --arg rejoin "$rejoined" --argjson publish "$publish" --arg sync "$(pg_sync_standby)" \
    '{old_leader: $old, candidate: $cand, new_leader: $new, new_leader_after_ms: $ms, timeline: $tl,
      old_leader_replica_ms_after_start: $rejoin, sync_standby_after: $sync,
      publish_after_switchover: $publish}'
}

fault_pg_sync_standby_kill() {
  local leader sync new_sync=none t0 moved=never rejoined
  leader="$(pg_leader)" sync="$(pg_sync_standby)"
  t0="$(now_ms)"
  staging_pg_node_kill "$sync"
  for _ in $(seq 1 300); do
    new_sync="$(pg_sync_standby)"
    if [ "$new_sync" != none ] && [ "$new_sync" != "$sync" ]; then moved="$(( $(now_ms) - t0 ))"; break; fi
    sleep 0.1
  done
  sleep "$CHAOS_HOLD"
  local t1
  t1="$(now_ms)"
  staging_pg_node_start "$sync"
  rejoined="$(wait_pg_rejoined "$sync" "$t1" 600)"
  jq -n -c --arg leader "$leader" --arg old "$sync" --arg new "$new_sync" --arg ms "$moved" \
    --arg rejoin "$rejoined" --arg l2 "$(pg_leader)" \
    '{old_leader: $leader, new_leader: $l2, killed_sync_standby: $old, new_sync_standby: $new,
      new_sync_standby_after_ms: $ms, killed_member_rejoined_ms_after_restart: $rejoin}'
}

# Puts the cluster back after an interrupted case: no partition left, every member's Patroni up.
pg_chaos_restore() {
  local node
  [ -n "$PG_CHAOS_WRITER_PID" ] && kill "$PG_CHAOS_WRITER_PID" 2>/dev/null || true
  for node in "${STAGING_PG_NODES[@]}"; do
    chaos_node_heal "$node"
    staging_pg_node_start "$node" 2>/dev/null || true
  done
}
