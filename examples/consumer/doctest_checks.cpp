// The consumer's doctest suite, using <xgrad/doctest.hpp> from the installed package. The test
// cases named "planted ..." hold deliberately wrong gradients: cmake/test_consumer.cmake runs
// them apart and requires each assertion to fail with its report.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <xgrad/doctest.hpp>
#include <xgrad/xgrad.hpp>

#include "planted_bugs.hpp"

xgrad::Tensor my_softsign(const xgrad::Tensor& x);

using xgrad::tensor_list;
const xgrad::TensorOptions f64(xgrad::kFloat64);

TEST_CASE("right gradients pass: gradcheck, check_function, check_vjp") {
  xgrad::Tensor z = xgrad::randn({4, 3}, xgrad::TensorOptions(xgrad::kFloat64).requires_grad(true));
  XGRAD_CHECK_GRADCHECK([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  XGRAD_REQUIRE_FUNCTION([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  XGRAD_CHECK_VJP(consumer::square, consumer::square_vjp(2), consumer::sample_x());
  XGRAD_CHECK_VJP(consumer::mul, consumer::mul_vjp, consumer::mul_inputs());
}

TEST_CASE("planted bugs: each assertion fails with gradcheck's diagnosis") {
  XGRAD_CHECK_VJP(consumer::square, consumer::square_vjp(-2), consumer::sample_x());
  XGRAD_CHECK_VJP(consumer::square, consumer::square_vjp(1), consumer::sample_x());
  XGRAD_CHECK_VJP(consumer::square, consumer::square_vjp_ignores_grad, consumer::sample_x());
  XGRAD_CHECK_VJP(consumer::square, consumer::square_vjp_disconnected, consumer::sample_x());
  XGRAD_CHECK_VJP(consumer::mul, consumer::mul_vjp_swapped, consumer::mul_inputs());
  XGRAD_CHECK_VJP(consumer::matvec, consumer::matvec_vjp_transposed, consumer::matvec_inputs());
  XGRAD_CHECK_GRADCHECK([](const tensor_list& in) { return in[0] * in[1].detach(); },
                        {xgrad::randn({3}, f64).requires_grad_(), xgrad::randn({3}, f64).requires_grad_()});
}
