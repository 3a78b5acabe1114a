// A plugin for `xgrad check` with each classic backward bug gradcheck names: wrong sign,
// constant factor, transposed, wrong input, ignored grad_output, not connected
// (tests/test_cli_check_plugin.cpp asserts each row's diagnosis), and one right function.
#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
using autograd::AutogradContext;

namespace {

// y = x^2 with backward g * x * k: k = 2 is right, -2 the wrong sign, 1 a missing factor.
template <int K>
struct Square : autograd::Function<Square<K>> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * double(K)};
  }
};
struct SquareIgnoresGradOutput : autograd::Function<SquareIgnoresGradOutput> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list) { return {ctx->get_saved_variables()[0] * 2.0}; }
};
struct SquareDisconnected : autograd::Function<SquareDisconnected> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * x; }
  static tensor_list backward(AutogradContext*, tensor_list) { return {Tensor()}; }
};
// y = a * b with the two gradients swapped.
struct MulSwapped : autograd::Function<MulSwapped> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[0], g[0] * s[1]};
  }
};
// y = W x (W [3, 3], x [3]) with W g instead of W^T g for x.
Tensor matvec(const Tensor& w, const Tensor& x) { return (w * unsqueeze(x, 0)).sum({1}); }
struct MatVecTransposed : autograd::Function<MatVecTransposed> {
  static Tensor forward(AutogradContext* ctx, const Tensor& w, const Tensor& x) {
    ctx->save_for_backward({w, x});
    return matvec(w, x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {unsqueeze(g[0], 1) * unsqueeze(s[1], 0), matvec(s[0], g[0])};
  }
};

const auto kFirstOrder = testing::CheckOptions().second_order(false);

}  // namespace

XGRAD_REGISTER_CHECK(square_right, [](const tensor_list& x) { return Square<2>::apply(x[0]); }, {{3}});
XGRAD_REGISTER_CHECK(square_wrong_sign, [](const tensor_list& x) { return Square<-2>::apply(x[0]); }, {{3}});
XGRAD_REGISTER_CHECK(square_missing_factor, [](const tensor_list& x) { return Square<1>::apply(x[0]); }, {{3}});
XGRAD_REGISTER_CHECK(
    square_ignores_grad_output, [](const tensor_list& x) { return SquareIgnoresGradOutput::apply(x[0]); }, {{3}},
    kFirstOrder);
XGRAD_REGISTER_CHECK(
    square_disconnected, [](const tensor_list& x) { return SquareDisconnected::apply(x[0]); }, {{3}}, kFirstOrder);
XGRAD_REGISTER_CHECK(mul_swapped, [](const tensor_list& x) { return MulSwapped::apply(x[0], x[1]); }, {{3}, {3}});
XGRAD_REGISTER_CHECK(matvec_transposed, [](const tensor_list& x) { return MatVecTransposed::apply(x[0], x[1]); },
                     {{3, 3}, {3}});
