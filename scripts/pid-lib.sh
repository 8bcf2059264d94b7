# shellcheck shell=bash disable=SC2154  # sourced; the caller sets `marker`
# pid-lib.sh -- the PID-based process helpers of the project's daemon scripts
# (scripts/slurm-local.sh, scripts/jupyterhub-local.sh). Sourced, not run. The
# caller sets `marker`, a NAME=value line that every process it starts carries
# in its environment: processes are recognised by that marker and ended by PID,
# never by name, so nothing that someone else started is ever touched.

# True while process $1 runs. A zombie has exited: it only waits for its parent
# to read its status, so it counts as gone.
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null && [[ $(ps -o stat= -p "$1" 2>/dev/null) != Z* ]]; }

# True when process $1 carries the caller's marker in its environment.
ours() {
  [[ -r /proc/$1/environ ]] || return 1
  { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | grep -qxF -- "$marker"
}

# The PID in pid file $1, only if that process is alive and ours.
pid_from() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(tr -dc '0-9' <"$1")
  alive "$pid" && ours "$pid" && echo "$pid"
}

# Every live process carrying the marker, one PID a line (this shell excluded).
marked_pids() {
  local p pid
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    ours "$pid" && echo "$pid"
  done
  return 0
}

# wait_gone SECONDS PID...: wait until none of the PIDs is alive; false on timeout.
wait_gone() {
  local deadline=$((SECONDS + $1)) pid left
  shift
  while :; do
    left=0
    for pid in "$@"; do alive "$pid" && left=1; done
    ((left)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}
