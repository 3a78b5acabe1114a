// Special functions and reciprocals: expm1, erf, erfc, rsqrt, reciprocal; and rounding: floor,
// ceil, round (half to even), trunc (all with zero gradient) and frac (gradient 1).
#include <cmath>
#include <numbers>

#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_elementwise.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- expm1: exp(x) - 1; d = g (y + 1), y the output -------------------------------------------
namespace {
struct Expm1Backward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * (saved.unpack() + 1.0)}; }
};
}  // namespace

Tensor expm1(const Tensor& x) {
  Tensor out = unary_kernel(x, "expm1", [](const auto& v) {
    using std::expm1;
    return expm1(v);
  });
  if (auto n = record<Expm1Backward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- erf / erfc: d erf(x) = g 2 / sqrt(pi) exp(-x^2), d erfc = -(that) ------------------------
namespace {
constexpr double kTwoOverSqrtPi = 2.0 * std::numbers::inv_sqrtpi;

struct ErfBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * (exp(neg(square(saved.unpack()))) * kTwoOverSqrtPi)}; }
};
struct ErfcBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * (exp(neg(square(saved.unpack()))) * -kTwoOverSqrtPi)}; }
};
}  // namespace

Tensor erf(const Tensor& x) {
  Tensor out = unary_kernel(x, "erf", [](const auto& v) {
    using std::erf;
    return erf(v);
  });
  if (auto n = record<ErfBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

Tensor erfc(const Tensor& x) {
  Tensor out = unary_kernel(x, "erfc", [](const auto& v) {
    using std::erfc;
    return erfc(v);
  });
  if (auto n = record<ErfcBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- rsqrt: x^(-1/2); d = -g y^3 / 2 ----------------------------------------------------------
namespace {
struct RsqrtBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved.unpack();
    return {g[0] * (y * y * y * -0.5)};
  }
};
}  // namespace

Tensor rsqrt(const Tensor& x) {
  Tensor out = unary_kernel(x, "rsqrt", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::sqrt;
    return T(1) / sqrt(v);
  });
  if (auto n = record<RsqrtBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- reciprocal: 1 / x; d = -g y^2 -------------------------------------------------------------
namespace {
struct ReciprocalBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved.unpack();
    return {g[0] * neg(y * y)};
  }
};
}  // namespace

Tensor reciprocal(const Tensor& x) {
  Tensor out = unary_kernel(x, "reciprocal", [](const auto& v) { return elem_t<decltype(v)>(1) / v; });
  if (auto n = record<ReciprocalBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- rounding ---------------------------------------------------------------------------------
// floor, ceil, round, trunc: piecewise constant, so PyTorch defines their gradient as zero
// everywhere (FloorBackward0 ...). Int64 input is returned as an Int64 copy.
namespace {
struct RoundingBackward final : Node {
  const char* node_name = "FloorBackward0";
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&& g) override { return {zeros_like(g[0])}; }
};

template <class F>
Tensor rounding(const Tensor& x, const char* op, const char* node_name, F&& f) {
  check_defined(x, op);
  if (!x.is_floating_point()) return x.clone();
  Tensor out = dispatch_float(x.dtype(), op, [&](auto tag) { return map_unary<decltype(tag)>(x, f, op); });
  if (auto n = record<RoundingBackward>({&x}, out)) n->node_name = node_name;
  return out;
}
}  // namespace

Tensor floor(const Tensor& x) {
  return rounding(x, "floor", "FloorBackward0", [](const auto& v) {
    using std::floor;
    return floor(v);
  });
}

Tensor ceil(const Tensor& x) {
  return rounding(x, "ceil", "CeilBackward0", [](const auto& v) {
    using std::ceil;
    return ceil(v);
  });
}

Tensor round(const Tensor& x) {
  // nearbyint in the default rounding mode rounds half to even, as torch.round.
  return rounding(x, "round", "RoundBackward0", [](const auto& v) {
    using std::nearbyint;
    return nearbyint(v);
  });
}

Tensor trunc(const Tensor& x) {
  return rounding(x, "trunc", "TruncBackward0", [](const auto& v) {
    using std::trunc;
    return trunc(v);
  });
}

// ---- frac: x - trunc(x); d = g (derivatives.yaml: the jumps are ignored) ----------------------
namespace {
struct FracBackward0 final : Node {
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};
}  // namespace

Tensor frac(const Tensor& x) {
  check_defined(x, "frac");
  // Int64 throws (dispatch_float), as PyTorch's frac is not defined for integers.
  Tensor out = dispatch_float(x.dtype(), "frac", [&](auto tag) {
    return map_unary<decltype(tag)>(
        x,
        [](const auto& v) {
          using std::trunc;
          return v - trunc(v);
        },
        "frac");
  });
  record<FracBackward0>({&x}, out);
  return out;
}

}  // namespace xgrad
