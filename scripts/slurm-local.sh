#!/usr/bin/env bash
# slurm-local.sh -- a real single-node Slurm (slurmctld + slurmd + munged) on localhost.
#
#   scripts/slurm-local.sh start  [options]   wipe DIR, generate the config, start, wait until idle
#   scripts/slurm-local.sh stop   [options]   cancel jobs, shut down, stop munged, reap leftovers
#   scripts/slurm-local.sh status [options]   say what of this cluster runs
#   scripts/slurm-local.sh env    [options]   print `export SLURM_CONF=...` (use: eval "$(... env)")
#
# Options (each also settable through the environment variable shown):
#   --dir DIR            all state, config, logs, sockets  (HPCFFI_SLURM_DIR,
#                        default ${HPCFFI_BUILD_DIR:-<project>/build}/slurm-local)
#   --cpus N             CPUs to advertise; more than the machine has uses
#                        SlurmdParameters=config_overrides  (HPCFFI_SLURM_CPUS, default: slurmd -C)
#   --ctld-port P        slurmctld port  (HPCFFI_SLURMCTLD_PORT, default 6817)
#   --slurmd-port P      slurmd port     (HPCFFI_SLURMD_PORT, default 6818)
#   --timeout S          bound on every wait, seconds  (HPCFFI_SLURM_TIMEOUT, default 60)
#
# For a laptop, a CI container or a test machine: needs root, and refuses to
# start when `sbatch` already reaches a real cluster. Processes are only ever
# stopped by PID: the pid files of this cluster, or processes carrying this
# cluster's marker variable (HPCFFI_SLURM_LOCAL_DIR=DIR) in their environment.
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=slurm-local.sh

die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }
usage() { sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

action=${1:-}
[[ -n $action ]] || { usage >&2; exit 2; }
shift || true
case $action in
  start|stop|status|env) ;;
  -h|--help) usage; exit 0 ;;
  *) echo "$prog: unknown action '$action'" >&2; usage >&2; exit 2 ;;
esac

default_build=${HPCFFI_BUILD_DIR:-$project_dir/build}
dir=${HPCFFI_SLURM_DIR:-$default_build/slurm-local}
cpus=${HPCFFI_SLURM_CPUS:-}
ctld_port=${HPCFFI_SLURMCTLD_PORT:-6817}
slurmd_port=${HPCFFI_SLURMD_PORT:-6818}
timeout=${HPCFFI_SLURM_TIMEOUT:-60}
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
((ctld_port != slurmd_port)) || die "slurmctld and slurmd ports must differ (both $ctld_port)"

mkdir -p -- "$(dirname -- "$dir")" 2>/dev/null || true
dir=$(realpath -m -- "$dir")
conf=$dir/etc/slurm.conf
socket=$dir/munge/run/munge.socket
marker="HPCFFI_SLURM_LOCAL_DIR=$dir"

