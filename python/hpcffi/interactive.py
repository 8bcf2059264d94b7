"""MPI engines as one Slurm job, driven from a notebook or a script, and a heat run watched live.

::

    from hpcffi.interactive import engines, live_run
    from hpcffi.run import HeatConfig

    config = HeatConfig(steps=2000, output_dir="out", checkpoint="out/heat.h5")
    with engines(n=4, nodes=2) as cluster:            # one Slurm job of 4 MPI ranks on 2 nodes
        print(cluster.placement())                    # rank, size, host of each engine
        result = live_run(cluster, config, parts=10, on_part=lambda report: print(report.step))

:func:`engines` submits ONE Slurm job whose tasks are ipyparallel engines
started with ``--mpi`` (so ``MPI.COMM_WORLD`` spans the job: engine i is rank
i), connects an ipyparallel client to them and, whatever happens (normal exit,
an exception, a KeyboardInterrupt), cancels the job and stops the controller
when the ``with`` block ends. The job script, the engine log and ipyparallel's
profile go to a folder of its own (``folder``, else ``$HPCFFI_ENGINES_DIR``,
else ``~/.hpcffi/engines``; on a cluster it must be on a file system the
compute nodes see: the job writes the engine log there), never into the working directory.

While it waits for the engines it watches the job itself (``squeue``, then
``scontrol show job``): a submission that sbatch refuses, a job that ends
before its engines registered, and a job that pends for a reason that cannot
clear by waiting (:data:`NEVER_CLEARS`, e.g. ``PartitionConfig``: more CPUs
than the partition has) raise :class:`EnginesError` at once with Slurm's words
and the engine log's last lines, instead of ipyparallel's ``TimeoutError``
after ``engine_timeout``.

Site options, as in the job scripts: ``partition``/``account``/``time_limit``
arguments, else ``HPCFFI_SLURM_PARTITION``/``HPCFFI_SLURM_ACCOUNT``, else
sbatch's own ``SBATCH_PARTITION``/``SBATCH_ACCOUNT``/``SBATCH_TIMELIMIT``, else
the site's defaults (time: :data:`DEFAULT_TIME_LIMIT`). ``controller_ip``: the
address engines on compute nodes reach the client's controller at (the
default, 127.0.0.1, only works when the engines share the client's network,
as on the local test cluster; a site gives the login node's cluster-side
address or ``"*"``).

:func:`live_run` advances :func:`hpcffi.run.run` on all engines in parts
(``until=``) and after each part hands rank 0's reduced image of the field
(:class:`PartReport`) to a callback. A KeyboardInterrupt in the client (a
kernel interrupt) asks the engines to stop with SIGUSR1 (``scancel
--signal=USR1``): :func:`hpcffi.run.run` writes its checkpoint at the end of
the chunk it is in and returns, and :func:`live_run` returns with status
``"interrupted"``. Calling it again, on the same or another number of engines,
resumes from that checkpoint; the result is bitwise equal to an uninterrupted
run (the kernels give the same bits for any decomposition).

The engine job is ``hpcffi.engine_job``, the live run ``hpcffi.live_run``; this module is
what users import.
"""

from .engine_job import (DEFAULT_ENGINE_TIMEOUT, DEFAULT_TIME_LIMIT, NEVER_CLEARS, Engines, EnginesError,
                         batch_template, engines, job_state, never_clears)
from .live_run import LiveResult, PartReport, live_run

__all__ = ["engines", "Engines", "EnginesError", "live_run", "LiveResult", "PartReport", "NEVER_CLEARS",
           "DEFAULT_TIME_LIMIT", "DEFAULT_ENGINE_TIMEOUT", "job_state", "never_clears", "batch_template"]
