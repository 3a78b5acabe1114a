// Piecewise-linear activations: hardtanh, hardsigmoid, hardswish. Their gradients at the kinks
// are PyTorch's (derivatives.yaml and its backward kernels), stated per op.
#include <stdexcept>

#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_elementwise.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- hardtanh: clamp(x, lo, hi); d = g on (lo, hi), 0 outside AND at the bounds ---------------
namespace {
struct HardtanhBackward0 final : autograd::SavedOneNode {
  double lo = -1, hi = 1;
  tensor_list apply(tensor_list&& g) override {
    Tensor inside = unary_kernel(saved.unpack(), "hardtanh_backward", [l = lo, h = hi](const auto& v) {
      using T = elem_t<decltype(v)>;
      return select(v > T(l), select(v < T(h), T(1), T(0)), T(0));
    });
    return {g[0] * inside};
  }
};
}  // namespace

Tensor hardtanh(const Tensor& x, double min_val, double max_val) {
  check_defined(x, "hardtanh");
  if (!(min_val <= max_val)) {
    throw std::invalid_argument("hardtanh: min_val (" + std::to_string(min_val) + ") must not exceed max_val (" +
                                std::to_string(max_val) + "), input " + describe(x));
  }
  Tensor out = unary_kernel(x, "hardtanh", [min_val, max_val](const auto& v) {
    using T = elem_t<decltype(v)>;
    return select(v < T(min_val), T(min_val), select(v > T(max_val), T(max_val), v));
  });
  if (auto n = record<HardtanhBackward0>({&x}, out)) {
    n->saved = save(x);
    n->lo = min_val;
    n->hi = max_val;
  }
  return out;
}

// ---- hardsigmoid: min(max(x + 3, 0), 6) / 6; d = g / 6 on (-3, 3), 0 elsewhere (ends included) --
namespace {
struct HardsigmoidBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor slope = unary_kernel(saved.unpack(), "hardsigmoid_backward", [](const auto& v) {
      using T = elem_t<decltype(v)>;
      return select(v > T(-3), select(v < T(3), T(1) / T(6), T(0)), T(0));
    });
    return {g[0] * slope};
  }
};
}  // namespace

Tensor hardsigmoid(const Tensor& x) {
  Tensor out = unary_kernel(x, "hardsigmoid", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    return select(v <= T(-3), T(0), select(v >= T(3), T(1), v / T(6) + T(0.5)));
  });
  if (auto n = record<HardsigmoidBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- hardswish: x min(max(x + 3, 0), 6) / 6 ----------------------------------------------------
// d = 0 for x <= -3, g (x / 3 + 1/2) for -3 < x < 3, g for x >= 3 (PyTorch's hardswish_backward,
// which takes the outer branch at both kinks). The slope is built from differentiable ops, so the
// second derivative is 1/3 on the open interval and 0 elsewhere, as derivatives.yaml.
namespace {
struct HardswishBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    Tensor slope = where(le(x, -3.0), 0.0, where(lt(x, 3.0), x / 3.0 + 0.5, 1.0));
    return {g[0] * slope};
  }
};
}  // namespace

Tensor hardswish(const Tensor& x) {
  Tensor out = unary_kernel(x, "hardswish", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    return select(v <= T(-3), T(0), select(v >= T(3), v, v * (v + T(3)) / T(6)));
  });
  if (auto n = record<HardswishBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

}  // namespace xgrad
