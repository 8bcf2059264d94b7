// overhead.cpp -- the C++ side of the Python overhead comparison: 200 steps
// of a 200x200 field through the single-step API in a loop and through one
// hpcffi_heat_evolve_steps call (bench/hpcbench/harness.py times the same
// from Python, in each cffi mode, and reports both side by side).
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <hpcffi/hpcffi.h>

#include "heat_runs.hpp"
#include "sections.hpp"

namespace heat_bench {

void bench_overhead(const Options &opt, Json &json) {
    const int64_t n = 200, steps = 200;
    double dt = 0.0;
    check(hpcffi_heat_max_stable_dt(heat_a, heat_dx2, heat_dy2, &dt), "hpcffi_heat_max_stable_dt");
    HeatSize s{n, n, allocate(n * n), allocate(n * n), allocate(n * n)};
    initial_field(s.initial.get(), n, n);
    unsetenv("HPCFFI_HEAT_KERNEL");
    json.open("overhead", '[');
    for (int threads : {1, 2}) {
        std::vector<double> t_single, t_multi;
        const int reps = opt.quick ? 5 : 21;
        for (int r = 0; r < reps; ++r) {
            t_single.push_back(run_heat(s, {"single_step_api", threads}, steps, dt));
            t_multi.push_back(run_heat(s, {"auto", threads}, steps, dt));
        }
        json.open();
        json.field("threads", static_cast<long>(threads));
        json.field("nx", n);
        json.field("steps", static_cast<long>(steps));
        json.field("single_step_loop_seconds", median(t_single));
        json.field("evolve_steps_seconds", median(t_multi));
        json.close();
    }
    check(hpcffi_set_num_threads(0), "hpcffi_set_num_threads");
    json.close(']');
}


}  // namespace heat_bench
