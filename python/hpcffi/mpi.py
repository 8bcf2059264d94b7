"""The heat equation distributed over MPI ranks, from Python (mpi4py).

:class:`DistributedField` wraps the C handle ``hpcffi_heat_mpi`` (create,
scatter/gather, local block, evolve, mean, destroy). The communicator is any
mpi4py intracommunicator (``MPI.COMM_WORLD`` by default, or a split or dup of
it); it crosses the C ABI as its Fortran handle, ``comm.py2f()``, and the
library duplicates it, so the caller may free its own afterwards::

    from mpi4py import MPI
    from hpcffi.mpi import DistributedField

    with DistributedField(200, 200, a=0.5, comm=MPI.COMM_WORLD) as dist:
        dist.scatter(field if MPI.COMM_WORLD.rank == 0 else None)
        dist.evolve_steps(500)
        result = dist.gather()          # the field on rank 0, None elsewhere

Every method is collective over the communicator (call it on every rank, in
the same order); the library returns the same status on every rank, so an
error raises the same :class:`hpcffi.Error` everywhere and no rank is left
waiting. Destroying is collective too: use ``with`` or :meth:`close`, never
rely on garbage collection (ranks collect at different moments).

mpi4py and libhpcffi must use the same MPI library: :func:`mpi_libraries`
lists the libmpi files mapped into this process (more than one is a broken
install) and :func:`check_same_mpi` raises if so.

A whole run (initial field per block, checkpoints, images, outputs) on a
communicator is :func:`hpcffi.run.run` with ``comm=``; ``python -m hpcffi heat
--mpi`` calls it with ``MPI.COMM_WORLD``. :func:`rank_placement` and
:func:`placement_report` say where the ranks run.
"""

from __future__ import annotations

import operator
import os
import re
import socket
from collections import namedtuple

import numpy as np

from . import _arrays
from .errors import ArrayLayoutError, ArrayShapeError, ArrayTypeError, InvalidArgumentError, check

__all__ = ["DistributedField", "LocalBlock", "mpi_libraries", "check_same_mpi", "rank_placement", "placement_report",
           "placement_warnings"]

#: This rank's block: global rows [row0, row0 + nx), columns [col0, col0 + ny); dims: the process grid.
LocalBlock = namedtuple("LocalBlock", "row0 col0 nx ny dims")


def _world():
    from mpi4py import MPI  # noqa: PLC0415 (importing mpi4py initialises MPI: only when asked)

    return MPI.COMM_WORLD


def _checked_array(array, name, shape, writable=False):
    if not isinstance(array, np.ndarray) or array.dtype != np.float64:
        raise ArrayTypeError(f"{name} must be a float64 numpy.ndarray, got {getattr(array, 'dtype', type(array))}")
    if array.shape != tuple(shape):
        raise ArrayShapeError(f"{name} has shape {array.shape}, expected {tuple(shape)}")
    if not array.flags.c_contiguous:
        raise ArrayLayoutError(f"{name} is not C-contiguous: pass np.ascontiguousarray({name})")
    if writable and not array.flags.writeable:
        raise ArrayLayoutError(f"{name} is read-only")
    return array


