// check_op: an op's whole gradient test in one line, after Stan Math's expect_ad.
//
//   check_op("exp", [](const tensor_list& x) { return exp(x[0]); }, {randn({3, 4}, kFloat64)});
//
// A thin layer over the public xgrad::testing::check_function (testing/check_function.hpp)
// with CheckOptions::op_test(): on Float64 copies of the floating inputs (made to require grad;
// Int64 inputs such as indices pass through unchanged) it runs
//   - gradcheck in slow and in fast mode (both must agree), its undefined and zero grad_output
//     stages included,
//   - gradgradcheck in slow and in fast mode when some output requires grad,
//   - the forward on Float32 copies, which must give Float32 outputs (Int64 ones stay Int64)
//     that match the Float64 forward to single-precision tolerance.
// A failure is one non-fatal doctest check (so one file checks many ops) whose message is
// check_function's report: the op's name, each stage's status and gradcheck's full report; an
// op that throws fails the stage it threw in, with the exception's message.
#pragma once
#include <doctest/doctest.h>

#include <string>
#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>

namespace xgrad_test {

using xgrad::Dtype;
using xgrad::Tensor;
using xgrad::tensor_list;

struct OpCheckOptions {
  xgrad::autograd::GradcheckOptions gradcheck = xgrad::autograd::GradcheckOptions().raise_exception(false);
  bool second_order = true;  // also gradgradcheck
  double f32_rtol = 1e-4;    // Float32 forward vs Float64 forward
  double f32_atol = 1e-5;
};

template <class F>
void check_op(const std::string& name, F&& fn, const tensor_list& inputs, const OpCheckOptions& opt = {}) {
  const auto options = xgrad::testing::CheckOptions::op_test()
                           .name(name)
                           .gradcheck(opt.gradcheck)
                           .second_order(opt.second_order)
                           .f32_tolerance(opt.f32_atol, opt.f32_rtol);
  const xgrad::testing::CheckResult r = xgrad::testing::check_function(fn, inputs, options);
  CHECK_MESSAGE(r.ok(), r.report());
}

}  // namespace xgrad_test
