// A custom autograd Function whose forward and backward are plain xtensor expressions, run on
// zero-copy views (as_xtensor) of xgrad tensors, then checked with gradcheck. Exits non-zero if
// the check fails or the values disagree with the same function built from xgrad ops.
//
//   ScaledSoftplus(x [n, m], a [m]) = log(1 + exp(a * x)) / a      (a broadcast over the rows)
//   d/dx = g * sigmoid(a * x)
//   d/da = sum over rows of g * (x * sigmoid(a * x) / a - log(1 + exp(a * x)) / a^2)
//
// The backward is not itself differentiable (it leaves xgrad), so this Function supports first
// derivatives only; gradgradcheck would need a backward written with xgrad ops.
#include <cstdlib>
#include <iostream>
#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xio.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xstrided_view.hpp>

using namespace xgrad;
using autograd::AutogradContext;

namespace {

template <class T>
Tensor softplus_forward(const Tensor& x, const Tensor& a) {
  Tensor y = empty(x.sizes(), x.dtype());
  auto X = as_xtensor<T>(x);
  auto A = as_xtensor<T>(a);  // [m] broadcasts against [n, m], as in numpy
  as_xtensor<T>(y) = xt::log1p(xt::exp(A * X)) / A;
  return y;
}

template <class T>
tensor_list softplus_backward(const Tensor& x, const Tensor& a, const Tensor& g) {
  auto X = as_xtensor<T>(x);
  auto A = as_xtensor<T>(a);
  auto G = as_xtensor<T>(g);
  auto sig = 1.0 / (1.0 + xt::exp(-A * X));  // lazy: evaluated inside the assignments below
  Tensor grad_x = empty(x.sizes(), x.dtype()), grad_a = empty(a.sizes(), a.dtype());
  as_xtensor<T>(grad_x) = G * sig;
  as_xtensor<T>(grad_a) = xt::sum(G * (X * sig / A - xt::log1p(xt::exp(A * X)) / (A * A)), {0});
  return {grad_x, grad_a};
}

struct ScaledSoftplus : autograd::Function<ScaledSoftplus> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x_in, const Tensor& a_in) {
    if (x_in.dim() != 2 || a_in.dim() != 1 || a_in.size(0) != x_in.size(1) || x_in.dtype() != a_in.dtype())
      throw std::invalid_argument("ScaledSoftplus: expects x [n, m] and a [m] of one dtype");
    // as_xtensor needs contiguous tensors: copy the strided ones (a no-op for the others).
    Tensor x = x_in.contiguous(), a = a_in.contiguous();
    ctx->save_for_backward({x, a});
    return x.dtype() == kFloat64 ? softplus_forward<double>(x, a) : softplus_forward<float>(x, a);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    auto saved = ctx->get_saved_variables();
    Tensor g = grads[0].contiguous();  // an incoming gradient may be a broadcast (stride 0)
    return saved[0].dtype() == kFloat64 ? softplus_backward<double>(saved[0], saved[1], g)
                                        : softplus_backward<float>(saved[0], saved[1], g);
  }
};

}  // namespace

int main() {
  // Inputs made from xtensor arrays (copied: from_xtensor).
  xt::xarray<double> x_values = xt::reshape_view(xt::linspace<double>(-2.0, 2.0, 12), {3, 4});
  xt::xarray<double> a_values = {0.5, 1.0, 1.5, 2.0};
  Tensor x = from_xtensor(x_values, TensorOptions().requires_grad(true));
  Tensor a = from_xtensor(a_values, TensorOptions().requires_grad(true));

  Tensor y = ScaledSoftplus::apply(x, a);
  Tensor reference = (a * x).exp().log1p() / a;  // the same function from xgrad's own ops
  const bool values_ok = allclose(y, reference, 1e-12, 1e-12);
  std::cout << "ScaledSoftplus(x, a) =\n"
            << to_xarray<double>(y) << "\nmatches xgrad ops: " << std::boolalpha << values_ok << "\n";

  auto fn = [](const tensor_list& in) { return ScaledSoftplus::apply(in[0], in[1]); };
  const bool grads_ok = autograd::gradcheck(fn, {x, a});
  // A strided input (a transpose) goes through the contiguous() copy in forward.
  Tensor xt_in = randn({4, 3}, TensorOptions(kFloat64)).t().detach().requires_grad_();
  const bool strided_ok = autograd::gradcheck(fn, {xt_in, a});
  std::cout << "gradcheck: " << grads_ok << ", with a transposed input: " << strided_ok << "\n";
  return values_ok && grads_ok && strided_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