# ---- process helpers (PID-based only) -----------------------------------------
alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# True when process $1 carries this cluster's marker in its environment.
ours() {
  local pid=$1
  [[ -r /proc/$pid/environ ]] || return 1
  { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qxF -- "$marker"
}

# PID from a pid file, only if that process is alive and ours.
pid_from() {
  local f=$1 pid
  [[ -s $f ]] || return 1
  pid=$(tr -dc '0-9' <"$f")
  alive "$pid" && ours "$pid" && echo "$pid"
}

# Every live process of this cluster: those carrying the marker (daemons and
# slurmstepd, which slurmd re-parents to init) and all their descendants (job
# processes, whose environment is the submitter's).
our_pids() {
  local p pid marked=()
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    ours "$pid" && marked+=("$pid")
  done
  ((${#marked[@]})) || return 0
  ps -e -o pid=,ppid= | awk -v roots="${marked[*]}" -v self="$$" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do { changed = 0
           for (c in parent) if (!(c in keep) && (parent[c] in keep) && c != self) { keep[c] = 1; changed = 1 }
      } while (changed)
      for (k in keep) print k
    }'
}

# Wait until none of the given PIDs is alive; false on timeout.
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

describe_pid() { ps -o pid=,args= -p "$1" 2>/dev/null || echo "$1 (gone)"; }

# ---- checks --------------------------------------------------------------------
port_busy() {
  local port=$1
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "( sport = :$port )" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# A real cluster is one `scontrol ping` reaches without our config: the
# system slurm.conf, configless DNS SRV records, or a SLURM_CONF of the caller
# that is not ours.
real_cluster() {
  local out
  if out=$(env -u SLURM_CONF timeout 15 scontrol ping 2>/dev/null) && [[ $out == *"is UP"* ]]; then
    echo "${out%%$'\n'*}"; return 0
  fi
  if [[ -n ${SLURM_CONF:-} && $(realpath -m -- "$SLURM_CONF") != "$conf" ]]; then
    if out=$(timeout 15 scontrol ping 2>/dev/null) && [[ $out == *"is UP"* ]]; then
      echo "${out%%$'\n'*} (SLURM_CONF=$SLURM_CONF)"; return 0
    fi
  fi
  return 1
}

# Every directory from / to the munge socket's must be world-searchable.
check_socket_path() {
  local d
  ((${#socket} < 100)) || die "munge socket path too long for a Unix socket (${#socket} chars): $socket; use a shorter --dir"
  d=$(dirname -- "$socket")
  while [[ $d != / ]]; do
    if [[ -e $d ]] && [[ $(stat -c %A -- "$d") != *[xt] ]]; then
      die "directory $d is not world-executable (chmod o+x it), munged would refuse the socket ($socket)"
    fi
    d=$(dirname -- "$d")
  done
}

# ---- configuration -------------------------------------------------------------
write_config() {
  local hw real_cpus mem cpus_line overrides="" commparams=""
  hw=$(slurmd -C 2>/dev/null | head -n1) || die "slurmd -C failed"
  real_cpus=$(sed -n 's/.*\bCPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.*\bRealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  [[ -n $real_cpus && -n $mem ]] || die "cannot read CPUs/RealMemory from 'slurmd -C': $hw"
  cpus_line=${cpus:-$real_cpus}
  if ((cpus_line > real_cpus)); then
    overrides="SlurmdParameters=config_overrides   # advertise $cpus_line CPUs on $real_cpus"
  fi
  # Listening on loopback only works when the hostname resolves there.
  if getent ahostsv4 "$(hostname)" 2>/dev/null | awk '{print $1; exit}' | grep -q '^127\.'; then
    commparams="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
  fi
  cat >"$conf" <<EOF
# Generated by scripts/slurm-local.sh on $(date -Is); rewritten by every start.
ClusterName=hpcffi-local
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
${commparams}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state/ctld
SlurmdSpoolDir=$dir/state/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
ReturnToService=2
MailProg=/bin/true
MinJobAge=5
SchedulerParameters=batch_sched_delay=0
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
${overrides}
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus_line RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  # slurmd 22.05 always loads a cgroup plugin; v1's init is a no-op here.
  printf 'CgroupPlugin=cgroup/v1\n' >"$dir/etc/cgroup.conf"
  # PMIx scratch inside DIR: a killed step otherwise leaves /tmp/spmix_appdir_*.
  printf 'PMIxCliTmpDirBase=%s\n' "$dir/state/pmix" >"$dir/etc/mpi.conf"
  : >"$dir/etc/plugstack.conf"   # keeps a system plugstack.conf out
}

log_excerpt() {
  local f
  for f in "$dir"/log/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 -- "$f" >&2
  done
}

# ---- actions -------------------------------------------------------------------
do_env() {
  echo "export SLURM_CONF=$conf"
  [[ -n $(pid_from "$dir/run/slurmctld.pid" || true) ]] || echo "$prog: note: no slurmctld of $dir runs (start it first)" >&2
}

do_status() {
  local name pid any=0
  say "directory $dir"
  for name in munged slurmctld slurmd; do
    if pid=$(pid_from "$dir/run/$name.pid"); then
      echo "  $name: running, pid $pid"; any=1
    else
      echo "  $name: not running"
    fi
  done
  local others=()
  mapfile -t others < <(our_pids)
  echo "  processes of this cluster: ${#others[@]}"
  if ((any)) && [[ -f $conf ]]; then
    SLURM_CONF=$conf timeout 10 scontrol ping 2>&1 | sed 's/^/  /' || true
    SLURM_CONF=$conf timeout 10 sinfo -h -o '  node %N: %T, %c CPUs' 2>&1 || true
    SLURM_CONF=$conf timeout 10 squeue -h -o '  job %i %j %T %M' 2>&1 || true
    echo "  use: eval \"\$($0 env --dir $dir)\""
    return 0
  fi
  return 3   # LSB: not running
}

do_stop() {
  local ctld slurmd munged ids deadline pids
  ctld=$(pid_from "$dir/run/slurmctld.pid" || true)
  slurmd=$(pid_from "$dir/run/slurmd.pid" || true)
  munged=$(pid_from "$dir/run/munged.pid" || true)
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
  mapfile -t pids < <(our_pids | grep -vx "${munged:-none}" || true)
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
  mapfile -t pids < <(our_pids)
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
  if [[ -d $dir ]]; then do_stop >/dev/null; fi
  local p
  for p in "$ctld_port" "$slurmd_port"; do
    port_busy "$p" && die "port $p is in use; pick others with --ctld-port/--slurmd-port (HPCFFI_SLURMCTLD_PORT/HPCFFI_SLURMD_PORT)"
  done
  check_socket_path
  rm -rf -- "$dir"
  mkdir -p "$dir"/{etc,log,run,state/ctld,state/slurmd,state/pmix} "$dir"/munge/{etc,run,lib}
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
  env "$marker" slurmd -f "$conf" -N localhost || { log_excerpt; do_stop >/dev/null; die "slurmd did not start"; }

  local deadline=$((SECONDS + timeout)) up="" state=""
  while ((SECONDS < deadline)); do
    up=$(timeout 5 scontrol ping 2>/dev/null || true)
    state=$(timeout 5 sinfo -h -n localhost -o %T 2>/dev/null || true)
    [[ $up == *"is UP"* && $state == idle ]] && break
    sleep 0.2
  done
  if [[ $up != *"is UP"* || $state != idle ]]; then
    echo "$prog: error: cluster not ready after ${timeout}s (ping: '${up:-no answer}', node: '${state:-unknown}')" >&2
    log_excerpt
    do_stop >/dev/null 2>&1 || true
    exit 1
  fi
  say "up: $(sinfo -h -o '%N %T, %c CPUs' | head -n1), ports $ctld_port/$slurmd_port, dir $dir"
  say "use: eval \"\$($0 env --dir $dir)\""
}

case $action in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  env) do_env ;;
esac
