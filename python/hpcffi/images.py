"""PNG images of a temperature field (matplotlib, Agg canvas, no pyplot state).

``save_png(path, field, step)`` draws the field with a colour bar and the step
in the title. It uses matplotlib's object API with an explicit Agg canvas, so it
never needs a display, never touches the global pyplot backend and leaks no
figures across calls. Pass the same ``vmin``/``vmax`` to every frame of a run
(the initial field's range; the explicit scheme never leaves it) so colours
compare between images. Images are written to a temporary file and renamed, so
a reader never sees half an image.

Images of a large or distributed field are drawn from a *reduced* field
(:func:`reduced_field`): every rank keeps every k-th row and column of its own
block (k chosen so the long side has at most ``max_pixels`` values), and only
those samples travel to rank 0. The image's cost on rank 0 therefore does not
grow with the field, and no rank ever gathers the whole field.
"""

from __future__ import annotations

import numpy as np

from ._files import atomic_write

__all__ = ["save_png", "frame_name", "stride_for", "reduced_field", "DEFAULT_MAX_PIXELS"]

#: Longest side of the reduced field drawn into images (the figure itself is 560 x 480 pixels).
DEFAULT_MAX_PIXELS = 1024


def stride_for(shape, max_pixels: int = DEFAULT_MAX_PIXELS) -> int:
    """Smallest k such that every k-th row and column of ``shape`` gives at most ``max_pixels`` per side."""
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be >= 1, got {max_pixels}")
    return max(1, -(-max(shape) // max_pixels))


def reduced_field(holder, max_pixels: int = DEFAULT_MAX_PIXELS):
    """Every k-th row and column of the holder's whole field, on rank 0 (None elsewhere); collective.

    Rows and columns whose global index is a multiple of k are kept, whatever
    the decomposition, so the image is the same for any rank count.
    """
    nx, ny = holder.shape
    k = stride_for((nx, ny), max_pixels)
    block = holder.block
    first_row = (-block.row0) % k
    first_col = (-block.col0) % k
    local = holder.get_block()[first_row::k, first_col::k].copy() if k > 1 else holder.get_block()
    piece = ((block.row0 + first_row) // k, (block.col0 + first_col) // k, local)
    pieces = holder.group.gather(piece)
    if pieces is None or not holder.group.is_root:
        return None
    out = np.empty((-(-nx // k), -(-ny // k)), dtype=np.float64)
    for row, col, data in pieces:
        out[row:row + data.shape[0], col:col + data.shape[1]] = data
    return out


def frame_name(step: int) -> str:
    """File name of the image after ``step`` steps: ``heat_<step:06d>.png``."""
    return f"heat_{step:06d}.png"


def save_png(path, field: np.ndarray, step: int, *, vmin: float | None = None, vmax: float | None = None,
             title: str | None = None, cmap: str = "inferno", dpi: int = 100, stride: int = 1) -> None:
    """Draw ``field`` into a PNG. ``stride``: ``field`` holds every stride-th row and column of the
    real field (see :func:`reduced_field`); the axes then still show the real field's indices."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = np.asarray(field, dtype=np.float64)
    figure = Figure(figsize=(5.6, 4.8), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # extent (left, right, bottom, top) in the real field's indices: sample k*i is row k*i.
    extent = (-0.5 * stride, (data.shape[1] - 0.5) * stride, (data.shape[0] - 0.5) * stride, -0.5 * stride)
    image = axes.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, origin="upper", interpolation="nearest",
                        extent=extent)
    colourbar = figure.colorbar(image, ax=axes)
    colourbar.set_label("temperature")
    axes.set_title(title if title is not None else f"heat equation, step {step}")
    axes.set_xlabel("j (column)")
    axes.set_ylabel("i (row)")
    figure.tight_layout()

    # Not fsynced: an image lost in a crash is remade by the rerun.
    atomic_write(path, lambda handle: figure.savefig(handle, format="png"), durable=False)
