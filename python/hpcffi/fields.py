"""Where a heat run's field lives: in one process, or distributed over MPI ranks.

Both holders offer the same interface to the run loop (:mod:`hpcffi.run`), the
readers and the writers, in terms of *blocks*: a rank owns the global rows
``block.row0 .. block.row0 + block.nx`` and columns ``block.col0 .. + block.ny``.

=====================  ====================================================
``group``              the processes (:class:`hpcffi._collective.Group`)
``shape``, ``block``   the global shape, this rank's block
``set_block(a)``       overwrite this rank's block with ``a`` (a copy)
``get_block()``        this rank's block, a new array
``evolve(n)``          advance n steps (collective)
``mean()``             mean of the whole field, the same on every rank
``description``        one line about the layout, for the run's header
=====================  ====================================================

:class:`LocalField` keeps the field in a NumPy array and advances it with
libhpcffi through a cffi mode, or with the NumPy / pure-Python reference.
:class:`MPIField` wraps :class:`hpcffi.mpi.DistributedField`, the C handle
that holds each rank's block with its ghost layers: no rank ever holds more
than its own block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _alignment
from ._collective import Group

__all__ = ["Block", "Physics", "LocalField", "MPIField", "LIBRARY_BACKENDS", "BACKENDS", "max_stable_dt"]

LIBRARY_BACKENDS = ("api", "abi", "abi-inline")
BACKENDS = LIBRARY_BACKENDS + ("numpy", "python")


@dataclass(frozen=True)
class Block:
    """Global rows [row0, row0 + nx) and columns [col0, col0 + ny) of a field."""

    row0: int
    col0: int
    nx: int
    ny: int

    @property
    def rows(self) -> slice:
        return slice(self.row0, self.row0 + self.nx)

    @property
    def cols(self) -> slice:
        return slice(self.col0, self.col0 + self.ny)


@dataclass(frozen=True)
class Physics:
    """The scheme's parameters: diffusion constant, time step, grid spacings (not squared)."""

    a: float
    dt: float
    dx: float
    dy: float


def max_stable_dt(a: float, dx: float, dy: float) -> float:
    """The library's expression (``hpcffi_heat_max_stable_dt``), evaluated identically in Python."""
    dx2, dy2 = dx * dx, dy * dy
    return dx2 * dy2 / (2.0 * a * (dx2 + dy2))


class _LibraryBackend:
    """libhpcffi through one cffi mode: evolve_steps in place with a reused scratch buffer."""

    def __init__(self, mode, shape, physics):
        from . import _ffi

        self.name = mode
        self.ffi, self.lib = _ffi.load(mode)
        self.shape = shape
        self.physics = physics
        self.scratch = None  # allocated on first use

    def evolve(self, field, nsteps):
        from .errors import check

        ffi, p = self.ffi, self.physics
        if self.scratch is None or self.scratch.ctypes.data % _alignment.LINE != field.ctypes.data % _alignment.LINE:
            self.scratch = _alignment.empty(self.shape, like=field)  # the same offset in a cache line as field
        check(self.lib.hpcffi_heat_evolve_steps(
            ffi.from_buffer("double[]", field, require_writable=True),
            ffi.from_buffer("double[]", self.scratch, require_writable=True),
            self.shape[0], self.shape[1], p.a, p.dt, p.dx * p.dx, p.dy * p.dy, nsteps))

    def mean(self, field):
        from .errors import check

        result = self.ffi.new("double *")
        check(self.lib.hpcffi_heat_mean(self.ffi.from_buffer("double[]", field), field.shape[0], field.shape[1],
                                        result))
        return result[0]


class _ReferenceBackend:
    """hpcffi.reference: NumPy slicing or pure Python (no C library in the loop)."""

    def __init__(self, name, physics):
        from . import reference

        self.name = name
        self.physics = physics
        if name == "numpy":
            self._evolve, self._mean = reference.evolve_steps_numpy, reference.mean_numpy
        else:
            self._evolve, self._mean = reference.evolve_steps_python, reference.mean_python

    def evolve(self, field, nsteps):
        p = self.physics
        self._evolve(field, nsteps, p.a, p.dt, p.dx, p.dy)

    def mean(self, field):
        return self._mean(field)


class LocalField:
    """The whole field in this process, advanced by ``backend`` (a cffi mode, ``numpy`` or ``python``)."""

    def __init__(self, shape, physics: Physics, backend: str = "api"):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.group = Group(None)
        self.shape = (int(shape[0]), int(shape[1]))
        self.block = Block(0, 0, *self.shape)
        self.physics = physics
        if backend in LIBRARY_BACKENDS:
            self._backend = _LibraryBackend(backend, self.shape, physics)
        else:
            self._backend = _ReferenceBackend(backend, physics)
        self.backend = backend
        self.field = _alignment.zeros(self.shape)  # 64-byte aligned; its scratch starts alike
        self.description = ""

    def set_block(self, block: np.ndarray) -> None:
        self.field[...] = block

    def get_block(self) -> np.ndarray:
        return self.field.copy()

    def evolve(self, nsteps: int) -> None:
        self._backend.evolve(self.field, nsteps)

    def mean(self) -> float:
        return self._backend.mean(self.field)

    def summary(self) -> str | None:
        return None

    def close(self) -> None:
        pass


class MPIField:
    """The field distributed over the ranks of ``comm`` (libhpcffi's MPI kernel; collective)."""

    def __init__(self, shape, physics: Physics, comm, backend: str = "api"):
        from .mpi import DistributedField

        if backend not in LIBRARY_BACKENDS:
            raise ValueError(f"an MPI run uses the library's distributed kernel: backend must be one of "
                             f"{', '.join(LIBRARY_BACKENDS)}, not {backend!r}")
        self.group = Group(comm)
        self.shape = (int(shape[0]), int(shape[1]))
        self.physics = physics
        self.backend = backend
        self._dist = DistributedField(self.shape[0], self.shape[1], physics.a, physics.dt, physics.dx, physics.dy,
                                      comm, mode=backend)
        local = self._dist.block
        self.block = Block(int(local.row0), int(local.col0), int(local.nx), int(local.ny))
        self.dims = local.dims
        self.description = f"process grid {self.dims[0]} x {self.dims[1]}"

    def set_block(self, block: np.ndarray) -> None:
        # check_finite=False: every source (readers, checkpoints, the bottle) has refused non-finite values already.
        self._dist.set_local(np.ascontiguousarray(block, dtype=np.float64), check_finite=False)

    def get_block(self) -> np.ndarray:
        return self._dist.get_local()

    def scatter_from_root(self, field: np.ndarray | None) -> None:
        """Distribute a whole field held by rank 0 (small inputs only: the lesson's text format)."""
        self._dist.scatter(field if self.group.is_root else None, root=0, check_finite=False)

    def evolve(self, nsteps: int) -> None:
        self._dist.evolve_steps(nsteps)

    def mean(self) -> float:
        return self._dist.mean()

    def summary(self) -> str | None:
        """The slowest rank's computation and communication seconds (collective; text on rank 0)."""
        t_comp = self.group.allreduce_max(self._dist.t_comp)
        t_comm = self.group.allreduce_max(self._dist.t_comm)
        return f"mpi time (max over ranks): computation {t_comp:.3f} s, communication {t_comm:.3f} s"

    def close(self) -> None:
        self._dist.close()
