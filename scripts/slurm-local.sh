#!/usr/bin/env bash
# slurm-local.sh -- a real Slurm (slurmctld + slurmd + munged) on this machine:
# one node `localhost`, or N "hosts" node1..nodeN, each a slurmd in UTS and
# mount namespaces of its own on 127.0.0.(1+i) (see slurm-local-nodes.sh).
#
#   scripts/slurm-local.sh start  [options]    wipe DIR, generate the config, start, wait until idle
#   scripts/slurm-local.sh stop   [options]    cancel jobs, shut down, stop munged, reap leftovers
#   scripts/slurm-local.sh status [options]    say what of this cluster runs, node by node
#   scripts/slurm-local.sh env    [options]    print `export SLURM_CONF=...` (use: eval "$(... env)")
#   scripts/slurm-local.sh crash-node NAME     SIGKILL every process of node NAME's namespace at once
#   scripts/slurm-local.sh start-node NAME     start a crashed node's slurmd again
#
# Options (each also settable through the environment variable shown):
#   --dir DIR            all state, config, logs, sockets  (HPCFFI_SLURM_DIR,
#                        default ${HPCFFI_BUILD_DIR:-<project>/build}/slurm-local)
#   --nodes N            start: hosts; 1 (default) is `localhost` in the machine's own namespaces
#                        (HPCFFI_SLURM_NODES); other actions read it from DIR
#   --cpus N             CPUs to advertise per node; more than the machine has uses
#                        SlurmdParameters=config_overrides  (HPCFFI_SLURM_CPUS, default: slurmd -C)
#   --ctld-port P        slurmctld port  (HPCFFI_SLURMCTLD_PORT, default 6817)
#   --slurmd-port P      slurmd port; node i of N > 1 uses P + i - 1  (HPCFFI_SLURMD_PORT, default 6818)
#   --requeue-hold S     seconds a requeued job waits before it may start again; sets
#                        AuthInfo cred_expire, the job credential lifetime
#                        (HPCFFI_SLURM_REQUEUE_HOLD, default: Slurm's 120)
#   --timeout S          bound on every wait, seconds  (HPCFFI_SLURM_TIMEOUT, default 60)
#   --interactive-step, --no-interactive-step
#                        start: whether `salloc` opens its shell on the first allocated
#                        node (LaunchParameters=use_interactive_step, as centres that
#                        offer salloc shells configure it) or, with --no-, on the
#                        submitting machine, Slurm's own default (a site without it: use
#                        `srun --overlap` there)  (HPCFFI_SLURM_INTERACTIVE_STEP=1|0, default 1)
#
# Every start also writes EnforcePartLimits=ALL: a job that can never fit the
# cluster is rejected at submit ("More processors requested than permitted")
# instead of pending forever with reason PartitionConfig.
#
# For a laptop, a CI container or a test machine: needs root, and refuses to
# start when `sbatch` already reaches a real cluster. Processes are only ever
# stopped by PID: the pid files of this cluster, processes carrying this
# cluster's marker variable (HPCFFI_SLURM_LOCAL_DIR=DIR) in their environment,
# their descendants, and the processes of its nodes' namespaces.
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=slurm-local.sh

die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }
usage() { sed -n '2,41p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

action=${1:-}
[[ -n $action ]] || { usage >&2; exit 2; }
shift || true
case $action in
  start|stop|status|env) ;;
  crash-node|start-node)
    node_arg=${1:-}
    [[ -n $node_arg && $node_arg != -* ]] || { echo "$prog: $action needs a node name" >&2; exit 2; }
    shift ;;
  -h|--help) usage; exit 0 ;;
  *) echo "$prog: unknown action '$action'" >&2; usage >&2; exit 2 ;;
esac

