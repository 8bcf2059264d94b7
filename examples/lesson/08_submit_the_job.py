# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (hpcffi)
#     language: python
#     name: hpcffi
# ---

# %% [markdown]
# # Step 8: submit the job
#
# A notebook runs on one node, in one process: long or parallel runs go to the batch system. This
# step writes a Slurm job script next to this notebook, submits it with `sbatch --wait` (which
# returns when the job has ended, with its exit code), and shows what the job printed and drew.
# The job runs the solution of step 7 on a compute node, then the package's heat solver on two MPI
# ranks (`python -m hpcffi heat --mpi`, the same code as `jobs/heat-mpi.sbatch`).
#
# Site options: sbatch reads `SBATCH_PARTITION` and `SBATCH_ACCOUNT` from the environment, so set
# them (for example in the notebook's first cell, `os.environ["SBATCH_ACCOUNT"] = "<project>"`) if
# your site needs them. The job inherits this kernel's environment (`sbatch --export=ALL`, the
# default), so it finds hpcffi the way this notebook does.

# %%
import os
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt

# The module sets HPCFFI_PYTHON; a kernel installed with `python -m hpcffi kernel install` may not.
os.environ.setdefault("HPCFFI_PYTHON", sys.executable)
if not os.environ.get("HPCFFI_LIB"):
    sys.exit("08_submit_the_job.py: HPCFFI_LIB is not set: "
             "run `module load hpcffi` or `source scripts/hpcffi-env.sh` first")

job_script = Path("evolve-job.sbatch")
job_script.write_text("""#!/bin/bash
#SBATCH --job-name=evolve-job         # name: %x in file names
#SBATCH --ntasks=2                    # two MPI ranks for the heat run
#SBATCH --cpus-per-task=1             # one thread per rank
#SBATCH --time=00:05:00               # wall time limit
#SBATCH --output=%x-%j.out            # the log, next to this notebook
set -euo pipefail
export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}   # never empty: libgomp rejects ''
echo "job $SLURM_JOB_ID on $(hostname): $SLURM_NTASKS tasks"
srun --ntasks=1 --cpus-per-task=1 "$HPCFFI_PYTHON" 07_evolve_solution.py
srun --cpus-per-task=1 "$HPCFFI_PYTHON" -m hpcffi heat --mpi --nx 200 --ny 200 --steps 100 \\
    --png-every 100 --output-dir evolve-job-output
""")
print(job_script.read_text())

# %%
submitted = subprocess.run(["sbatch", "--wait", "--parsable", str(job_script)],
                           capture_output=True, text=True)
job_id = submitted.stdout.strip().split(";")[0]
print(f"sbatch --wait: exit status {submitted.returncode}, job {job_id or '(none)'}")
if submitted.returncode != 0 and not job_id:
    sys.exit(f"08_submit_the_job.py: sbatch refused the job: {submitted.stderr.strip()}")
log = Path(f"evolve-job-{job_id}.out")
print(log.read_text())
if submitted.returncode != 0:
    sys.exit(f"08_submit_the_job.py: job {job_id} failed (exit status {submitted.returncode}): see {log}")

# %% [markdown]
# The heat run wrote its field as images (and `final.h5`, which ParaView opens through
# `heat.xmf`). The last image:

# %%
last_image = sorted(Path("evolve-job-output").glob("heat_*.png"))[-1]
figure, axes = plt.subplots(figsize=(5, 4.5))
axes.imshow(plt.imread(last_image))
axes.set_axis_off()
axes.set_title(f"{last_image.name}, written by job {job_id}")
plt.show()
