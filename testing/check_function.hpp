// check_function: every gradient check an op or custom Function needs, in one call (after Stan
// Math's expect_ad). The project's own op tests (tests/harness.hpp check_op) run on it.
//
//   using namespace xgrad::testing;
//   CheckResult r = check_function([](const tensor_list& x) { return MyFn::apply(x[0], x[1]); },
//                                  {randn({3, 4}), randn({3, 4})}, CheckOptions().name("my_fn"));
//   if (!r.ok()) std::cerr << r.report();
//
// fn maps a tensor_list to a Tensor or a tensor_list. Every stage works on fresh Float64 copies of
// the floating inputs (made to require grad); Int64 inputs (indices) pass through unchanged. The
// stages, in order, and what each costs (G = one gradcheck: 1 + 2N calls of fn and 2M + 1 + U
// backward calls, N and M the input and output element counts, U as in autograd/gradcheck.hpp;
// GG = one gradgradcheck, the same for fn's gradient function; a call of fn = one forward):
//   gradcheck              G (and another G in fast mode with also_fast_mode)
//   undefined grad outputs }  gradcheck's own later stages, reported under their own names:
//   zero grad outputs      }  no extra calls. Skipped when gradcheck failed first.
//   gradgradcheck          GG (and another in fast mode with also_fast_mode); only when some
//                          output requires grad
//   non-contiguous inputs  G: the same values in non-contiguous leaves (>= 2-D: transposed memory
//                          layout; 1-D: every other element of a buffer twice as long)
//   expanded inputs        G: inputs with a leading dimension > 1 become stride-0 views (expand)
//                          of a leaf holding their first slice, so fn sees an expanded tensor
//   broadcast shapes       1 call of fn + G per input with a leading dimension > 1: that input's
//                          leading dimension becomes 1 (its first slice). The rule: the stage runs
//                          only when fn accepts the smaller input AND its outputs keep their shapes
//                          (so fn broadcast it); otherwise it is skipped and the reason given
//   float32 forward        1 call of fn on Float32 copies: outputs must be Float32 (Int64 stay
//                          Int64), same shapes, within f32_atol + f32_rtol * |float64 value|
//   zero-size inputs       1 or 2 calls of fn + 1 backward: every floating input with dim >= 1
//                          gets a leading dimension 0 (if fn refuses that, only the inputs of the
//                          largest rank do). fn refusing both is a skip; backward throwing or
//                          gradients of the wrong shape is a failure
//   backward twice         1 call of fn + 2 backward calls on the same graph (retain_graph):
//                          both must give identical gradients (within nondet_tol)
// A stage that throws (fn or its backward) fails with the exception's message; the others
// still run. Nothing throws out of check_function except std::invalid_argument for an empty
// input list.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../autograd/gradcheck.hpp"

namespace xgrad::testing {

using autograd::GradcheckOptions;
using autograd::GradcheckResult;

class CheckOptions {
 public:
  // Named in the report and in the CLI's table.
  CheckOptions name(std::string v) const {
    CheckOptions o = *this;
    o.name_ = std::move(v);
    return o;
  }
  // Tolerances and seed of every gradcheck (raise_exception is ignored: results are collected).
  CheckOptions gradcheck(GradcheckOptions v) const { return with(&CheckOptions::gradcheck_, v); }
  CheckOptions f32_tolerance(double atol, double rtol) const {
    return with(&CheckOptions::f32_atol_, atol).with(&CheckOptions::f32_rtol_, rtol);
  }
  // Stage switches (all on by default, also_fast_mode off).
  CheckOptions second_order(bool v) const { return with(&CheckOptions::second_order_, v); }
  CheckOptions non_contiguous(bool v) const { return with(&CheckOptions::non_contiguous_, v); }
  CheckOptions expanded(bool v) const { return with(&CheckOptions::expanded_, v); }
  CheckOptions broadcast(bool v) const { return with(&CheckOptions::broadcast_, v); }
  CheckOptions float32(bool v) const { return with(&CheckOptions::float32_, v); }
  CheckOptions zero_size(bool v) const { return with(&CheckOptions::zero_size_, v); }
  CheckOptions backward_twice(bool v) const { return with(&CheckOptions::backward_twice_, v); }
  // Also run gradcheck and gradgradcheck in fast mode; fast and slow mode must agree.
  CheckOptions also_fast_mode(bool v) const { return with(&CheckOptions::also_fast_mode_, v); }
  // Only the stages the project's op tests run: gradcheck (+ fast), gradgradcheck (+ fast), float32.
  static CheckOptions op_test() {
    return CheckOptions()
        .non_contiguous(false)
        .expanded(false)
        .broadcast(false)
        .zero_size(false)
        .backward_twice(false)
        .also_fast_mode(true);
  }

