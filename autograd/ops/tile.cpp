// repeat, repeat_interleave, tril / triu and bmm. Forwards reuse existing kernels without
// recording, then record the node PyTorch names; backwards are differentiable ops.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "../grad_mode.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_elementwise.hpp"
#include "../ops_manip.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- repeat: tiles; d = g viewed as [r0, s0, r1, s1, ...] summed over the r's ------------------
namespace {
struct RepeatBackward0 final : Node {
  Shape in_shape, repeats;
  tensor_list apply(tensor_list&& g) override {
    const std::size_t lead = repeats.size() - in_shape.size();
    Shape split, reduce;
    for (std::size_t i = 0; i < repeats.size(); ++i) {
      const std::int64_t s = i < lead ? 1 : in_shape[i - lead];
      reduce.push_back(static_cast<std::int64_t>(split.size()));
      split.push_back(repeats[i]);
      split.push_back(s);
    }
    Tensor gx = sum(reshape(g[0], split), reduce);
    return {reshape(gx, in_shape)};
  }
};
}  // namespace

Tensor repeat(const Tensor& x, const Shape& repeats) {
  check_defined(x, "repeat");
  if (static_cast<std::int64_t>(repeats.size()) < x.dim()) {
    throw std::invalid_argument("repeat: the number of repeats (" + std::to_string(repeats.size()) +
                                ") cannot be smaller than the number of dims of the input " + describe(x));
  }
  for (auto r : repeats) {
    if (r < 0)
      throw std::invalid_argument("repeat: negative repeat count " + std::to_string(r) + " (input " + describe(x) +
                                  ")");
  }
  const std::size_t lead = repeats.size() - static_cast<std::size_t>(x.dim());
  Shape split, expanded, out_shape;
  for (std::size_t i = 0; i < repeats.size(); ++i) {
    const std::int64_t s = i < lead ? 1 : x.shape()[i - lead];
    split.push_back(1);
    split.push_back(s);
    expanded.push_back(repeats[i]);
    expanded.push_back(s);
    out_shape.push_back(repeats[i] * s);
  }
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    out = reshape(expand(reshape(x, split), expanded).contiguous(), out_shape);
  }
  if (auto n = record<RepeatBackward0>({&x}, out)) {
    n->in_shape = x.shape();
    n->repeats = repeats;
  }
  return out;
}

// ---- repeat_interleave: index_select with each index repeated (grad_fn IndexSelectBackward0,
// as in PyTorch, whose repeat_interleave is the same composition) ---------------------------------
Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<std::int64_t> dim) {
  check_defined(x, "repeat_interleave");
  check_defined(repeats, "repeat_interleave", "repeats");
  Tensor input = dim ? x : reshape(x, {-1});
  const std::int64_t d = dim ? wrap_dim(*dim, std::max<std::int64_t>(x.dim(), 1), "repeat_interleave", x.shape()) : 0;
  if (input.dim() == 0) input = reshape(input, {1});
  const std::int64_t n = input.size(d);
  if (repeats.dtype() != kInt64 || repeats.dim() > 1 || (repeats.numel() != n && repeats.numel() != 1)) {
    throw std::invalid_argument(
        "repeat_interleave: repeats must be an Int64 scalar or 1-D tensor with one entry per "
        "element along dim (" +
        std::to_string(n) + "), got " + describe(repeats) + " (input " + describe(x) + ")");
  }
  auto r = repeats.to_vector<std::int64_t>();
  std::vector<std::int64_t> idx;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = r.size() == 1 ? r[0] : r[static_cast<std::size_t>(i)];
    if (c < 0) throw std::invalid_argument("repeat_interleave: repeats must be non-negative, got " + std::to_string(c));
    for (std::int64_t k = 0; k < c; ++k) idx.push_back(i);
  }
  return index_select(input, d, tensor(idx, {static_cast<std::int64_t>(idx.size())}));
}

Tensor repeat_interleave(const Tensor& x, std::int64_t repeats, std::optional<std::int64_t> dim) {
  return repeat_interleave(x, tensor(std::vector<std::int64_t>{repeats}), dim);
}

// ---- tril / triu: keep j - i <= k (tril) or >= k (triu) in the last two dims; d = same mask on g --
namespace {
Tensor triangle_mask(std::int64_t rows, std::int64_t cols, std::int64_t k, bool lower) {
  std::vector<std::int64_t> m(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) m[static_cast<std::size_t>(i * cols + j)] = lower ? j - i <= k : j - i >= k;
  return tensor(m, {rows, cols});
}

struct TriangleBackward final : Node {
  std::int64_t diagonal = 0;
  bool lower = true;
  std::string name() const override { return lower ? "TrilBackward0" : "TriuBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {lower ? tril(g[0], diagonal) : triu(g[0], diagonal)}; }
};

Tensor triangle(const Tensor& x, std::int64_t k, bool lower) {
  const char* op = lower ? "tril" : "triu";
  check_defined(x, op);
  if (x.dim() < 2) {
    throw std::invalid_argument(std::string(op) + ": input must have at least 2 dims, got " + describe(x));
  }
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    // where, not a product: NaN and inf outside the triangle become 0 as in PyTorch.
    out = where(triangle_mask(x.size(-2), x.size(-1), k, lower), x, scalar_tensor(0.0, x.dtype()));
  }
  if (auto n = record<TriangleBackward>({&x}, out)) {
    n->diagonal = k;
    n->lower = lower;
  }
  return out;
}
}  // namespace

Tensor tril(const Tensor& x, std::int64_t diagonal) { return triangle(x, diagonal, true); }
Tensor triu(const Tensor& x, std::int64_t diagonal) { return triangle(x, diagonal, false); }

// ---- bmm: matmul restricted to [b, n, m] x [b, m, p] ----------------------------------------------
Tensor bmm(const Tensor& a, const Tensor& b) {
  check_defined(a, "bmm", "first operand");
  check_defined(b, "bmm", "second operand");
  if (a.dim() != 3 || b.dim() != 3 || a.size(0) != b.size(0) || a.size(2) != b.size(1)) {
    throw std::invalid_argument("bmm: expected [b, n, m] and [b, m, p] with the same b and m, got " + describe(a) +
                                " and " + describe(b));
  }
  return matmul(a, b);
}

}  // namespace xgrad
