// flip and roll: copies of x with its elements reordered along some dims. Each backward applies
// the inverse reordering to g (flip again; roll back), which is differentiable.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "../grad_mode.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_manip.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {
// Wrapped dims, each at most once.
Shape unique_dims(const Tensor& x, const Shape& dims, const char* op) {
  Shape out;
  std::vector<bool> seen(static_cast<std::size_t>(std::max<std::int64_t>(x.dim(), 1)), false);
  for (auto d : dims) {
    auto w = wrap_dim(d, std::max<std::int64_t>(x.dim(), 1), op, x.shape());
    if (seen[static_cast<std::size_t>(w)]) {
      throw std::invalid_argument(std::string(op) + ": dim " + std::to_string(d) + " appears more than once (input " +
                                  describe(x) + ")");
    }
    seen[static_cast<std::size_t>(w)] = true;
    out.push_back(w);
  }
  return out;
}
}  // namespace

// ---- flip: y[..., i, ...] = x[..., n - 1 - i, ...] on each flipped dim; d = flip(g) ------------
namespace {
struct FlipBackward0 final : Node {
  Shape dims;
  tensor_list apply(tensor_list&& g) override { return {flip(g[0], dims)}; }
};
}  // namespace

Tensor flip(const Tensor& x, const Shape& dims) {
  check_defined(x, "flip");
  Shape wrapped = unique_dims(x, dims, "flip");
  Tensor out = dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor o = empty_tensor(x.shape(), x.dtype(), "flip");
    const TensorImpl& xi = *x.impl();
    // Read x through negated strides on the flipped dims, starting from their last element.
    Shape strides = xi.strides;
    std::int64_t base = 0;
    if (x.dim() > 0) {
      for (auto d : wrapped) {
        const auto u = static_cast<std::size_t>(d);
        if (xi.shape[u] > 0) base += (xi.shape[u] - 1) * strides[u];
        strides[u] = -strides[u];
      }
    }
    const T* px = xi.template data_as<T>();
    T* po = o.impl()->template data_as<T>();
    for_each_offset(xi.shape, &strides, nullptr, nullptr, base, 0, 0,
                    [&](std::int64_t i, std::int64_t off, std::int64_t, std::int64_t) { po[i] = px[off]; });
    return o;
  });
  if (auto n = record<FlipBackward0>({&x}, out)) n->dims = wrapped;
  return out;
}

// ---- roll: y[(i + s) mod n] = x[i] along each dim; d = roll(g, -shifts) -------------------------
namespace {
struct RollBackward0 final : Node {
  Shape shifts, dims;
  tensor_list apply(tensor_list&& g) override {
    Shape back;
    for (auto s : shifts) back.push_back(-s);
    return {roll(g[0], back, dims)};
  }
};

Tensor roll_one(const Tensor& x, std::int64_t shift, std::int64_t d) {
  const std::int64_t n = x.size(d);
  if (n == 0) return x;
  const std::int64_t s = ((shift % n) + n) % n;
  if (s == 0) return x;
  return cat({narrow(x, d, n - s, s), narrow(x, d, 0, n - s)}, d);
}
}  // namespace

Tensor roll(const Tensor& x, const Shape& shifts, const Shape& dims) {
  check_defined(x, "roll");
  if (dims.empty()) {
    if (shifts.size() != 1) {
      throw std::invalid_argument("roll: without dims, shifts must have one entry, got " +
                                  std::to_string(shifts.size()) + " (input " + describe(x) + ")");
    }
    return reshape(roll(reshape(x, {-1}), shifts, {0}), x.shape());
  }
  if (shifts.size() != dims.size()) {
    throw std::invalid_argument("roll: shifts (" + std::to_string(shifts.size()) + " entries) and dims (" +
                                std::to_string(dims.size()) + ") must have the same length (input " + describe(x) +
                                ")");
  }
  if (x.dim() == 0) throw std::invalid_argument("roll: a 0-d input has no dim to roll (input " + describe(x) + ")");
  Tensor out = x;
  Shape wrapped;
  {
    autograd::NoGradGuard no_grad;
    for (std::size_t i = 0; i < dims.size(); ++i) {
      wrapped.push_back(wrap_dim(dims[i], x.dim(), "roll", x.shape()));
      out = roll_one(out, shifts[i], wrapped.back());
    }
    out = out.is_same(x) ? x.clone() : out.contiguous();
  }
  if (auto n = record<RollBackward0>({&x}, out)) {
    n->shifts = shifts;
    n->dims = wrapped;
  }
  return out;
}

}  // namespace xgrad