  const std::string& name() const { return name_; }
  const GradcheckOptions& gradcheck() const { return gradcheck_; }
  double f32_atol() const { return f32_atol_; }
  double f32_rtol() const { return f32_rtol_; }
  bool second_order() const { return second_order_; }
  bool non_contiguous() const { return non_contiguous_; }
  bool expanded() const { return expanded_; }
  bool broadcast() const { return broadcast_; }
  bool float32() const { return float32_; }
  bool zero_size() const { return zero_size_; }
  bool backward_twice() const { return backward_twice_; }
  bool also_fast_mode() const { return also_fast_mode_; }

 private:
  template <class V>
  CheckOptions with(V CheckOptions::*member, V v) const {
    CheckOptions o = *this;
    o.*member = v;
    return o;
  }
  std::string name_ = "function";
  GradcheckOptions gradcheck_;
  double f32_atol_ = 1e-5, f32_rtol_ = 1e-4;
  bool second_order_ = true, non_contiguous_ = true, expanded_ = true, broadcast_ = true, float32_ = true,
       zero_size_ = true, backward_twice_ = true, also_fast_mode_ = false;
};

enum class StageStatus : std::uint8_t { Passed, Failed, Skipped };
const char* stage_status_name(StageStatus s) noexcept;  // "passed", "failed", "skipped"

struct StageResult {
  std::string name;  // e.g. "non-contiguous inputs"
  StageStatus status = StageStatus::Passed;
  std::string detail;  // why it failed or was skipped (a gradcheck stage: its full report)
  bool has_gradcheck = false;
  GradcheckResult gradcheck;  // when the stage ran a gradcheck or gradgradcheck
};

struct CheckResult {
  std::string name;
  std::vector<StageResult> stages;
  bool ok() const;  // no stage failed
  std::size_t passed() const;
  std::size_t failed() const;
  std::size_t skipped() const;
  // Largest |analytical - numerical| over every gradcheck pair of every stage (0 if none ran).
  double worst_error() const;
  // One line: the first failing stage and its diagnosis (gradcheck's, when it has one); "" if ok.
  std::string diagnosis() const;
  const StageResult* stage(const std::string& name) const;  // nullptr when absent
  // Every stage with its status, then each failure in full (gradcheck's report for gradient stages).
  std::string report() const;
  // The gradcheck result of the first failing stage that has one (for a picture), or nullptr.
  const GradcheckResult* first_failed_gradcheck() const;

  // A picture of the whole check, self-contained like GradcheckResult::to_svg: the verdict, one
  // row per stage (a green, red or grey badge with its status, the stage's name, and its
  // diagnosis or the reason it failed or was skipped), the first lines of each non-gradient
  // failure, then the heatmaps of the first failing gradient stage (GradcheckResult::to_svg's
  // picture, failing node named) under its stage's name. Rows carry class "stage" and
  // data-status. Cost: that of the stage's to_svg plus O(stages).
  std::string to_svg() const;
  // An HTML page: to_svg() followed by report() (escaped).
  std::string to_html() const;
  // Written atomically (autograd::write_file_atomically); throws autograd::WriteError.
  void write_svg(const std::string& path) const;
  void write_html(const std::string& path) const;
};

using CheckedFunction = std::function<tensor_list(const tensor_list&)>;

namespace detail {
CheckResult check_function_impl(const CheckedFunction& fn, const tensor_list& inputs, const CheckOptions& options);
inline tensor_list to_list(Tensor t) { return {std::move(t)}; }
inline tensor_list to_list(tensor_list t) { return t; }
}  // namespace detail

template <autograd::GradcheckCallable F>
CheckResult check_function(F&& fn, const tensor_list& inputs, const CheckOptions& options = {}) {
  CheckedFunction f = [&fn](const tensor_list& in) { return detail::to_list(fn(in)); };
  return detail::check_function_impl(f, inputs, options);
}

}  // namespace xgrad::testing
