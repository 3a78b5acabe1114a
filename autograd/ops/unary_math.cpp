// Elementwise math on one tensor (activations.cpp has the activation functions). Forward kernels are generic lambdas:
// on contiguous data they run as xtensor expressions (vectorised by xsimd), elsewhere element by element. Backward
// formulas use differentiable ops, so second derivatives come for free.
//
// Inside a kernel lambda every sub-expression is built in place, never kept in a named local:
// xtensor holds lvalue operands by reference, and the expression is evaluated only after the
// lambda has returned.
#include <cmath>

#include <xtensor/xvectorize.hpp>

#include "../fusion/fusion.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// std::pow elementwise. Not xsimd's vectorised pow: it gets the special cases wrong
// (pow(0, 0) = 0, pow(0, -1) = 0, pow(inf, 0) = NaN in xsimd 8).
template <class A, class B>
auto std_pow(A&& a, B&& b) {
  if constexpr (std::is_arithmetic_v<std::decay_t<A>> && std::is_arithmetic_v<std::decay_t<B>>) {
    return std::pow(a, b);
  } else {
    using T = std::common_type_t<xt::get_value_type_t<std::decay_t<A>>, xt::get_value_type_t<std::decay_t<B>>>;
    return xt::vectorize([](T x, T y) -> T { return std::pow(x, y); })(std::forward<A>(a), std::forward<B>(b));
  }
}

// Same dtype as x, keeping Int64 (for ops exact on integers, as PyTorch).
template <class F>
Tensor same_dtype_kernel(const Tensor& x, const char* op, F&& f) {
  check_defined(x, op);
  return dispatch(x.dtype(), [&](auto tag) { return map_unary<decltype(tag)>(x, f, op); });
}

Tensor zero_like_scalar(const Tensor& t) { return scalar_tensor(0.0, t.dtype()); }

}  // namespace

// ---- exp: d exp(x) = g exp(x) (saves its output, held weakly: no reference cycle) ----------
namespace {
struct ExpBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * saved.unpack()}; }
};
}  // namespace

Tensor exp(const Tensor& x) {
  Tensor out = fusion::defer(fusion::Op::Exp, x);
  if (!out.defined())
    out = unary_kernel(x, "exp", [](const auto& v) {
      using std::exp;
      return exp(v);
    });
  if (auto n = record<ExpBackward0>({&x}, out)) n->saved = save(out, /*is_output=*/true);
  return out;
}

// ---- log: d log(x) = g / x -------------------------------------------------------------------
namespace {
struct LogBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] / saved.unpack()}; }
};
}  // namespace

Tensor log(const Tensor& x) {
  Tensor out = unary_kernel(x, "log", [](const auto& v) {
    using std::log;
    return log(v);
  });
  if (auto n = record<LogBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- log1p: d log(1 + x) = g / (1 + x); log1p keeps precision where x is tiny -----------------
namespace {
struct Log1PBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] / (saved.unpack() + 1.0)}; }
};
}  // namespace

Tensor log1p(const Tensor& x) {
  Tensor out = unary_kernel(x, "log1p", [](const auto& v) {
    using std::log1p;
    return log1p(v);
  });
  if (auto n = record<Log1PBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- sqrt: d sqrt(x) = g / (2 sqrt(x)) --------------------------------------------------------
namespace {
struct SqrtBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] / (saved.unpack() * 2.0)}; }
};
}  // namespace

Tensor sqrt(const Tensor& x) {
  Tensor out = unary_kernel(x, "sqrt", [](const auto& v) {
    using std::sqrt;
    return sqrt(v);
  });
  if (auto n = record<SqrtBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- abs: d |x| = g sign(x), so 0 at 0 (as PyTorch) -------------------------------------------
namespace {
struct AbsBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * sign(saved.unpack())}; }
};
}  // namespace

Tensor abs(const Tensor& x) {
  Tensor out = same_dtype_kernel(x, "abs", [](const auto& v) {
    using std::abs;
    return abs(v);
  });
  if (auto n = record<AbsBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- sin / cos: d sin(x) = g cos(x), d cos(x) = -g sin(x) ------------------------------------
namespace {
struct SinBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * cos(saved.unpack())}; }
};
struct CosBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * neg(sin(saved.unpack()))}; }
};
}  // namespace

