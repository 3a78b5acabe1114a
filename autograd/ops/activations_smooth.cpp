// Smooth activations: elu (and selu, celu, which PyTorch also records as EluBackward0), silu,
// mish, log_sigmoid and softsign. Forward kernels are generic lambdas as in activations.cpp;
// backward formulas are differentiable ops, so second derivatives come for free.
#include <cmath>
#include <stdexcept>

#include "../../nn/functional/activation.hpp"
#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_elementwise.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- elu(x; alpha, scale, input_scale) --------------------------------------------------------
// y = scale x for x > 0, scale alpha (exp(input_scale x) - 1) otherwise;
// d = g scale for x > 0, g scale alpha input_scale exp(input_scale x) for x <= 0 (PyTorch's
// elu_backward takes the left branch at 0). selu and celu are elu with other constants.
namespace {
struct EluBackward0 final : autograd::SavedOneNode {
  double alpha = 1, scale = 1, input_scale = 1;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    // exp of the clamped input: no overflow on the (unselected) right branch, so no inf * 0.
    Tensor left = exp(clamp(x, std::nullopt, 0.0) * input_scale) * (scale * alpha * input_scale);
    return {g[0] * where(gt(x, 0.0), scale, left)};
  }
};

Tensor elu_impl(const Tensor& x, double alpha, double scale, double input_scale, const char* op) {
  Tensor out = unary_kernel(x, op, [alpha, scale, input_scale](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::expm1;
    return select(v > T(0), v * T(scale), expm1(v * T(input_scale)) * T(alpha * scale));
  });
  if (auto n = record<EluBackward0>({&x}, out)) {
    n->saved = save(x);
    n->alpha = alpha;
    n->scale = scale;
    n->input_scale = input_scale;
  }
  return out;
}
}  // namespace

Tensor elu(const Tensor& x, double alpha) { return elu_impl(x, alpha, 1.0, 1.0, "elu"); }

Tensor selu(const Tensor& x) {
  // The constants of Klambauer et al. (2017), as PyTorch spells them.
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return elu_impl(x, kAlpha, kScale, 1.0, "selu");
}

Tensor celu(const Tensor& x, double alpha) {
  check_defined(x, "celu");
  if (alpha == 0) throw std::invalid_argument("celu: alpha must not be 0 (input " + describe(x) + ")");
  return elu_impl(x, alpha, 1.0, 1.0 / alpha, "celu");
}

// ---- silu: x sigmoid(x); d = g s (1 + x (1 - s)), s = sigmoid(x) -------------------------------
namespace {
struct SiluBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    Tensor s = sigmoid(x);
    return {g[0] * (s * (x * rsub(s, 1.0) + 1.0))};
  }
};
}  // namespace

Tensor silu(const Tensor& x) {
  Tensor out = unary_kernel(x, "silu", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::exp;
    return v / (T(1) + exp(-v));  // exp(-v) = inf for v << 0 gives -0, not NaN
  });
  if (auto n = record<SiluBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- mish: x tanh(softplus(x)); d = g (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x)) -----
namespace {
struct MishBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    Tensor t = tanh(softplus(x));
    return {g[0] * (t + x * sigmoid(x) * rsub(square(t), 1.0))};
  }
};
}  // namespace

Tensor mish(const Tensor& x) {
  Tensor out = unary_kernel(x, "mish", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::abs;
    using std::exp;
    using std::log1p;
    using std::tanh;
    // softplus as max(v, 0) + log1p(exp(-|v|)): never overflows.
    return v * tanh(select(v > T(0), v, T(0)) + log1p(exp(-abs(v))));
  });
  if (auto n = record<MishBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- log_sigmoid: -softplus(-x) = min(x, 0) - log1p(exp(-|x|)); d = g sigmoid(-x) --------------
namespace {
struct LogSigmoidBackward0 final : autograd::SavedOneNode {
  tensor_list apply(tensor_list&& g) override { return {g[0] * sigmoid(neg(saved.unpack()))}; }
};
}  // namespace

Tensor log_sigmoid(const Tensor& x) {
  Tensor out = unary_kernel(x, "log_sigmoid", [](const auto& v) {
    using T = elem_t<decltype(v)>;
    using std::abs;
    using std::exp;
    using std::log1p;
    return select(v < T(0), v, T(0)) - log1p(exp(-abs(v)));
  });
  if (auto n = record<LogSigmoidBackward0>({&x}, out)) n->saved = save(x);
  return out;
}

// ---- softsign: x / (1 + |x|), composed of ops as PyTorch's (grad_fn DivBackward0) -------------
// d = 1 / (1 + |x|)^2 everywhere; at 0 the composition gives 1 as well (abs has gradient 0 there).
namespace nn::functional {
Tensor softsign(const Tensor& x) {
  check_defined(x, "softsign");
  Tensor xf = x.is_floating_point() ? x : x.to(default_dtype());
  return xf / (abs(xf) + 1.0);
}
}  // namespace nn::functional

}  // namespace xgrad
