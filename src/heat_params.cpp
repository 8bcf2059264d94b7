// heat_params.cpp -- argument checks with messages that say what to change.
#include "heat_params.hpp"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>

#include "status.hpp"

namespace hpcffi::heat {

namespace {
std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

void check_positive_finite(double value, const char *name) {
    if (!std::isfinite(value) || value <= 0.0)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, std::string(name) + " must be finite and > 0, got " + number(value));
}
}  // namespace

double max_stable_dt(double a, double dx2, double dy2) { return dx2 * dy2 / (2.0 * a * (dx2 + dy2)); }

void check_coefficients(double a, double dx2, double dy2) {
    check_positive_finite(a, "diffusion constant a");
    check_positive_finite(dx2, "dx2 (dx squared)");
    check_positive_finite(dy2, "dy2 (dy squared)");
}

void check_parameters(double a, double dt, double dx2, double dy2) {
    check_coefficients(a, dx2, dy2);
    check_positive_finite(dt, "time step dt");
    const double limit = max_stable_dt(a, dx2, dy2);
    if (dt > limit * (1.0 + 8.0 * DBL_EPSILON))
        fail(HPCFFI_ERR_UNSTABLE, "dt = " + number(dt) + " exceeds the stability limit dx2*dy2/(2*a*(dx2+dy2)) = " +
                                      number(limit) + "; the explicit scheme would blow up");
}

void check_shape(int64_t nx, int64_t ny) {
    if (nx < 3 || ny < 3)
        fail(HPCFFI_ERR_INVALID_ARGUMENT, "the field must be at least 3 x 3 (one interior point), got " +
                                              std::to_string(nx) + " x " + std::to_string(ny));
    if (nx > INT64_MAX / ny || static_cast<uint64_t>(nx * ny) > SIZE_MAX / sizeof(double))
        fail(HPCFFI_ERR_INVALID_ARGUMENT,
             "a field of " + std::to_string(nx) + " x " + std::to_string(ny) + " values is not addressable");
}

void check_no_overlap(const double *a, const double *b, int64_t n, const char *name_a, const char *name_b) {
    if (a < b + n && b < a + n)
        fail(HPCFFI_ERR_ALIASING, std::string(name_a) + " and " + name_b + " overlap; pass two separate buffers");
}

}  // namespace hpcffi::heat
