// check_function's stages (see check_function.hpp for what each does and costs).
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "../autograd/engine.hpp"
#include "../autograd/format.hpp"
#include "../autograd/grad_mode.hpp"
#include "stages.hpp"

namespace xgrad::testing {
namespace detail {
namespace {

using autograd::GradcheckFailure;

bool gradients_passed(const GradcheckResult& r) {
  return r.passed || r.failure == GradcheckFailure::UndefinedGradThrows ||
         r.failure == GradcheckFailure::UndefinedGradNonZero;
}

// gradcheck, with its undefined- and zero-grad_output stages reported under their own names.
void first_order(CheckResult& out, const CheckedFunction& fn, const tensor_list& x, const CheckOptions& opt) {
  GradcheckResult g = autograd::gradcheck_report(fn, x, opt.gradcheck());
  const GradcheckFailure f = g.failure;
  const bool undefined_failed =
      f == GradcheckFailure::UndefinedGradThrows || f == GradcheckFailure::UndefinedGradNonZero;
  const bool zero_failed = f == GradcheckFailure::NotMultipliedByGradOutput;
  const bool gradients_ok = g.passed || undefined_failed || zero_failed;
  const std::string message = g.message;
  const bool fast_agrees = !opt.also_fast_mode() ? true : [&] {
    GradcheckResult fast = autograd::gradcheck_report(fn, x, opt.gradcheck().fast_mode(true));
    if (gradients_passed(fast) == gradients_passed(g)) return true;
    out.stages.push_back(stage("gradcheck (fast mode)", StageStatus::Failed,
                               std::string("fast mode ") + (fast.passed ? "passes" : "fails") +
                                   " where slow mode does not:\n" + fast.message));
    return false;
  }();
  if (gradients_ok) {
    GradcheckResult passed = g;
    passed.passed = true;
    passed.failure = GradcheckFailure::None;
    passed.message.clear();
    out.stages.push_back(from_gradcheck("gradcheck", std::move(passed)));
  } else {
    out.stages.push_back(from_gradcheck("gradcheck", std::move(g)));
  }
  if (fast_agrees && opt.also_fast_mode()) out.stages.push_back(stage("gradcheck (fast mode)", StageStatus::Passed));
  const char* not_run = "not run: gradcheck failed first (it stops at its first failing stage)";
  if (!opt.gradcheck().check_undefined_grad()) {
    out.stages.push_back(stage("undefined grad outputs", StageStatus::Skipped, "switched off (check_undefined_grad)"));
  } else if (undefined_failed) {
    out.stages.push_back(stage("undefined grad outputs", StageStatus::Failed, message));
  } else {
    out.stages.push_back(g.passed ? stage("undefined grad outputs", StageStatus::Passed)
                                  : stage("undefined grad outputs", StageStatus::Skipped, not_run));
  }
  if (zero_failed) {
    out.stages.push_back(stage("zero grad outputs", StageStatus::Failed, message));
  } else {
    out.stages.push_back(g.passed || undefined_failed ? stage("zero grad outputs", StageStatus::Passed)
                                                      : stage("zero grad outputs", StageStatus::Skipped, not_run));
  }
}

void second_order(CheckResult& out, const CheckedFunction& fn, const tensor_list& x, const CheckOptions& opt) {
  const std::string name = "gradgradcheck";
  bool differentiable = false;
  for (const Tensor& o : fn(x)) differentiable = differentiable || (o.defined() && o.requires_grad());
  if (!differentiable) {
    out.stages.push_back(stage(name, StageStatus::Skipped, "no output requires grad"));
    return;
  }
  GradcheckResult gg = autograd::gradgradcheck_report(fn, x, tensor_list{}, opt.gradcheck());
  if (opt.also_fast_mode()) {
    GradcheckResult fast = autograd::gradgradcheck_report(fn, x, tensor_list{}, opt.gradcheck().fast_mode(true));
    if (gradients_passed(fast) != gradients_passed(gg)) {
      out.stages.push_back(stage("gradgradcheck (fast mode)", StageStatus::Failed,
                                 std::string("fast mode ") + (fast.passed ? "passes" : "fails") +
                                     " where slow mode does not:\n" + fast.message));
    }
  }
  out.stages.push_back(from_gradcheck(name, std::move(gg)));
}

StageResult float32_forward(const CheckedFunction& fn, const tensor_list& inputs, const CheckOptions& opt) {
  const std::string name = "float32 forward";
  tensor_list o64, o32;
  {
    NoGradGuard no_grad;
    o64 = fn(copies_as(inputs, kFloat64, false));
    o32 = fn(copies_as(inputs, kFloat32, false));
  }
  std::ostringstream why;
  if (o64.size() != o32.size()) {
    why << "Float32 inputs gave " << o32.size() << " outputs, Float64 " << o64.size();
    return stage(name, StageStatus::Failed, why.str());
  }
  for (std::size_t i = 0; i < o64.size(); ++i) {
    if (!o64[i].defined()) continue;
    const Dtype want = o64[i].is_floating_point() ? kFloat32 : o64[i].dtype();
    if (o32[i].shape() != o64[i].shape() || o32[i].dtype() != want) {
      why << "output " << i << " is " << dtype_name(o32[i].dtype()) << " " << shape_text(o32[i].shape())
          << " for Float32 inputs, expected " << dtype_name(want) << " " << shape_text(o64[i].shape());
      return stage(name, StageStatus::Failed, why.str());
    }
    const auto a = o32[i].to_vector<double>(), b = o64[i].to_vector<double>();
    std::size_t bad = 0, first = 0;
    for (std::size_t e = 0; e < a.size(); ++e) {
      if (!(std::abs(a[e] - b[e]) <= opt.f32_atol() + opt.f32_rtol() * std::abs(b[e])) && bad++ == 0) first = e;
    }
    if (bad) {
      why << "Float32 forward differs from Float64 in " << bad << " elements of output " << i
          << " (first at flat index " << first << ": " << num_str(a[first]) << " vs " << num_str(b[first])
          << "; tolerance atol " << num_str(opt.f32_atol()) << " + rtol " << num_str(opt.f32_rtol()) << ")";
      return stage(name, StageStatus::Failed, why.str());
    }
  }
  return stage(name, StageStatus::Passed);
}

}  // namespace

CheckResult check_function_impl(const CheckedFunction& fn, const tensor_list& inputs, const CheckOptions& opt) {
  if (inputs.empty()) throw std::invalid_argument("check_function(" + opt.name() + "): no inputs");
  CheckResult out;
  out.name = opt.name();
  const GradcheckOptions go = opt.gradcheck().raise_exception(false);
  const CheckOptions o = opt.gradcheck(go);
  const tensor_list x64 = copies_as(inputs, kFloat64, true);
  const std::size_t before = out.stages.size();
  try {
    first_order(out, fn, x64, o);
  } catch (const std::exception& e) {
    out.stages.resize(before);
    out.stages.push_back(stage("gradcheck", StageStatus::Failed, std::string("threw: ") + e.what()));
  }
  if (o.second_order()) {
    const std::size_t n = out.stages.size();
    try {
      second_order(out, fn, x64, o);
    } catch (const std::exception& e) {
      out.stages.resize(n);
      out.stages.push_back(stage("gradgradcheck", StageStatus::Failed, std::string("threw: ") + e.what()));
    }
  }
  if (o.non_contiguous())
    out.stages.push_back(guarded("non-contiguous inputs", [&] { return non_contiguous_stage(fn, inputs, go); }));
  if (o.expanded()) out.stages.push_back(guarded("expanded inputs", [&] { return expanded_stage(fn, inputs, go); }));
  if (o.broadcast()) {
    try {
      for (StageResult& s : broadcast_stages(fn, inputs, go)) out.stages.push_back(std::move(s));
    } catch (const std::exception& e) {  // fn threw on the inputs as given
      out.stages.push_back(stage("broadcast", StageStatus::Failed, std::string("threw: ") + e.what()));
    }
  }
  if (o.float32()) out.stages.push_back(guarded("float32 forward", [&] { return float32_forward(fn, inputs, o); }));
  if (o.zero_size()) out.stages.push_back(zero_size_stage(fn, inputs));
  if (o.backward_twice())
    out.stages.push_back(guarded("backward twice", [&] { return backward_twice_stage(fn, inputs, go); }));
  return out;
}

}  // namespace detail
}  // namespace xgrad::testing
