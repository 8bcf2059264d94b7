// hpcffi-heat-mpi -- the built-in heat problem distributed over MPI ranks
// (hpcffi_heat_mpi_*, OpenMP threads in each rank). Each rank fills its own
// block, so no rank ever holds the whole field. MPI itself is used only for
// the communicator handle and the timing reductions; see --help.
#include <mpi.h>

#include <cstdio>
#include <string>
#include <vector>

#include <hpcffi/hpcffi.h>

#include "driver_common.hpp"

namespace {
int rank_in_world() {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

// Ends the program on every rank the same way: all ranks reach it together
// because every hpcffi_heat_mpi_* call returns the same status on all ranks.
int finish(int code, hpcffi_heat_mpi *handle = nullptr) {
    hpcffi_heat_mpi_destroy(handle);
    hpcffi_mpi_finalize();
    return code;
}

int failed(const char *what, hpcffi_heat_mpi *handle = nullptr) {
    // Every rank has a message; rank 0's (or "rank r failed") is enough.
    if (rank_in_world() == 0) std::fprintf(stderr, "hpcffi-heat-mpi: %s failed: %s\n", what, hpcffi_last_error());
    return finish(1, handle);
}
}  // namespace

int main(int argc, char **argv) {
    int initialized_here = 0;
    if (hpcffi_mpi_init(&initialized_here) != HPCFFI_OK) {
        std::fprintf(stderr, "hpcffi-heat-mpi: %s\n", hpcffi_last_error());
        return 1;
    }
    const int rank = rank_in_world();
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);

    hpcffi_apps::Options options;
    std::string error;
    switch (hpcffi_apps::parse_options(argc, argv, options, error)) {
        case hpcffi_apps::Parsed::help:
            if (rank == 0) std::fputs(hpcffi_apps::usage("hpcffi-heat-mpi", true).c_str(), stdout);
            return finish(0);
        case hpcffi_apps::Parsed::bad:
            if (rank == 0) std::fprintf(stderr, "hpcffi-heat-mpi: %s\n(try --help)\n", error.c_str());
            return finish(2);
        case hpcffi_apps::Parsed::run: break;
    }
    if (options.threads > 0 && hpcffi_set_num_threads(options.threads) != HPCFFI_OK) {
        if (rank == 0) std::fprintf(stderr, "hpcffi-heat-mpi: --threads: %s\n", hpcffi_last_error());
        return finish(2);
    }
    int threads = 1;
    hpcffi_get_num_threads(&threads);

    const int64_t nx = options.nx, ny = options.ny;
    const double dx2 = options.dx * options.dx, dy2 = options.dy * options.dy;
    hpcffi_heat_mpi *handle = nullptr;
    if (hpcffi_heat_mpi_create(MPI_Comm_c2f(MPI_COMM_WORLD), nx, ny, options.a, options.dt, dx2, dy2, &handle) !=
        HPCFFI_OK)
        return failed("hpcffi_heat_mpi_create");
    int64_t row0 = 0, col0 = 0, lnx = 0, lny = 0;
    int dims_x = 0, dims_y = 0;
    if (hpcffi_heat_mpi_local_block(handle, &row0, &col0, &lnx, &lny, &dims_x, &dims_y) != HPCFFI_OK)
        return failed("hpcffi_heat_mpi_local_block", handle);
    std::vector<double> block(static_cast<size_t>(lnx * lny));
    for (int64_t i = 0; i < lnx; ++i)
        for (int64_t j = 0; j < lny; ++j)
            block[static_cast<size_t>(i * lny + j)] = hpcffi_apps::initial_value(row0 + i, col0 + j, nx, ny);
    if (hpcffi_heat_mpi_set_local(handle, block.data()) != HPCFFI_OK)
        return failed("hpcffi_heat_mpi_set_local", handle);

    double t_comp = 0.0, t_comm = 0.0;
    MPI_Barrier(MPI_COMM_WORLD);  // time the same interval on every rank
    const double start = MPI_Wtime();
    if (hpcffi_heat_mpi_evolve_steps(handle, options.steps, &t_comp, &t_comm) != HPCFFI_OK)
        return failed("hpcffi_heat_mpi_evolve_steps", handle);
    double seconds = MPI_Wtime() - start;
    double mean = 0.0;
    if (hpcffi_heat_mpi_mean(handle, &mean) != HPCFFI_OK) return failed("hpcffi_heat_mpi_mean", handle);

    // The slowest rank sets the pace, so report maxima.
    double local[3] = {seconds, t_comp, t_comm}, slowest[3] = {0.0, 0.0, 0.0};
    MPI_Reduce(local, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    seconds = slowest[0];
    // Rank 0's variant (ranks on other nodes may run another one; all give
    // the same bits). The evolve call above already checked HPCFFI_ISA.
    const char *isa = nullptr;
    if (hpcffi_isa(&isa) != HPCFFI_OK) isa = "?";
    if (rank == 0) {
        std::printf(
            "hpcffi-heat-mpi %s: %lld x %lld grid, %lld steps, a = %g, dx = %g, dy = %g, dt = %.6g, kernels: %s\n",
            hpcffi_version_string(), static_cast<long long>(nx), static_cast<long long>(ny),
            static_cast<long long>(options.steps), options.a, options.dx, options.dy, options.dt, isa);
        std::printf("ranks x threads: %d x %d (process grid %d x %d)\n", ranks, threads, dims_x, dims_y);
        std::printf("mean temperature: %s\n", hpcffi_apps::format_mean(mean).c_str());
        std::printf("time: %.6f s (max over ranks: computation %.6f s, communication %.6f s)\n", seconds,
                    slowest[1], slowest[2]);
        std::printf("figure of merit: %.1f Mpts/s\n",
                    seconds > 0.0 ? hpcffi_apps::point_updates(options) / seconds / 1e6 : 0.0);
    }
    return finish(0, handle);
}
