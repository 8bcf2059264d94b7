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
#                               that MPICH rejects)
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

# hpcffi_add_mpi_test(NAME <name> NPROCS <p> COMMAND <exe-or-target> [args...]
#                     [LABELS <label>...] [ENVIRONMENT <NAME=VALUE>...]
#                     [TIMEOUT <seconds>])
#
# Adds a ctest test that runs
#   ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} <p> ${HPCFFI_MPIEXEC_EXTRA_FLAGS}
#       <exe> ${MPIEXEC_POSTFLAGS} <args...>
# (HPCFFI_MPIEXEC_EXTRA_FLAGS defaults to MPIEXEC_PREFLAGS), labelled `mpi` plus LABELS, with PROCESSORS <p> so that
# `ctest -j` does not overbook cores, a TIMEOUT (default
# HPCFFI_MPI_TEST_TIMEOUT) and the environment from the cache options plus
# ENVIRONMENT. <exe> may be a target name (a generator expression for its
# file is used) or any program, e.g. ${Python3_EXECUTABLE} -m pytest ...
function(hpcffi_add_mpi_test)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "NAME;NPROCS;TIMEOUT" "COMMAND;LABELS;ENVIRONMENT")
  if(NOT arg_NAME OR NOT arg_NPROCS OR NOT arg_COMMAND)
    message(FATAL_ERROR "hpcffi_add_mpi_test: NAME, NPROCS and COMMAND are required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "hpcffi_add_mpi_test(${arg_NAME}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT MPIEXEC_EXECUTABLE)
    message(FATAL_ERROR "hpcffi_add_mpi_test(${arg_NAME}): no mpiexec found (set MPIEXEC_EXECUTABLE)")
  endif()
  list(POP_FRONT arg_COMMAND program)
  if(TARGET ${program})
    set(program $<TARGET_FILE:${program}>)
  endif()
  set(environment ${HPCFFI_MPI_TEST_ENVIRONMENT} ${arg_ENVIRONMENT})
  if(HPCFFI_MPI_OVERSUBSCRIBE)
    list(APPEND environment OMPI_MCA_rmaps_base_oversubscribe=1)
  endif()
  if(HPCFFI_MPI_ALLOW_RUN_AS_ROOT)
    list(APPEND environment OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1)
  endif()
  set(timeout ${HPCFFI_MPI_TEST_TIMEOUT})
  if(arg_TIMEOUT)
    set(timeout ${arg_TIMEOUT})
  endif()
  add_test(NAME ${arg_NAME}
           COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${arg_NPROCS} ${HPCFFI_MPIEXEC_EXTRA_FLAGS}
                   ${program} ${MPIEXEC_POSTFLAGS} ${arg_COMMAND})
  set_tests_properties(${arg_NAME} PROPERTIES
    LABELS "mpi;${arg_LABELS}"
    PROCESSORS ${arg_NPROCS}
    TIMEOUT ${timeout}
    ENVIRONMENT "${environment}")
endfunction()
