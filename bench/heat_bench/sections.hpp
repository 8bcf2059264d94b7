// sections.hpp -- the four measurements heat_bench can make (--sections);
// each appends its array to the JSON document.
#pragma once

#include "support.hpp"

namespace heat_bench {

void bench_stream(const Options &opt, Json &json);    // stream.cpp: memory bandwidth
void bench_heat(const Options &opt, Json &json);      // heat.cpp: every heat path and its baselines
void bench_fib(const Options &opt, Json &json);       // fib.cpp: hpcffi against GMP
void bench_overhead(const Options &opt, Json &json);  // overhead.cpp: the C++ side of the Python overhead

}  // namespace heat_bench
