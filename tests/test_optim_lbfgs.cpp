// L-BFGS: PyTorch's first step and two-loop recursion checked by hand, then convergence on
// Rosenbrock's function and on least squares (against the normal-equation solution).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using namespace xgrad::optim;
using Vec = std::vector<double>;

namespace {

// f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1); x and y are separate parameters.
Tensor rosenbrock(const Tensor& x, const Tensor& y) {
  Tensor a = 1.0 - x, b = y - x * x;
  return (a * a + b * b * 100.0).sum();
}

template <class F>
Optimizer::LossClosure closure_of(Optimizer& opt, F&& f) {
  return [&opt, f] {
    opt.zero_grad();
    Tensor loss = f();
    loss.backward();
    return loss;
  };
}

// Solves the 3x3 system A z = r by Cramer's rule.
Vec solve3(const std::vector<Vec>& A, const Vec& r) {
  auto det = [](const std::vector<Vec>& M) {
    return M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1]) - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0]) +
           M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]);
  };
  const double d = det(A);
  Vec z(3);
  for (int k = 0; k < 3; ++k) {
    auto M = A;
    for (int i = 0; i < 3; ++i) M[i][k] = r[i];
    z[k] = det(M) / d;
  }
  return z;
}

}  // namespace

TEST_CASE("the first L-BFGS iteration is a gradient step of length min(1, 1 / |g|_1) * lr") {
  // f(w) = sum c w^2 / 2, gradient c * w.
  Tensor w = tensor(Vec{1.0, -2.0, 0.5}).requires_grad_();
  Tensor c = tensor(Vec{1.0, 3.0, 2.0});
  LBFGS opt({w}, LBFGSOptions(0.8).max_iter(1));
  Tensor loss = opt.step(closure_of(opt, [&] { return (c * w * w).sum() * 0.5; }));
  CHECK(loss.item<double>() == doctest::Approx(0.5 * (1 + 12 + 0.5)));  // the loss before the step
  const Vec g = {1.0, -6.0, 1.0};
  const double t = std::min(1.0, 1.0 / 8.0) * 0.8;
  const Vec got = w.to_vector<double>();
  for (int i = 0; i < 3; ++i) CHECK(got[i] == doctest::Approx(Vec{1.0, -2.0, 0.5}[i] - t * g[i]).epsilon(1e-14));
  CHECK(opt.func_evals() == 1);  // no re-evaluation after the last iteration
  CHECK(opt.n_iter() == 1);
}

TEST_CASE("the second L-BFGS iteration uses the two-loop recursion with H = s.y / y.y") {
  Tensor w = tensor(Vec{1.0, -2.0}).requires_grad_();
  Tensor c = tensor(Vec{1.0, 4.0});
  const double lr = 1.0;
  LBFGS opt({w}, LBFGSOptions(lr).max_iter(2).max_eval(10));
  opt.step(closure_of(opt, [&] { return (c * w * w).sum() * 0.5; }));
  // By hand: g0 = (1, -8), t0 = 1/9, w1 = w0 - t0 g0, g1 = c w1; s = -t0 g0, y = g1 - g0.
  const Vec w0 = {1.0, -2.0}, cc = {1.0, 4.0};
  Vec g0(2), w1(2), g1(2), s(2), y(2);
  for (int i = 0; i < 2; ++i) g0[i] = cc[i] * w0[i];
  const double t0 = 1.0 / 9.0;
  for (int i = 0; i < 2; ++i) {
    w1[i] = w0[i] - t0 * g0[i];
    g1[i] = cc[i] * w1[i];
    s[i] = -g0[i] * t0;
    y[i] = g1[i] - g0[i];
  }
  const double ys = y[0] * s[0] + y[1] * s[1], yy = y[0] * y[0] + y[1] * y[1];
  const double ro = 1 / ys, H = ys / yy;
  Vec q = {-g1[0], -g1[1]};
  const double al = (s[0] * q[0] + s[1] * q[1]) * ro;
  for (int i = 0; i < 2; ++i) q[i] -= al * y[i];
  Vec r = {q[0] * H, q[1] * H};
  const double be = (y[0] * r[0] + y[1] * r[1]) * ro;
  for (int i = 0; i < 2; ++i) r[i] += (al - be) * s[i];
  const Vec got = w.to_vector<double>();
  for (int i = 0; i < 2; ++i) CHECK(got[i] == doctest::Approx(w1[i] + lr * r[i]).epsilon(1e-13));
  CHECK(opt.func_evals() == 2);
}

