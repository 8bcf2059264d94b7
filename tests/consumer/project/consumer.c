/* A C program using the installed hpcffi: proves the header is plain C and
 * that the exported CMake package works. */
#include <stdio.h>

#include <hpcffi/hpcffi.h>

int main(void) {
    uint64_t f90[1];
    double field[9] = {0, 0, 0, 0, 4.5, 0, 0, 0, 0}, mean = 0.0;
    if (hpcffi_fib_sequence_u64(90, 1, f90) != HPCFFI_OK || hpcffi_heat_mean(field, 3, 3, &mean) != HPCFFI_OK) {
        fprintf(stderr, "consumer: %s\n", hpcffi_last_error());
        return 1;
    }
    printf("hpcffi %s F(90) = %llu mean = %.1f\n", hpcffi_version_string(), (unsigned long long)f90[0], mean);
    return 0;
}
