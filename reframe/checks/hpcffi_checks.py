"""ReFrame checks for an installed hpcffi (`module load hpcffi`): run them on your cluster.

    reframe -C reframe/config/hpcffi_local.py -c reframe/checks -r

Four checks, each a fixed problem whose printed reference value must come out
to the last printed digit (sanity), and whose figures of merit (Mpts/s, and
seconds) are compared against per-system references (performance):

    HpcffiHeatOpenMP    hpcffi-heat, the C++ OpenMP driver, 1 task x 2 threads
    HpcffiHeatMPI       hpcffi-heat-mpi through srun, ranks x threads (2 x 1, 1 x 2)
    HpcffiHeatPython    python -m hpcffi heat in cffi API mode
    HpcffiFibonacciJob  the project's jobs/fibonacci.sbatch, as installed

Everything a site or a kernel change touches is in the two dicts below:
EXPECTED (the reference values: after a change of the kernel's formula, rerun
the commands shown with each entry and paste what they print) and REFERENCES
(performance references per `system:partition`; see docs/validate.md).
"""

import re

import reframe as rfm
import reframe.utility.sanity as sn
from reframe.core.backends import getlauncher
from reframe.core.builtins import parameter, performance_function, run_after, run_before, sanity_function

# ---------------------------------------------------------------------------
# The one place for expected values (printed digits, verbatim).
# ---------------------------------------------------------------------------
EXPECTED = {
    # hpcffi-heat --nx 1000 --ny 1000 --steps 200 (any threads; hpcffi-heat-mpi: any ranks x threads)
    "heat_cpp_mean": "26.951772991806646",
    # python -m hpcffi heat --nx 1000 --ny 1000 --steps 200 (built-in bottle-like field)
    "heat_python_mean": "86.357922000000",
    # python -m hpcffi fib 90: the last line is F(89)
    "fib_last": "1779979416004714189",
    # python -m hpcffi fib 0 --exact 100000
    "fib_exact_digits": "20899",
    "fib_exact_value": "25974069347221724166...49895374653428746875",
}

HEAT_PROBLEM = ["--nx", "1000", "--ny", "1000", "--steps", "200"]

# ---------------------------------------------------------------------------
# Performance references: {system:partition or '*': {check: {variable: (ref, lower, upper, unit)}}}.
# lower/upper are fractions of ref (-0.9: at least 10 % of ref; None: no bound).
# The local test cluster is a shared 2-core VM whose speed varied more than
# 10x between runs: its references only catch a collapse (a run 50x too slow).
# A centre adds its own entry with references measured on its partition.
# ---------------------------------------------------------------------------
REFERENCES = {
    "hpcffi-local:compute": {
        "HpcffiHeatOpenMP": {"mpts": (1000.0, -0.98, None, "Mpts/s"), "seconds": (0.2, None, 49.0, "s")},
        "HpcffiHeatMPI": {"mpts": (1000.0, -0.98, None, "Mpts/s"), "seconds": (0.2, None, 49.0, "s")},
        "HpcffiHeatPython": {"mpts": (1000.0, -0.98, None, "Mpts/s"), "seconds": (2.0, None, 49.0, "s")},
        "HpcffiFibonacciJob": {"seconds": (2.0, None, 49.0, "s"), "exact_ms": (1.0, None, 99.0, "ms")},
    },
    # Any other system: no bounds, the values are only recorded.
    "*": {
        "HpcffiHeatOpenMP": {"mpts": (0, None, None, "Mpts/s"), "seconds": (0, None, None, "s")},
        "HpcffiHeatMPI": {"mpts": (0, None, None, "Mpts/s"), "seconds": (0, None, None, "s")},
        "HpcffiHeatPython": {"mpts": (0, None, None, "Mpts/s"), "seconds": (0, None, None, "s")},
        "HpcffiFibonacciJob": {"seconds": (0, None, None, "s"), "exact_ms": (0, None, None, "ms")},
    },
}


def references_for(check):
    return {system: refs[check] for system, refs in REFERENCES.items() if check in refs}


def line(text):
    """A regex for one whole output line, the text verbatim."""
    return rf"^{re.escape(text)}$"


# Wall-clock seconds of the job step, for programs that print no time of their own.
WALL_START = "hpcffi_t0=$(date +%s.%N)"
WALL_END = ("awk -v t0=\"$hpcffi_t0\" -v t1=\"$(date +%s.%N)\" "
            "'BEGIN { printf \"hpcffi-check: wall time %.3f s\\n\", t1 - t0 }'")


class HpcffiCheck(rfm.RunOnlyRegressionTest):
    """What all hpcffi checks share: the `hpcffi` environment, tags, maintainers."""

    valid_systems = ["*"]
    valid_prog_environs = ["+hpcffi"]
    tags = {"hpcffi"}
    maintainers = ["hpcffi"]
    time_limit = "10m"

    @run_after("init")
    def set_references(self):
        self.reference = references_for(type(self).__name__)


