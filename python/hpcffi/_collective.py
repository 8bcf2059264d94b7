"""The processes of one run, as one object whether there is one or many.

A heat run happens on one process or on every rank of an mpi4py
communicator. :class:`Group` gives both the same small set of collective
operations, so the run loop, the readers and the writers are written once:
with ``comm=None`` every operation is the trivial one-process answer.

:meth:`Group.agree` is how a failure on one rank becomes the same exception
on every rank: each rank runs the action, the outcomes are exchanged, and if
any rank failed, every rank raises the exception of the lowest failing rank
(its type and message travel as a pickle). No rank is left waiting in the next
collective call, and every rank reports the same clear message.
"""

from __future__ import annotations

import pickle

__all__ = ["Group"]


def _portable(error: BaseException) -> bytes:
    """The exception as a pickle that loads back; a plain RuntimeError with its text if it would not."""
    try:
        data = pickle.dumps(error)
        pickle.loads(data)
        return data
    except Exception:  # noqa: BLE001 (any unpicklable exception: keep its text)
        return pickle.dumps(RuntimeError(f"{type(error).__name__}: {error}"))


class Group:
    """One process (``comm=None``) or the ranks of an mpi4py intracommunicator."""

    def __init__(self, comm=None):
        self.comm = comm
        self.rank = 0 if comm is None else comm.Get_rank()
        self.size = 1 if comm is None else comm.Get_size()

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    @property
    def parallel(self) -> bool:
        """True for an MPI communicator (even of one rank): I/O goes through MPI-IO."""
        return self.comm is not None

    def bcast(self, value, root: int = 0):
        return value if self.comm is None else self.comm.bcast(value, root=root)

    def gather(self, value, root: int = 0):
        return [value] if self.comm is None else self.comm.gather(value, root=root)

    def allgather(self, value):
        return [value] if self.comm is None else self.comm.allgather(value)

    def allreduce_max(self, value: float) -> float:
        return value if self.comm is None else self.comm.allreduce(value, op=_mpi().MAX)

    def allreduce_min(self, value: float) -> float:
        return value if self.comm is None else self.comm.allreduce(value, op=_mpi().MIN)

    def barrier(self) -> None:
        if self.comm is not None:
            self.comm.Barrier()

    def agree(self, action, *args, **kwargs):
        """Run ``action(*args, **kwargs)`` on every rank; return its result, or raise on every rank.

        Must be called by every rank (it is collective). Exceptions that are
        not ``Exception`` subclasses (KeyboardInterrupt, SystemExit) are not
        caught: they end the process as usual.
        """
        try:
            result, failure = action(*args, **kwargs), None
        except Exception as error:  # noqa: BLE001 (every failure must reach the other ranks)
            result, failure = None, error
        if self.comm is None:
            if failure is not None:
                raise failure
            return result
        outcomes = self.comm.allgather(None if failure is None else _portable(failure))
        for rank, outcome in enumerate(outcomes):
            if outcome is not None:
                if rank == self.rank:
                    raise failure
                raise pickle.loads(outcome)
        return result

    def on_root(self, action, *args, **kwargs):
        """Run ``action`` on rank 0 only, raise its failure on every rank, return its result on rank 0."""
        if self.is_root:
            return self.agree(action, *args, **kwargs)
        return self.agree(lambda: None)


def _mpi():
    from mpi4py import MPI  # noqa: PLC0415 (only MPI runs import mpi4py)

    return MPI
