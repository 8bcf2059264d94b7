"""Sphinx configuration of the hpcffi documentation (MyST Markdown pages).

Build: sphinx-build -W --keep-going -b html docs <out>  (the ctest `docs`
does this, and `-b doctest`, with the package of a build tree on PYTHONPATH:
the API reference is generated from the docstrings of the imported package).
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
    "myst_parser",          # the pages are Markdown (MyST)
    "sphinx.ext.autodoc",   # Python API reference from the docstrings
    "sphinx.ext.doctest",   # ```{doctest}``` blocks run by `sphinx-build -b doctest`
    "hpcffi_docs",          # {command-output}: the text a command prints, run at build time
]
myst_heading_anchors = 3    # [text](page.md#a-heading) links
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build", "README.md"]
root_doc = "index"

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"hpcffi {release}"
html_theme_options = {"description": "parallel C++ kernels from Python through cffi", "fixed_sidebar": True}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Doctests run in the cffi mode of the environment (api unless HPCFFI_MODE says otherwise).
doctest_global_setup = "import numpy as np\nimport hpcffi"
