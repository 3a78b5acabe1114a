// What the test-framework assertions (<xgrad/doctest.hpp>, <xgrad/gtest.hpp>) evaluate: each
// check as a pass/fail and the full report. Exceptions from the checked code become failures
// whose report is the exception's message. Framework-neutral; costs are the checks' own.
#pragma once
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "check_function.hpp"
#include "check_vjp.hpp"

namespace xgrad::testing {

struct Outcome {
  bool ok = false;
  std::string report;  // the full report on failure, "" on success
};

namespace detail {
template <class Body>
Outcome outcome_of(const char* what, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return Outcome{false, std::string(what) + " threw: " + e.what()};
  }
}
inline Outcome from_result(const char* what, const GradcheckResult& r) {
  return Outcome{r.passed, r.passed ? std::string() : std::string(what) + " failed:\n" + r.message};
}
}  // namespace detail

template <autograd::GradcheckCallable F>
Outcome gradcheck_outcome(F&& fn, const tensor_list& inputs, const GradcheckOptions& options = {}) {
  return detail::outcome_of("gradcheck", [&] {
    return detail::from_result("gradcheck", autograd::gradcheck_report(fn, inputs, options.raise_exception(false)));
  });
}

template <autograd::GradcheckCallable F>
Outcome check_function_outcome(F&& fn, const tensor_list& inputs, const CheckOptions& options = {}) {
  return detail::outcome_of("check_function", [&] {
    CheckResult r = check_function(fn, inputs, options);
    return Outcome{r.ok(), r.ok() ? std::string() : r.report()};
  });
}

template <class F, class V, class X>
Outcome check_vjp_outcome_of(F&& f, V&& vjp, const X& x, const GradcheckOptions& options) {
  return detail::outcome_of("check_vjp",
                            [&] { return detail::from_result("check_vjp", check_vjp(f, vjp, x, options)); });
}
template <class F, class V>
Outcome check_vjp_outcome(F&& f, V&& vjp, const Array& x, const GradcheckOptions& options = {}) {
  return check_vjp_outcome_of(f, vjp, x, options);
}
template <class F, class V>
Outcome check_vjp_outcome(F&& f, V&& vjp, const ArrayList& x, const GradcheckOptions& options = {}) {
  return check_vjp_outcome_of(f, vjp, x, options);
}
template <class F, class V>
Outcome check_vjp_outcome(F&& f, V&& vjp, const std::vector<double>& x, const GradcheckOptions& options = {}) {
  return check_vjp_outcome_of(f, vjp, x, options);
}

}  // namespace xgrad::testing
