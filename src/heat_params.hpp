// heat_params.hpp -- argument checks shared by the serial and MPI heat ABI.
#pragma once

#include <cstdint>

namespace hpcffi::heat {

// dx2*dy2 / (2*a*(dx2+dy2)), the explicit scheme's stability limit.
double max_stable_dt(double a, double dx2, double dy2);

// Throw hpcffi::Error with a specific message unless a, dx2, dy2 are finite
// and positive.
void check_coefficients(double a, double dx2, double dy2);
// check_coefficients plus 0 < dt <= max_stable_dt (8 ulps of slack, so a dt
// computed by the same formula in another language is accepted).
void check_parameters(double a, double dt, double dx2, double dy2);
// nx, ny >= 3 and nx*ny doubles addressable.
void check_shape(int64_t nx, int64_t ny);
// Throw HPCFFI_ERR_ALIASING if [a, a+n) and [b, b+n) overlap.
void check_no_overlap(const double *a, const double *b, int64_t n, const char *name_a, const char *name_b);

}  // namespace hpcffi::heat