class DistributedField:
    """An nx x ny heat field distributed over the ranks of ``comm`` (a 2D Cartesian process grid).

    ``dt`` defaults to the stability limit; ``dx``, ``dy`` are the grid spacings
    (the C ABI takes their squares). ``mode`` picks the cffi mode (``api``,
    ``abi``, ``abi-inline``; default: the package's). Collective.
    """

    def __init__(self, nx, ny, a, dt=None, dx=0.01, dy=0.01, comm=None, *, mode=None):
        from . import _ffi

        self.comm = _world() if comm is None else comm
        self.ffi, self.lib = _ffi.load(mode)
        self.nx, self.ny = operator.index(nx), operator.index(ny)
        self.a, self.dx, self.dy = float(a), float(dx), float(dy)
        if dt is None:
            out = self.ffi.new("double *")
            check(self.lib.hpcffi_heat_max_stable_dt(self.a, self.dx * self.dx, self.dy * self.dy, out))
            dt = out[0]
        self.dt = float(dt)
        #: Seconds this rank spent computing and communicating in evolve_steps (running totals).
        self.t_comp = 0.0
        self.t_comm = 0.0
        self._handle = None
        handle = self.ffi.new("hpcffi_heat_mpi **")
        check(self.lib.hpcffi_heat_mpi_create(self.comm.py2f(), self.nx, self.ny, self.a, self.dt,
                                              self.dx * self.dx, self.dy * self.dy, handle))
        self._handle = handle[0]
        self.block = self._local_block()

    # -- lifecycle ----------------------------------------------------------
    def close(self):
        """Free the C handle (collective); idempotent."""
        if self._handle is not None:
            handle, self._handle = self._handle, None
            check(self.lib.hpcffi_heat_mpi_destroy(handle))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _live(self):
        if self._handle is None:
            raise InvalidArgumentError("this DistributedField is closed")
        return self._handle

    # -- layout -------------------------------------------------------------
    def _local_block(self):
        f = self.ffi
        row0, col0, lnx, lny = f.new("int64_t *"), f.new("int64_t *"), f.new("int64_t *"), f.new("int64_t *")
        dx, dy = f.new("int *"), f.new("int *")
        check(self.lib.hpcffi_heat_mpi_local_block(self._live(), row0, col0, lnx, lny, dx, dy))
        return LocalBlock(row0[0], col0[0], lnx[0], lny[0], (dx[0], dy[0]))

    @property
    def shape(self):
        return (self.nx, self.ny)

    # -- data movement ------------------------------------------------------
    def scatter(self, field, root=0, *, check_finite=True):
        """Distribute ``field`` (nx x ny float64, read on ``root`` only; others pass None).

        ``check_finite``: ``root`` refuses NaN or infinities
        (:class:`hpcffi.NonFiniteValueError`). A refused field raises on every
        rank (the verdict is broadcast), so no rank waits in the scatter.
        """
        pointer = self.ffi.NULL
        failure = None
        if self.comm.rank == root:
            try:
                field = _checked_array(field, "field", self.shape)
                if check_finite:
                    _arrays.finite(field, "field")
                pointer = self.ffi.from_buffer("double[]", field)
            except Exception as error:  # noqa: BLE001 (raised on every rank below)
                failure = error
        failure = self.comm.bcast(failure, root=root)
        if failure is not None:
            raise failure
        check(self.lib.hpcffi_heat_mpi_scatter(self._live(), pointer, root))

    def gather(self, root=0, out=None):
        """The whole field on ``root`` (a new array, or ``out``); None on the other ranks."""
        pointer = self.ffi.NULL
        if self.comm.rank == root:
            out = np.empty(self.shape) if out is None else _checked_array(out, "out", self.shape, writable=True)
            pointer = self.ffi.from_buffer("double[]", out, require_writable=True)
        else:
            out = None
        check(self.lib.hpcffi_heat_mpi_gather(self._live(), pointer, root))
        return out

    def get_local(self, out=None):
        """This rank's block (local nx x local ny), a copy."""
        shape = (self.block.nx, self.block.ny)
        out = np.empty(shape) if out is None else _checked_array(out, "out", shape, writable=True)
        check(self.lib.hpcffi_heat_mpi_get_local(self._live(), self.ffi.from_buffer("double[]", out,
                                                                                      require_writable=True)))
        return out

    def set_local(self, block, *, check_finite=True):
        """Overwrite this rank's block (local nx x local ny float64); not collective.

        ``check_finite``: refuse NaN or infinities (:class:`hpcffi.NonFiniteValueError`,
        on this rank only: agree on it before the next collective call).
        """
        block = _checked_array(block, "block", (self.block.nx, self.block.ny))
        if check_finite:
            _arrays.finite(block, "block")
        check(self.lib.hpcffi_heat_mpi_set_local(self._live(), self.ffi.from_buffer("double[]", block)))

    # -- computation ----------------------------------------------------------
    def evolve_steps(self, nsteps):
        """Advance by ``nsteps`` steps; bitwise identical to the serial evolve_steps. Returns (t_comp, t_comm)."""
        nsteps = operator.index(nsteps)
        if nsteps < 0:
            raise InvalidArgumentError(f"nsteps must be >= 0, got {nsteps}")
        t_comp = self.ffi.new("double *", 0.0)
        t_comm = self.ffi.new("double *", 0.0)
        check(self.lib.hpcffi_heat_mpi_evolve_steps(self._live(), nsteps, t_comp, t_comm))
        self.t_comp += t_comp[0]
        self.t_comm += t_comm[0]
        return t_comp[0], t_comm[0]

    def mean(self):
        """Mean of the whole field (boundaries included), the same value on every rank."""
        out = self.ffi.new("double *")
        check(self.lib.hpcffi_heat_mpi_mean(self._live(), out))
        return out[0]


