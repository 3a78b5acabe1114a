// Data-parallel runs of the CLI: `mpirun -np N xgrad train ...` trains on N processes with no
// extra flag (xgrad built with MPI, see distributed/). Without MPI, or started without a
// launcher, everything here describes a single process.
#pragma once
#include <functional>

namespace xgrad::cli {

struct Parallel {
  int rank = 0, world_size = 1;
  bool distributed() const noexcept { return world_size > 1; }
  bool is_main() const noexcept { return rank == 0; }  // the rank that prints and writes files
};

// Starts MPI when this process was launched by mpirun (or another MPI launcher) and xgrad has
// MPI; then runs fn under distributed::run_or_abort, so that a rank that fails ends the job with
// its message. Otherwise just runs fn.
int run_maybe_distributed(int* argc, char*** argv, const std::function<int()>& fn);

// The process group of this run (rank 0 of 1 when not distributed).
Parallel current_parallel();

// True on every rank when `flag` is true on any rank (an all-reduce when distributed): ranks
// stop training at the same batch, whatever their clocks or signals say.
bool any_rank(bool flag);

}  // namespace xgrad::cli
