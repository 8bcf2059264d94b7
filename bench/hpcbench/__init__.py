"""The hpcffi benchmark's modules (bench/run.py is the entry point, bench/run.sh the command).

common   the machine, its load, the initial field, calibration and interleaving
harness  hpcffi's own measurements: the C++ harness (sustained and bursts), the
         tuner's choices, the MPI driver, portable vs native, Python call overhead
peers    the same update in NumPy, Numba and Devito; Fibonacci with Python ints
report   goals, tables and plots from the collected data
"""
