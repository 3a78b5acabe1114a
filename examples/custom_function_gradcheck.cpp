// The classic gradcheck example, in C++: a custom Function with a hand-written backward is
// checked against central differences. Exits non-zero if the check fails.
//
//   MyFunction(input [B, in], weight [out, in], constant) = constant * input . weight^T
//
// backward returns grad_input and grad_weight, and an undefined gradient for the constant.
// Then the same Function with the constant forgotten in backward shows gradcheck's report.
#include <cstdlib>
#include <iostream>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;
using autograd::GradcheckOptions;

struct MyFunction : Function<MyFunction> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input, const Tensor& weight, double constant) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["constant"] = constant;
    return mm(input, weight.t()) * constant;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const double c = ctx->saved_data["constant"].toDouble();
    const Tensor& g = grad_outputs[0];
    Tensor grad_input, grad_weight;
    if (ctx->needs_input_grad(0)) grad_input = mm(g, saved[1]) * c;
    if (ctx->needs_input_grad(1)) grad_weight = mm(g.t(), saved[0]) * c;
    return {grad_input, grad_weight, Tensor()};  // no gradient for the constant
  }
};

// The same, with the constant forgotten in backward: a classic bug.
struct MyBuggyFunction : Function<MyBuggyFunction> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input, const Tensor& weight, double constant) {
    ctx->save_for_backward({input, weight});
    return mm(input, weight.t()) * constant;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    const Tensor& g = grad_outputs[0];
    return {mm(g, saved[1]), mm(g.t(), saved[0]), Tensor()};
  }
};

int main() {
  manual_seed(0);
  Tensor input = randn({20, 20}, TensorOptions(kFloat64).requires_grad(true));
  Tensor weight = randn({30, 20}, TensorOptions(kFloat64).requires_grad(true));
  const auto options = GradcheckOptions().eps(1e-6).atol(1e-4).raise_exception(false);

  auto fn = [](const tensor_list& in) { return MyFunction::apply(in[0], in[1], 2.0); };
  const bool ok = autograd::gradcheck(fn, {input, weight}, options);
  std::cout << "gradcheck(MyFunction): " << std::boolalpha << ok << "\n";
  const bool ok_fast = autograd::gradcheck(fn, {input, weight}, options.fast_mode(true));
  std::cout << "gradcheck(MyFunction, fast_mode): " << ok_fast << "\n";

  // What a failure looks like (small inputs, so that the Jacobians are printed in full).
  Tensor small_input = randn({3, 4}, TensorOptions(kFloat64).requires_grad(true));
  Tensor small_weight = randn({2, 4}, TensorOptions(kFloat64).requires_grad(true));
  auto buggy = [](const tensor_list& in) { return MyBuggyFunction::apply(in[0], in[1], 2.0); };
  autograd::GradcheckResult report = autograd::gradcheck_report(buggy, {small_input, small_weight}, options);
  std::cout << "\ngradcheck(MyBuggyFunction): " << report.passed << "\n" << report.message;
  const bool bug_named = !report.passed && report.first_failure() &&
                         report.first_failure()->diagnosis == autograd::GradcheckDiagnosis::ConstantFactor;

  return ok && ok_fast && bug_named ? EXIT_SUCCESS : EXIT_FAILURE;
}
