// check_op: an op's whole gradient test in one line, after Stan Math's expect_ad.
//
//   check_op("exp", [](const tensor_list& x) { return exp(x[0]); }, {randn({3, 4}, kFloat64)});
//
// runs, on Float64 copies of the floating inputs (made to require grad; Int64 inputs such as
// indices pass through unchanged):
//   - gradcheck in slow and in fast mode (both must pass),
//   - gradgradcheck in slow and in fast mode (both must pass) when some output requires grad,
//   - the forward on Float32 copies, which must give Float32 outputs (Int64 ones stay Int64) that
//     match the Float64 forward to single-precision tolerance.
// Failures are reported through doctest (non-fatal, so one file checks many ops) with the op's
// name and gradcheck's full report; an op that throws is reported with the exception's message.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <type_traits>
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

// Fresh copies of the inputs: floating ones in `dtype` (requiring grad if asked), others as given.
inline tensor_list copies_as(const tensor_list& inputs, Dtype dtype, bool requires_grad) {
  tensor_list out;
  for (const Tensor& t : inputs) {
    if (!t.defined() || !t.is_floating_point()) {
      out.push_back(t);
      continue;
    }
    Tensor c = t.dtype() == dtype ? t.detach().clone() : t.detach().to(dtype);
    if (requires_grad) c.requires_grad_(true);
    out.push_back(c);
  }
  return out;
}

inline tensor_list as_list(Tensor t) { return {std::move(t)}; }
inline tensor_list as_list(tensor_list t) { return t; }

// Float32 forward vs Float64 forward, output by output.
inline void check_float32_forward(const std::string& name, const tensor_list& o64, const tensor_list& o32,
                                  const OpCheckOptions& opt) {
  REQUIRE_MESSAGE(o64.size() == o32.size(),
                  name << ": Float32 forward gave " << o32.size() << " outputs, Float64 " << o64.size());
  for (std::size_t i = 0; i < o64.size(); ++i) {
    if (!o64[i].defined()) continue;
    CHECK_MESSAGE(o32[i].shape() == o64[i].shape(), name << ": output " << i << " shape differs in Float32");
    const Dtype want = o64[i].is_floating_point() ? xgrad::kFloat32 : o64[i].dtype();
    CHECK_MESSAGE(o32[i].dtype() == want, name << ": output " << i << " is " << xgrad::dtype_name(o32[i].dtype())
                                               << " for Float32 inputs, expected " << xgrad::dtype_name(want));
    if (o32[i].shape() != o64[i].shape()) continue;
    auto a = o32[i].to_vector<double>(), b = o64[i].to_vector<double>();
    std::size_t bad = 0, worst = 0;
    for (std::size_t e = 0; e < a.size(); ++e) {
      if (!(std::abs(a[e] - b[e]) <= opt.f32_atol + opt.f32_rtol * std::abs(b[e]))) {
        if (bad++ == 0) worst = e;
      }
    }
    CHECK_MESSAGE(bad == 0, name << ": Float32 forward differs from Float64 in " << bad << " elements of output " << i
                                 << " (first at flat index " << worst << ": " << (a.empty() ? 0 : a[worst]) << " vs "
                                 << (b.empty() ? 0 : b[worst]) << ")");
  }
}

// gradcheck's last stage (undefined output gradients) only runs once the gradients themselves
// passed: its failure gets a short message of its own rather than the full report.
inline void check_result(const std::string& name, const char* what, const xgrad::autograd::GradcheckResult& r) {
  using xgrad::autograd::GradcheckFailure;
  if (r.failure == GradcheckFailure::UndefinedGradThrows || r.failure == GradcheckFailure::UndefinedGradNonZero) {
    const std::string first_lines = r.message.substr(0, r.message.find("Every node"));
    FAIL_CHECK(name << ": " << std::string(what)
                    << ": the gradients are right, but backward does not accept undefined output "
                       "gradients: "
                    << first_lines);
    return;
  }
  CHECK_MESSAGE(r.passed, name << ": " << std::string(what) << " failed:\n" << r.message);
}

inline bool passed_gradients(const xgrad::autograd::GradcheckResult& r) {
  using xgrad::autograd::GradcheckFailure;
  return r.passed || r.failure == GradcheckFailure::UndefinedGradThrows ||
         r.failure == GradcheckFailure::UndefinedGradNonZero;
}

template <class F>
void check_op(const std::string& name, F&& fn, const tensor_list& inputs, const OpCheckOptions& opt = {}) {
  using xgrad::autograd::gradcheck_report;
  using xgrad::autograd::gradgradcheck_report;
  try {
    tensor_list x64 = copies_as(inputs, xgrad::kFloat64, true);
    auto slow = gradcheck_report(fn, x64, opt.gradcheck);
    check_result(name, "gradcheck", slow);
    auto fast = gradcheck_report(fn, x64, opt.gradcheck.fast_mode(true));
    CHECK_MESSAGE(passed_gradients(fast) == passed_gradients(slow),
                  name << ": fast mode " << (fast.passed ? "passes" : "fails") << " where slow mode does not:\n"
                       << fast.message);

    tensor_list o64;
    {
      xgrad::NoGradGuard no_grad;
      o64 = as_list(fn(x64));
    }
    bool differentiable = false;
    {
      tensor_list with_graph = as_list(fn(x64));
      for (const auto& o : with_graph) differentiable = differentiable || (o.defined() && o.requires_grad());
    }
    if (opt.second_order && differentiable) {
      auto gg = gradgradcheck_report(fn, x64, tensor_list{}, opt.gradcheck);
      check_result(name, "gradgradcheck", gg);
      auto ggf = gradgradcheck_report(fn, x64, tensor_list{}, opt.gradcheck.fast_mode(true));
      CHECK_MESSAGE(passed_gradients(ggf) == passed_gradients(gg), name << ": gradgradcheck fast mode "
                                                                        << (ggf.passed ? "passes" : "fails")
                                                                        << " where slow mode does not:\n"
                                                                        << ggf.message);
    }

    tensor_list x32 = copies_as(inputs, xgrad::kFloat32, false);
    tensor_list o32 = as_list(fn(x32));
    check_float32_forward(name, o64, o32, opt);
  } catch (const std::exception& e) {
    FAIL_CHECK(name << " threw: " << e.what());
  }
}

}  // namespace xgrad_test
