// check_vjp / check_jacobian on code outside xgrad (plain loops over doubles): correct backward
// passes pass in every form (Array, ArrayList, std::vector, pointer + shape, Jacobian), and each
// planted bug gradcheck names (sign, factor, transposed, wrong input, ignored grad_output, not
// connected) is caught and named the same way.
#include <doctest/doctest.h>

#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::GradcheckDiagnosis;
using autograd::GradcheckFailure;
using autograd::GradcheckResult;
using testing::Array;
using testing::ArrayList;

namespace {

// y_i = x_i^2 in a raw loop, and its backward scaled by k (k = 2 is right).
Array square_loop(const Array& x) {
  Array y = Array::from_shape(x.shape());
  for (std::size_t i = 0; i < x.size(); ++i) y.data()[i] = x.data()[i] * x.data()[i];
  return y;
}
auto square_vjp(double k) {
  return [k](const Array& x, const Array& g) {
    Array gx = Array::from_shape(x.shape());
    for (std::size_t i = 0; i < x.size(); ++i) gx.data()[i] = k * x.data()[i] * g.data()[i];
    return gx;
  };
}

// y = W x (W [3, 3] row-major, x [3]); the right vjp: dW = g x^T, dx = W^T g.
ArrayList matvec(const ArrayList& in) {
  const Array &w = in[0], &x = in[1];
  Array y = xt::zeros<double>({std::size_t(3)});
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c) y(r) += w(r, c) * x(c);
  }
  return {y};
}
ArrayList matvec_vjp(const ArrayList& in, const ArrayList& g, bool transposed_bug) {
  const Array &w = in[0], &x = in[1], &gy = g[0];
  Array gw = xt::zeros<double>({std::size_t(3), std::size_t(3)}), gx = xt::zeros<double>({std::size_t(3)});
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t c = 0; c < 3; ++c) {
      gw(r, c) = gy(r) * x(c);
      gx(c) += (transposed_bug ? w(c, r) : w(r, c)) * gy(r);
    }
  }
  return {gw, gx};
}

const ArrayList kMatVecInputs = {Array({{1.0, 2, -1}, {0.5, 3, 1}, {-2, 0.25, 1.5}}), Array({1.0, -2, 0.5})};
const Array kX = {0.5, -1.5, 2.0};

void expect_diagnosis(const GradcheckResult& r, GradcheckDiagnosis d, const char* words) {
  CHECK_FALSE(r.passed);
  CHECK(r.failure == GradcheckFailure::JacobianMismatch);
  REQUIRE(r.first_failure() != nullptr);
  CHECK(r.first_failure()->diagnosis == d);
  CHECK(contains(r.message, words));
}

}  // namespace

TEST_CASE("correct raw-loop backward passes pass in every form") {
  CHECK(testing::check_vjp(square_loop, square_vjp(2), kX).passed);
  auto mv = [](const ArrayList& in, const ArrayList& g) { return matvec_vjp(in, g, false); };
  GradcheckResult r = testing::check_vjp(matvec, mv, kMatVecInputs);
  CHECK(r.passed);
  CHECK(r.pairs.size() == 2);
  // std::vector<double>
  auto fv = [](const std::vector<double>& x) {
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = std::sin(x[i]);
    return y;
  };
  auto gv = [](const std::vector<double>& x, const std::vector<double>& g) {
    std::vector<double> gx(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) gx[i] = std::cos(x[i]) * g[i];
    return gx;
  };
  CHECK(testing::check_vjp(fv, gv, std::vector<double>{0.1, 0.7, -2}).passed);
  // pointer + shape: y = sum of squares (a scalar) of a [2, 2] input
  auto fp = [](const double* x, double* y) { *y = x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3]; };
  auto gp = [](const double* x, const double* gy, double* gx) {
    for (int i = 0; i < 4; ++i) gx[i] = 2 * x[i] * gy[0];
  };
  const double x4[] = {1, -2, 0.5, 3};
  CHECK(testing::check_vjp(fp, gp, x4, {2, 2}, {}).passed);
  // Jacobian form: d sin(x) / dx = diag(cos x), row-major [outputs, inputs]
  auto jv = [](const std::vector<double>& x) {
    std::vector<double> j(x.size() * x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) j[i * x.size() + i] = std::cos(x[i]);
    return j;
  };
  CHECK(testing::check_jacobian(fv, jv, std::vector<double>{0.1, 0.7, -2}).passed);
}

