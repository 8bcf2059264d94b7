// heat.cpp -- the heat section: every hpcffi path (plain, streaming,
// blocked, auto and, with --depths/--strips, a blocking sweep) on each thread
// count, the single-step API, a plain OpenMP loop and the lesson's kernel.
// Checks the bits first, then times interleaved rounds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <hpcffi/hpcffi.h>

#include "heat_runs.hpp"
#include "sections.hpp"

namespace heat_bench {

void bench_heat(const Options &opt, Json &json) {
    double dt = 0.0;
    check(hpcffi_heat_max_stable_dt(heat_a, heat_dx2, heat_dy2, &dt), "hpcffi_heat_max_stable_dt");
    json.open("heat", '[');
    for (long n : opt.sizes) {
        HeatSize s{n, n, allocate(n * n), allocate(n * n), allocate(n * n)};
        initial_field(s.initial.get(), n, n);
        std::memcpy(s.scratch.get(), s.initial.get(), n * n * sizeof(double));  // first touch
        const double points = static_cast<double>((n - 2) * (n - 2));

        std::vector<HeatConfig> configs;
        for (long t : opt.threads) {
            const int threads = static_cast<int>(t);
            for (const char *path : {"plain", "streaming", "blocked", "auto"}) configs.push_back({path, threads});
            for (long d : opt.depths) {
                if (opt.strips.empty()) configs.push_back({"blocked-d" + std::to_string(d), threads});
                for (long w : opt.strips)
                    configs.push_back({"blocked-d" + std::to_string(d) + "-w" + std::to_string(w), threads});
            }
            if (opt.baselines) {
                configs.push_back({"single_step_api", threads});
                configs.push_back({"openmp_loop", threads});
            }
        }
        if (opt.baselines) configs.push_back({"lesson", 1});

        // Correctness first: every hpcffi path gives the plain path's bits;
        // the lesson kernel and the OpenMP loop (divisions) agree to rounding.
        const int64_t check_steps = 13;
        std::vector<double> reference(static_cast<size_t>(n * n));
        bool identical = true, have_reference = false;
        double divisions_max_rel = 0.0;  // the kernels with divisions
        // plain comes first in configs at every thread count: the first one
        // (1 thread unless --threads says otherwise) is the reference.
        for (auto &cfg : configs) {
            run_heat(s, cfg, check_steps, dt);
            if (cfg.name == "plain" && !have_reference) {
                have_reference = true;
                std::memcpy(reference.data(), s.field.get(), reference.size() * 8);
            } else if (cfg.name == "lesson" || cfg.name == "openmp_loop") {
                for (size_t k = 0; k < reference.size(); ++k)
                    divisions_max_rel = std::max(divisions_max_rel,
                                                 std::abs(s.field.get()[k] - reference[k]) / std::abs(reference[k]));
            } else if (std::memcmp(reference.data(), s.field.get(), reference.size() * 8) != 0) {
                identical = false;
                std::fprintf(stderr, "heat_bench: %s %d threads differs from plain at %ldx%ld\n", cfg.name.c_str(),
                             cfg.threads, n, n);
            }
        }

        // Calibrate: steps for about opt.seconds per measurement; multi-step
        // runs use a multiple of two full passes at the default blocking depth
        // (blocked runs split their steps into an even number of passes:
        // fewer steps would time shallower passes than a long run makes).
        int default_depth = 0, default_strip = 0;
        check(hpcffi_heat_blocking(n, n, &default_depth, &default_strip), "hpcffi_heat_blocking");
        const int64_t step_multiple = std::max<int64_t>(16, 2 * default_depth);
        for (auto &cfg : configs) {
            const bool multi = cfg.name != "lesson" && cfg.name != "single_step_api" && cfg.name != "openmp_loop";
            int64_t steps = multi ? step_multiple : 1;
            double t = run_heat(s, cfg, steps, dt);
            while (t < opt.seconds / 4) {
                steps *= 2;
                t = run_heat(s, cfg, steps, dt);
            }
            int64_t want = std::max<int64_t>(1, static_cast<int64_t>(steps * opt.seconds / t));
            if (multi) want = std::max<int64_t>(step_multiple, (want + step_multiple - 1) / step_multiple * step_multiple);
            cfg.steps = want;
        }
        const std::string load_before = loadavg();
        for (int r = 0; r < opt.rounds; ++r)
            for (auto &cfg : configs) cfg.seconds.push_back(run_heat(s, cfg, cfg.steps, dt));
        for (auto &cfg : configs) {
            const double t = median(cfg.seconds);
            json.open();
            json.field("nx", n);
            json.field("ny", n);
            json.field("kernel", cfg.name);
            json.field("threads", static_cast<long>(cfg.threads));
            json.field("steps", static_cast<long>(cfg.steps));
            json.field("seconds", t);
            json.field("mpts", points * cfg.steps / t / 1e6);
            json.field("mpts_min", points * cfg.steps / *std::max_element(cfg.seconds.begin(), cfg.seconds.end()) / 1e6);
            json.field("mpts_max", points * cfg.steps / *std::min_element(cfg.seconds.begin(), cfg.seconds.end()) / 1e6);
            json.field("rounds", static_cast<long>(cfg.seconds.size()));
            json.field("default_depth", static_cast<long>(default_depth));
            json.field("default_strip", static_cast<long>(default_strip));
            const bool divisions = cfg.name == "lesson" || cfg.name == "openmp_loop";
            json.field("identical_to_plain", divisions ? false : identical);
            if (divisions) json.field("max_rel_diff_to_plain", divisions_max_rel);
            json.field("load_before", load_before);
            json.field("load_after", loadavg());
            json.close();
        }
    }
    unsetenv("HPCFFI_HEAT_KERNEL");
    unsetenv("HPCFFI_HEAT_BLOCK_DEPTH");
    check(hpcffi_set_num_threads(0), "hpcffi_set_num_threads");
    json.close(']');
}

}  // namespace heat_bench