TEST_CASE("L-BFGS with strong-Wolfe line search minimises Rosenbrock's function") {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    CAPTURE(dtype_name(dtype));
    Tensor x = tensor(Vec{-1.5}).to(dtype).requires_grad_();
    Tensor y = tensor(Vec{2.0}).to(dtype).requires_grad_();
    LBFGSOptions options = LBFGSOptions(1).max_iter(50).history_size(10).line_search_fn("strong_wolfe");
    // The default tolerances stop at |f change| < 1e-9: tighten them to let Float64 go further.
    if (dtype == kFloat64) options.tolerance_change(1e-16).tolerance_grad(1e-12);
    LBFGS opt({x, y}, options);
    auto closure = closure_of(opt, [&] { return rosenbrock(x, y); });
    for (int i = 0; i < 10; ++i) opt.step(closure);
    const double tol = dtype == kFloat64 ? 1e-6 : 1e-3;
    CHECK(x.item<double>() == doctest::Approx(1.0).epsilon(tol));
    CHECK(y.item<double>() == doctest::Approx(1.0).epsilon(tol));
    CHECK(rosenbrock(x, y).item<double>() < (dtype == kFloat64 ? 1e-12 : 1e-6));
  }
}

TEST_CASE("L-BFGS without line search converges on an ill-conditioned quadratic within max_eval") {
  // f(w) = 0.5 sum c (w - 1)^2 with curvatures from 1 to 100.
  Tensor w = zeros({5}, kFloat64).requires_grad_();
  Tensor c = tensor(Vec{1, 3, 10, 30, 100});
  // (tolerance_change 0: stop on the gradient alone; f changes below 1e-14 long before w is exact.)
  LBFGS opt({w}, LBFGSOptions(1).max_iter(100).max_eval(120).tolerance_grad(1e-10).tolerance_change(0));
  opt.step(closure_of(opt, [&] { return (c * (w - 1.0) * (w - 1.0)).sum() * 0.5; }));
  for (double v : w.to_vector<double>()) CHECK(v == doctest::Approx(1.0).epsilon(1e-9));
  CHECK(opt.func_evals() <= 120);
  CHECK(opt.n_iter() < 100);  // stopped by the gradient tolerance, not by max_iter
}

TEST_CASE("L-BFGS solves least squares to the normal-equation solution") {
  manual_seed(7);
  Tensor X = randn({50, 2}, kFloat64);
  Tensor y = matmul(X, tensor(Vec{2.0, -3.0})) + 0.5 + randn({50}, kFloat64) * 0.1;
  // Normal equations for [w0, w1, b].
  const Vec xv = X.to_vector<double>(), yv = y.to_vector<double>();
  std::vector<Vec> A(3, Vec(3, 0.0));
  Vec r(3, 0.0);
  for (int i = 0; i < 50; ++i) {
    const Vec row = {xv[2 * i], xv[2 * i + 1], 1.0};
    for (int j = 0; j < 3; ++j) {
      r[j] += row[j] * yv[i];
      for (int k = 0; k < 3; ++k) A[j][k] += row[j] * row[k];
    }
  }
  const Vec best = solve3(A, r);

  for (bool wolfe : {true, false}) {
    CAPTURE(wolfe);
    Tensor w = zeros({2}, kFloat64).requires_grad_();
    Tensor b = zeros({}, kFloat64).requires_grad_();
    LBFGSOptions options = LBFGSOptions(1).max_iter(100).tolerance_grad(1e-12).tolerance_change(1e-14);
    if (wolfe) options.line_search_fn("strong_wolfe");
    LBFGS opt({w, b}, options);
    auto closure = closure_of(opt, [&] {
      Tensor res = matmul(X, w) + b - y;
      return (res * res).mean();
    });
    for (int i = 0; i < 5; ++i) opt.step(closure);
    CHECK(w.to_vector<double>()[0] == doctest::Approx(best[0]).epsilon(1e-7));
    CHECK(w.to_vector<double>()[1] == doctest::Approx(best[1]).epsilon(1e-7));
    CHECK(b.item<double>() == doctest::Approx(best[2]).epsilon(1e-7));
  }
}

TEST_CASE("L-BFGS returns at once when the gradient is already below tolerance_grad") {
  Tensor w = tensor(Vec{1.0}).requires_grad_();
  LBFGS opt({w}, LBFGSOptions().tolerance_grad(1e-5));
  opt.step(closure_of(opt, [&] { return ((w - 1.0) * (w - 1.0)).sum(); }));
  CHECK(w.item<double>() == 1.0);
  CHECK(opt.n_iter() == 0);
  CHECK(opt.func_evals() == 1);
}

TEST_CASE("the L-BFGS closure must return a one-element loss") {
  Tensor w = tensor(Vec{1.0, 2.0}).requires_grad_();
  LBFGS opt({w});
  CHECK_THROWS_WITH_AS(opt.step([&] { return w * 2.0; }), doctest::Contains("one-element"), std::invalid_argument);
}