TEST_CASE("check_vjp: wrong sign, constant factor, ignored grad_output, not connected") {
  GradcheckResult sign = testing::check_vjp(square_loop, square_vjp(-2), kX);
  expect_diagnosis(sign, GradcheckDiagnosis::WrongSign, "wrong sign");
  GradcheckResult factor = testing::check_vjp(square_loop, square_vjp(1), kX);
  expect_diagnosis(factor, GradcheckDiagnosis::ConstantFactor, "k = 0.5 (= 1/2)");
  auto ignores = [](const Array& x, const Array&) { return Array(2.0 * x); };
  expect_diagnosis(testing::check_vjp(square_loop, ignores, kX), GradcheckDiagnosis::IgnoresGradOutput, "grad_output");
  auto zero = [](const Array& x, const Array&) { return Array(xt::zeros<double>(x.shape())); };
  expect_diagnosis(testing::check_vjp(square_loop, zero, kX), GradcheckDiagnosis::AnalyticalZero, "not connected");
}

TEST_CASE("check_vjp: transposed and wrong-input gradients of multi-input code") {
  auto bad = [](const ArrayList& in, const ArrayList& g) { return matvec_vjp(in, g, true); };
  GradcheckResult t = testing::check_vjp(matvec, bad, kMatVecInputs);
  expect_diagnosis(t, GradcheckDiagnosis::Transposed, "the analytical Jacobian is the numerical one transposed");
  CHECK(t.first_failure()->input == 1);

  auto mul = [](const ArrayList& in) { return ArrayList{Array(in[0] * in[1])}; };
  auto swapped = [](const ArrayList& in, const ArrayList& g) {
    return ArrayList{Array(g[0] * in[0]), Array(g[0] * in[1])};  // each input given the other's gradient
  };
  GradcheckResult w = testing::check_vjp(mul, swapped, {Array({1.0, 2, 3}), Array({-0.5, 0.25, 4})});
  expect_diagnosis(w, GradcheckDiagnosis::WrongInput, "gradient for the wrong input");
}

TEST_CASE("check_jacobian: a transposed Jacobian is named, and a Jacobian of the wrong size refused") {
  // f(x) = A x with a non-symmetric A; jac gives A^T.
  const Array a = {{1.0, 2, 0}, {-1, 0.5, 3}, {0, 4, -2}};
  auto f = [&a](const Array& x) { return Array(xt::zeros<double>({std::size_t(3)}) + xt::sum(a * x, {1})); };
  auto right = [&a](const Array&) { return a; };
  auto transposed = [&a](const Array&) { return Array(xt::transpose(a)); };
  CHECK(testing::check_jacobian(f, right, kX).passed);
  expect_diagnosis(testing::check_jacobian(f, transposed, kX), GradcheckDiagnosis::Transposed, "transposed");
  auto wrong_size = [](const Array&) { return Array(xt::zeros<double>({std::size_t(2)})); };
  CHECK_THROWS_WITH(testing::check_jacobian(f, wrong_size, kX), doctest::Contains("check_jacobian: block"));
}

TEST_CASE("check_vjp: a vjp returning the wrong number of gradients is a clear error") {
  auto mv = [](const ArrayList&, const ArrayList& g) { return ArrayList{g[0]}; };
  CHECK_THROWS_WITH(testing::check_vjp(matvec, mv, kMatVecInputs), doctest::Contains("vjp returned 1 gradients for 2"));
}
