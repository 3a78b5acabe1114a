// xgrad's gradient checks as doctest assertions. Each is one assertion in doctest's summary;
// a failure's message is the check's full report (gradcheck's, check_function's, check_vjp's).
//
//   #include <xgrad/doctest.hpp>
//   TEST_CASE("my op") {
//     XGRAD_CHECK_GRADCHECK([](const tensor_list& x) { return MyOp::apply(x[0]); }, {x});
//     XGRAD_CHECK_FUNCTION(my_fn, {a, b}, xgrad::testing::CheckOptions().second_order(false));
//     XGRAD_REQUIRE_VJP(f, vjp, x);  // code outside xgrad: see testing/check_vjp.hpp
//   }
//
// Arguments are those of gradcheck, check_function and check_vjp (options optional); the
// macros are variadic, so braced lists and lambdas with commas need no extra parentheses.
// CHECK variants continue the test case on failure, REQUIRE variants end it. Costs: those of
// the checks (autograd/gradcheck.hpp, testing/check_function.hpp, testing/check_vjp.hpp).
#pragma once
#include <doctest/doctest.h>

#include "testing/assertions.hpp"

#define XGRAD_DOCTEST_ASSERT_(level, outcome_call)                           \
  do {                                                                       \
    const ::xgrad::testing::Outcome xgrad_outcome_ = outcome_call;           \
    const bool gradient_check_passed = xgrad_outcome_.ok;                    \
    DOCTEST_##level##_MESSAGE(gradient_check_passed, xgrad_outcome_.report); \
  } while (false)

#define XGRAD_CHECK_GRADCHECK(...) XGRAD_DOCTEST_ASSERT_(CHECK, ::xgrad::testing::gradcheck_outcome(__VA_ARGS__))
#define XGRAD_REQUIRE_GRADCHECK(...) XGRAD_DOCTEST_ASSERT_(REQUIRE, ::xgrad::testing::gradcheck_outcome(__VA_ARGS__))
#define XGRAD_CHECK_FUNCTION(...) XGRAD_DOCTEST_ASSERT_(CHECK, ::xgrad::testing::check_function_outcome(__VA_ARGS__))
#define XGRAD_REQUIRE_FUNCTION(...) \
  XGRAD_DOCTEST_ASSERT_(REQUIRE, ::xgrad::testing::check_function_outcome(__VA_ARGS__))
#define XGRAD_CHECK_VJP(...) XGRAD_DOCTEST_ASSERT_(CHECK, ::xgrad::testing::check_vjp_outcome(__VA_ARGS__))
#define XGRAD_REQUIRE_VJP(...) XGRAD_DOCTEST_ASSERT_(REQUIRE, ::xgrad::testing::check_vjp_outcome(__VA_ARGS__))