default_build=${HPCFFI_BUILD_DIR:-$project_dir/build}
dir=${HPCFFI_SLURM_DIR:-$default_build/slurm-local}
cpus=${HPCFFI_SLURM_CPUS:-}
ctld_port=${HPCFFI_SLURMCTLD_PORT:-6817}
slurmd_port=${HPCFFI_SLURMD_PORT:-6818}
timeout=${HPCFFI_SLURM_TIMEOUT:-60}
nodes=${HPCFFI_SLURM_NODES:-}
requeue_hold=${HPCFFI_SLURM_REQUEUE_HOLD:-}
interactive_step=${HPCFFI_SLURM_INTERACTIVE_STEP:-1}
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    --dir=*) dir=${1#*=}; shift ;;
    --cpus) cpus=${2:?--cpus needs a value}; shift 2 ;;
    --cpus=*) cpus=${1#*=}; shift ;;
    --ctld-port) ctld_port=${2:?--ctld-port needs a value}; shift 2 ;;
    --ctld-port=*) ctld_port=${1#*=}; shift ;;
    --slurmd-port) slurmd_port=${2:?--slurmd-port needs a value}; shift 2 ;;
    --slurmd-port=*) slurmd_port=${1#*=}; shift ;;
    --nodes) nodes=${2:?--nodes needs a value}; shift 2 ;;
    --nodes=*) nodes=${1#*=}; shift ;;
    --requeue-hold) requeue_hold=${2:?--requeue-hold needs a value}; shift 2 ;;
    --requeue-hold=*) requeue_hold=${1#*=}; shift ;;
    --interactive-step) interactive_step=1; shift ;;
    --no-interactive-step) interactive_step=0; shift ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --timeout=*) timeout=${1#*=}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
for v in ctld_port slurmd_port timeout; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done
[[ -z $cpus || $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus must be a positive number, got '$cpus'"
[[ -z $nodes || $nodes =~ ^[1-9][0-9]*$ ]] || die "--nodes must be a positive number, got '$nodes'"
((${nodes:-1} <= 200)) || die "--nodes: at most 200 (addresses 127.0.0.2..201), got $nodes"
[[ -z $requeue_hold || $requeue_hold =~ ^[1-9][0-9]*$ ]] || die "--requeue-hold must be a positive number of seconds, got '$requeue_hold'"
[[ $interactive_step == [01] ]] || die "HPCFFI_SLURM_INTERACTIVE_STEP must be 1 or 0, got '$interactive_step'"
((ctld_port != slurmd_port)) || die "slurmctld and slurmd ports must differ (both $ctld_port)"

mkdir -p -- "$(dirname -- "$dir")" 2>/dev/null || true
dir=$(realpath -m -- "$dir")
conf=$dir/etc/slurm.conf
socket=$dir/munge/run/munge.socket
marker="HPCFFI_SLURM_LOCAL_DIR=$dir"

# Nodes: given to start; every other action reads them from DIR.
if [[ $action != start ]]; then
  if [[ -s $dir/etc/nodes ]]; then
    nodes=$(wc -l <"$dir/etc/nodes")
  fi
  if [[ -s $conf ]]; then   # the ports this cluster was started with
    ctld_port=$(sed -n 's/^SlurmctldPort=//p' "$conf")
    slurmd_port=$(sed -n 's/^SlurmdPort=//p' "$conf")
  fi
fi
nodes=${nodes:-1}

lib_dir=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=pid-lib.sh
source "$lib_dir/pid-lib.sh"
# shellcheck source=slurm-local-lib.sh
source "$lib_dir/slurm-local-lib.sh"
# shellcheck source=slurm-local-nodes.sh
source "$lib_dir/slurm-local-nodes.sh"

# ---- actions -------------------------------------------------------------------
do_env() {
  echo "export SLURM_CONF=$conf"
  [[ -n $(pid_from "$dir/run/slurmctld.pid" || true) ]] || echo "$prog: note: no slurmctld of $dir runs (start it first)" >&2
}

do_status() {
  local name pid any=0 n
  say "directory $dir ($nodes node$( ((nodes > 1)) && echo s))"
  for name in munged slurmctld; do
    if pid=$(pid_from "$dir/run/$name.pid"); then
      echo "  $name: running, pid $pid"; any=1
    else
      echo "  $name: not running"
    fi
  done
  if ((nodes == 1)); then
    if pid=$(pid_from "$dir/run/slurmd.pid"); then
      echo "  slurmd: running, pid $pid"; any=1
    else
      echo "  slurmd: not running"
    fi
  else
    node_status
  fi
  local others=()
  mapfile -t others < <(our_pids)
  echo "  processes of this cluster: ${#others[@]}"
  if ((any)) && [[ -f $conf ]]; then
    SLURM_CONF=$conf timeout 10 scontrol ping 2>&1 | sed 's/^/  /' || true
    SLURM_CONF=$conf timeout 10 sinfo -h -N -o '  node %N: %T, %c CPUs' 2>&1 || true
    SLURM_CONF=$conf timeout 10 squeue -h -o '  job %i %j %T %M %R' 2>&1 || true
    echo "  use: eval \"\$($0 env --dir $dir)\""
    return 0
  fi
  return 3   # LSB: not running
}

do_stop() {
  local ctld slurmd="" munged ids deadline pids n
  ctld=$(pid_from "$dir/run/slurmctld.pid" || true)
  for n in $(node_names); do
    slurmd+=" $(pid_from "$(slurmd_pidfile "$n")" || true)"
  done
  slurmd=$(xargs <<<"$slurmd")   # trim
  munged=$(pid_from "$dir/run/munged.pid" || true)
  # The nodes' namespaces, while their slurmds still live to name them: a job's
  # process that left its step (setsid, nohup &) is no descendant of anything
  # of ours and carries no marker, but still runs in its node's namespace.
  local nss="" ns
  for n in $(node_names); do
    [[ $n == localhost ]] && continue
    ns=$(node_ns "$n" || true)
    [[ -n $ns ]] && nss+=" $ns"
  done
  if [[ -n $ctld && -f $conf ]]; then
    export SLURM_CONF=$conf
    ids=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [[ -n ${ids// /} ]]; then
      say "cancelling jobs: $ids"
      # shellcheck disable=SC2086  # a list of job ids
      timeout 10 scancel $ids 2>/dev/null || true
      deadline=$((SECONDS + timeout))
      while [[ -n $(timeout 10 squeue -h -o %A 2>/dev/null || true) ]] && ((SECONDS < deadline)); do
        sleep 0.5
      done
    fi
    timeout 10 scontrol shutdown >/dev/null 2>&1 || true
  fi
  # Daemons exit on shutdown; anything still alive gets TERM, then KILL, by PID.
  local p
  for p in $ctld $slurmd; do
    wait_gone 20 "$p" || { say "pid $p did not exit after shutdown: TERM"; kill -TERM "$p" 2>/dev/null || true; }
  done
  mapfile -t pids < <({ our_pids; for ns in $nss; do pids_in_ns "$ns"; done; } | sort -u | grep -vx "${munged:-none}" || true)
  if ((${#pids[@]})); then
    say "stopping leftover processes of this cluster:"
    for p in "${pids[@]}"; do describe_pid "$p" | sed 's/^/  /'; done
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait_gone 10 "${pids[@]}" || kill -KILL "${pids[@]}" 2>/dev/null || true
  fi
  if [[ -n $munged ]]; then
    munged -S "$socket" --stop >/dev/null 2>&1 || kill -TERM "$munged" 2>/dev/null || true
    wait_gone 10 "$munged" || kill -KILL "$munged" 2>/dev/null || true
  fi
  rm -f -- "$socket" "$socket.lock"
  mapfile -t pids < <({ our_pids; for ns in $nss; do pids_in_ns "$ns"; done; } | sort -u)
  if ((${#pids[@]})); then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_gone 5 "${pids[@]}" || die "processes of this cluster survive SIGKILL: ${pids[*]}"
  fi
  if [[ -n $ctld$slurmd$munged ]]; then
    say "stopped (state and logs kept in $dir)"
  else
    say "not running (nothing to stop in $dir)"
  fi
}

# Stop with the node count the previous cluster in DIR was started with
# (bash's dynamic scope: do_stop sees this local, the caller keeps its own).
stop_previous() {
  local nodes=$nodes
  [[ -s $dir/etc/nodes ]] && nodes=$(wc -l <"$dir/etc/nodes")
  do_stop
}

do_start() {
  local reach
  [[ $(id -u) -eq 0 ]] || die "must run as root to start slurmctld/slurmd/munged (this is a throw-away test cluster); on a real cluster just use sbatch"
  for b in slurmctld slurmd munged mungekey scontrol sinfo squeue; do
    command -v "$b" >/dev/null || die "'$b' not found: run scripts/bootstrap.sh (Debian: slurmctld slurmd slurm-client munge)"
  done
  if reach=$(real_cluster); then
    die "sbatch already reaches a Slurm cluster ($reach): refusing to start local daemons; submit to that cluster instead"
  fi
  # A previous cluster in the same directory is stopped and wiped.
  if [[ -d $dir ]]; then stop_previous >/dev/null; fi
  local p
  local ports=("$ctld_port") n
  for n in $(node_names); do ports+=("$(node_port "$n")"); done
  for p in "${ports[@]}"; do
    port_busy "$p" && die "port $p is in use; pick others with --ctld-port/--slurmd-port (HPCFFI_SLURMCTLD_PORT/HPCFFI_SLURMD_PORT)"
  done
  if ((nodes > 1)); then
    ((ctld_port < slurmd_port || ctld_port >= slurmd_port + nodes)) \
      || die "slurmctld port $ctld_port is among the slurmd ports $slurmd_port..$((slurmd_port + nodes - 1))"
    command -v unshare >/dev/null || die "'unshare' not found (util-linux): needed for --nodes > 1"
  fi
  check_socket_path
  rm -rf -- "$dir"
  mkdir -p "$dir"/{etc,log,run,state/ctld,state/slurmd,state/pmix,scratch} "$dir"/munge/{etc,run,lib}
  chmod 755 "$dir" "$dir/munge" "$dir/munge/run"
  chmod 700 "$dir/munge/etc" "$dir/munge/lib"
  write_config
  export SLURM_CONF=$conf

  mungekey -c -f -k "$dir/munge/etc/munge.key" >/dev/null 2>&1 || die "mungekey failed"
  chmod 400 "$dir/munge/etc/munge.key"
  env "$marker" munged --key-file="$dir/munge/etc/munge.key" --socket="$socket" \
         --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
         --seed-file="$dir/munge/lib/munge.seed" \
    || { log_excerpt; die "munged did not start"; }
  munge -S "$socket" -n </dev/null | unmunge -S "$socket" >/dev/null \
    || { log_excerpt; do_stop >/dev/null; die "munge round trip failed on $socket"; }

  env "$marker" slurmctld -f "$conf" || { log_excerpt; do_stop >/dev/null; die "slurmctld did not start"; }
  if ((nodes == 1)); then
    env "$marker" slurmd -f "$conf" -N localhost || { log_excerpt; do_stop >/dev/null; die "slurmd did not start"; }
  else
    write_hosts
    for n in $(node_names); do
      start_node "$n" || { log_excerpt; do_stop >/dev/null; die "slurmd of $n did not start"; }
    done
  fi

  # Ready: the controller answers and every node is idle.
  local deadline=$((SECONDS + timeout)) up="" state="" want
  want=$(for n in $(node_names); do echo idle; done)
  while ((SECONDS < deadline)); do
    up=$(timeout 5 scontrol ping 2>/dev/null || true)
    state=$(timeout 5 sinfo -h -N -o %T 2>/dev/null || true)
    [[ $up == *"is UP"* && $state == "$want" ]] && break
    sleep 0.2
  done
  if [[ $up != *"is UP"* || $state != "$want" ]]; then
    echo "$prog: error: cluster not ready after ${timeout}s (ping: '${up:-no answer}', nodes: '$(xargs <<<"${state:-unknown}")')" >&2
    log_excerpt
    do_stop >/dev/null 2>&1 || true
    exit 1
  fi
  if ((nodes == 1)); then
    say "up: $(sinfo -h -o '%N %T, %c CPUs' | head -n1), ports $ctld_port/$slurmd_port, dir $dir"
  else
    say "up: $nodes nodes $(sinfo -h -o '%N %T, %c CPUs per node' | head -n1), slurmctld port $ctld_port," \
        "slurmd ports $slurmd_port..$((slurmd_port + nodes - 1)), dir $dir${requeue_hold:+, requeue hold ${requeue_hold}s}"
  fi
  say "use: eval \"\$($0 env --dir $dir)\""
}

case $action in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) do_env ;;
  crash-node) crash_node "$node_arg" ;;
  start-node) revive_node "$node_arg" ;;
esac
