#include "collectives.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "../autograd/grad_mode.hpp"
#include "mpi_detail.hpp"
#include "process_group.hpp"

namespace xgrad::distributed {

namespace {

// What every rank must agree on before a collective: the operation, its argument, dtype and
// shape (the first 7 dims, and a hash of all of them for higher ranks).
constexpr int kHeader = 12, kShownDims = 7;
using Header = std::array<std::int64_t, kHeader>;

Header make_header(int kind, std::int64_t arg, const Tensor& t) {
  Header h{};
  h[0] = kind;
  h[1] = arg;
  h[2] = static_cast<std::int64_t>(t.dtype());
  h[3] = t.dim();
  std::uint64_t hash = 1469598103934665603ull;
  for (std::int64_t i = 0; i < t.dim(); ++i) {
    hash = (hash ^ static_cast<std::uint64_t>(t.size(i))) * 1099511628211ull;
    if (i < kShownDims) h[static_cast<std::size_t>(5 + i)] = t.size(i);
  }
  h[4] = static_cast<std::int64_t>(hash);
  return h;
}

std::string describe(const Header& h) {
  std::string s = dtype_name(static_cast<Dtype>(h[2]));
  s += " [";
  for (std::int64_t i = 0; i < h[3]; ++i) {
    if (i == kShownDims) {
      s += ", ...";
      break;
    }
    s += (i ? ", " : "") + std::to_string(h[static_cast<std::size_t>(5 + i)]);
  }
  return s + "]";
}

const char* kind_name(std::int64_t kind) {
  static const char* names[] = {"all_reduce", "broadcast", "all_gather", "reduce_scatter"};
  return kind >= 0 && kind < 4 ? names[kind] : "unknown collective";
}

// All-gathers the headers and throws on every rank when any rank's differs from rank 0's.
void check_same_everywhere(const char* op, int kind, std::int64_t arg, const Tensor& t) {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": the tensor is undefined");
  const Header mine = make_header(kind, arg, t);
  const int n = world_size();
  std::vector<std::int64_t> all(static_cast<std::size_t>(n) * kHeader);
  {
    auto lock = detail::lock_mpi();
    detail::check(MPI_Allgather(mine.data(), kHeader, MPI_INT64_T, all.data(), kHeader, MPI_INT64_T, detail::comm()),
                  op, "MPI_Allgather");
  }
  Header first;
  std::memcpy(first.data(), all.data(), sizeof(Header));
  for (int r = 1; r < n; ++r) {
    Header other;
    std::memcpy(other.data(), all.data() + static_cast<std::size_t>(r) * kHeader, sizeof(Header));
    if (other == first) continue;
    if (other[0] != first[0] || other[1] != first[1]) {
      throw std::invalid_argument(std::string(op) + ": ranks disagree on the collective: rank 0 called " +
                                  kind_name(first[0]) + " (argument " + std::to_string(first[1]) + "), rank " +
                                  std::to_string(r) + " called " + kind_name(other[0]) + " (argument " +
                                  std::to_string(other[1]) + ")");
    }
    throw std::invalid_argument(std::string(op) + ": tensor shapes or dtypes differ across ranks: rank 0 has " +
                                describe(first) + ", rank " + std::to_string(r) + " has " + describe(other));
  }
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Min: return MPI_MIN;
    case ReduceOp::Max: return MPI_MAX;
    default: return MPI_SUM;
  }
}

// A contiguous tensor holding t's elements: t's own memory when it is contiguous.
Tensor contiguous_buffer(const Tensor& t) { return t.is_contiguous() ? t.detach() : t.detach().contiguous(); }

// After the MPI call wrote into buffer: copies it into t when it is separate memory, and bumps
// t's version so that autograd sees the in-place write.
void write_back(const Tensor& t, const Tensor& buffer) {
  if (buffer.impl()->storage == t.impl()->storage) {
    t.impl()->storage->bump_version();
    return;
  }
  NoGradGuard no_grad;
  Tensor alias = t.detach();
  alias.copy_(buffer);
}

int count_of(const Tensor& t, const char* op) {
  if (t.numel() > INT32_MAX) {
    throw std::invalid_argument(std::string(op) + ": tensors of more than 2^31 - 1 elements are not supported, got " +
                                std::to_string(t.numel()));
  }
  return static_cast<int>(t.numel());
}

}  // namespace

const char* reduce_op_name(ReduceOp op) noexcept {
  switch (op) {
    case ReduceOp::Sum: return "Sum";
    case ReduceOp::Avg: return "Avg";
    case ReduceOp::Min: return "Min";
    case ReduceOp::Max: return "Max";
  }
  return "unknown";
}

