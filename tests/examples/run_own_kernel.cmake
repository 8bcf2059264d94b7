# run_own_kernel.cmake -- install hpcffi into a fresh prefix, then configure,
# build and test examples/own-kernel against it, as a user's project would
# (the walkthrough docs/own-kernel.md quotes those files).
#   -DBUILD_DIR= -DSOURCE= -DWORK_DIR= -DGENERATOR= -DPYTHON= -DPYTHONDIR=<prefix-relative site-packages>
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message(STATUS "$ ${ARGN}\n${out}${err}")
  if(rc)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
# Only the installed hpcffi is visible: its Python package first on PYTHONPATH
# (no build tree on it), its CMake package by prefix.
set(ENV{PYTHONPATH} ${prefix}/${PYTHONDIR})
set(ENV{HPCFFI_LIBRARY} "")
run(${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK_DIR}/build -G ${GENERATOR} -DCMAKE_PREFIX_PATH=${prefix}
    -DPython3_EXECUTABLE=${PYTHON})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${CMAKE_COMMAND} -E env OMP_NUM_THREADS=2 ${CMAKE_CTEST_COMMAND} --test-dir ${WORK_DIR}/build --output-on-failure)
