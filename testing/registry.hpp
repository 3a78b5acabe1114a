// The registry `xgrad check --plugin` reads: functions registered with one line each, in a
// shared library the program loads.
//
//   #include <xgrad/testing.hpp>
//   Tensor my_scale(const tensor_list& x) { return MyScale::apply(x[0], x[1]); }
//   XGRAD_REGISTER_CHECK(my_scale, my_scale, {{3, 4}, {4}});
//   XGRAD_REGISTER_CHECK(my_log, [](const tensor_list& x) { return log(x[0].abs() + 1); }, {{5}},
//                        xgrad::testing::CheckOptions().second_order(false));
//
// Arguments: the name (an identifier, shown in the table), the function (tensor_list -> Tensor
// or tensor_list), the example input shapes (one per input; the inputs are drawn from N(0, 1),
// in Float64, from a generator seeded by the check's position), and optionally CheckOptions.
// Registration runs when the library is loaded (a static object's constructor).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "check_function.hpp"

namespace xgrad::testing {

struct RegisteredCheck {
  std::string name;
  CheckedFunction fn;
  std::vector<std::vector<std::int64_t>> shapes;
  CheckOptions options;
};

// Every check registered so far, in registration order (lives in libxgrad).
std::vector<RegisteredCheck>& registered_checks();
// The example inputs of a registered check: N(0, 1) Float64 tensors of its shapes, from a
// generator seeded with `seed` (the global generator is not touched).
tensor_list example_inputs(const RegisteredCheck& check, std::uint64_t seed);
// check_function on the example inputs, named after the check.
CheckResult run_registered_check(const RegisteredCheck& check, std::uint64_t seed);

struct CheckRegistrar {
  template <autograd::GradcheckCallable F>
  CheckRegistrar(std::string name, F fn, std::vector<std::vector<std::int64_t>> shapes, CheckOptions options = {}) {
    CheckedFunction f = [fn](const tensor_list& in) mutable { return detail::to_list(fn(in)); };
    registered_checks().push_back(
        RegisteredCheck{std::move(name), std::move(f), std::move(shapes), std::move(options)});
  }
};

}  // namespace xgrad::testing

#define XGRAD_CHECK_CONCAT_INNER(a, b) a##b
#define XGRAD_CHECK_CONCAT(a, b) XGRAD_CHECK_CONCAT_INNER(a, b)
// XGRAD_REGISTER_CHECK(name, fn, {{shape of input 0}, {shape of input 1}, ...}[, CheckOptions])
#define XGRAD_REGISTER_CHECK(name, fn, ...)                                                                         \
  static const ::xgrad::testing::CheckRegistrar XGRAD_CHECK_CONCAT(xgrad_registered_check_, __COUNTER__)(#name, fn, \
                                                                                                         __VA_ARGS__)
