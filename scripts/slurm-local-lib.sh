# shellcheck shell=bash disable=SC2154  # sourced by slurm-local.sh, which sets dir, conf, nodes, ...
# slurm-local-lib.sh -- helpers of scripts/slurm-local.sh: processes, checks,
# configuration. Sourced, not run; the caller sets dir, conf, socket, marker,
# nodes, cpus, ctld_port, slurmd_port, requeue_hold, interactive_step (see
# slurm-local.sh).
# The namespaced nodes of a multi-node cluster are in slurm-local-nodes.sh.

# ---- process helpers (PID-based only): alive, ours, pid_from, marked_pids and
# wait_gone are in pid-lib.sh, which slurm-local.sh sources first.
uts_of() { readlink "/proc/$1/ns/uts" 2>/dev/null; }

# Every live process of this cluster: those carrying the marker (daemons and
# slurmstepd, which slurmd re-parents to init), all their descendants (job
# processes, whose environment is the submitter's), and every process in the
# UTS namespace of a marked process other than our own (a node of a
# multi-node cluster: whatever runs there is the node's). Namespaces are taken
# from live marked processes only, never from a record: a namespace id freed
# by a crashed node may be reused by someone else's.
our_pids() {
  local p pid ns host_ns marked=() node_ns=() in_ns=()
  host_ns=$(uts_of $$)
  for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    if ours "$pid"; then
      marked+=("$pid")
      ns=$(uts_of "$pid")
      [[ -n $ns && $ns != "$host_ns" ]] && node_ns+=("$ns")
    fi
  done
  ((${#marked[@]})) || return 0
  if ((${#node_ns[@]})); then
    for p in /proc/[0-9]*; do
      pid=${p#/proc/}
      ns=$(uts_of "$pid") || continue
      [[ " ${node_ns[*]} " == *" $ns "* ]] && in_ns+=("$pid")
    done
  fi
  ps -e -o pid=,ppid= | awk -v roots="${marked[*]} ${in_ns[*]}" -v self="$$" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { parent[$1] = $2 }
    END {
      do { changed = 0
           for (c in parent) if (!(c in keep) && (parent[c] in keep) && c != self) { keep[c] = 1; changed = 1 }
      } while (changed)
      for (k in keep) if (k in parent) print k
    }'
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
# Node names, addresses and ports. One node: `localhost` on 127.0.0.1, as
# always. N > 1: node1..nodeN on 127.0.0.2.. (the whole 127/8 is loopback),
# each slurmd on its own port (slurmd-port, +1, ...) since they all share the
# machine's network namespace.
node_names() {
  local i
  if ((nodes == 1)); then echo localhost; return; fi
  for ((i = 1; i <= nodes; i++)); do echo "node$i"; done
}
node_addr() { if [[ $1 == localhost ]]; then echo 127.0.0.1; else echo "127.0.0.$((1 + ${1#node}))"; fi; }
node_port() { if [[ $1 == localhost ]]; then echo "$slurmd_port"; else echo "$((slurmd_port + ${1#node} - 1))"; fi; }
slurmd_pidfile() { if ((nodes == 1)); then echo "$dir/run/slurmd.pid"; else echo "$dir/run/slurmd-$1.pid"; fi; }

write_config() {
  local hw real_cpus mem cpus_line overrides="" commparams="" node_lines="" n auth partition_nodes
  local spool pidfile logfile sched="batch_sched_delay=0" interactive=""
  hw=$(slurmd -C 2>/dev/null | head -n1) || die "slurmd -C failed"
  real_cpus=$(sed -n 's/.*\bCPUs=\([0-9]*\).*/\1/p' <<<"$hw")
  mem=$(sed -n 's/.*\bRealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
  [[ -n $real_cpus && -n $mem ]] || die "cannot read CPUs/RealMemory from 'slurmd -C': $hw"
  cpus_line=${cpus:-$real_cpus}
  if ((cpus_line * nodes > real_cpus)); then
    overrides="SlurmdParameters=config_overrides   # advertise $nodes x $cpus_line CPUs on $real_cpus"
  fi
  auth="socket=$socket"
  # cred_expire is also the hold on a requeued job's begin time (slurm.conf(5),
  # AuthInfo): 120 s by default, which a node-failure test would sit out.
  [[ -n $requeue_hold ]] && auth+=",cred_expire=$requeue_hold"
  if ((nodes == 1)); then
    # Listening on loopback only works when the hostname resolves there.
    if getent ahostsv4 "$(hostname)" 2>/dev/null | awk '{print $1; exit}' | grep -q '^127\.'; then
      commparams="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
    fi
    node_lines="NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus_line RealMemory=$mem State=UNKNOWN"
    partition_nodes=localhost
  else
    # No NoInAddrAny here: with it, srun inside a batch job cannot connect the
    # step's I/O across nodes ("Slurmd could not connect IO"); each slurmd has
    # a port of its own instead.
    for n in $(node_names); do
      node_lines+="NodeName=$n NodeAddr=$(node_addr "$n") Port=$(node_port "$n") CPUs=$cpus_line RealMemory=$((mem / nodes)) State=UNKNOWN"$'\n'
    done
    partition_nodes="node[1-$nodes]"
  fi
  if ((interactive_step)); then
    # salloc's shell runs as a step on the first allocated node, as at centres
    # that offer salloc shells. Without it the shell stays on this machine and
    # `srun --pty bash` holds every CPU of the allocation, so the sruns typed
    # in it wait silently. Never add --mpi=none here: the step's shell would
    # carry SLURM_MPI_TYPE=none into every srun and sbatch, and MPI dies ("OMPI
    # was not built with SLURM's PMI support"). $SHELL is the caller's.
    interactive="LaunchParameters=use_interactive_step"$'\n'
    # shellcheck disable=SC2016  # $SHELL is for Slurm to expand, not us
    interactive+='InteractiveStepOptions="--interactive --preserve-env --pty $SHELL"'
  fi
  local per_node=""
  if ((nodes > 1)); then
    # %n: the node name, so each slurmd has its own spool, pid file and log.
    # SlurmdTimeout: a dead node is marked down in about 25 s, not minutes.
    # KillWait: after a node failure the ranks left alive block in MPI and
    # sit out SIGTERM; SIGKILL follows 5 s later instead of 30.
    # sched_interval: a requeued job becomes eligible with no event to wake
    # the scheduler; its periodic pass comes every 2 s instead of 60.
    per_node="SlurmdTimeout=10"$'\n'"KillWait=5"
    sched+=",sched_interval=2"
    spool=$dir/state/slurmd-%n; pidfile=$dir/run/slurmd-%n.pid; logfile=$dir/log/slurmd-%n.log
  else
    spool=$dir/state/slurmd; pidfile=$dir/run/slurmd.pid; logfile=$dir/log/slurmd.log
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
AuthInfo=$auth
StateSaveLocation=$dir/state/ctld
SlurmdSpoolDir=$spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$pidfile
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$logfile
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=pmix
ReturnToService=2
MailProg=/bin/true
MinJobAge=5
SchedulerParameters=$sched
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
# A job that can never fit (more CPUs, nodes or memory than the partition has)
# is rejected at submit: "More processors requested than permitted". Without
# it Slurm accepts it and it pends forever (reason PartitionConfig), and
# sbatch --wait, a test or a user waits for nothing.
EnforcePartLimits=ALL
${interactive}
${per_node}
${overrides}
${node_lines%$'\n'}
PartitionName=debug Nodes=$partition_nodes Default=YES MaxTime=INFINITE State=UP
EOF
  # slurmd 22.05 always loads a cgroup plugin; v1's init is a no-op here.
  printf 'CgroupPlugin=cgroup/v1\n' >"$dir/etc/cgroup.conf"
  # PMIx scratch inside DIR: a killed step otherwise leaves /tmp/spmix_appdir_*.
  # (Each node of a multi-node cluster mounts a folder of its own here.)
  printf 'PMIxCliTmpDirBase=%s\n' "$dir/state/pmix" >"$dir/etc/mpi.conf"
  : >"$dir/etc/plugstack.conf"   # keeps a system plugstack.conf out
  node_names >"$dir/etc/nodes"    # stop, status and crash-node read it
}

log_excerpt() {
  local f
  for f in "$dir"/log/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd*.log; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 -- "$f" >&2
  done
}
