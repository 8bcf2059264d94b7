# hpcffi_mpi_tests.cmake -- how ctest launches MPI programs, shared by the C++
# (tests/mpi) and Python MPI tests. Included by tests/CMakeLists.txt.
#
# Every launch setting is a cache variable, so a site changes them on the
# command line (cmake -DHPCFFI_MPIEXEC_EXTRA_FLAGS="--bind-to;none") instead
# of in code:
#   MPIEXEC_EXECUTABLE, MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS,
#   MPIEXEC_POSTFLAGS        from FindMPI (e.g. -DMPIEXEC_EXECUTABLE=srun)
#   HPCFFI_MPIEXEC_EXTRA_FLAGS  the flags before the program (default: FindMPI's
#                               MPIEXEC_PREFLAGS; e.g. --bind-to;none for hybrid)
#   HPCFFI_MPI_OVERSUBSCRIBE    allow more ranks than cores (Open MPI, via
#                               its environment, not the --oversubscribe flag
#                               that MPICH rejects; also OMP_WAIT_POLICY=PASSIVE)
#   HPCFFI_MPI_ALLOW_RUN_AS_ROOT  let Open MPI run as root (containers, CI)
#   HPCFFI_MPI_TEST_TIMEOUT     seconds before ctest kills a hung MPI test
#   HPCFFI_MPI_TEST_ENVIRONMENT extra NAME=VALUE pairs for every MPI test
include_guard(GLOBAL)

if(NOT MPIEXEC_EXECUTABLE)
  find_package(MPI QUIET COMPONENTS C)
endif()

set(HPCFFI_MPIEXEC_EXTRA_FLAGS "${MPIEXEC_PREFLAGS}" CACHE STRING
    "Flags placed before the program in MPI test commands (list; default: FindMPI's MPIEXEC_PREFLAGS)")
option(HPCFFI_MPI_OVERSUBSCRIBE
       "Let MPI tests start more ranks than cores (sets OMPI_MCA_rmaps_base_oversubscribe=1)" ON)
# Root is refused by Open MPI unless told otherwise; default ON only when
# this configure runs as root (a container or CI job), OFF for users.
set(_hpcffi_is_root OFF)
if(UNIX)
  execute_process(COMMAND id -u OUTPUT_VARIABLE _hpcffi_uid OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_hpcffi_uid STREQUAL "0")
    set(_hpcffi_is_root ON)
  endif()
endif()
option(HPCFFI_MPI_ALLOW_RUN_AS_ROOT
       "Let Open MPI run MPI tests as root (sets OMPI_ALLOW_RUN_AS_ROOT and its confirmation)" ${_hpcffi_is_root})
set(HPCFFI_MPI_TEST_TIMEOUT 120 CACHE STRING "Timeout in seconds of each MPI test (a hang fails instead of blocking)")
set(HPCFFI_MPI_TEST_ENVIRONMENT "" CACHE STRING "Extra NAME=VALUE;... environment for every MPI test")

# hpcffi_mpi_launcher(<out-var> <nprocs>): the command prefix that starts
# <nprocs> ranks, ending where the program goes:
#   ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} <nprocs> ${HPCFFI_MPIEXEC_EXTRA_FLAGS}
# (HPCFFI_MPIEXEC_EXTRA_FLAGS defaults to MPIEXEC_PREFLAGS). Put the program,
# then ${MPIEXEC_POSTFLAGS}, then its arguments after it.
function(hpcffi_mpi_launcher out nprocs)
  if(NOT MPIEXEC_EXECUTABLE)
    message(FATAL_ERROR "hpcffi_mpi_launcher: no mpiexec found (set MPIEXEC_EXECUTABLE)")
  endif()
  set(${out} ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${nprocs} ${HPCFFI_MPIEXEC_EXTRA_FLAGS} PARENT_SCOPE)
endfunction()

# hpcffi_mpi_environment(<out-var>): NAME=VALUE list every MPI test needs,
# from the cache options above.
function(hpcffi_mpi_environment out)
  set(environment ${HPCFFI_MPI_TEST_ENVIRONMENT})
  if(HPCFFI_MPI_OVERSUBSCRIBE)
    # With more ranks x threads than cores, OpenMP threads that spin at
    # barriers steal the core from the thread they wait for: a 70 ms test
    # took 8 s. Passive waiting sleeps instead.
    list(APPEND environment OMPI_MCA_rmaps_base_oversubscribe=1 OMP_WAIT_POLICY=PASSIVE)
  endif()
  if(HPCFFI_MPI_ALLOW_RUN_AS_ROOT)
    list(APPEND environment OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
  endif()
  set(${out} ${environment} PARENT_SCOPE)
endfunction()

# hpcffi_add_mpi_test(NAME <name> NPROCS <p> COMMAND <exe-or-target> [args...]
#                     [LABELS <label>...] [ENVIRONMENT <NAME=VALUE>...]
#                     [TIMEOUT <seconds>])
#
# Adds a ctest test that runs
#   ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} <p> ${HPCFFI_MPIEXEC_EXTRA_FLAGS}
#       <exe> ${MPIEXEC_POSTFLAGS} <args...>
# labelled `mpi` plus LABELS, with PROCESSORS <p> (so `ctest -j` does not
# overbook cores), a TIMEOUT (default HPCFFI_MPI_TEST_TIMEOUT: a hang fails
# instead of blocking), and the environment of hpcffi_mpi_environment() plus
# ENVIRONMENT. <exe> may be a target name (its file is used) or any program,
# e.g. COMMAND ${Python3_EXECUTABLE} -m pytest -q tests/python/test_mpi.py
function(hpcffi_add_mpi_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;NPROCS;TIMEOUT" "COMMAND;LABELS;ENVIRONMENT")
  if(NOT arg_NAME OR NOT arg_NPROCS OR NOT arg_COMMAND)
    message(FATAL_ERROR "hpcffi_add_mpi_test: NAME, NPROCS and COMMAND are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hpcffi_add_mpi_test(${arg_NAME}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  list(POP_FRONT arg_COMMAND program)
  if(TARGET ${program})
    set(program $<TARGET_FILE:${program}>)
  endif()
  hpcffi_mpi_launcher(launcher ${arg_NPROCS})
  hpcffi_mpi_environment(environment)
  list(APPEND environment ${arg_ENVIRONMENT})
  set(timeout ${HPCFFI_MPI_TEST_TIMEOUT})
  if(arg_TIMEOUT)
    set(timeout ${arg_TIMEOUT})
  endif()
  add_test(NAME ${arg_NAME} COMMAND ${launcher} ${program} ${MPIEXEC_POSTFLAGS} ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES
    LABELS "mpi;${arg_LABELS}"
    PROCESSORS ${arg_NPROCS}
    TIMEOUT ${timeout}
    ENVIRONMENT "${environment}")
endfunction()