namespace {

// Avg needs a floating-point tensor; a Bool tensor reduces only by Max (any) or Min (all),
// as a byte sum could leave values other than 0 and 1.
void check_reduce_dtype(const char* op_name, ReduceOp op, Dtype dtype) {
  if (op == ReduceOp::Avg && dtype != kFloat32 && dtype != kFloat64)
    throw std::invalid_argument(std::string(op_name) + ": ReduceOp::Avg needs a floating-point tensor, got " +
                                dtype_name(dtype));
  if (dtype == kBool && (op == ReduceOp::Sum || op == ReduceOp::Avg))
    throw std::invalid_argument(std::string(op_name) +
                                ": a Bool tensor reduces by ReduceOp::Max (any) or ReduceOp::Min (all); convert "
                                "with .to(kInt64) to count");
}

}  // namespace

void all_reduce(Tensor& tensor, ReduceOp op) {
  check_same_everywhere("all_reduce", 0, static_cast<std::int64_t>(op), tensor);  // first: on every rank
  check_reduce_dtype("all_reduce", op, tensor.dtype());
  Tensor buffer = contiguous_buffer(tensor);
  const int count = count_of(tensor, "all_reduce");
  {
    auto lock = detail::lock_mpi();
    detail::check(MPI_Allreduce(MPI_IN_PLACE, buffer.impl()->data(), count, detail::mpi_type(tensor.dtype()),
                                mpi_op(op), detail::comm()),
                  "all_reduce", "MPI_Allreduce");
  }
  if (op == ReduceOp::Avg) {
    NoGradGuard no_grad;
    buffer.div_(static_cast<double>(world_size()));  // sum, then one division: as a single process would
  }
  write_back(tensor, buffer);
}

void broadcast(Tensor& tensor, int src) {
  if (src < 0 || src >= world_size()) {
    throw std::out_of_range("broadcast: src rank " + std::to_string(src) + " is out of range for world size " +
                            std::to_string(world_size()));
  }
  check_same_everywhere("broadcast", 1, src, tensor);
  Tensor buffer = contiguous_buffer(tensor);
  const int count = count_of(tensor, "broadcast");
  {
    auto lock = detail::lock_mpi();
    detail::check(MPI_Bcast(buffer.impl()->data(), count, detail::mpi_type(tensor.dtype()), src, detail::comm()),
                  "broadcast", "MPI_Bcast");
  }
  if (rank() != src) write_back(tensor, buffer);
}

Tensor all_gather_into_tensor(const Tensor& tensor) {
  check_same_everywhere("all_gather", 2, 0, tensor);
  Tensor buffer = contiguous_buffer(tensor);
  Shape shape = tensor.shape();
  shape.insert(shape.begin(), world_size());
  Tensor out = empty(shape, tensor.dtype());
  const int count = count_of(tensor, "all_gather");
  auto lock = detail::lock_mpi();
  detail::check(MPI_Allgather(buffer.impl()->data(), count, detail::mpi_type(tensor.dtype()), out.impl()->data(), count,
                              detail::mpi_type(tensor.dtype()), detail::comm()),
                "all_gather", "MPI_Allgather");
  return out;
}

tensor_list all_gather(const Tensor& tensor) {
  Tensor all = all_gather_into_tensor(tensor);
  tensor_list out;
  for (std::int64_t r = 0; r < all.size(0); ++r) out.push_back(all.select(0, r).clone());
  return out;
}

Tensor reduce_scatter(const Tensor& input, ReduceOp op) {
  const int n = world_size();
  if (input.defined() && (input.dim() == 0 || input.size(0) % n != 0)) {
    throw std::invalid_argument("reduce_scatter: the input's first dim must be divisible by the world size " +
                                std::to_string(n) + ", got shape " + shape_str(input.shape()));
  }
  check_same_everywhere("reduce_scatter", 3, static_cast<std::int64_t>(op), input);
  check_reduce_dtype("reduce_scatter", op, input.dtype());
  Tensor buffer = contiguous_buffer(input);
  Shape shape = input.shape();
  shape[0] /= n;
  Tensor out = empty(shape, input.dtype());
  const int count = count_of(out, "reduce_scatter");
  {
    auto lock = detail::lock_mpi();
    detail::check(MPI_Reduce_scatter_block(buffer.impl()->data(), out.impl()->data(), count,
                                           detail::mpi_type(input.dtype()), mpi_op(op), detail::comm()),
                  "reduce_scatter", "MPI_Reduce_scatter_block");
  }
  if (op == ReduceOp::Avg) {
    NoGradGuard no_grad;
    out.div_(static_cast<double>(n));
  }
  return out;
}

}  // namespace xgrad::distributed
