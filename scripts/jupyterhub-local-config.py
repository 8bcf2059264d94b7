# jupyterhub-local-config.py -- the JupyterHub configuration of scripts/jupyterhub-local.sh.
#
# jupyterhub-local.sh copies this file into its state folder as jupyterhub_config.py and writes
# settings.json beside it (ports, venv, users, password, server environment, job options); the
# hub reads both from HPCFFI_HUB_LOCAL_DIR. Each user's single-user server (JupyterLab) runs as
# a Slurm job through batchspawner's SlurmSpawner, as that OS user.
#
# A site keeps the spawner part and changes (see docs/jupyterhub.md): the authenticator (PAM or
# its SSO instead of the dummy one), the bind address and TLS, Spawner.ip (the node's address),
# state_exechost_exp (drop it: the hub resolves the node names), exec_prefix (sudo set up for
# the hub's user, or the hub as root with runuser), partition/account/time, and the server
# environment (`module load hpcffi`).
import json
import os
import pwd

import batchspawner  # noqa: F401  registers batchspawner's API handler: the job reports its port through it

c = get_config()  # noqa: F821  (JupyterHub's config loader provides get_config)

state = os.environ["HPCFFI_HUB_LOCAL_DIR"]
with open(os.path.join(state, "settings.json"), encoding="utf-8") as f:
    s = json.load(f)
venv_bin = os.path.join(s["venv"], "bin")

# Loopback only: the public proxy port, the proxy's REST API and the hub's own port.
c.JupyterHub.bind_url = f"http://127.0.0.1:{s['port']}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s['port'] + 1}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s["port"] + 2
# The pure-Python configurable-http-proxy from PyPI (no Node); its pid file is how `stop` finds it.
c.ConfigurableHTTPProxy.command = [os.path.join(venv_bin, "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "run", "proxy.pid")
# Everything the hub writes lives in the state folder, never in the working directory or $HOME.
c.JupyterHub.pid_file = os.path.join(state, "run", "hub.pid")
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "hub", "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "hub", "jupyterhub_cookie_secret")
# `stop` ends the hub: it then stops every user's server (scancel) and the proxy it started.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# For this loopback test cluster only: one shared password. A site uses PAM or its SSO.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = s["password"]
c.Authenticator.allowed_users = set(s["users"])

c.JupyterHub.spawner_class = "batchspawner.SlurmSpawner"
c.Spawner.default_url = "/lab"
c.Spawner.cmd = [os.path.join(venv_bin, "jupyterhub-singleuser")]
c.SlurmSpawner.batchspawner_singleuser_cmd = os.path.join(venv_bin, "batchspawner-singleuser")
# sbatch/squeue/scancel run as the user (their job, their files). The default prefix uses sudo,
# which is not installed here; a root hub needs none of it: runuser. A non-root hub serves only
# its own user.
c.SlurmSpawner.exec_prefix = "runuser -u {username} --" if os.geteuid() == 0 else ""
if s["exechost"]:
    # Multi-host test cluster: node names exist only inside the nodes' namespaces.
    c.SlurmSpawner.state_exechost_exp = s["exechost"]
c.SlurmSpawner.start_timeout = s["timeout"]
c.Spawner.http_timeout = 60

# What the job gets from the hub's environment (sbatch --export): SLURM_CONF for the srun in the
# job and for MPI from the notebook, PATH for srun itself, the marker by which `stop` finds strays.
c.Spawner.env_keep = ["PATH", "LANG", "SLURM_CONF", "HPCFFI_HUB_LOCAL_DIR"]


def user_dir(spawner, *parts):
    return os.path.join(state, "users", spawner.user.name, *parts)


# Jupyter's, IPython's and matplotlib's state in the state folder, not in the user's $HOME;
# labconfig/ there opens .py files (jupytext) as notebooks.
c.Spawner.environment = {
    "JUPYTER_CONFIG_PATH": os.path.join(state, "jupyter-config"),
    "JUPYTER_RUNTIME_DIR": lambda sp: user_dir(sp, "jupyter", "runtime"),
    "JUPYTER_DATA_DIR": lambda sp: user_dir(sp, "jupyter", "data"),
    "JUPYTER_CONFIG_DIR": lambda sp: user_dir(sp, "jupyter", "config"),
    "IPYTHONDIR": lambda sp: user_dir(sp, "ipython"),
    "MPLCONFIGDIR": lambda sp: user_dir(sp, "matplotlib"),
}
c.Spawner.notebook_dir = os.path.join(state, "users", "{username}", "notebooks")


def make_user_dirs(spawner):
    """The user's folders, owned by the user (the hub may be root; the job runs as the user)."""
    entry = pwd.getpwnam(spawner.user.name)  # KeyError: not an OS user -> the spawn fails with it
    for parts in ((), ("notebooks",), ("jupyter",), ("jupyter", "runtime"), ("jupyter", "data"), ("jupyter", "config"),
                  ("ipython",), ("matplotlib",)):
        path = user_dir(spawner, *parts)
        os.makedirs(path, mode=0o700, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    # batchspawner resets Spawner.ip to 0.0.0.0 (a site's hub reaches the node from outside);
    # every node of this test cluster shares the loopback network, so the server stays on it.
    spawner.args = ["--ServerApp.ip=127.0.0.1"] + (["--allow-root"] if entry.pw_uid == 0 else [])


c.Spawner.pre_spawn_hook = make_user_dirs

# The job: batchspawner's default script, with --output/--chdir in the state folder (its
# template puts them in $HOME, and req_homedir is not configurable in 1.3.0) and a job name by
# which `stop` finds this hub's jobs. The prologue is the server environment (`module load
# hpcffi` by default), so the hpcffi kernel is there.
c.SlurmSpawner.req_runtime = s["runtime"]
c.SlurmSpawner.req_partition = s["partition"]
c.SlurmSpawner.req_options = s["options"]
# The server runs in a job step that takes one CPU and shares them (--overlap), so `srun -n 2`
# from the notebook gets the job's other CPUs; with the default `srun` it waits forever.
c.SlurmSpawner.req_srun = "srun --overlap --mpi=none -n 1"
c.SlurmSpawner.req_prologue = (
    "set +u\n"
    f"if ! type module >/dev/null 2>&1 && [ -r {s['lmod_init']} ]; then source {s['lmod_init']}; fi\n"
    + s["server_env"] + "\nset -u"
)
c.SlurmSpawner.batch_script = """#!/bin/bash
#SBATCH --output=STATE/users/{{username}}/slurm-%j.log
#SBATCH --job-name=JOBNAME
#SBATCH --chdir=STATE/users/{{username}}/notebooks
#SBATCH --export={{keepvars}}
#SBATCH --get-user-env=L
{% if partition  %}#SBATCH --partition={{partition}}
{% endif %}{% if runtime    %}#SBATCH --time={{runtime}}
{% endif %}{% if options    %}#SBATCH {{options}}
{% endif %}
set -euo pipefail

trap 'echo SIGTERM received' TERM
{{prologue}}
# sbatch --export=<list> leaves SLURM_EXPORT_ENV=<list> behind, and srun would pass only that
# list to the step, dropping what the prologue set (JUPYTER_PATH, PYTHONPATH, ...).
export SLURM_EXPORT_ENV=ALL
{% if srun %}{{srun}} {% endif %}{{cmd}}
echo "jupyterhub-singleuser ended gracefully"
{{epilogue}}
""".replace("STATE", state).replace("JOBNAME", s["job_name"])