class HpcffiHeatCheck(HpcffiCheck):
    """A heat driver: its figure of merit (Mpts/s) and its own time (seconds), read from its output."""

    @performance_function("Mpts/s")
    def mpts(self):
        return sn.extractsingle(r"^figure of merit: (\S+) Mpts/s", self.stdout, 1, float)

    @performance_function("s")
    def seconds(self):
        return sn.extractsingle(r"^time: (\S+) s", self.stdout, 1, float)


@rfm.simple_test
class HpcffiHeatOpenMP(HpcffiHeatCheck):
    descr = "hpcffi-heat (C++, OpenMP): mean temperature of a 1000 x 1000, 200-step run"
    executable = "hpcffi-heat"
    num_tasks = 1
    num_cpus_per_task = 2
    executable_opts = HEAT_PROBLEM + ["--threads", "2"]

    @sanity_function
    def validate(self):
        return sn.all([sn.assert_found(line(f"mean temperature: {EXPECTED['heat_cpp_mean']}"), self.stdout),
                       sn.assert_found(r"^threads: 2$", self.stdout)])


@rfm.simple_test
class HpcffiHeatMPI(HpcffiHeatCheck):
    descr = "hpcffi-heat-mpi (MPI + OpenMP) through srun: the same mean for any ranks x threads"
    layout = parameter([(2, 1), (1, 2)], fmt=lambda x: f"{x[0]}x{x[1]}")
    executable = "hpcffi-heat-mpi"

    @run_after("init")
    def set_layout(self):
        self.num_tasks, self.num_cpus_per_task = self.layout
        self.executable_opts = HEAT_PROBLEM + ["--threads", str(self.num_cpus_per_task)]

    @run_before("run")
    def pass_cpus_to_srun(self):
        # Slurm 22.05+: srun does not inherit --cpus-per-task from the batch job.
        self.job.launcher.options += [f"--cpus-per-task={self.num_cpus_per_task}"]

    @sanity_function
    def validate(self):
        ranks, threads = self.layout
        # The line proves the run was one MPI job of `ranks` ranks, not `ranks` serial copies.
        return sn.all([sn.assert_found(line(f"mean temperature: {EXPECTED['heat_cpp_mean']}"), self.stdout),
                       sn.assert_found(rf"^ranks x threads: {ranks} x {threads} ", self.stdout)])


@rfm.simple_test
class HpcffiHeatPython(HpcffiHeatCheck):
    descr = "python -m hpcffi heat in cffi API mode: mean temperature of a 1000 x 1000, 200-step run"
    # The interpreter the module names: never a bare python3 (it may lack cffi/NumPy).
    executable = "$HPCFFI_PYTHON"
    num_tasks = 1
    num_cpus_per_task = 2
    env_vars = {"HPCFFI_MODE": "api"}
    executable_opts = ["-m", "hpcffi", "heat"] + HEAT_PROBLEM + ["--threads", "2", "--png-every", "0",
                                                                 "--output-dir", "heat-out"]
    prerun_cmds = [WALL_START]
    postrun_cmds = [WALL_END]

    @sanity_function
    def validate(self):
        return sn.all([sn.assert_found(line(f"mean temperature: {EXPECTED['heat_python_mean']}"), self.stdout),
                       sn.assert_found(r"^heat: .*\bbackend api\b", self.stdout)])

    @performance_function("s")
    def seconds(self):  # the module prints no time of its own: the step's wall time
        return sn.extractsingle(r"^hpcffi-check: wall time (\S+) s", self.stdout, 1, float)


@rfm.simple_test
class HpcffiFibonacciJob(HpcffiCheck):
    descr = "jobs/fibonacci.sbatch as installed (FIB_N=90, FIB_EXACT=100000), inside a ReFrame job"
    num_tasks = 1
    num_cpus_per_task = 1
    # The job script is the program: it loads the module, checks its parameters
    # and calls srun itself, so ReFrame must not wrap it in srun.
    executable = "bash"
    executable_opts = ["$HPCFFI_ROOT/share/hpcffi/jobs/fibonacci.sbatch"]
    env_vars = {"FIB_N": "90", "FIB_EXACT": "100000"}
    prerun_cmds = [WALL_START]
    postrun_cmds = [WALL_END]

    @run_before("run")
    def no_launcher(self):
        self.job.launcher = getlauncher("local")()

    @sanity_function
    def validate(self):
        return sn.all([
            sn.assert_found(line(EXPECTED["fib_last"]), self.stdout),
            sn.assert_found(rf"^F\(100000\) has {EXPECTED['fib_exact_digits']} digits ", self.stdout),
            sn.assert_found(rf"^F\(100000\) = {re.escape(EXPECTED['fib_exact_value'])}\s", self.stdout),
            sn.assert_found(r"^hpcffi-job: .* finished$", self.stdout),
        ])

    @performance_function("s")
    def seconds(self):
        return sn.extractsingle(r"^hpcffi-check: wall time (\S+) s", self.stdout, 1, float)

    @performance_function("ms")
    def exact_ms(self):
        return sn.extractsingle(r"^F\(100000\) has \d+ digits \(GMP in libhpcffi, (\S+) ms\)", self.stdout, 1, float)
