# compare_drivers.cmake -- run hpcffi-heat and hpcffi-heat-mpi on the same
# problem and require the same "mean temperature:" line (as a string).
# Variables (lists joined with '|'): SERIAL_DRIVER, MPI_DRIVER, LAUNCHER,
# POSTFLAGS, ARGS.
foreach(var LAUNCHER POSTFLAGS ARGS)
  string(REPLACE "|" ";" ${var} "${${var}}")
endforeach()

function(run_driver out)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT code EQUAL 0)
    message(FATAL_ERROR "${ARGN}\nexited with ${code}\n${stdout}\n${stderr}")
  endif()
  message(STATUS "${ARGN}\n${stdout}")
  string(REGEX MATCH "mean temperature: ([^\n]*)" line "${stdout}")
  if(NOT line)
    message(FATAL_ERROR "no 'mean temperature:' line in the output of ${ARGN}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

run_driver(serial ${SERIAL_DRIVER} ${ARGS})
run_driver(distributed ${LAUNCHER} ${MPI_DRIVER} ${POSTFLAGS} ${ARGS})
if(NOT serial STREQUAL distributed)
  message(FATAL_ERROR "mean temperatures differ: hpcffi-heat ${serial}, hpcffi-heat-mpi ${distributed}")
endif()
message(STATUS "both drivers: mean temperature ${serial}")
