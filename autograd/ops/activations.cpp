// Activation functions: sigmoid, relu, leaky_relu, gelu, softplus. As in unary_math.cpp,
// forward kernels are generic lambdas (xtensor expressions on contiguous data), backward
// formulas use differentiable ops, and no sub-expression inside a kernel lambda is kept in a
// named local (xtensor holds lvalue operands by reference).
#include <cmath>
#include <numbers>

#include "../fusion/fusion.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {
constexpr double kSqrt1_2 = 1.0 / std::numbers::sqrt2;                           // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = std::numbers::inv_sqrtpi / std::numbers::sqrt2;   // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = std::numbers::sqrt2 * std::numbers::inv_sqrtpi;  // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;

}  // namespace

// ---- sigmoid: d s(x) = g s (1 - s) ------------------------------------------------------------
namespace {
struct SigmoidBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved.unpack();
    if (!autograd::GradMode::is_enabled()) {  // fused, as for tanh
      Tensor gx = fusion::defer(fusion::Op::SigmoidBackward, g[0], y);
      return {gx.defined() ? gx : binary_kernel(g[0], y, "sigmoid_backward", sigmoid_backward_formula)};
    }
    return {g[0] * (y * rsub(y, 1.0))};
  }
};
}  // namespace

Tensor sigmoid(const Tensor& x) {
  Tensor out = fusion::defer(fusion::Op::Sigmoid, x);
  if (!out.defined()) out = unary_kernel(x, "sigmoid", sigmoid_formula);
  if (auto n = record<SigmoidBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- relu: d relu(x) = g where x > 0 (so 0 at 0) -------------------------------------------
namespace {
struct ReluBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    if (!autograd::GradMode::is_enabled()) {  // fused, as for tanh
      Tensor y = saved.unpack();
      Tensor gx = fusion::defer(fusion::Op::ReluBackward, g[0], y);
      return {gx.defined() ? gx : binary_kernel(g[0], y, "relu_backward", relu_backward_formula)};
    }
    Tensor positive = unary_kernel(saved.unpack(), "relu_backward", [](const auto& v) {
      using T = elem_t<decltype(v)>;
      return select(v > T(0), T(1), T(0));
    });
    return {g[0] * positive};
  }
};
}  // namespace

Tensor relu(const Tensor& x) {
  Tensor out = fusion::defer(fusion::Op::Relu, x);
  if (!out.defined()) {
    check_defined(x, "relu");  // Int64 stays Int64, as PyTorch
    out = dispatch(x.dtype(), [&](auto tag) { return map_unary<decltype(tag)>(x, relu_formula, "relu"); });
  }
  if (auto n = record<ReluBackward0>({&x}, out)) n->saved = save(out, true);
  return out;
}

// ---- leaky_relu: x for x > 0, slope x otherwise; d = g or g slope ------------------------------
namespace {
struct LeakyReluBackward0 final : autograd::SavedOneNode {
  double slope = 0.01;
  tensor_list apply(tensor_list&& g) override {
    Tensor factor = unary_kernel(saved.unpack(), "leaky_relu_backward", [s = slope](const auto& v) {
      using T = elem_t<decltype(v)>;
      return select(v > T(0), T(1), T(s));
    });
    return {g[0] * factor};
  }
};
}  // namespace

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  Tensor out = unary_kernel(x, "leaky_relu", [s = negative_slope](const auto& v) {
    using T = elem_t<decltype(v)>;
    return select(v > T(0), v, v * T(s));
  });
  if (auto n = record<LeakyReluBackward0>({&x}, out)) {
    n->saved = save(x);
    n->slope = negative_slope;
  }
  return out;
}

// ---- gelu -------------------------------------------------------------------------------------
// "none":  x Phi(x), Phi the standard normal CDF;  d = g (Phi(x) + x phi(x)).
// "tanh":  x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3);
//          d = g (1/2 (1 + tanh u) + x/2 (1 - tanh^2 u) sqrt(2/pi) (1 + 3 0.044715 x^2)).
// A plain backward (grad mode off) runs each derivative as one fused kernel; with create_graph
// it is composed of differentiable ops instead, so that it can be differentiated again.
namespace {

Tensor normal_pdf(const Tensor& x) { return exp(square(x) * -0.5) * kInvSqrt2Pi; }

// Phi(x) as a differentiable op of its own (there is no public erf): d Phi = g phi(x).
struct NormalCdfBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * normal_pdf(saved.unpack())}; }
};

