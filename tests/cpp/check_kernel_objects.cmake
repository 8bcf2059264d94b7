# check_kernel_objects.cmake -- the per-ISA kernel objects (src/CMakeLists.txt)
# must not define any code the linker could share between variants: every
# global or weak (COMDAT) function they define lives in their own namespace
# hpcffi::heat::isa_<variant>. A std::min<long> instantiated in the AVX-512
# object and picked by the linker for the baseline one would crash on a CPU
# without AVX-512 (SIGILL), which no test on an AVX-512 machine would see.
# -DOBJECTS=<a|b|...> -DVARIANTS=<v1|v2|...>
find_program(NM nm REQUIRED)
string(REPLACE "|" ";" objects "${OBJECTS}")
string(REPLACE "|" ";" variants "${VARIANTS}")
list(LENGTH objects count)
if(count EQUAL 0)
  message(FATAL_ERROR "no kernel objects given")
endif()
set(bad)
set(seen_variants)
foreach(object IN LISTS objects)
  execute_process(COMMAND ${NM} -C --defined-only ${object} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "nm failed on ${object}")
  endif()
  string(REGEX MATCHALL "[0-9a-f]+ [A-Za-z] [^\n]+" lines "${out}")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[0-9a-f]+ ([A-Za-z]) .*" "\\1" type "${line}")
    string(REGEX REPLACE "^[0-9a-f]+ [A-Za-z] " "" symbol "${line}")
    if(symbol MATCHES "hpcffi::heat::isa_([a-z0-9_]+)::")
      list(APPEND seen_variants ${CMAKE_MATCH_1})
    endif()
    # Code that another object could share: global (T), weak (W, w, V, v),
    # unique (u) or indirect (i) symbols. Local ones (t) cannot be shared, and
    # data (B, D, R, such as ASan's __odr_asan.* markers) holds no
    # instructions; the personality routine reference is data too.
    if(type MATCHES "^[TWwVvui]$" AND NOT symbol MATCHES "hpcffi::heat::isa_[a-z0-9_]+::"
       AND NOT symbol STREQUAL "DW.ref.__gxx_personality_v0")
      list(APPEND bad "${object}: ${type} ${symbol}")
    endif()
  endforeach()
endforeach()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "kernel objects define symbols outside their variant namespace:\n  ${text}")
endif()
list(REMOVE_DUPLICATES seen_variants)
list(SORT seen_variants)
list(SORT variants)
if(NOT seen_variants STREQUAL variants)
  message(FATAL_ERROR "variant namespaces found: ${seen_variants}; expected ${variants}")
endif()
message(STATUS "${count} kernel objects, variants ${seen_variants}: no shared symbols")
