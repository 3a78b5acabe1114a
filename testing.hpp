// xgrad::testing: check any backward pass. One include for
//   check_function  every gradient check of an op or custom Function in one call
//                   (testing/check_function.hpp),
//   check_vjp, check_jacobian  a backward written outside xgrad, on arrays of doubles
//                   (testing/check_vjp.hpp),
//   XGRAD_REGISTER_CHECK  functions for `xgrad check --plugin` (testing/registry.hpp),
//   gradcheck_outcome, ...  pass/fail + report, for any test framework (testing/assertions.hpp).
// Assertions for test frameworks: <xgrad/doctest.hpp>, <xgrad/gtest.hpp>.
#pragma once
#include "testing/assertions.hpp"
#include "testing/check_function.hpp"
#include "testing/check_vjp.hpp"
#include "testing/registry.hpp"
