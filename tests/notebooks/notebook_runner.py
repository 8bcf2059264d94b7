"""Execute a lesson notebook (a jupytext py:percent file) with a real Jupyter kernel.

The notebooks of examples/lesson are Python scripts in jupytext's percent format; jupytext turns
one into a notebook and nbclient runs it cell by cell in the kernel its header names (`hpcffi`),
which the kernel's own kernelspec starts (JUPYTER_PATH says where it is). What the cells printed,
drew and raised is then read from the executed notebook, as a reader of the page would see it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbclient
import nbformat

KERNEL = "hpcffi"


@dataclass
class Executed:
    """An executed notebook and what its cells produced."""

    notebook: nbformat.NotebookNode

    def _outputs(self):
        for cell in self.notebook.cells:
            yield from cell.get("outputs", [])

    def stream(self, name: str = "stdout") -> str:
        """Everything the cells wrote to one stream, in order."""
        return "".join(out.text for out in self._outputs() if out.output_type == "stream" and out.name == name)

    def lines(self) -> list[str]:
        return self.stream("stdout").splitlines()

    def errors(self) -> list[tuple[str, str]]:
        """(exception name, value) of every cell that raised (only tagged cells may)."""
        return [(out.ename, out.evalue) for out in self._outputs() if out.output_type == "error"]

    def images(self) -> int:
        """How many PNG images the cells displayed (inline matplotlib figures)."""
        return sum(1 for out in self._outputs()
                   if out.output_type in ("display_data", "execute_result") and "image/png" in out.get("data", {}))


def lesson_copy(lesson_dir: Path, destination: Path) -> Path:
    """A private copy of the lesson's folder: notebooks build and write files next to themselves."""
    shutil.copytree(lesson_dir, destination, ignore=shutil.ignore_patterns("__pycache__", "_add_*"))
    return destination


def execute(notebook: Path, timeout: int = 300) -> Executed:
    """Run every cell of `notebook` in its own folder (as Jupyter does) with the hpcffi kernel.

    A cell that raises stops the run with nbclient's CellExecutionError, except cells tagged
    `raises-exception` (the exercises' gaps), whose error is kept in the outputs.
    """
    nb = jupytext.read(notebook)
    name = nb.metadata.get("kernelspec", {}).get("name")
    assert name == KERNEL, f"{notebook.name}: its header names kernel {name!r}, not {KERNEL!r}"
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=KERNEL,
                                     resources={"metadata": {"path": str(notebook.parent)}})
    client.execute()
    return Executed(nb)
