// halo.hpp -- the ghost-layer exchanges of one rank's block.
//
// Each rank stores its lnx x lny block inside a ghost frame (width g >= 1 on
// every side, see heat_field.hpp). Two exchanges:
//
// start/progress/finish: ghost width 1, non-blocking, overlapped with the
// update of the inner part (one exchange per step). With `field` pointing at
// the corner of the width-1 frame (G = ghost, filled from the neighbours;
// E = the block's edge rows and columns, sent to them; * = the inner part):
//
//        j = 0   1   2  ...  lny  lny+1
//   i=0        G   G  ...   G          <- from `up` (its last row)
//   i=1    G   E   E  ...   E    G
//   i=2    G   E   *  ...   E    G     <- columns 0 and lny+1 from `left`
//   ...    G   E   *  ...   E    G        and `right` (strided: MPI_Type_vector)
//   lnx    G   E   E  ...   E    G
//   lnx+1      G   G  ...   G          <- from `down` (its first row)
//
// The 5-point stencil never reads the corners, so they are not exchanged.
// Beyond the global edges the neighbour is MPI_PROC_NULL: those transfers
// are no-ops and the ghosts there are never read (the points next to them
// are fixed boundary points).
//
// exchange_deep: `width` ghost layers, corners included, blocking: first the
// rows above and below (over the block's columns), then the columns left and
// right over the block's rows plus the ghost rows just received, which brings
// the diagonal neighbours' corners along. Deep halos let a rank advance
// `width` steps per exchange (temporal blocking across ranks).
#pragma once

#include <mpi.h>

#include <array>
#include <cstdint>

#include "decomposition.hpp"
#include "mpi_support.hpp"

namespace hpcffi::mpi {

class HaloExchange {
public:
    HaloExchange() = default;
    // Collective only in the sense that every rank of cart builds its own.
    // stride: doubles from one row of the ghosted block to the next.
    HaloExchange(MPI_Comm cart, const Decomposition &d, int64_t stride);

    // Post the 4 receives into the ghosts and the 4 sends of the edges of
    // `field` (a ghosted block). Until finish(), the caller may read the
    // block but must not write its edges or read its ghosts. Returns an MPI
    // error code instead of throwing: it runs inside an OpenMP region.
    int start(double *field) noexcept;
    // Let MPI move data while the caller computes (MPI_Testall): messages
    // above the eager limit go by rendezvous, which advances only inside
    // MPI calls, so without this the "overlap" would wait for finish().
    int progress() noexcept;
    // Wait for all 8 transfers; then the ghosts hold the neighbours' edges.
    int finish() noexcept;

    // `width` ghost layers on each side that has a neighbour, from the
    // neighbours' outermost `width` rows/columns; `block` points at the
    // block's own (0, 0). Every neighbour must own at least `width` rows
    // (up, down) or columns (left, right). Blocking; throws on MPI errors.
    void exchange_deep(double *block, int64_t width);

private:
    MPI_Comm comm_ = MPI_COMM_NULL;  // not owned
    int64_t lnx_ = 0, lny_ = 0, stride_ = 0;
    int up_ = MPI_PROC_NULL, down_ = MPI_PROC_NULL, left_ = MPI_PROC_NULL, right_ = MPI_PROC_NULL;
    Datatype column_;  // lnx values, one per row: a column of the ghosted block
    std::array<MPI_Request, 8> requests_{};
    int active_ = 0;
};

}  // namespace hpcffi::mpi
