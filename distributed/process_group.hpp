// The MPI process group every xgrad::distributed call runs on: one process per rank, all the
// processes of MPI_COMM_WORLD (as launched by `mpirun -np N program`).
//
//   int main(int argc, char** argv) {
//     return xgrad::distributed::run_or_abort([&] {
//       xgrad::distributed::init(&argc, &argv);
//       ... rank(), world_size(), all_reduce(t), DistributedDataParallel ...
//       return 0;
//     });
//   }
//
// init() calls MPI_Init_thread asking for MPI_THREAD_SERIALIZED (xgrad serialises its own MPI
// calls with a mutex, so backward may run on any thread), or adopts an MPI that the program
// initialised itself. xgrad then works on a duplicate of MPI_COMM_WORLD whose error handler is
// MPI_ERRORS_RETURN: every MPI failure becomes an xgrad::distributed::MpiError.
// MPI_Finalize runs at exit only when init() called MPI_Init_thread.
//
// Failures: MPI has no way to tell the other ranks that one rank threw, and they would wait
// forever in their next collective. run_or_abort() prints the exception with the rank and calls
// MPI_Abort, which makes mpirun end every process of the job with a non-zero status.
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace xgrad::distributed {

// An MPI call failed: what() names the xgrad operation, the MPI function and MPI's message.
class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Initialises MPI (see above); calling it again is a no-op. argc/argv may be null. Throws
// MpiError when MPI fails, or when an MPI adopted from the program was finalised already.
void init(int* argc = nullptr, char*** argv = nullptr);
bool is_initialized() noexcept;  // init() has run and MPI is not finalised
// Frees xgrad's communicator and, if init() initialised MPI, calls MPI_Finalize. Runs at exit
// by itself; call it earlier only when nothing distributed is used afterwards.
void finalize();

// rank in [0, world_size()). Both throw std::logic_error before init().
int rank();
int world_size();
void barrier();

// True when this process was started by an MPI launcher (Open MPI's mpirun, or a PMI-based
// one such as MPICH's hydra or srun), judged from the environment without initialising MPI:
// a single `xgrad train` stays a plain process, `mpirun -np 2 xgrad train` trains distributed.
bool launched_by_mpi() noexcept;

// The MPI thread level in effect ("MPI_THREAD_SERIALIZED", ...), for messages and logs.
std::string thread_level_name();

// Runs fn and returns its result. When fn throws: prints "xgrad rank R/N: error: <what>" to
// stderr and, if more than one rank is running, calls MPI_Abort(MPI_COMM_WORLD, 1) so that the
// whole job ends instead of hanging; with one rank (or without MPI) it returns 1.
int run_or_abort(const std::function<int()>& fn);

}  // namespace xgrad::distributed
