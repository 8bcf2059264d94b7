// driver_common.cpp -- option parsing and the built-in problem.
#include "driver_common.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <hpcffi/hpcffi.h>

namespace hpcffi_apps {

namespace {
bool parse_int(const char *text, int64_t &value) {
    errno = 0;
    char *end = nullptr;
    const long long parsed = std::strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') return false;
    value = parsed;
    return true;
}

bool parse_double(const char *text, double &value) {
    errno = 0;
    char *end = nullptr;
    const double parsed = std::strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !std::isfinite(parsed)) return false;
    value = parsed;
    return true;
}
}  // namespace

std::string usage(const char *program, bool mpi) {
    std::string text = std::string("usage: ") + program +
                       " [--nx N] [--ny N] [--steps N] [--a A] [--dx DX] [--dy DY] [--dt DT] [--threads T]\n\n";
    text += mpi ? "Distributed 2D heat equation (MPI + OpenMP, hpcffi's C ABI), launched with mpiexec or srun.\n"
                : "2D heat equation with hpcffi's OpenMP kernel (C ABI).\n";
    text +=
        "Built-in problem: a cool square plate (20) with a hot disc (90), edges held at\n"
        "85 (top), 5 (bottom), 20 (left) and 70 (right).\n\n"
        "  --nx N       rows, >= 3 (default 2000)\n"
        "  --ny N       columns, >= 3 (default 2000)\n"
        "  --steps N    time steps, >= 0 (default 500)\n"
        "  --a A        diffusion constant, > 0 (default 0.5)\n"
        "  --dx DX      grid spacing along rows, > 0 (default 0.01)\n"
        "  --dy DY      grid spacing along columns, > 0 (default 0.01)\n"
        "  --dt DT      time step, 0 < DT <= dx2*dy2/(2a(dx2+dy2)) (default: that limit)\n"
        "  --threads T  OpenMP threads per process, >= 1 (default: OMP_NUM_THREADS)\n"
        "  --help       this text\n\n"
        "Prints the mean temperature (the reference value) and the figure of merit\n"
        "in Mpts/s (million grid-point updates per second)";
    text += mpi ? ", plus computation and\ncommunication time (max over ranks).\n" : ".\n";
    text += "Exit status: 0 success, 1 run-time failure, 2 bad options.\n";
    return text;
}

Parsed parse_options(int argc, char **argv, Options &options, std::string &error) {
    for (int k = 1; k < argc; ++k) {
        std::string name = argv[k];
        if (name == "--help" || name == "-h") return Parsed::help;
        std::string value;
        static const char *const known[] = {"--nx", "--ny", "--steps", "--a", "--dx", "--dy", "--dt", "--threads"};
        const size_t equals = name.find('=');
        const std::string bare = name.substr(0, equals);
        bool is_known = false;
        for (const char *option : known) is_known = is_known || bare == option;
        if (!is_known) {
            error = (bare.rfind("-", 0) == 0 ? "unknown option " : "unexpected argument ") + ("'" + bare + "'");
            return Parsed::bad;
        }
        if (equals != std::string::npos) {  // --nx=100
            value = name.substr(equals + 1);
            name = name.substr(0, equals);
        } else if (k + 1 < argc) {  // --nx 100
            value = argv[++k];
        } else {
            error = "option " + name + " needs a value";
            return Parsed::bad;
        }
        int64_t integer = 0;
        double real = 0.0;
        auto need_int = [&](int64_t minimum) {
            if (!parse_int(value.c_str(), integer) || integer < minimum) {
                error = name + " needs an integer >= " + std::to_string(minimum) + ", got '" + value + "'";
                return false;
            }
            return true;
        };
        auto need_positive = [&] {
            if (!parse_double(value.c_str(), real) || real <= 0.0) {
                error = name + " needs a finite number > 0, got '" + value + "'";
                return false;
            }
            return true;
        };
        if (name == "--nx") {
            if (!need_int(3)) return Parsed::bad;
            options.nx = integer;
        } else if (name == "--ny") {
            if (!need_int(3)) return Parsed::bad;
            options.ny = integer;
        } else if (name == "--steps") {
            if (!need_int(0)) return Parsed::bad;
            options.steps = integer;
        } else if (name == "--threads") {
            if (!need_int(1)) return Parsed::bad;
            if (integer > 4096) {
                error = "--threads must be <= 4096, got " + value;
                return Parsed::bad;
            }
            options.threads = static_cast<int>(integer);
        } else if (name == "--a") {
            if (!need_positive()) return Parsed::bad;
            options.a = real;
        } else if (name == "--dx") {
            if (!need_positive()) return Parsed::bad;
            options.dx = real;
        } else if (name == "--dy") {
            if (!need_positive()) return Parsed::bad;
            options.dy = real;
        } else if (name == "--dt") {
            if (!need_positive()) return Parsed::bad;
            options.dt = real;
        }
    }
    double limit = 0.0;
    if (hpcffi_heat_max_stable_dt(options.a, options.dx * options.dx, options.dy * options.dy, &limit) != HPCFFI_OK) {
        error = hpcffi_last_error();
        return Parsed::bad;
    }
    if (options.dt == 0.0) {
        options.dt = limit;
    } else if (options.dt > limit) {
        char text[160];
        std::snprintf(text, sizeof text, "--dt %.17g exceeds the stability limit %.17g for these --a, --dx, --dy",
                      options.dt, limit);
        error = text;
        return Parsed::bad;
    }
    return Parsed::run;
}

double initial_value(int64_t i, int64_t j, int64_t nx, int64_t ny) {
    if (i == 0) return 85.0;
    if (i == nx - 1) return 5.0;
    if (j == 0) return 20.0;
    if (j == ny - 1) return 70.0;
    const double di = static_cast<double>(i) - 0.5 * static_cast<double>(nx - 1);
    const double dj = static_cast<double>(j) - 0.5 * static_cast<double>(ny - 1);
    const double radius = static_cast<double>(nx < ny ? nx : ny) / 6.0;
    return di * di + dj * dj < radius * radius ? 90.0 : 20.0;
}

std::string format_mean(double mean) {
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", mean);
    return text;
}

double point_updates(const Options &options) {
    return static_cast<double>(options.nx - 2) * static_cast<double>(options.ny - 2) *
           static_cast<double>(options.steps);
}

Field allocate_field(int64_t n) {
    if (n <= 0 || static_cast<uint64_t>(n) > (SIZE_MAX - 63) / sizeof(double)) return Field();
    const size_t bytes = (static_cast<size_t>(n) * sizeof(double) + 63) / 64 * 64;
    return Field(static_cast<double *>(std::aligned_alloc(64, bytes)));
}

}  // namespace hpcffi_apps
