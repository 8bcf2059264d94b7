# hpcffi_install_tuning.cmake -- an optional install step: `cmake --install`
# tunes the heat kernels for the machine it runs on (python -m hpcffi tune, the
# installed package and library) and keeps the wisdom file next to the
# installation, <prefix>/share/hpcffi/wisdom/, where every user of that
# installation finds it (src/heat_wisdom.hpp: after the per-user cache). Off
# by default: the machine that installs is not always the machine that runs,
# and a file for another CPU or thread count is ignored, never trusted.
set(HPCFFI_INSTALL_TUNE_BUDGET 0 CACHE STRING
    "Seconds `cmake --install` spends tuning the heat kernels into <prefix>/share/hpcffi/wisdom (0: no tuning; \
the environment variable HPCFFI_INSTALL_TUNE_BUDGET, when set at install time, takes precedence)")
if(NOT HPCFFI_INSTALL_TUNE_BUDGET MATCHES "^[0-9]+(\\.[0-9]+)?$")
  message(FATAL_ERROR "HPCFFI_INSTALL_TUNE_BUDGET=${HPCFFI_INSTALL_TUNE_BUDGET}: not a number of seconds")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/hpcffi_install_tuning_step.cmake.in
               ${PROJECT_BINARY_DIR}/hpcffi_install_tuning_step.cmake @ONLY)
# Last of the install rules (CMP0082 keeps their order): the library and the
# Python package are in place when it runs.
install(SCRIPT ${PROJECT_BINARY_DIR}/hpcffi_install_tuning_step.cmake COMPONENT tuning)