Tensor normal_cdf(const Tensor& x) {
  // erfc(-x / sqrt 2) / 2 rather than (1 + erf(x / sqrt 2)) / 2: no cancellation for x << 0.
  Tensor out = unary_kernel(x, "gelu", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::erfc;
    return T(0.5) * erfc(v * T(-kSqrt1_2));
  });
  if (auto n = record<NormalCdfBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

struct GeluBackward0 final : autograd::SavedOneNode {
  bool tanh_approx = false;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    if (!autograd::GradMode::is_enabled()) return {fused(g[0], x)};
    if (!tanh_approx) return {g[0] * (normal_cdf(x) + x * normal_pdf(x))};
    Tensor x2 = square(x);
    Tensor t = tanh((x + x2 * x * kGeluKappa) * kSqrt2OverPi);
    Tensor left = (t + 1.0) * 0.5;
    Tensor right = x * 0.5 * rsub(square(t), 1.0) * (x2 * (3 * kGeluKappa) + 1.0) * kSqrt2OverPi;
    return {g[0] * (left + right)};
  }

 private:
  Tensor fused(const Tensor& g, const Tensor& x) const {
    if (!tanh_approx) {
      return binary_kernel(g, x, "gelu_backward", [](const auto& gv, const auto& xv) {
        using T = std::common_type_t<elem_t<decltype(gv)>, elem_t<decltype(xv)>>;
        using std::erfc;
        using std::exp;
        return gv * (T(0.5) * erfc(xv * T(-kSqrt1_2)) + xv * T(kInvSqrt2Pi) * exp(T(-0.5) * xv * xv));
      });
    }
    return binary_kernel(g, x, "gelu_backward", [](const auto& gv, const auto& xv) {
      using T = std::common_type_t<elem_t<decltype(gv)>, elem_t<decltype(xv)>>;
      using std::tanh;
      return gv * (T(0.5) * (T(1) + tanh(T(kSqrt2OverPi) * (xv + T(kGeluKappa) * xv * xv * xv))) +
                   T(0.5) * xv *
                       (T(1) - tanh(T(kSqrt2OverPi) * (xv + T(kGeluKappa) * xv * xv * xv)) *
                                   tanh(T(kSqrt2OverPi) * (xv + T(kGeluKappa) * xv * xv * xv))) *
                       T(kSqrt2OverPi) * (T(1) + T(3 * kGeluKappa) * xv * xv));
    });
  }
};

}  // namespace

Tensor gelu(const Tensor& x, const std::string& approximate) {
  check_defined(x, "gelu");
  if (approximate != "none" && approximate != "tanh") {
    throw std::invalid_argument("gelu: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\" (input " +
                                describe(x) + ")");
  }
  const bool tanh_approx = approximate == "tanh";
  Tensor out =
      tanh_approx ? unary_kernel(x, "gelu",
                                 [](const auto& v) {
                                   using T = elem_t<decltype(v)>;
                                   using std::tanh;
                                   return T(0.5) * v * (T(1) + tanh(T(kSqrt2OverPi) * (v + T(kGeluKappa) * v * v * v)));
                                 })
                  : unary_kernel(x, "gelu", [](const auto& v) {
                      using T = elem_t<decltype(v)>;
                      using std::erfc;
                      return T(0.5) * v * erfc(v * T(-kSqrt1_2));
                    });
  if (auto n = record<GeluBackward0>({&x}, out)) {
    n->saved = save(x);
    n->tanh_approx = tanh_approx;
  }
  return out;
}

// ---- softplus: log(1 + exp(beta x)) / beta, x itself where beta x > threshold ------------------
// d = g sigmoid(beta x), or g in the linear region (as PyTorch).
namespace {
struct SoftplusBackward0 final : autograd::SavedOneNode {
  double beta = 1, threshold = 20;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    Tensor linear = unary_kernel(x, "softplus_backward", [b = beta, th = threshold](const auto& v) {
      using T = elem_t<decltype(v)>;
      return select(v * T(b) > T(th), T(1), T(0));
    });
    Tensor slope = where(linear, scalar_tensor(1.0, x.dtype()), sigmoid(x * beta));
    return {g[0] * slope};
  }
};
}  // namespace

Tensor softplus(const Tensor& x, double beta, double threshold) {
  // With z = beta x: log(1 + e^z) = max(z, 0) + log1p(e^-|z|), which cannot overflow.
  Tensor out = unary_kernel(x, "softplus", [beta, threshold](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::abs;
    using std::exp;
    using std::log1p;
    return select(v * T(beta) > T(threshold), v,
                  (select(v * T(beta) > T(0), v * T(beta), T(0)) + log1p(exp(-abs(v * T(beta))))) / T(beta));
  });
  if (auto n = record<SoftplusBackward0>({&x}, out)) {
    n->saved = save(x);
    n->beta = beta;
    n->threshold = threshold;
  }
  return out;
}

}  // namespace xgrad
