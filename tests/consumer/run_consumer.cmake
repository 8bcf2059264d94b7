# run_consumer.cmake -- install the build into a fresh prefix, then configure,
# build and run tests/consumer/project against it, as a user's project would.
include(${CMAKE_CURRENT_LIST_DIR}/build_against_install.cmake)
build_against_install(${CONSUMER_SOURCE})
# No LD_LIBRARY_PATH: the consumer must find libhpcffi.so.N through its RPATH.
run(${WORK_DIR}/build/consumer)
message(STATUS "${last_output}")
if(NOT last_output MATCHES "hpcffi [0-9]+\\.[0-9]+\\.[0-9]+ F\\(90\\) = 2880067194370816120 mean = 0\\.5")
  message(FATAL_ERROR "unexpected consumer output: ${last_output}")
endif()
