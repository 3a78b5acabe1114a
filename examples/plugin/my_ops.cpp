// An op library as a team would check it in CI with one line:
//
//   xgrad check --plugin build/examples/plugin/libxgrad_example_plugin.so --report out/checks
//
// Each function is registered with XGRAD_REGISTER_CHECK(name, function, example input shapes).
// Three are right; `scaled_square_buggy` has the classic bug of a backward that forgets a
// constant factor, and `xgrad check` reports it (diagnosis: constant factor) and exits 1.
#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
using autograd::AutogradContext;

namespace {

// y = 3 x^2, dy/dx = 6 x.
struct ScaledSquare : autograd::Function<ScaledSquare> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * 3.0;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * 6.0};
  }
};

// The same with the bug: d(3 x^2)/dx written as 3 x (the 2 of the power rule forgotten).
struct ScaledSquareBuggy : autograd::Function<ScaledSquareBuggy> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * 3.0;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * 3.0};
  }
};

// y = a * b + a (b broadcast over the rows of a): d/da = b + 1, d/db = sum over rows of a.
struct MulAdd : autograd::Function<MulAdd> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b + a;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const tensor_list s = ctx->get_saved_variables();
    Tensor ga = g[0] * (s[1] + 1.0);
    Tensor gb = g[0] * s[0];
    if (gb.shape() != s[1].shape()) gb = gb.sum({0});  // b broadcast: sum its gradient over the rows
    return {ga, gb};
  }
};

Tensor scaled_square(const tensor_list& x) { return ScaledSquare::apply(x[0]); }
Tensor scaled_square_buggy(const tensor_list& x) { return ScaledSquareBuggy::apply(x[0]); }
Tensor mul_add(const tensor_list& x) { return MulAdd::apply(x[0], x[1]); }

}  // namespace

XGRAD_REGISTER_CHECK(scaled_square, scaled_square, {{3, 4}});
XGRAD_REGISTER_CHECK(mul_add, mul_add, {{3, 4}, {4}});
XGRAD_REGISTER_CHECK(log_softmax_rows, [](const tensor_list& x) { return x[0].log_softmax(1); }, {{2, 5}});
XGRAD_REGISTER_CHECK(scaled_square_buggy, scaled_square_buggy, {{3, 4}});
