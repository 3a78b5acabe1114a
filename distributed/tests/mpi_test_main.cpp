// main() of the MPI test programs (run by ctest through mpirun): every rank runs the doctest
// suite; the job fails when any rank has a failing test.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <mpi.h>

#include <cstdio>

#include "../process_group.hpp"

int main(int argc, char** argv) {
  return xgrad::distributed::run_or_abort([&] {
    xgrad::distributed::init(&argc, &argv);
    doctest::Context context(argc, argv);
    const int failed = context.run() != 0 ? 1 : 0;
    int any_failed = 0;
    MPI_Allreduce(&failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_failed && !failed)
      std::fprintf(stderr, "rank %d: passed, but another rank failed\n", xgrad::distributed::rank());
    return any_failed;
  });
}
