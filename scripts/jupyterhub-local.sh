#!/usr/bin/env bash
# jupyterhub-local.sh -- a JupyterHub on 127.0.0.1 whose users' servers are Slurm jobs.
#
#   scripts/jupyterhub-local.sh start  [options]   wipe DIR, write the config there, start hub + proxy, wait until up
#   scripts/jupyterhub-local.sh stop   [options]   stop hub and proxy by PID, cancel this hub's jobs, reap strays
#   scripts/jupyterhub-local.sh status [options]   say what of this hub runs (exit 3 when nothing)
#
# JupyterHub 4.1 + batchspawner's SlurmSpawner + the pure-Python configurable-http-proxy,
# from the venv scripts/bootstrap.sh makes (.venv-jupyter). Each user's JupyterLab runs as a
# Slurm job, as that OS user, on whatever cluster sbatch reaches (SLURM_CONF: e.g. the one of
# scripts/slurm-local.sh). The job runs the "server environment" first (default `module load
# hpcffi`), so the hpcffi kernel is there. Config: scripts/jupyterhub-local-config.py.
# For a loopback test machine: everything listens on 127.0.0.1 and users log in with one
# shared password (DummyAuthenticator); a site's hub differs (docs/jupyterhub.md).
#
# Options (each also settable through the environment variable shown):
#   --dir DIR          config, database, logs, pids, users' folders  (HPCFFI_HUB_DIR,
#                      default ${HPCFFI_BUILD_DIR:-<project>/build}/jupyterhub-local)
#   --port P           the hub's address http://127.0.0.1:P; P+1 is the proxy's API, P+2 the
#                      hub's internal port  (HPCFFI_HUB_PORT, default 8000)
#   --users U1,U2      OS users who may log in  (HPCFFI_HUB_USERS, default: the caller)
#   --password-file F  the shared password (first line); default: a random one written to
#                      DIR/password, mode 600  (HPCFFI_HUB_PASSWORD_FILE)
#   --server-env FILE  bash run in the job before the server  (HPCFFI_HUB_SERVER_ENV,
#                      default: the line `module load hpcffi`)
#   --partition P      Slurm partition of the servers' jobs  (HPCFFI_SLURM_PARTITION)
#   --time T           their time limit  (HPCFFI_HUB_TIME, default 01:00:00)
#   --job-options O    further #SBATCH options  (HPCFFI_HUB_JOB_OPTIONS, default --ntasks=2:
#                      the server takes one CPU, `srun -n 2` from the notebook both)
#   --exechost H       address the hub reaches a server's node by, instead of its name (a
#                      multi-host scripts/slurm-local.sh cluster: 127.0.0.1)  (HPCFFI_HUB_EXECHOST)
#   --venv V           the web side's venv  (HPCFFI_JUPYTER_VENV, default <project>/.venv-jupyter)
#   --timeout S        bound on every wait, seconds; also the spawner's start timeout
#                      (HPCFFI_HUB_TIMEOUT, default 120)
#
# Exit codes: 0 done; 1 failed (the message says what, with the hub log's tail);
# 2 bad usage; 3 status: not running. Processes are only ever stopped by PID: the
# recorded hub and proxy pids and processes carrying this hub's marker variable
# (HPCFFI_HUB_LOCAL_DIR=DIR) in their environment, which the servers' jobs inherit.
set -euo pipefail

project_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prog=jupyterhub-local.sh

die() { echo "$prog: error: $*" >&2; exit 1; }
say() { echo "$prog: $*"; }
usage() { sed -n '2,40p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

action=${1:-}
case $action in
  start|stop|status) shift ;;
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 2 ;;
  *) echo "$prog: unknown action '$action'" >&2; usage >&2; exit 2 ;;
esac

dir=${HPCFFI_HUB_DIR:-${HPCFFI_BUILD_DIR:-$project_dir/build}/jupyterhub-local}
port=${HPCFFI_HUB_PORT:-8000}
users=${HPCFFI_HUB_USERS:-$(id -un)}
password_file=${HPCFFI_HUB_PASSWORD_FILE:-}
server_env_file=${HPCFFI_HUB_SERVER_ENV:-}
partition=${HPCFFI_SLURM_PARTITION:-}
runtime=${HPCFFI_HUB_TIME:-01:00:00}
job_options=${HPCFFI_HUB_JOB_OPTIONS:---ntasks=2}
exechost=${HPCFFI_HUB_EXECHOST:-}
venv=${HPCFFI_JUPYTER_VENV:-$project_dir/.venv-jupyter}
timeout=${HPCFFI_HUB_TIMEOUT:-120}
while (($#)); do
  case $1 in
    --dir|--port|--users|--password-file|--server-env|--partition|--time|--job-options|--exechost|--venv|--timeout)
      (($# >= 2)) || { echo "$prog: $1 needs a value" >&2; exit 2; }
      case $1 in
        --dir) dir=$2 ;; --port) port=$2 ;; --users) users=$2 ;; --password-file) password_file=$2 ;;
        --server-env) server_env_file=$2 ;; --partition) partition=$2 ;; --time) runtime=$2 ;;
        --job-options) job_options=$2 ;; --exechost) exechost=$2 ;; --venv) venv=$2 ;; --timeout) timeout=$2 ;;
      esac
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$prog: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ $port =~ ^[0-9]+$ ]] && ((port >= 1024 && port <= 65533)) || { echo "$prog: --port must be 1024..65533, got '$port'" >&2; exit 2; }
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "$prog: --timeout must be a positive number, got '$timeout'" >&2; exit 2; }
[[ $users =~ ^[a-z_][a-z0-9_-]*(,[a-z_][a-z0-9_-]*)*$ ]] || { echo "$prog: --users: comma-separated user names, got '$users'" >&2; exit 2; }

