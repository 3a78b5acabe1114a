#include "process_group.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "mpi_detail.hpp"

namespace xgrad::distributed {

namespace {

struct State {
  bool initialized = false;
  bool we_initialized_mpi = false;
  int provided = MPI_THREAD_SINGLE;
  int rank = 0, size = 1;
  MPI_Comm comm = MPI_COMM_NULL;
};
State g_state;
std::recursive_mutex g_mpi_mutex;

void require_init(const char* op) {
  if (!g_state.initialized) {
    throw std::logic_error(std::string(op) +
                           ": the distributed process group is not initialised; call "
                           "xgrad::distributed::init() first");
  }
}

void finalize_at_exit() { finalize(); }

}  // namespace

namespace detail {

MPI_Comm comm() {
  require_init("distributed");
  return g_state.comm;
}

std::unique_lock<std::recursive_mutex> lock_mpi() {
  if (g_state.provided == MPI_THREAD_MULTIPLE) return {};
  return std::unique_lock<std::recursive_mutex>(g_mpi_mutex);
}

void check(int rc, const char* op, const char* mpi_function) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = std::snprintf(text, sizeof text, "error code %d", rc);
  throw MpiError(std::string(op) + ": " + mpi_function +
                 " failed: " + std::string(text, static_cast<std::size_t>(len)));
}

MPI_Datatype mpi_type(Dtype dtype) {
  switch (dtype) {
    case Dtype::Float32: return MPI_FLOAT;
    case Dtype::Float64: return MPI_DOUBLE;
    case Dtype::Int64: return MPI_INT64_T;
    case Dtype::Bool: return MPI_UINT8_T;  // one byte, 0 or 1: Max is any, Min is all
  }
  throw std::logic_error("distributed: unknown dtype");
}

}  // namespace detail

void init(int* argc, char*** argv) {
  if (g_state.initialized) return;
  int already = 0, finalized = 0;
  MPI_Initialized(&already);
  MPI_Finalized(&finalized);
  if (finalized) throw MpiError("distributed::init: MPI was finalised already; it cannot be initialised again");
  if (already) {
    MPI_Query_thread(&g_state.provided);
  } else {
    detail::check(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &g_state.provided), "distributed::init",
                  "MPI_Init_thread");
    g_state.we_initialized_mpi = true;
    // Errors on MPI_COMM_WORLD itself (e.g. MPI_Abort paths) also return instead of aborting.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  detail::check(MPI_Comm_dup(MPI_COMM_WORLD, &g_state.comm), "distributed::init", "MPI_Comm_dup");
  detail::check(MPI_Comm_set_errhandler(g_state.comm, MPI_ERRORS_RETURN), "distributed::init",
                "MPI_Comm_set_errhandler");
  MPI_Comm_rank(g_state.comm, &g_state.rank);
  MPI_Comm_size(g_state.comm, &g_state.size);
  g_state.initialized = true;
  static bool registered = false;
  if (!registered) registered = std::atexit(finalize_at_exit) == 0;
}

bool is_initialized() noexcept { return g_state.initialized; }

void finalize() {
  if (!g_state.initialized) return;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) {
    MPI_Comm_free(&g_state.comm);
    if (g_state.we_initialized_mpi) MPI_Finalize();
  }
  g_state = State();
}

int rank() {
  require_init("distributed::rank");
  return g_state.rank;
}

int world_size() {
  require_init("distributed::world_size");
  return g_state.size;
}

void barrier() {
  auto lock = detail::lock_mpi();
  detail::check(MPI_Barrier(detail::comm()), "distributed::barrier", "MPI_Barrier");
}

bool launched_by_mpi() noexcept {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

std::string thread_level_name() {
  switch (g_state.provided) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
  }
  return "unknown";
}

int run_or_abort(const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    const int r = g_state.initialized ? g_state.rank : 0, n = g_state.initialized ? g_state.size : 1;
    std::fprintf(stderr, "xgrad rank %d/%d: error: %s\n", r, n, e.what());
    std::fflush(stderr);
    int mpi_up = 0, finalized = 0;
    MPI_Initialized(&mpi_up);
    MPI_Finalized(&finalized);
    if (mpi_up && !finalized && n > 1) MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
  }
}

}  // namespace xgrad::distributed
