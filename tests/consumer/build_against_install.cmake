# build_against_install.cmake -- what the tests that build a project against
# the INSTALLED hpcffi share (run_consumer.cmake, tests/bench/run_harness.cmake):
#   run(<command...>)        runs it; fails with its output; keeps stdout in last_output
#   build_against_install(<source>)
#                            installs BUILD_DIR into a fresh WORK_DIR/prefix, then
#                            configures and builds <source> in WORK_DIR/build
#                            with only that prefix on CMAKE_PREFIX_PATH
# Expects -DBUILD_DIR= -DWORK_DIR= -DGENERATOR= on the cmake -P command line.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(build_against_install source)
  file(REMOVE_RECURSE ${WORK_DIR})
  set(prefix ${WORK_DIR}/prefix)
  run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
  run(${CMAKE_COMMAND} -S ${source} -B ${WORK_DIR}/build -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
endfunction()
