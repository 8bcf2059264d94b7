"""Sphinx configuration of the hpcffi documentation (MyST Markdown pages).

Build: sphinx-build -W --keep-going -b html docs <out>  (the ctest `docs`
does this, and `-b doctest`, with the package of a build tree on PYTHONPATH:
the API reference is generated from the docstrings of the imported package).

The lesson's pages are its notebooks themselves: docs/notebooks is a link to
examples/lesson, whose step files are jupytext py:percent notebooks, and
myst-nb runs them with the `hpcffi` Jupyter kernel (its kernelspec must be
found: `module load hpcffi`, JUPYTER_PATH=<build>/share/jupyter, or
`python -m hpcffi kernel install --user`) so that the pages show their outputs.
"""
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
sys.path.insert(0, os.path.join(here, "_ext"))

project = "hpcffi"
author = "the hpcffi developers"
# The version of CMake's project(), the one source of the version number.
with open(os.path.join(root, "CMakeLists.txt"), encoding="utf-8") as cmakelists:
    release = version = re.search(r"project\(hpcffi VERSION (\S+)", cmakelists.read()).group(1)

extensions = [
    "myst_nb",              # the pages are Markdown (MyST), the lesson's notebooks are executed
    "sphinx.ext.autodoc",   # Python API reference from the docstrings
    "sphinx.ext.doctest",   # ```{doctest}``` blocks run by `sphinx-build -b doctest`
    "hpcffi_docs",          # {command-output}: the text a command prints, run at build time
]
myst_heading_anchors = 3    # [text](page.md#a-heading) links
# .py sources are notebooks in jupytext's percent format; conf.py and the
# lesson's build scripts are not pages.
nb_custom_formats = {".py": ["jupytext.reads", {"fmt": "py:percent"}]}
exclude_patterns = ["_build", "README.md", "conf.py", "_ext", "notebooks/README.md",
                    "notebooks/*_build.py", "notebooks/_add_*", "notebooks/__pycache__"]

# Every notebook runs at every build (a few seconds each), in its own folder:
# the out-of-line steps run their build scripts from there. A failing cell fails
# the build, except the exercises' gap cells (tagged raises-exception).
nb_execution_mode = "force"
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
# Submitting a job needs a Slurm cluster; the slurm label runs that notebook.
nb_execution_excludepatterns = ["notebooks/08_submit_the_job.py"]
nb_merge_streams = True


def _hpcffi_kernel_missing():
    try:
        from jupyter_client.kernelspec import find_kernel_specs
    except ImportError:
        return "jupyter_client is not installed"
    if "hpcffi" not in find_kernel_specs():
        return "no Jupyter kernel named hpcffi (JUPYTER_PATH=%s)" % os.environ.get("JUPYTER_PATH", "")
    return None


_missing = _hpcffi_kernel_missing()
if _missing and nb_execution_mode != "off":
    # Shown without outputs rather than not at all; a warning, so -W (the tests) fails.
    from sphinx.util import logging
    logging.getLogger("hpcffi.conf").warning(
        "lesson notebooks not executed: %s; run `module load hpcffi` or set JUPYTER_PATH=<build>/share/jupyter", _missing)
    nb_execution_mode = "off"
root_doc = "index"

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"hpcffi {release}"
html_theme_options = {"description": "parallel C++ kernels from Python through cffi", "fixed_sidebar": True}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Doctests run in the cffi mode of the environment (api unless HPCFFI_MODE says otherwise).
doctest_global_setup = "import numpy as np\nimport hpcffi"
