"""``python -m hpcffi``: the command-line interface (see :mod:`hpcffi.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
