# shellcheck shell=bash
# CPU time of process groups over a benchmark run, for `scripts/bench`: where each request's CPU
# goes (NGINX, hosts, Redis, PostgreSQL, the client). Read from /proc, so it costs nothing.

# cpu_ticks PIDFILE...: CPU clock ticks used so far by the processes named in these pid files (or
# PostgreSQL's postmaster.pid) and by their child processes (NGINX workers, PostgreSQL backends),
# exited children included (common.sh pids_cpu_ticks). Threads are in their process's figure.
cpu_ticks() {
  local file pid pids=()
  for file in "$@"; do
    [ -r "$file" ] || continue
    pid="$(head -n 1 "$file")"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    # shellcheck disable=SC2207 # one pid per line
    pids+=("$pid" $(pgrep -P "$pid" 2>/dev/null || true))
  done
  pids_cpu_ticks "${pids[@]}"
}

# machine_ticks: busy clock ticks of the whole machine (every core, every process, ours or not).
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }

# children_ticks: user + system ticks of this shell's finished children (wrk, once it has exited).
# `times` must run in the benchmark's own shell, not in a $(...) subshell, whose children are
# others: it writes to a file that awk then reads.
CPU_TIMES_FILE="$(mktemp /tmp/atelier-bench-times.XXXXXX)"
children_ticks() {
  times >"$CPU_TIMES_FILE"
  CHILDREN_TICKS="$(tail -n 1 "$CPU_TIMES_FILE" | awk -v hz="$(getconf CLK_TCK)" '{
    split($1, u, /[ms]/); split($2, s, /[ms]/);
    printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz }')"
}

# Measuring one run: set CPU_GROUPS (an associative array: group name -> pid files, space
# separated), call cpu_begin, run the load, then cpu_end RESULT_JSON OUT_JSON, which writes
#   {"us_per_request": {"<group>": µs, ..., "wrk": µs, "machine": µs}, "cores_busy": n}
# from the run's request count. "machine" is every process on the machine, including any that are
# not part of the benchmark: when it is well above the sum of the groups, the run was shared.
declare -gA CPU_GROUPS=() CPU_START=()
cpu_begin() {
  local group
  CPU_START=()
  for group in "${!CPU_GROUPS[@]}"; do
    # shellcheck disable=SC2086 # a list of pid files
    CPU_START[$group]="$(cpu_ticks ${CPU_GROUPS[$group]})"
  done
  children_ticks
  CPU_START[wrk]="$CHILDREN_TICKS"
  CPU_START[machine]="$(machine_ticks)"
  CPU_START[at]="$(date +%s.%N)"
}

cpu_end() {
  local result="$1" out="$2" group now ticks args=()
  now="$(date +%s.%N)"
  for group in "${!CPU_GROUPS[@]}"; do
    # shellcheck disable=SC2086
    ticks="$(cpu_ticks ${CPU_GROUPS[$group]})"
    args+=("$group" "$((ticks - CPU_START[$group]))")
  done
  children_ticks
  args+=(wrk "$((CHILDREN_TICKS - CPU_START[wrk]))")
  args+=(machine "$(($(machine_ticks) - CPU_START[machine]))")
  jq -n --argjson requests "$(jq '.requests' "$result")" --argjson hz "$(getconf CLK_TCK)" \
    --argjson seconds "$(awk -v a="${CPU_START[at]}" -v b="$now" 'BEGIN {print b - a}')" \
    --args '[$ARGS.positional | _nwise(2) | {key: .[0], value: (.[1] | tonumber)}] | from_entries |
      {us_per_request: (with_entries(.value = (if $requests > 0
                          then (.value / $hz * 1e6 / $requests * 10 | round / 10) else null end))),
       cores_busy: (.machine / $hz / $seconds * 100 | round / 100)}' "${args[@]}" >"$out"
}
