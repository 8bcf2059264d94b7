// heat_runs.hpp -- one timed heat run of a named configuration: an hpcffi
// path (through the environment variables the library reads at every call),
// the single-step API, the lesson's C kernel or a plain OpenMP loop. Used by
// the heat and the overhead sections.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support.hpp"

namespace heat_bench {

constexpr double heat_a = 0.5, heat_dx2 = 0.0001, heat_dy2 = 0.0001;  // the lesson's dx = dy = 0.01

// The lesson's initial condition flavour: a hot disc in a cold field, with
// hot boundaries on two sides (any values do for timing; these keep the
// check against the lesson kernel meaningful).
void initial_field(double *u, int64_t nx, int64_t ny);

struct HeatConfig {
    std::string name;  // plain, streaming, blocked, auto, blocked-d<N>[-w<W>], single_step_api, lesson, openmp_loop
    int threads;
    int64_t steps = 0;
    std::vector<double> seconds;
    HeatConfig(std::string name_, int threads_) : name(std::move(name_)), threads(threads_) {}
};

struct HeatSize {
    int64_t nx, ny;
    Buffer initial, field, scratch;
};

// Runs `steps` steps of configuration cfg from the initial field into
// s.field; returns seconds.
double run_heat(HeatSize &s, const HeatConfig &cfg, int64_t steps, double dt);

}  // namespace heat_bench
