#include "parallel.hpp"

#ifdef XGRAD_HAVE_MPI
#include <xgrad/distributed/collectives.hpp>
#include <xgrad/distributed/process_group.hpp>
#endif

namespace xgrad::cli {

#ifdef XGRAD_HAVE_MPI

int run_maybe_distributed(int* argc, char*** argv, const std::function<int()>& fn) {
  if (!distributed::launched_by_mpi()) return fn();
  return distributed::run_or_abort([&] {
    distributed::init(argc, argv);
    return fn();
  });
}

Parallel current_parallel() {
  if (!distributed::is_initialized()) return {};
  return {distributed::rank(), distributed::world_size()};
}

bool any_rank(bool flag) {
  if (!current_parallel().distributed()) return flag;
  Tensor t = scalar_tensor(flag ? 1 : 0, kInt64);
  distributed::all_reduce(t, distributed::ReduceOp::Max);
  return t.item<std::int64_t>() != 0;
}

#else

int run_maybe_distributed(int*, char***, const std::function<int()>& fn) { return fn(); }
Parallel current_parallel() { return {}; }
bool any_rank(bool flag) { return flag; }

#endif

}  // namespace xgrad::cli
