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
# # The heat solver on MPI engines, driven from this notebook
#
# A notebook kernel is one process. To run the distributed heat solver from here, this notebook
# starts **MPI engines** as one Slurm job (ipyparallel, through `hpcffi.interactive.engines`):
# each engine is one MPI rank of that job, and the cells below send Python calls to all of them.
# The run advances in parts; after each part the figure below is redrawn in place from rank 0's
# reduced image. The run is then interrupted (press *Interrupt* at any moment, or let the
# notebook stop itself after a few parts), the engines are stopped, and the run resumes from its
# checkpoint on **two** engines. Last, the result is compared bit for bit with a serial run.
#
# Site options (partition, account, time limit) come from `HPCFFI_SLURM_PARTITION`,
# `HPCFFI_SLURM_ACCOUNT`, or sbatch's own `SBATCH_PARTITION`/`SBATCH_ACCOUNT`/`SBATCH_TIMELIMIT`,
# or are passed to `engines(...)`; see the Interactive guide.

# %%
import io
import os
from pathlib import Path

import h5py
import numpy as np
from IPython.display import Image, Pretty, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from hpcffi.interactive import engines, live_run
from hpcffi.run import HeatConfig, run

# The lesson's bottle.dat when it is there (HPCFFI_SHARED_DATA_DIR), else the built-in 200 x 200 bottle.
bottle = Path(os.environ.get("HPCFFI_SHARED_DATA_DIR", "../shared/data")) / "bottle.dat"
out = Path("heat-engines-output").absolute()
config = HeatConfig(input=bottle if bottle.is_file() else None, steps=2000, png_every=0, threads=1,
                    output_dir=out / "engines", checkpoint=out / "engines" / "heat-checkpoint.h5")
PARTS = 10
# A run-all stops itself after this many parts (as if interrupted); 0: only a real interrupt stops it.
STOP_AFTER_PARTS = int(os.environ.get("HPCFFI_ENGINES_STOP_AFTER_PARTS", "4")) or None
for old in (config.checkpoint, Path(config.output_dir) / "final.h5"):
    Path(old).unlink(missing_ok=True)            # start afresh each time the notebook runs
print(f"heat run: {'bottle.dat' if config.input else 'built-in bottle'}, {config.steps} steps in {PARTS} parts")

# %% [markdown]
# One figure, updated in place after each part, and one progress line (the notebook adds only
# display: the run is `hpcffi.run.run`, called by `live_run` on every engine).

# %%
figure = Figure(figsize=(5.6, 4.8))
FigureCanvasAgg(figure)
axes = figure.add_subplot()
picture = None


def show(report):
    """on_part: redraw the figure from rank 0's reduced field, then the progress line."""
    global picture
    if picture is None:
        picture = axes.imshow(report.image, cmap="inferno", interpolation="nearest")
        figure.colorbar(picture, ax=axes).set_label("temperature")
    picture.set_data(report.image)
    axes.set_title(f"step {report.step} of {report.nsteps}, {report.ranks} MPI ranks")
    png = io.BytesIO()
    figure.savefig(png, format="png")
    image_handle.update(Image(data=png.getvalue()))
    progress_handle.update(Pretty(f"part {report.part}/{report.parts}: step {report.step}/{report.nsteps} "
                                  f"on {report.ranks} ranks ({report.seconds:.1f} s)"))


image_handle = display(Pretty("(the figure appears after the first part)"), display_id=True)
progress_handle = display(Pretty("not started"), display_id=True)

# %% [markdown]
# ## Four engines on two hosts, a live run, an interrupt
#
# `engines(n=4, nodes=2)` submits one job of 4 tasks on 2 nodes, waits until the 4 engines
# registered (failing at once with Slurm's reason if the job cannot run), and cancels the job when
# the `with` block ends, however it ends. Each engine reports its place in `MPI.COMM_WORLD`.

# %%
with engines(n=4, nodes=2) as cluster:
    print(f"engine job {cluster.job_id}:")
    for engine in cluster.placement():
        print(f"  engine {engine['engine']}: COMM_WORLD rank {engine['rank']} of {engine['size']} "
              f"on {engine['host']}")
    first = live_run(cluster, config, parts=PARTS, on_part=show, stop_after_parts=STOP_AFTER_PARTS)
print(f"first run: {first.status} at step {first.step} on {first.ranks} ranks "
      f"(checkpoint {Path(first.checkpoint).name})")

# %% [markdown]
# ## Resume on two engines
#
# The checkpoint is read by any number of ranks, each reading only its block.

# %%
with engines(n=2, nodes=2) as cluster:
    hosts = sorted({engine["host"] for engine in cluster.placement()})
    print(f"engine job {cluster.job_id}: 2 engines on {', '.join(hosts)}")
    second = live_run(cluster, config, parts=PARTS, on_part=show)
print(f"second run: {second.status} at step {second.step} on {second.ranks} ranks, "
      f"resumed from step {second.resumed_from}; mean temperature {second.mean:.12f}")

# %% [markdown]
# ## The same run in this one process, compared bit for bit

# %%
serial = run(HeatConfig(input=config.input, steps=config.steps, png_every=0, threads=1,
                        output_dir=out / "serial"), log=None)
with h5py.File(Path(config.output_dir) / "final.h5", "r") as a, h5py.File(out / "serial" / "final.h5", "r") as b:
    same = np.array_equal(a["field"][...], b["field"][...])
print(f"serial run: mean temperature {serial.mean:.12f}")
print(f"interrupted-and-resumed field equal to the serial one, bit for bit: {same}")