Tensor sin(const Tensor& x) {
  Tensor out = unary_kernel(x, "sin", [](const auto& v) {
    using std::sin;
    return sin(v);
  });
  if (auto n = record<SinBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

Tensor cos(const Tensor& x) {
  Tensor out = unary_kernel(x, "cos", [](const auto& v) {
    using std::cos;
    return cos(v);
  });
  if (auto n = record<CosBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- tanh: d tanh(x) = g (1 - tanh(x)^2) ----------------------------------------------------
namespace {
struct TanhBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved.unpack();
    // Without create_graph one fused pass replaces three ops and their two temporaries.
    if (!autograd::GradMode::is_enabled()) {
      Tensor gx = fusion::defer(fusion::Op::TanhBackward, g[0], y);
      return {gx.defined() ? gx : binary_kernel(g[0], y, "tanh_backward", tanh_backward_formula)};
    }
    return {g[0] * rsub(y * y, 1.0)};
  }
};
}  // namespace

Tensor tanh(const Tensor& x) {
  Tensor out = fusion::defer(fusion::Op::Tanh, x);
  if (!out.defined() && x.is_floating_point() && x.is_contiguous()) {
    out = dispatch_float(x.dtype(), "tanh", [&](auto tag) {
      using T = decltype(tag);
      Tensor r = empty_tensor(x.shape(), x.dtype(), "tanh");
      tanh_contiguous(x.impl()->template data_as<T>(), r.impl()->template data_as<T>(), x.numel());
      return r;
    });
  }
  if (!out.defined())
    out = unary_kernel(x, "tanh", [](const auto& v) {
      using std::tanh;
      return tanh(v);
    });
  if (auto n = record<TanhBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- square: x^2 (Int64 stays Int64, as PyTorch) ----------------------------------------------
Tensor square(const Tensor& x) {
  check_defined(x, "square");
  if (!x.is_floating_point()) return mul(x, x);
  return pow(x, 2.0);
}

// ---- sign: -1, 0 or 1 (0 for NaN); its gradient is zero everywhere ----------------------------
namespace {
struct SignBackward0 final : Node {
  tensor_list apply(tensor_list&& g) override { return {zeros_like(g[0])}; }
};
}  // namespace

Tensor sign(const Tensor& x) {
  Tensor out = same_dtype_kernel(x, "sign", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    return select(v > T(0), T(1), select(v < T(0), T(-1), T(0)));
  });
  record<SignBackward0>({&x}, out);
  return out;
}

// ---- clamp: min(max(x, lo), hi); the gradient passes where lo <= x <= hi -----------------------
namespace {
struct ClampBackward final : autograd::SavedOneNode {
  std::optional<double> lo, hi;
  std::string name() const override {
    return lo && hi ? "ClampBackward1" : lo ? "ClampMinBackward0" : "ClampMaxBackward0";
  }
  tensor_list apply(tensor_list&& g) override {
    Tensor inside = unary_kernel(saved.unpack(), "clamp_backward",
                                 [l = lo.value_or(-INFINITY), h = hi.value_or(INFINITY)](const auto& v) {
                                   using T = elem_t<decltype(v)>;
                                   // Written so that NaN fails both tests and gets no gradient.
                                   return select(v >= T(l), select(v <= T(h), T(1), T(0)), T(0));
                                 });
    return {g[0] * inside};
  }
};
}  // namespace

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  check_defined(x, "clamp");
  if (!min && !max) {
    throw std::invalid_argument("clamp: at least one of min and max must be given (input " + describe(x) + ")");
  }
  // Int64 stays Int64 when the bounds are integers, as PyTorch's type promotion does.
  bool keep_int = !x.is_floating_point() && (!min || is_int64_scalar(*min)) && (!max || is_int64_scalar(*max));
  Tensor xc = x.is_floating_point() || keep_int ? x : as_dtype(x, default_dtype());
  // With lo > hi every element becomes hi (max then min), which clamping to [hi, hi] also gives.
  double hi = max.value_or(INFINITY);
  double lo = std::fmin(min.value_or(-INFINITY), hi);
  Tensor out = dispatch(xc.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (!max)
      return map_unary<T>(
          xc, [l = static_cast<T>(lo)](const auto& v) { return select(v < l, T(l), v); }, "clamp");
    if (!min)
      return map_unary<T>(
          xc, [h = static_cast<T>(hi)](const auto& v) { return select(v > h, T(h), v); }, "clamp");
    return map_unary<T>(
        xc,
        [l = static_cast<T>(lo), h = static_cast<T>(hi)](const auto& v) {
          return select(v > h, T(h), select(v < l, T(l), v));
        },
        "clamp");
  });
  if (auto n = record<ClampBackward>({&x}, out)) {
    n->saved = save(x);
    n->lo = min;
    n->hi = max;
  }
  return out;
}

// ---- pow(x, e): d = g e x^(e-1); zero for e = 0 and g itself for e = 1 ------------------------
namespace {
struct PowBackward0 final : autograd::SavedOneNode {
  double exponent = 1;
  tensor_list apply(tensor_list&& g) override {
    if (exponent == 0) return {zeros_like(g[0])};
    if (exponent == 1) return {g[0]};
    Tensor x = saved.unpack();
    if (exponent == 2) return {g[0] * (x * 2.0)};
    return {g[0] * (pow(x, exponent - 1) * exponent)};
  }
};
}  // namespace

Tensor pow(const Tensor& x, double exponent) {
  // The common exponents get exact, faster forms (as PyTorch's pow kernel does).
  Tensor out;
  if (exponent == 2) {
    out = unary_kernel(x, "pow", [](const auto& v) { return v * v; });
  } else if (exponent == 3) {
    out = unary_kernel(x, "pow", [](const auto& v) { return v * v * v; });
  } else if (exponent == 0.5) {
    out = unary_kernel(x, "pow", [](const auto& v) {
      using std::sqrt;
      return sqrt(v);
    });
  } else if (exponent == -1) {
    out = unary_kernel(x, "pow", [](const auto& v) { return elem_t<decltype(v)>(1) / v; });
  } else {
    out = unary_kernel(x, "pow", [exponent](const auto& v) { return std_pow(v, elem_t<decltype(v)>(exponent)); });
  }
  if (auto n = record<PowBackward0>({&x}, out)) {
    n->saved = save(x);
    n->exponent = exponent;
  }
  return out;
}

// ---- pow(x, y) with broadcasting -------------------------------------------------------------
// d/dx = g y x^(y-1) (0 where y = 0); d/dy = g x^y log(x) (0 where x = 0 and y >= 0, where
// the limit is 0 but the formula gives NaN), as PyTorch.
namespace {
struct PowBackward1 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"exponent", &exponent}, {"result", &result}});
  }
  SavedVariable self, exponent, result;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack(), y = exponent.unpack();
    Tensor zero = zero_like_scalar(g[0]);
    Tensor gx, gy;
    if (should_compute_output(0)) gx = where(eq(y, 0.0), zero, g[0] * y * pow(x, sub(y, 1.0)));
    if (should_compute_output(1)) gy = where(mul(eq(x, 0.0), ge(y, 0.0)), zero, g[0] * result.unpack() * log(x));
    return {gx, gy};
  }
  void release_variables() override {
    self.reset();
    exponent.reset();
    result.reset();
  }
};
}  // namespace

