"""Fields in HDF5 files, written and read block by block (h5py; MPI-IO in parallel runs).

One layout for every file hpcffi writes (final fields, snapshots,
checkpoints): a 2D float64 dataset ``/field`` of the whole ``nx x ny`` field in
its global row-major layout, without ghost layers, plus attributes on the
file. In an MPI run every rank writes its own block as a hyperslab in one
collective write (``driver="mpio"``) and reads only its own block back, so no
rank ever holds more than its block and a file written by ``p`` ranks reads on
any ``q`` (or in one process). Plain serial h5py, ParaView (through the XDMF
file, :func:`write_xdmf`), VisIt and ``h5dump`` open the files as they are.

Writes are atomic as a whole: every rank writes a temporary file in the
target's folder, all close it, then rank 0 fsyncs it and renames it over the
target. A run killed mid-write leaves the previous file intact, and a
temporary that the next run removes (:mod:`hpcffi._files`). A full disk is
checked before the write and handled during it: one clear error on every rank,
never a signal death.

Why Python and h5py, not C++ behind the C ABI: the run loop that decides what
to write lives in Python (:mod:`hpcffi.run`); h5py exposes parallel HDF5
collectives directly; and libhpcffi stays free of an HDF5 link dependency
(its wheels and its C users need none). The C++ drivers write no field files.

HDF5 is optional: :func:`require` raises :class:`HDF5UnavailableError` with
what to install when h5py is missing, lacks MPI support in a parallel run, or
the build was configured with ``-DHPCFFI_WITH_HDF5=OFF``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from . import _hdf5_probe
from ._files import (check_free_space, create_temporary, disk_full_error, fsync_directory, fsync_path,
                     is_disk_full, release_blocks_beyond_end, release_temporary, reserve_blocks, reserve_space)

__all__ = ["DATASET", "HDF5UnavailableError", "available", "require", "write_field", "describe", "read_block",
           "read_shape", "read_attrs", "write_xdmf"]

DATASET = _hdf5_probe.DATASET
PROBE_SECONDS = 60  # bound on the child process that first looks at a file


class HDF5UnavailableError(RuntimeError):
    """HDF5 output or input was asked for but this installation cannot do it (the message says why)."""


def _built_with_hdf5() -> bool:
    from . import _build_config

    return bool(getattr(_build_config, "HAS_HDF5", True))


def require(parallel: bool = False):
    """The h5py module, able to do MPI-IO if ``parallel``; HDF5UnavailableError otherwise."""
    if not _built_with_hdf5():
        raise HDF5UnavailableError("this hpcffi was built without HDF5 (-DHPCFFI_WITH_HDF5=OFF): final fields and "
                                   "checkpoints are HDF5 files; rebuild with -DHPCFFI_WITH_HDF5=ON")
    if parallel:
        # Debian's h5py holds a serial and an MPI build and picks the MPI one only
        # when it sees mpiexec's environment; srun does not set that, so ask for it.
        # (Only in parallel runs: the MPI build initialises MPI when imported.)
        os.environ.setdefault("H5PY_ALWAYS_USE_MPI", "1")
    try:
        import h5py  # noqa: PLC0415 (optional dependency)
    except ImportError as error:
        raise HDF5UnavailableError(f"h5py is not installed ({error}): install it (Debian: apt-get install "
                                   "python3-h5py-mpi; PyPI: pip install h5py) or run without HDF5 outputs") from None
    if parallel and not h5py.get_config().mpi:
        raise HDF5UnavailableError(
            f"h5py {h5py.__version__} ({h5py.__file__}) has no MPI support, which parallel HDF5 I/O needs: "
            "install an MPI-enabled h5py built for the same MPI as libhpcffi (Debian: python3-h5py-mpi), "
            "or run without --mpi")
    return h5py


def available(parallel: bool = False) -> bool:
    """True if :func:`require` would succeed."""
    try:
        require(parallel)
    except HDF5UnavailableError:
        return False
    return True


def _open(h5py, path, mode, group):
    if group.parallel:
        return h5py.File(path, mode, driver="mpio", comm=group.comm)
    return h5py.File(path, mode)


def _attribute(value):
    if isinstance(value, str):
        return np.bytes_(value.encode("utf-8")) if not value.isascii() else value
    return value


#: Room for HDF5's metadata (superblock, object headers, attributes) besides the field's bytes.
METADATA_ALLOWANCE = 1 << 20
#: Held while libhdf5 writes, given back on a failure so that its close can still write its metadata.
CLOSE_RESERVE = 1 << 20


def write_field(path, holder, attrs: dict, *, block_data=None, durable: bool = True) -> None:
    """Write the holder's field to ``path`` (collective): dataset ``/field`` and ``attrs`` on the file.

    ``holder`` is a :class:`hpcffi.fields.LocalField` or ``MPIField``; every
    rank writes its block (``block_data`` if the caller has already copied it
    out with ``holder.get_block()``). Raises the same exception on every rank
    on failure (the target is then untouched); a full disk or quota is an
    ``OSError`` with ``errno.ENOSPC``/``EDQUOT``, "disk full (...)" and the
    target path (:func:`hpcffi._files.disk_full_error`), on every rank.
    """
    group = holder.group
    h5py = group.agree(require, group.parallel)
    path = Path(path)

    # Copy the block out first, on its own: a rank failing here must not leave
    # the others waiting in the collective open below.
    data = group.agree(holder.get_block) if block_data is None else block_data

    def prepare():
        # Refuse before libhdf5 writes anything when the field cannot fit.
        check_free_space(path, _file_bytes(holder) + CLOSE_RESERVE)
        return create_temporary(path)  # rank 0 holds the writer's lock until the rename

    created = group.on_root(prepare)
    temporary = group.bcast(created[0] if group.is_root else None)
    published = False
    try:
        group.agree(_write_temporary, h5py, path, temporary, created[1] if group.is_root else None, holder, attrs,
                    data)

        def publish():
            if durable:
                fsync_path(temporary)
            os.replace(temporary, path)
            if durable:
                fsync_directory(path.parent)

        group.on_root(publish)
        published = True
    finally:
        if group.is_root:
            release_temporary(temporary, created[1], remove=not published)


def _file_bytes(holder) -> int:
    return 8 * holder.shape[0] * holder.shape[1] + METADATA_ALLOWANCE


def _write_temporary(h5py, path, temporary, descriptor, holder, attrs, data) -> None:
    """Write the field into ``temporary`` (collective) and close it, whatever fails.

    First rank 0 allocates the file's blocks (:func:`hpcffi._files.reserve_blocks`
    on ``descriptor``, its open lock-holding descriptor), so that libhdf5's and
    MPI-IO's writes cannot meet ENOSPC: parallel HDF5 that meets it on some
    ranks may leave the others waiting in the close's collectives. Where the
    file system cannot allocate ahead, what follows still holds for one process.

    libhdf5 1.10 must never be left with a file it failed to close: after a
    failed ``H5Fclose`` (its metadata flush hit ENOSPC) the file's id stays
    half-closed and the next close of it (h5py's garbage collection, or
    libhdf5's own at exit) dies of SIGSEGV. So every failure is agreed on by
    all ranks *before* the close; then rank 0 gives back the room it held
    (:func:`hpcffi._files.reserve_space`) and truncates the temporary to
    nothing, and the close writes its few metadata bytes into that room and
    succeeds. Then the error is raised
    (a full disk as :func:`disk_full_error` naming ``path``).
    """
    group = holder.group
    block = holder.block
    try:
        reserve = group.on_root(reserve_space, path.parent, CLOSE_RESERVE)
    except OSError as error:
        raise disk_full_error(path, error) if is_disk_full(error) else error from None
    try:
        handle = _open(h5py, temporary, "w", group)  # a failure here fails alike on every rank (collective open)
    except Exception as error:  # noqa: BLE001
        if reserve is not None:
            os.close(reserve)
        raise disk_full_error(path, error) if is_disk_full(error) else error from None
    failure = None
    size = _file_bytes(holder)
    try:
        if descriptor is not None:
            reserve_blocks(descriptor, size)
    except OSError as error:
        failure = error
    failed = any(group.allgather(failure is not None))
    try:
        if failed:
            raise failure or RuntimeError("another rank failed")
        for key, value in attrs.items():  # collective in MPI runs: same values on every rank
            handle.attrs[key] = _attribute(value)
        dataset = handle.create_dataset(DATASET, shape=holder.shape, dtype="<f8")
        if group.parallel:
            with dataset.collective:
                dataset[block.rows, block.cols] = data
        else:
            dataset[...] = data
        del dataset
    except Exception as error:  # noqa: BLE001 (any failure: agreed on below, then raised)
        failure = error
    failed = any(group.allgather(failure is not None))
    if not failed:
        try:
            handle.flush()  # the metadata: ENOSPC shows here, not only in the close
        except Exception as error:  # noqa: BLE001
            failure = error
        failed = any(group.allgather(failure is not None))
    if reserve is not None:
        os.close(reserve)  # the room libhdf5's close may need
    if failed:
        if group.is_root:
            try:
                os.truncate(temporary, 0)
            except OSError:
                pass
        group.barrier()
    try:
        handle.close()
    except Exception as error:  # noqa: BLE001 (reported below; see the docstring for why it must not happen)
        failure = failure or error
    del handle
    if descriptor is not None:
        release_blocks_beyond_end(descriptor, size)
    if failure is not None:
        if is_disk_full(failure):
            raise disk_full_error(path, failure) from None
        raise failure


# MPI launchers' variables: a child with them would join the parent's MPI job
# (Debian's h5py picks its MPI build, which initialises MPI, when it sees them).
_MPI_ENVIRONMENT = ("OMPI_", "PMIX_", "PMI_", "MPI_LOCALNRANKS", "H5PY_ALWAYS_USE_MPI")


def describe(path) -> dict:
    """``{"shape": (nx, ny), "attrs": {...}}`` of a field file, looked at in a child process.

    Raises ValueError for a file that is not a readable HDF5 field, including
    one that makes libhdf5 crash (the child dies; this process reports it).
    """
    require(False)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a regular file")
    environment = {key: value for key, value in os.environ.items() if not key.startswith(_MPI_ENVIRONMENT)}
    try:
        child = subprocess.run([sys.executable, _hdf5_probe.__file__, path], capture_output=True, text=True,
                               env=environment, timeout=PROBE_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise ValueError(f"{path}: libhdf5 did not finish reading the file's metadata in {PROBE_SECONDS} s "
                         "(a damaged file?)") from None
    if child.returncode < 0:
        name = signal.Signals(-child.returncode).name if -child.returncode in signal.Signals._value2member_map_ \
            else f"signal {-child.returncode}"
        raise ValueError(f"{path}: libhdf5 crashed ({name}) reading the file's metadata: a damaged file")
    try:
        result = json.loads(child.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise ValueError(f"{path}: could not look at the file (exit {child.returncode}): "
                         f"{child.stderr.strip()[-300:]}") from None
    if "error" in result:
        raise ValueError(result["error"])
    return {"shape": tuple(result["shape"]), "attrs": result["attrs"]}


def read_shape(path) -> tuple[int, int]:
    """``(nx, ny)`` of the ``/field`` dataset (see :func:`describe`)."""
    return describe(path)["shape"]


def read_attrs(path) -> dict:
    """The file's attributes, strings decoded (see :func:`describe`)."""
    return describe(path)["attrs"]


def read_block(path, group, block):
    """This rank's ``block`` of ``/field`` as float64 (collective).

    Raises ValueError (a file that is not an HDF5 field) or OSError on every
    rank alike (the caller wraps it in :meth:`Group.agree`).
    """
    h5py = require(group.parallel)
    try:
        with _open(h5py, path, "r", group) as handle:
            dataset = _hdf5_probe.check_dataset(handle, path)
            out = np.empty((block.nx, block.ny), dtype=np.float64)
            if group.parallel:
                with dataset.collective:
                    out[...] = dataset[block.rows, block.cols]
            else:
                out[...] = dataset[block.rows, block.cols]
    except OSError as error:
        raise ValueError(f"{path}: not a readable HDF5 file ({error})") from None
    return out


def write_xdmf(path, entries, shape) -> None:
    """An XDMF file that lets ParaView and VisIt open HDF5 fields as a time series of 2D grids.

    ``entries``: ``(time, h5 file name relative to path's folder)`` pairs. The
    field is a uniform grid with nx rows (the Y axis) and ny columns (X).
    """
    from ._files import atomic_write

    nx, ny = shape
    grids = []
    for time, name in entries:
        grids.append(
            f'      <Grid Name="field" GridType="Uniform">\n'
            f'        <Time Value="{time!r}"/>\n'
            f'        <Topology TopologyType="2DCoRectMesh" Dimensions="{nx} {ny}"/>\n'
            f'        <Geometry GeometryType="ORIGIN_DXDY">\n'
            f'          <DataItem Dimensions="2" NumberType="Float" Precision="8" Format="XML">0 0</DataItem>\n'
            f'          <DataItem Dimensions="2" NumberType="Float" Precision="8" Format="XML">1 1</DataItem>\n'
            f'        </Geometry>\n'
            f'        <Attribute Name="temperature" AttributeType="Scalar" Center="Node">\n'
            f'          <DataItem Dimensions="{nx} {ny}" NumberType="Float" Precision="8" Format="HDF">'
            f'{name}:/{DATASET}</DataItem>\n'
            f'        </Attribute>\n'
            f'      </Grid>\n')
    text = ('<?xml version="1.0" ?>\n<!DOCTYPE Xdmf SYSTEM "Xdmf.dtd" []>\n<Xdmf Version="3.0">\n  <Domain>\n'
            f'    <Grid Name={quoteattr("heat")} GridType="Collection" CollectionType="Temporal">\n'
            + "".join(grids) + "    </Grid>\n  </Domain>\n</Xdmf>\n")
    atomic_write(path, lambda handle: handle.write(text.encode()), durable=False)