mkdir -p -- "$(dirname -- "$dir")" 2>/dev/null || true
dir=$(realpath -m -- "$dir")
# stop/status: the port this hub was started with (its job name depends on it).
if [[ $action != start && -r $dir/settings.json ]]; then
  port=$(sed -n 's/^ *"port": \([0-9]*\).*/\1/p' "$dir/settings.json")
fi
marker="HPCFFI_HUB_LOCAL_DIR=$dir"
job_name="jupyterhub-local-$port"

# ---- processes -------------------------------------------------------------------
# alive, ours, pid_from, marked_pids, wait_gone (by PID and the marker above)
# shellcheck source=pid-lib.sh
source "$project_dir/scripts/pid-lib.sh"
stop_pids() {  # SECONDS PID...: TERM, wait, then KILL
  local wait_s=$1 pid
  shift
  (($#)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  wait_gone "$wait_s" "$@" && return 0
  for pid in "$@"; do alive "$pid" && { say "pid $pid ignored SIGTERM: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }; done
  wait_gone 5 "$@"
}
our_jobs() {  # this hub's jobs, all users: "id user state node"
  squeue -h --name="$job_name" -o '%i %u %T %N' 2>/dev/null || true
}
log_tail() { [[ -f $dir/log/hub.log ]] && { echo "--- last lines of $dir/log/hub.log:"; tail -n 25 "$dir/log/hub.log"; } >&2 || true; }

# ---- actions ---------------------------------------------------------------------
do_status() {
  local hub proxy others jobs
  say "directory $dir, http://127.0.0.1:$port"
  hub=$(pid_from "$dir/run/hub.pid" || true)
  proxy=$(pid_from "$dir/run/proxy.pid" || true)
  echo "  hub: ${hub:+running, pid $hub}$([[ -n $hub ]] || echo "not running")"
  echo "  proxy: ${proxy:+running, pid $proxy}$([[ -n $proxy ]] || echo "not running")"
  others=$(marked_pids | wc -l)
  echo "  processes of this hub: $others"
  jobs=$(our_jobs)
  echo "  servers' jobs ($job_name): ${jobs:-none}"
  [[ -n $hub$proxy$jobs ]] || ((others > 0)) || return 3
}

do_stop() {
  local hub proxy jobs left=() job_ids
  hub=$(pid_from "$dir/run/hub.pid" || true)
  proxy=$(pid_from "$dir/run/proxy.pid" || true)
  # The hub stops its users' servers (scancel as each user) and its proxy when it ends.
  if [[ -n $hub ]]; then
    say "stopping hub (pid $hub)"
    stop_pids "$timeout" "$hub" || die "hub pid $hub did not end"
  fi
  alive "$proxy" && { say "stopping proxy (pid $proxy)"; stop_pids 10 "$proxy" || die "proxy pid $proxy did not end"; }
  # Jobs the hub did not cancel (it was killed, or had lost track): by this hub's job name.
  job_ids=$(our_jobs | cut -d' ' -f1)
  if [[ -n $job_ids ]]; then
    say "cancelling leftover server jobs: $(echo $job_ids)"
    # shellcheck disable=SC2086
    scancel $job_ids || true
  fi
  local deadline=$((SECONDS + timeout))
  while jobs=$(our_jobs) && [[ -n $jobs ]]; do
    ((SECONDS < deadline)) || die "jobs of this hub still in squeue after ${timeout}s: $jobs"
    sleep 0.5
  done
  mapfile -t left < <(marked_pids)
  if ((${#left[@]})); then
    say "stopping leftover processes of this hub: ${left[*]}"
    stop_pids 10 "${left[@]}" || true
    mapfile -t left < <(marked_pids)
    ((${#left[@]} == 0)) || die "processes of this hub remain: $(ps -o pid=,args= -p "$(IFS=,; echo "${left[*]}")")"
  fi
  rm -f -- "$dir/run/hub.pid" "$dir/run/proxy.pid"
  say "stopped (no hub, proxy, server process or job of $dir left)"
}

do_start() {
  local hub user pw lmod_init server_env code=""
  [[ -x $venv/bin/jupyterhub && -x $venv/bin/configurable-http-proxy && -x $venv/bin/batchspawner-singleuser ]] ||
    die "no JupyterHub venv at $venv (jupyterhub, configurable-http-proxy, batchspawner): run scripts/bootstrap.sh"
  command -v sbatch >/dev/null || die "sbatch not found: the servers are Slurm jobs (run scripts/bootstrap.sh)"
  timeout 20 scontrol ping 2>/dev/null | grep -q "is UP" ||
    die "no Slurm controller answers (SLURM_CONF=${SLURM_CONF:-unset}); e.g. start one: scripts/slurm-local.sh start, then eval \"\$(scripts/slurm-local.sh env)\""
  hub=$(pid_from "$dir/run/hub.pid" || true)
  [[ -z $hub ]] || die "a hub of $dir already runs (pid $hub); stop it first"
  for p in "$port" $((port + 1)) $((port + 2)); do
    ! ss -Hltn "sport = :$p" | grep -q . || die "port $p is in use: $(ss -Hltnp "sport = :$p" | head -1)"
  done
  for user in ${users//,/ }; do
    id -u "$user" >/dev/null 2>&1 || die "user '$user' is not an OS user (the servers run as the user)"
    if [[ $(id -u) -ne 0 && $user != "$(id -un)" ]]; then
      die "not root: this hub can only serve its own user $(id -un), not '$user'"
    fi
  done
  if [[ -n $server_env_file ]]; then
    [[ -r $server_env_file ]] || die "--server-env: cannot read '$server_env_file'"
    server_env=$(<"$server_env_file")
  else
    server_env="module load hpcffi"
  fi
  lmod_init=${LMOD_PKG:-/usr/share/lmod/lmod}/init/bash

  # start wipes DIR: only a former hub's folder (its config is there) or an empty one.
  if [[ -d $dir && -n $(ls -A -- "$dir") && ! -f $dir/jupyterhub_config.py ]]; then
    die "--dir $dir is not empty and not a former hub's state folder: refusing to wipe it"
  fi
  rm -rf -- "$dir"
  mkdir -p -- "$dir"/{run,log,hub,users,jupyter-config/labconfig}
  chmod 755 "$dir" "$dir/users"          # the users' jobs reach their folders below it
  chmod 700 "$dir/hub" "$dir/run" "$dir/log"
  if [[ -n $password_file ]]; then
    [[ -r $password_file ]] || die "--password-file: cannot read '$password_file'"
    pw=$(head -n 1 "$password_file")
    [[ -n $pw ]] || die "--password-file: '$password_file' is empty"
  else
    pw=$("$venv/bin/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
    (umask 077; echo "$pw" >"$dir/password")
  fi
  # JupyterLab opens the lesson's .py files (jupytext py:percent) as notebooks, and does not
  # ask to fetch news from the internet.
  cat >"$dir/jupyter-config/labconfig/default_setting_overrides.json" <<'EOF'
{"@jupyterlab/docmanager-extension:plugin": {"defaultViewers": {"python": "Jupytext Notebook"}},
 "@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
EOF
  chmod -R a+rX "$dir/jupyter-config"
  cp -- "$project_dir/scripts/jupyterhub-local-config.py" "$dir/jupyterhub_config.py"
  # settings.json: what the config reads (values passed through the environment: no quoting).
  (umask 077; s_port=$port s_venv=$venv s_users=$users s_password=$pw s_server_env=$server_env \
     s_lmod_init=$lmod_init s_partition=$partition s_runtime=$runtime s_options=$job_options \
     s_exechost=$exechost s_timeout=$timeout s_job_name=$job_name \
     "$venv/bin/python" - "$dir/settings.json" <<'PY'
import json, os, sys
s = {k[2:]: v for k, v in os.environ.items() if k.startswith("s_")}
s.update(port=int(s["port"]), timeout=int(s["timeout"]), users=s["users"].split(","))
with open(sys.argv[1], "w", encoding="utf-8") as f:
    json.dump(s, f, indent=1)
PY
  )

  say "starting JupyterHub on http://127.0.0.1:$port (state in $dir)"
  (
    cd "$dir/hub"
    export "$marker" JUPYTER_RUNTIME_DIR=$dir/hub/runtime JUPYTER_DATA_DIR=$dir/hub/data \
           JUPYTER_CONFIG_DIR=$dir/hub/config IPYTHONDIR=$dir/hub/ipython
    exec setsid "$venv/bin/jupyterhub" -f "$dir/jupyterhub_config.py" </dev/null >"$dir/log/hub.log" 2>&1
  ) &
  hub=$!
  echo "$hub" >"$dir/run/hub.pid"
  local deadline=$((SECONDS + timeout))
  until code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/hub/health") && [[ $code == 200 ]]; do
    if ! alive "$hub"; then
      log_tail; do_stop >/dev/null 2>&1 || true; die "the hub exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      log_tail; do_stop >/dev/null 2>&1 || true; die "the hub did not answer on 127.0.0.1:$port within ${timeout}s"
    fi
    sleep 0.3
  done
  say "up: hub pid $hub, proxy pid $(pid_from "$dir/run/proxy.pid" || echo '?'), users ${users//,/ }" \
      "${password_file:+(password from $password_file)}${password_file:-(password in $dir/password)}"
}

case $action in
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
esac