Tensor pow(const Tensor& x, const Tensor& exponent) {
  Tensor out = binary_kernel(
      x, exponent, "pow", [](const auto& a, const auto& b) { return std_pow(a, b); },
      /*int_to_float=*/true);
  if (auto n = record<PowBackward1>({&x, &exponent}, out)) {
    n->self = save(x);
    n->exponent = save(exponent);
    if (n->should_compute_output(1)) n->result = save(out, true);
  }
  return out;
}

// ---- pow(base, y): d/dy = g base^y log(base) (0 where base = 0 and y >= 0) --------------------
namespace {
struct PowBackward2 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"exponent", &exponent}, {"result", &result}});
  }
  SavedVariable exponent, result;
  double base = 1;
  tensor_list apply(tensor_list&& g) override {
    Tensor d = g[0] * result.unpack() * std::log(base);
    if (base == 0) d = where(ge(exponent.unpack(), 0.0), zero_like_scalar(d), d);
    return {d};
  }
  void release_variables() override {
    exponent.reset();
    result.reset();
  }
};
}  // namespace

Tensor pow(double base, const Tensor& exponent) {
  Tensor out = unary_kernel(exponent, "pow", [base](const auto& v) { return std_pow(elem_t<decltype(v)>(base), v); });
  if (auto n = record<PowBackward2>({&exponent}, out)) {
    n->result = save(out, true);
    n->base = base;
    if (base == 0) n->exponent = save(exponent);
  }
  return out;
}

}  // namespace xgrad
