// Internals shared by the distributed .cpp files: the communicator, the lock serialising MPI
// calls and the error check. Not installed.
#pragma once
#include <mpi.h>

#include <mutex>
#include <string>

#include "../autograd/dtype.hpp"

namespace xgrad::distributed::detail {

MPI_Comm comm();  // xgrad's duplicate of MPI_COMM_WORLD; throws std::logic_error before init()

// Held around every MPI call unless MPI provides MPI_THREAD_MULTIPLE: with a lower thread level
// only one thread may be inside MPI at a time. Recursive: a helper may call another one.
std::unique_lock<std::recursive_mutex> lock_mpi();

// Throws MpiError "<op>: <mpi_function> failed: <MPI's error string>" unless rc == MPI_SUCCESS.
void check(int rc, const char* op, const char* mpi_function);

MPI_Datatype mpi_type(Dtype dtype);

}  // namespace xgrad::distributed::detail
