"""ReFrame site configuration for hpcffi's local test cluster: copy it and edit it for yours.

    reframe -C reframe/config/hpcffi_local.py -c reframe/checks -r

The local cluster is the single-node Slurm that scripts/slurm-local.sh starts
(the `reframe` ctest label does it: tests/reframe/). What a centre changes is
marked SITE below: the system name and hostnames, the partition(s) with their
sbatch options (account, partition, QoS), the scheduler (`slurm` when Slurm
accounting is on), and how the environment loads hpcffi (the module name, and
the Python/MPI modules it needs). Performance references are set per
`system:partition` in REFERENCES at the top of reframe/checks/hpcffi_checks.py
(docs/validate.md).

Environment variables read here (all optional):
    HPCFFI_MODULEPATH  folder holding hpcffi/<version>.lua (<prefix>/share/modulefiles);
                       unset: `module load hpcffi` from the MODULEPATH as it is
    HPCFFI_RFM_ACCESS  extra sbatch options for the partition, space separated
    SLURM_CONF         passed on to the jobs when set (the local cluster's config)
"""

import os

modulepath = os.environ.get("HPCFFI_MODULEPATH", "")
# ReFrame runs `module use <path>` itself when a module comes with a path.
hpcffi_module = {"name": "hpcffi", "path": modulepath} if modulepath else "hpcffi"

site_configuration = {
    "systems": [
        {
            "name": "hpcffi-local",                                  # SITE: your system's name
            "descr": "hpcffi's single-node test cluster (scripts/slurm-local.sh)",
            "hostnames": [r".*"],                                    # SITE: your login nodes, e.g. r"login\d+"
            "modules_system": "lmod",                                # SITE: or "tmod4", "spack", ...
            "env_vars": [["SLURM_CONF", os.environ["SLURM_CONF"]]] if "SLURM_CONF" in os.environ else [],
            "partitions": [
                {
                    "name": "compute",                               # SITE: one entry per partition
                    "descr": "the one node, 4 advertised CPUs",
                    # `squeue` while Slurm accounting is off (the local cluster): `slurm`
                    # polls sacct, which fails there. SITE: "slurm" with accounting.
                    "scheduler": "squeue",
                    "launcher": "srun",
                    # SITE: ["--partition=<partition>", "--account=<project>"]
                    "access": os.environ.get("HPCFFI_RFM_ACCESS", "").split(),
                    "environs": ["hpcffi"],
                    "max_jobs": 4,
                    "time_limit": "10m",
                }
            ],
        }
    ],
    "environments": [
        {
            # The checks ask for the feature, not the name: a site may have several
            # hpcffi environments (one per toolchain), each with features ["hpcffi"].
            "name": "hpcffi",
            "features": ["hpcffi"],
            # SITE: e.g. ["python/3.11", "openmpi/4.1", "hpcffi/0.1.0"] (or depends_on in the modulefile)
            "modules": [hpcffi_module],
            "target_systems": ["hpcffi-local"],
        }
    ],
    "logging": [
        {
            "handlers_perflog": [
                {
                    # One line per performance variable, under --perflogdir (or <prefix>/perflogs).
                    "type": "filelog",
                    "prefix": "%(check_system)s/%(check_partition)s",
                    "level": "info",
                    "format": ("%(check_job_completion_time)s|reframe %(version)s|%(check_display_name)s|"
                               "%(check_system)s:%(check_partition)s|jobid=%(check_jobid)s|%(check_perfvalues)s"),
                    "format_perfvars": ("%(check_perf_value)s|%(check_perf_unit)s|%(check_perf_ref)s|"
                                        "%(check_perf_lower_thres)s|%(check_perf_upper_thres)s|"),
                    "append": True,
                }
            ]
        }
    ],
}
