// The consumer's GoogleTest suite, using <xgrad/gtest.hpp> from the installed package. The
// tests of suite Planted hold deliberately wrong gradients: cmake/test_consumer.cmake runs them
// apart and requires each assertion to fail with its report.
#include <xgrad/gtest.hpp>
#include <xgrad/xgrad.hpp>

#include "planted_bugs.hpp"

xgrad::Tensor my_softsign(const xgrad::Tensor& x);

using xgrad::tensor_list;
const xgrad::TensorOptions f64(xgrad::kFloat64);

TEST(Gradients, RightOnesPass) {
  xgrad::Tensor z = xgrad::randn({4, 3}, xgrad::TensorOptions(xgrad::kFloat64).requires_grad(true));
  EXPECT_GRADCHECK([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  ASSERT_CHECK_FUNCTION([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  EXPECT_VJP(consumer::square, consumer::square_vjp(2), consumer::sample_x());
  ASSERT_VJP(consumer::mul, consumer::mul_vjp, consumer::mul_inputs());
}

TEST(Planted, EachBugFailsWithItsDiagnosis) {
  EXPECT_VJP(consumer::square, consumer::square_vjp(-2), consumer::sample_x());
  EXPECT_VJP(consumer::square, consumer::square_vjp(1), consumer::sample_x());
  EXPECT_VJP(consumer::square, consumer::square_vjp_ignores_grad, consumer::sample_x());
  EXPECT_VJP(consumer::square, consumer::square_vjp_disconnected, consumer::sample_x());
  EXPECT_VJP(consumer::mul, consumer::mul_vjp_swapped, consumer::mul_inputs());
  EXPECT_VJP(consumer::matvec, consumer::matvec_vjp_transposed, consumer::matvec_inputs());
  EXPECT_GRADCHECK([](const tensor_list& in) { return in[0] * in[1].detach(); },
                   {xgrad::randn({3}, f64).requires_grad_(), xgrad::randn({3}, f64).requires_grad_()});
}
