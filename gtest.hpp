// xgrad's gradient checks as GoogleTest assertions; a failure's message is the check's full
// report (gradcheck's, check_function's, check_vjp's).
//
//   #include <xgrad/gtest.hpp>
//   TEST(MyOp, Gradients) {
//     EXPECT_GRADCHECK([](const tensor_list& x) { return MyOp::apply(x[0]); }, {x});
//     EXPECT_CHECK_FUNCTION(my_fn, {a, b});
//     ASSERT_VJP(f, vjp, x);  // code outside xgrad: see testing/check_vjp.hpp
//   }
//
// Arguments are those of gradcheck, check_function and check_vjp (options optional); the
// macros are variadic, so braced lists and lambdas with commas need no extra parentheses.
// EXPECT_ variants continue the test on failure, ASSERT_ variants return from it. Costs: those
// of the checks (autograd/gradcheck.hpp, testing/check_function.hpp, testing/check_vjp.hpp).
#pragma once
#include <gtest/gtest.h>

#include "testing/assertions.hpp"

#define XGRAD_GTEST_EXPECT_(outcome_call)                           \
  do {                                                              \
    const ::xgrad::testing::Outcome xgrad_outcome_ = outcome_call;  \
    if (!xgrad_outcome_.ok) ADD_FAILURE() << xgrad_outcome_.report; \
  } while (false)
#define XGRAD_GTEST_ASSERT_(outcome_call)                          \
  do {                                                             \
    const ::xgrad::testing::Outcome xgrad_outcome_ = outcome_call; \
    if (!xgrad_outcome_.ok) GTEST_FAIL() << xgrad_outcome_.report; \
  } while (false)

#define EXPECT_GRADCHECK(...) XGRAD_GTEST_EXPECT_(::xgrad::testing::gradcheck_outcome(__VA_ARGS__))
#define ASSERT_GRADCHECK(...) XGRAD_GTEST_ASSERT_(::xgrad::testing::gradcheck_outcome(__VA_ARGS__))
#define EXPECT_CHECK_FUNCTION(...) XGRAD_GTEST_EXPECT_(::xgrad::testing::check_function_outcome(__VA_ARGS__))
#define ASSERT_CHECK_FUNCTION(...) XGRAD_GTEST_ASSERT_(::xgrad::testing::check_function_outcome(__VA_ARGS__))
#define EXPECT_VJP(...) XGRAD_GTEST_EXPECT_(::xgrad::testing::check_vjp_outcome(__VA_ARGS__))
#define ASSERT_VJP(...) XGRAD_GTEST_ASSERT_(::xgrad::testing::check_vjp_outcome(__VA_ARGS__))
