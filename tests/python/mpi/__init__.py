"""MPI tests of the Python package (a package so that its conftest does not shadow tests/python/conftest.py)."""
