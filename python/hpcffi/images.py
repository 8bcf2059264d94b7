"""PNG images of a temperature field (matplotlib, Agg canvas, no pyplot state).

``save_png(path, field, step)`` draws the field with a colour bar and the step
in the title. It uses matplotlib's object API with an explicit Agg canvas, so it
never needs a display, never touches the global pyplot backend and leaks no
figures across calls. Pass the same ``vmin``/``vmax`` to every frame of a run
(the initial field's range; the explicit scheme never leaves it) so colours
compare between images. Images are written to a temporary file and renamed, so
a reader never sees half an image.
"""

from __future__ import annotations

import numpy as np

from ._files import atomic_write

__all__ = ["save_png", "frame_name"]


def frame_name(step: int) -> str:
    """File name of the image after ``step`` steps: ``heat_<step:06d>.png``."""
    return f"heat_{step:06d}.png"


def save_png(path, field: np.ndarray, step: int, *, vmin: float | None = None, vmax: float | None = None,
             title: str | None = None, cmap: str = "inferno", dpi: int = 100) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = np.asarray(field, dtype=np.float64)
    figure = Figure(figsize=(5.6, 4.8), dpi=dpi)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, origin="upper", interpolation="nearest")
    colourbar = figure.colorbar(image, ax=axes)
    colourbar.set_label("temperature")
    axes.set_title(title if title is not None else f"heat equation, step {step}")
    axes.set_xlabel("j (column)")
    axes.set_ylabel("i (row)")
    figure.tight_layout()

    # Not fsynced: an image lost in a crash is remade by the rerun.
    atomic_write(path, lambda handle: figure.savefig(handle, format="png"), durable=False)