# ---------------------------------------------------------------------------
# one MPI library per process
# ---------------------------------------------------------------------------
_LIBMPI = re.compile(r"/lib(mpi|mpich)(\.so[.\d]*|-[^/]*\.so[.\d]*)$")


def mpi_libraries(maps="/proc/self/maps"):
    """Real paths of the MPI core libraries (libmpi.so*, libmpich.so*) mapped into this process."""
    found = set()
    try:
        with open(maps, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                parts = line.split(None, 5)
                if len(parts) == 6:
                    path = parts[5].strip()
                    if _LIBMPI.search(path):
                        found.add(os.path.realpath(path))
    except OSError:
        return None
    return sorted(found)


def check_same_mpi():
    """Raise MPIError if more than one MPI library is loaded (mpi4py and libhpcffi disagree).

    Returns ``(libraries, mpi4py's MPI.Get_library_version() first line)``.
    """
    from mpi4py import MPI  # noqa: PLC0415

    from .errors import MPIError

    libraries = mpi_libraries()
    version = MPI.Get_library_version().strip().splitlines()[0]
    if libraries is not None and len(libraries) > 1:
        raise MPIError(f"two MPI libraries in one process: {', '.join(libraries)}; mpi4py ({version}) and "
                       "libhpcffi must be built against the same MPI")
    return libraries, version


# ---------------------------------------------------------------------------
# where the ranks run
# ---------------------------------------------------------------------------
def rank_placement():
    """(host, CPUs) of this rank's main thread. libgomp pins that thread when it
    loads (with OMP_PLACES/OMP_PROC_BIND set), so this is where the rank runs."""
    return socket.gethostname(), sorted(os.sched_getaffinity(0))


def _cpu_ranges(cpus):
    """[0, 1, 2, 5] -> '0-2,5'."""
    ranges, start = [], None
    for i, cpu in enumerate(cpus):
        if start is None:
            start = cpu
        if i + 1 == len(cpus) or cpus[i + 1] != cpu + 1:
            ranges.append(f"{start}" if start == cpu else f"{start}-{cpu}")
            start = None
    return ",".join(ranges)


def placement_report(placements, shown=8):
    """One line for rank 0: the host and CPUs of each rank (the first `shown`)."""
    parts = [f"{rank}:{host}:{_cpu_ranges(cpus)}" for rank, (host, cpus) in enumerate(placements[:shown])]
    more = f" (+{len(placements) - shown} more)" if len(placements) > shown else ""
    return "mpi: rank:host:CPUs " + " ".join(parts) + more


def placement_warnings(placements):
    """Ranks of one host pinned to the same single CPU take turns on one core
    (every exchange then waits for a time slice: 150x slower, seen here). It
    happens when OMP_PLACES/OMP_PROC_BIND are set but the launcher did not give
    each rank CPUs of its own."""
    pinned = {}
    for rank, (host, cpus) in enumerate(placements):
        if len(cpus) == 1:
            pinned.setdefault((host, cpus[0]), []).append(rank)
    return [f"ranks {', '.join(map(str, ranks))} on {host} are all pinned to CPU {cpu} and take turns on it: "
            "bind the ranks (srun --cpu-bind=cores, mpiexec --bind-to core) or unset OMP_PLACES/OMP_PROC_BIND"
            for (host, cpu), ranks in sorted(pinned.items()) if len(ranks) > 1]
