// Reductions: sum / mean / sum_to, var / std, max / min / argmax / argmin, logsumexp,
// softmax and log_softmax. Values and gradients are checked against hand-computed results in
// float32 and float64, on contiguous and strided (transposed, expanded) inputs.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

void check_close(const Tensor& t, const std::vector<double>& want, double eps) {
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("element ", i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(eps));
  }
}

// The message of the exception of type E that f throws ("" if it throws nothing).
template <class E>
std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

template <class T>
Tensor make(const std::vector<T>& v, const Shape& shape = {}, bool grad = false) {
  Tensor t = tensor(v, shape);
  if (grad) t.requires_grad_();
  return t;
}

// [[1, 2, 3, 4], [2, 4, 6, 8]]: row means 2.5 and 5, column means 1.5, 3, 4.5, 6.
template <class T>
Tensor sample(bool grad = false) {
  return make<T>({1, 2, 3, 4, 2, 4, 6, 8}, {2, 4}, grad);
}

// d/dx of sum(f(x) * w), computed by xgrad (used for finite differences of gradients).
Tensor gradient_of(const std::function<Tensor(const Tensor&)>& f, const Tensor& x0, const Tensor& w) {
  Tensor x = x0.detach().clone().requires_grad_();
  sum(f(x) * w).backward();
  return x.grad();
}

// Checks the Hessian-vector product H v of L(x) = sum(f(x) * w), obtained by differentiating
// the create_graph gradient, against central differences of the gradient itself (float64).
void check_second_derivative(const std::function<Tensor(const Tensor&)>& f, const Tensor& x0, const Tensor& w,
                             const Tensor& v) {
  Tensor x = x0.detach().clone().requires_grad_();
  Tensor g = autograd::grad({sum(f(x) * w)}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  REQUIRE(g.requires_grad());
  Tensor hv = autograd::grad({sum(g * v)}, {x})[0];
  const double h = 1e-6;
  Tensor fd = (gradient_of(f, x0 + v * h, w) - gradient_of(f, x0 - v * h, w)) / (2 * h);
  check_close(hv, fd.to_vector<double>(), 1e-6);
}

}  // namespace

// ---- sum / mean / sum_to ------------------------------------------------------------------------

TEST_CASE_TEMPLATE("sum and mean reduce the listed dims, keepdim keeps them as size 1", T, float, double) {
  Tensor x = sample<T>();
  check_close(sum(x), {30}, tol<T>());
  CHECK(sum(x).dim() == 0);
  check_close(sum(x, {1}), {10, 20}, tol<T>());
  CHECK(sum(x, {1}).shape() == Shape{2});
  CHECK(sum(x, {1}, true).shape() == Shape{2, 1});
  check_close(sum(x, {-2}), {3, 6, 9, 12}, tol<T>());
  CHECK(sum(x, {0, 1}, true).shape() == Shape{1, 1});
  check_close(mean(x, {0}), {1.5, 3, 4.5, 6}, tol<T>());
  check_close(mean(x, {-1}, true), {2.5, 5}, tol<T>());
  CHECK(mean(x, {-1}, true).shape() == Shape{2, 1});
  check_close(mean(x), {3.75}, tol<T>());
  CHECK(mean(x).dtype() == x.dtype());
}

TEST_CASE_TEMPLATE("sum and mean of transposed and expanded views honour strides", T, float, double) {
  Tensor xt = sample<T>().t();  // [4, 2], not contiguous
  check_close(sum(xt, {0}), {10, 20}, tol<T>());
  check_close(sum(xt, {1}), {3, 6, 9, 12}, tol<T>());
  Tensor e = make<T>({1, 2, 3}).unsqueeze(0).expand({4, 3});  // stride 0 along dim 0
  check_close(sum(e, {0}), {4, 8, 12}, tol<T>());
  check_close(mean(e, {1}), {2, 2, 2, 2}, tol<T>());
}

TEST_CASE_TEMPLATE("sum and mean backward spread the gradient over the reduced dims", T, float, double) {
  Tensor x = sample<T>(true);
  Tensor w = make<T>({1, 2});
  sum(sum(x, {1}) * w).backward();
  check_close(x.grad(), {1, 1, 1, 1, 2, 2, 2, 2}, tol<T>());
  CHECK(sum(x, {1}).grad_fn()->name() == "SumBackward0");

  Tensor y = sample<T>(true);
  sum(mean(y, {0}, true) * make<T>({1, 2, 3, 4}, {1, 4})).backward();
  check_close(y.grad(), {0.5, 1, 1.5, 2, 0.5, 1, 1.5, 2}, tol<T>());
}

TEST_CASE("mean of an Int64 tensor throws, naming the op and the input") {
  Tensor x = arange(6).reshape({2, 3});
  std::string msg = message_of<std::invalid_argument>([&] { mean(x, {0}); });
  CHECK(contains(msg, "mean"));
  CHECK(contains(msg, "Int64 [2, 3]"));
  CHECK(sum(x, {0}).dtype() == kInt64);
  CHECK(sum(x, {0}).to_vector<std::int64_t>() == std::vector<std::int64_t>{3, 5, 7});
}

TEST_CASE("a reduction dim out of range throws std::out_of_range naming op, dim and shape") {
  Tensor x = sample<float>();
  std::string msg = message_of<std::out_of_range>([&] { sum(x, {2}); });
  CHECK(contains(msg, "sum"));
  CHECK(contains(msg, "2"));
  CHECK(contains(msg, "[2, 4]"));
  CHECK_THROWS_AS(mean(x, {-3}), std::out_of_range);
  CHECK_THROWS_AS(sum(x, {0, -2}), std::invalid_argument);  // the same dim twice
}

TEST_CASE_TEMPLATE("sum_to sums leading and size-1 dims back to a broadcast source shape", T, float, double) {
  Tensor g = make<T>({1, 2, 3, 4, 5, 6}, {2, 3});
  check_close(sum_to(g, {3}), {5, 7, 9}, tol<T>());
  CHECK(sum_to(g, {3}).shape() == Shape{3});
  check_close(sum_to(g, {2, 1}), {6, 15}, tol<T>());
  CHECK(sum_to(g, {2, 1}).shape() == Shape{2, 1});
  check_close(sum_to(g, {1, 3}), {5, 7, 9}, tol<T>());
  check_close(sum_to(g, {}), {21}, tol<T>());
  CHECK(sum_to(g, {2, 3}).is_same(g));
  std::string msg = message_of<std::invalid_argument>([&] { sum_to(g, {4}); });
  CHECK(contains(msg, "sum_to"));
  CHECK(contains(msg, "[4]"));
  CHECK(contains(msg, "[2, 3]"));
  CHECK_THROWS_AS(sum_to(g, {1, 2, 3, 4}), std::invalid_argument);
}

TEST_CASE("sum_to is differentiable: its gradient is the broadcast of the incoming one") {
  Tensor g = make<double>({1, 2, 3, 4, 5, 6}, {2, 3}, true);
  sum(sum_to(g, {3}) * make<double>({1, 10, 100})).backward();
  check_close(g.grad(), {1, 10, 100, 1, 10, 100}, 1e-12);
}

// ---- var / std ----------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("var and std use Bessel's correction by default", T, float, double) {
  Tensor x = sample<T>();
  check_close(var(x, {1}), {5.0 / 3, 20.0 / 3}, tol<T>());
  check_close(xgrad::std(x, {1}), {std::sqrt(5.0 / 3), std::sqrt(20.0 / 3)}, tol<T>());
  check_close(var(x), {37.5 / 7}, tol<T>());
  check_close(xgrad::std(x), {std::sqrt(37.5 / 7)}, tol<T>());
  CHECK(var(x).dim() == 0);
  check_close(var(x, {}, 0), {37.5 / 8}, tol<T>());  // population variance
  check_close(var(x, {0}, 1, true), {0.5, 2, 4.5, 8}, tol<T>());
  CHECK(var(x, {0}, 1, true).shape() == Shape{1, 4});
  CHECK(xgrad::std(x, {-1}, 1, true).shape() == Shape{2, 1});
  CHECK(var(x, {0}).dtype() == x.dtype());
  check_close(x.var({-1}), {5.0 / 3, 20.0 / 3}, tol<T>());
}

TEST_CASE_TEMPLATE("var and std of a transposed view match those of the original", T, float, double) {
  Tensor x = sample<T>();
  check_close(var(x.t(), {0}), var(x, {1}).to_vector<double>(), tol<T>());
  check_close(xgrad::std(x.t(), {1}), xgrad::std(x, {0}).to_vector<double>(), tol<T>());
}

TEST_CASE("var is accurate for data far from zero (two-pass, double accumulation)") {
  Tensor x = make<float>({1e6f + 1, 1e6f + 2, 1e6f + 3});
  check_close(var(x), {1.0}, 1e-6);
}

TEST_CASE("var with N - correction <= 0 gives NaN or inf, as PyTorch") {
  CHECK(std::isnan(var(make<double>({3})).item<double>()));             // 0 / 0
  CHECK(std::isinf(var(make<double>({1, 2}), {0}, 2).item<double>()));  // 0.5 / 0
  CHECK(std::isnan(var(scalar_tensor(2.0)).item<double>()));
  CHECK(std::isnan(xgrad::std(zeros({0})).item<double>()));
}

TEST_CASE_TEMPLATE("var backward is 2 (x - mean) / (N - correction)", T, float, double) {
  Tensor x = sample<T>(true);
  Tensor v = var(x, {1});
  CHECK(v.grad_fn()->name() == "VarBackward0");
  sum(v * make<T>({1, 3})).backward();
  // row 0: 2 (x - 2.5) / 3; row 1: 3 * 2 (x - 5) / 3
  check_close(x.grad(), {-1, -1.0 / 3, 1.0 / 3, 1, -6, -2, 2, 6}, tol<T>());

  Tensor y = sample<T>(true);
  var(y, {}, 0).backward();  // 2 (y - 3.75) / 8
  check_close(y.grad(), {-0.6875, -0.4375, -0.1875, 0.0625, -0.4375, 0.0625, 0.5625, 1.0625}, tol<T>());
}

TEST_CASE_TEMPLATE("std backward is (x - mean) / ((N - correction) std)", T, float, double) {
  Tensor x = sample<T>(true);
  Tensor s = xgrad::std(x, {1}, 1, true);
  CHECK(s.grad_fn()->name() == "StdBackward0");
  s.sum().backward();
  const double s0 = std::sqrt(5.0 / 3), s1 = std::sqrt(20.0 / 3);
  check_close(x.grad(),
              {-1.5 / (3 * s0), -0.5 / (3 * s0), 0.5 / (3 * s0), 1.5 / (3 * s0), -3 / (3 * s1), -1 / (3 * s1),
               1 / (3 * s1), 3 / (3 * s1)},
              tol<T>());
}

TEST_CASE("std of constant data has gradient zero, not NaN (as PyTorch)") {
  Tensor x = make<double>({2, 2, 2, 1, 2, 3}, {2, 3}, true);
  xgrad::std(x, {1}).sum().backward();
  check_close(x.grad(), {0, 0, 0, -0.5, 0, 0.5}, 1e-12);
}

TEST_CASE("var and std reject Int64 input and bad dims, naming the op") {
  std::string msg = message_of<std::invalid_argument>([] { var(arange(4)); });
  CHECK(contains(msg, "var"));
  CHECK(contains(msg, "Int64 [4]"));
  CHECK(contains(message_of<std::invalid_argument>([] { xgrad::std(arange(4), {0}); }), "std"));
  msg = message_of<std::out_of_range>([] { xgrad::std(zeros({2, 3}), {-3}); });
  CHECK(contains(msg, "std"));
  CHECK(contains(msg, "-3"));
  CHECK(contains(msg, "[2, 3]"));
}

TEST_CASE("var and std have correct second derivatives") {
  Tensor x0 = make<double>({0.5, -1, 2, 0.25, 3, -0.5}, {2, 3});
  Tensor w = make<double>({1, -2});
  Tensor v = make<double>({0.3, -0.7, 0.1, 0.9, 0.2, -0.4}, {2, 3});
  check_second_derivative([](const Tensor& x) { return var(x, {1}); }, x0, w, v);
  check_second_derivative([](const Tensor& x) { return xgrad::std(x, {1}); }, x0, w, v);
}

// ---- max / min / argmax / argmin --------------------------------------------------------------

TEST_CASE_TEMPLATE("max() and min() over all elements share the gradient between ties", T, float, double) {
  Tensor x = make<T>({1, 3, -2, 3, 0, -2}, {2, 3}, true);
  Tensor m = max(x);
  CHECK(m.dim() == 0);
  CHECK(m.item<double>() == 3);
  CHECK(m.grad_fn()->name() == "MaxBackward1");
  (m * 4.0).backward();
  check_close(x.grad(), {0, 2, 0, 2, 0, 0}, tol<T>());

  Tensor y = make<T>({1, 3, -2, 3, 0, -2}, {2, 3}, true);
  Tensor n = min(y);
  CHECK(n.item<double>() == -2);
  n.backward();
  check_close(y.grad(), {0, 0, 0.5, 0, 0, 0.5}, tol<T>());
}

TEST_CASE("max() and min() of a view, of Int64 and of a NaN") {
  Tensor x = make<float>({1, 5, 2, 4}, {2, 2});
  CHECK(max(x.t()).item<float>() == 5);
  CHECK(min(make<float>({7}).expand({3})).item<float>() == 7);
  Tensor i = tensor(std::vector<std::int64_t>{4, -9, 12});
  CHECK(max(i).dtype() == kInt64);
  CHECK(max(i).item<std::int64_t>() == 12);
  CHECK(min(i).item<std::int64_t>() == -9);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(std::isnan(max(make<float>({1, nan, 3})).item<float>()));
  CHECK(std::isnan(min(make<float>({1, 3, nan})).item<float>()));
}

TEST_CASE("max() of an empty tensor throws naming the op") {
  std::string msg = message_of<std::invalid_argument>([] { max(zeros({0, 3})); });
  CHECK(contains(msg, "max"));
  CHECK(contains(msg, "[0, 3]"));
  CHECK_THROWS_AS(min(zeros({0})), std::invalid_argument);
  CHECK_THROWS_AS(argmax(zeros({0})), std::invalid_argument);
}

TEST_CASE_TEMPLATE("max(dim) returns values and the index of the first maximum", T, float, double) {
  Tensor x = make<T>({1, 7, 7, 4, 0, 9, 2, 9}, {2, 4});
  auto [v, i] = max(x, 1);
  CHECK(v.shape() == Shape{2});
  check_close(v, {7, 9}, tol<T>());
  CHECK(i.dtype() == kInt64);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1});
  auto [vk, ik] = x.max(-1, true);
  CHECK(vk.shape() == Shape{2, 1});
  CHECK(ik.shape() == Shape{2, 1});
  auto [v0, i0] = min(x, 0);
  check_close(v0, {0, 7, 2, 4}, tol<T>());
  CHECK(i0.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 1, 0});
  auto [vt, it] = max(x.t(), 0);  // strided input
  check_close(vt, {7, 9}, tol<T>());
  CHECK(it.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1});
}

TEST_CASE_TEMPLATE("max(dim) backward sends the gradient only to the returned index", T, float, double) {
  Tensor x = make<T>({1, 7, 7, 4, 0, 9, 2, 9}, {2, 4}, true);
  auto [v, i] = max(x, 1);
  CHECK(v.grad_fn()->name() == "MaxBackward0");
  CHECK_FALSE(i.requires_grad());
  sum(v * make<T>({2, 3})).backward();
  check_close(x.grad(), {0, 2, 0, 0, 0, 3, 0, 0}, tol<T>());

  Tensor y = make<T>({1, 7, 7, 4, 0, 9, 2, 9}, {2, 4}, true);
  auto [vm, im] = min(y.t(), 1, true);  // [4, 1], over the original dim 0
  CHECK(vm.shape() == Shape{4, 1});
  vm.sum().backward();
  check_close(y.grad(), {0, 1, 0, 1, 1, 0, 1, 0}, tol<T>());
}

TEST_CASE("max(dim) backward is differentiable w.r.t. the incoming gradient") {
  Tensor x = make<double>({1, 5, 3, 2}, {2, 2}, true);
  auto [v, i] = max(x, 0);
  Tensor g = autograd::grad({sum(v * v)}, {x}, {}, std::nullopt, true)[0];  // 2 v at the argmax
  check_close(g, {0, 10, 6, 0}, 1e-12);
  Tensor h = autograd::grad({sum(g)}, {x})[0];
  check_close(h, {0, 2, 2, 0}, 1e-12);
}

TEST_CASE("max(dim) on a NaN returns it and its index; bad dims throw") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto [v, i] = max(make<double>({1, nan, 5, nan}), 0);
  CHECK(std::isnan(v.item<double>()));
  CHECK(i.item<std::int64_t>() == 1);
  CHECK(argmin(make<double>({1, nan, -5})).item<std::int64_t>() == 1);

  Tensor x = zeros({2, 3});
  std::string msg = message_of<std::out_of_range>([&] { max(x, 2); });
  CHECK(contains(msg, "max"));
  CHECK(contains(msg, "2"));
  CHECK(contains(msg, "[2, 3]"));
  CHECK_THROWS_AS(min(x, -3), std::out_of_range);
  CHECK_THROWS_AS(argmax(x, 5), std::out_of_range);
  msg = message_of<std::invalid_argument>([] { max(zeros({2, 0}), 1); });
  CHECK(contains(msg, "max"));
  CHECK(contains(msg, "[2, 0]"));
  CHECK(std::get<0>(max(zeros({0, 3}), 1)).shape() == Shape{0});  // nothing to reduce into
}

TEST_CASE("argmax and argmin: flattened, and along a dim") {
  Tensor x = make<float>({3, 8, 8, -1, 0, 5}, {2, 3});
  CHECK(argmax(x).dim() == 0);
  CHECK(argmax(x).dtype() == kInt64);
  CHECK(argmax(x).item<std::int64_t>() == 1);
  CHECK(argmin(x).item<std::int64_t>() == 3);
  CHECK(argmax(x.t()).item<std::int64_t>() == 2);  // flattened in the view's own order
  CHECK(argmax(x, 1).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2});
  CHECK(argmin(x, 0).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 1, 1});
  CHECK(argmax(x, -1, true).shape() == Shape{2, 1});
  CHECK(argmax(tensor(std::vector<std::int64_t>{2, 9, 9})).item<std::int64_t>() == 1);
  CHECK(argmax(scalar_tensor(4.0)).item<std::int64_t>() == 0);
}

// ---- logsumexp ---------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("logsumexp is log(sum(exp(x))) computed stably", T, float, double) {
  Tensor x = make<T>({1, 2, 3, 0, 0, 0}, {2, 3});
  const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  check_close(logsumexp(x, {1}), {l0, std::log(3.0)}, tol<T>());
  CHECK(logsumexp(x, {1}, true).shape() == Shape{2, 1});
  check_close(logsumexp(x, {-2}),
              {std::log(std::exp(1.0) + 1), std::log(std::exp(2.0) + 1), std::log(std::exp(3.0) + 1)}, tol<T>());
  check_close(logsumexp(x, {0, 1}), {std::log(std::exp(l0) + 3)}, tol<T>());
  check_close(logsumexp(x.t(), {0}), {l0, std::log(3.0)}, tol<T>());  // strided
  check_close(logsumexp(make<T>({1000, 1000}), {0}), {1000 + std::log(2.0)}, tol<T>());
  check_close(logsumexp(make<T>({-1000, -1000}), {0}), {-1000 + std::log(2.0)}, tol<T>());
}

TEST_CASE("logsumexp of all -inf is -inf, and +inf gives +inf (never NaN)") {
  Tensor x = make<double>({-kInf, -kInf, 1, kInf}, {2, 2});
  auto v = logsumexp(x, {1}).to_vector<double>();
  CHECK(v[0] == -kInf);
  CHECK(v[1] == kInf);
  CHECK(logsumexp(x.t(), {0}).to_vector<double>() == v);  // strided path agrees
  CHECK(logsumexp(zeros({0}), {0}).item<float>() == -std::numeric_limits<float>::infinity());
}

TEST_CASE_TEMPLATE("logsumexp backward is g exp(x - result), i.e. softmax", T, float, double) {
  Tensor x = make<T>({1, 2, 3, 0, 0, 0}, {2, 3}, true);
  Tensor l = logsumexp(x, {1});
  CHECK(l.grad_fn()->name() == "LogsumexpBackward0");
  sum(l * make<T>({1, 6})).backward();
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  check_close(x.grad(), {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 2, 2, 2}, tol<T>());
}

TEST_CASE("logsumexp second derivative is diag(p) - p p^T") {
  Tensor x = make<double>({1, 2, 3}, {}, true);
  Tensor g = autograd::grad({logsumexp(x, {0})}, {x}, {}, std::nullopt, true)[0];
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  const std::vector<double> p = {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z};
  check_close(g, p, 1e-12);
  Tensor hv = autograd::grad({sum(g * make<double>({1, 0, 0}))}, {x})[0];  // first column of H
  check_close(hv, {p[0] - p[0] * p[0], -p[1] * p[0], -p[2] * p[0]}, 1e-12);
  check_second_derivative([](const Tensor& t) { return logsumexp(t, {0}); }, make<double>({0.5, -1, 2, 0.25}, {2, 2}),
                          make<double>({1, -3}), make<double>({0.3, -0.7, 0.1, 0.9}, {2, 2}));
}

// ---- softmax / log_softmax ---------------------------------------------------------------------

TEST_CASE_TEMPLATE("softmax and log_softmax values along a dim", T, float, double) {
  Tensor x = make<T>({1, 2, 3, 0, 0, 0}, {2, 3});
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  std::vector<double> want = {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z, 1.0 / 3, 1.0 / 3, 1.0 / 3};
  Tensor y = softmax(x, 1);
  CHECK(y.shape() == x.shape());
  CHECK(y.dtype() == x.dtype());
  check_close(y, want, tol<T>());
  check_close(softmax(x, -1), want, tol<T>());
  std::vector<double> logs;
  for (double p : want) logs.push_back(std::log(p));
  check_close(log_softmax(x, 1), logs, tol<T>());
  const double e = std::exp(1.0);
  check_close(softmax(x, 0),
              {e / (e + 1), e * e / (e * e + 1), e * e * e / (e * e * e + 1), 1 / (e + 1), 1 / (e * e + 1),
               1 / (e * e * e + 1)},
              tol<T>());
  check_close(x.softmax(0).sum({0}), {1, 1, 1}, tol<T>());
  check_close(softmax(scalar_tensor(5.0), 0), {1}, tol<T>());
  check_close(log_softmax(scalar_tensor(5.0), -1), {0}, tol<T>());
}

TEST_CASE_TEMPLATE("softmax is stable for large-magnitude inputs", T, float, double) {
  check_close(softmax(make<T>({1000, 1000}), 0), {0.5, 0.5}, tol<T>());
  check_close(softmax(make<T>({-1000, -1000}), 0), {0.5, 0.5}, tol<T>());
  check_close(log_softmax(make<T>({1000, 1000}), 0), {-std::log(2.0), -std::log(2.0)}, tol<T>());
  Tensor y = log_softmax(make<T>({0, -1000}), 0);
  check_close(y, {0, -1000}, tol<T>());
  // A NaN anywhere in a row makes the whole row NaN (PyTorch does the same).
  const T nan = std::numeric_limits<T>::quiet_NaN();
  Tensor with_nan = make<T>({1, nan, 2, 0, 0, 0, 0, 0, 0, 0, 0});
  for (double v : softmax(with_nan, 0).to_vector<double>()) {
    CHECK(std::isnan(v));
  }
  for (double v : log_softmax(with_nan, 0).to_vector<double>()) {
    CHECK(std::isnan(v));
  }
}

TEST_CASE_TEMPLATE("softmax of strided views matches the contiguous hot path", T, float, double) {
  manual_seed(3);
  Tensor x = randn({5, 37}, dtype_of<T>());
  Tensor xt = x.t();  // [37, 5]: softmax over dim 0 reads with stride 37
  check_close(softmax(xt, 0).t().contiguous(), softmax(x, 1).to_vector<double>(), tol<T>());
  check_close(log_softmax(xt, 0).t().contiguous(), log_softmax(x, 1).to_vector<double>(), tol<T>());
  check_close(softmax(x.contiguous(), 0), softmax(xt.contiguous(), 1).t().contiguous().to_vector<double>(), tol<T>());
  Tensor e = make<T>({1, 2, 3}).unsqueeze(0).expand({4, 3});  // stride-0 rows
  check_close(softmax(e, 1).select(0, 3), softmax(make<T>({1, 2, 3}), 0).template to_vector<double>(), tol<T>());
}

TEST_CASE_TEMPLATE("softmax backward is y (g - sum(g y))", T, float, double) {
  Tensor x = make<T>({1, 2, 3, 0, 0, 0}, {2, 3}, true);
  Tensor w = make<T>({1, 0, -1, 4, 0, 0}, {2, 3});
  Tensor y = softmax(x, 1);
  CHECK(y.grad_fn()->name() == "SoftmaxBackward0");
  sum(y * w).backward();
  std::vector<double> yv = y.to_vector<double>(), wv = w.to_vector<double>(), want(6);
  for (int r = 0; r < 2; ++r) {
    double dot = 0;
    for (int k = 0; k < 3; ++k) dot += yv[r * 3 + k] * wv[r * 3 + k];
    for (int k = 0; k < 3; ++k) want[r * 3 + k] = yv[r * 3 + k] * (wv[r * 3 + k] - dot);
  }
  check_close(x.grad(), want, tol<T>());
}

TEST_CASE_TEMPLATE("log_softmax backward is g - softmax sum(g)", T, float, double) {
  Tensor x = make<T>({1, 2, 3, 0, 0, 0}, {2, 3}, true);
  Tensor w = make<T>({1, 0, -1, 4, 0, 0}, {2, 3});
  Tensor y = log_softmax(x, -1);
  CHECK(y.grad_fn()->name() == "LogSoftmaxBackward0");
  sum(y * w).backward();
  // Row sums of w are 0 and 4; softmax of row 1 is uniform.
  check_close(x.grad(), {1, 0, -1, 4 - 4.0 / 3, -4.0 / 3, -4.0 / 3}, tol<T>());
}

TEST_CASE("softmax and log_softmax backward through a transposed input") {
  Tensor x = make<double>({1, 0, 2, 0, 3, 0}, {3, 2}, true);
  Tensor w = make<double>({1, 0, -1, 4, 0, 0}, {2, 3});
  log_softmax(x.t(), 1).mul(w).sum().backward();
  check_close(x.grad(), {1, 4 - 4.0 / 3, 0, -4.0 / 3, -1, -4.0 / 3}, 1e-12);
}

TEST_CASE("softmax family second derivatives match finite differences of the gradient") {
  Tensor x0 = make<double>({0.5, -1, 2, 0.25, 3, -0.5}, {2, 3});
  Tensor w = make<double>({1, -2, 0.5, 3, 0, -1}, {2, 3});
  Tensor v = make<double>({0.3, -0.7, 0.1, 0.9, 0.2, -0.4}, {2, 3});
  check_second_derivative([](const Tensor& x) { return softmax(x, 1); }, x0, w, v);
  check_second_derivative([](const Tensor& x) { return softmax(x, 0); }, x0, w, v);
  check_second_derivative([](const Tensor& x) { return log_softmax(x, -1); }, x0, w, v);
  check_second_derivative([](const Tensor& x) { return log_softmax(x.t(), 1); }, x0, w.t(), v);
}

TEST_CASE("softmax family rejects Int64 and bad dims, naming the op") {
  std::string msg = message_of<std::invalid_argument>([] { softmax(arange(6).reshape({2, 3}), 1); });
  CHECK(contains(msg, "softmax"));
  CHECK(contains(msg, "Int64 [2, 3]"));
  CHECK(contains(message_of<std::invalid_argument>([] { log_softmax(arange(3), 0); }), "log_softmax"));
  CHECK(contains(message_of<std::invalid_argument>([] { logsumexp(arange(3), {0}); }), "logsumexp"));
  msg = message_of<std::out_of_range>([] { softmax(zeros({2, 3}), 2); });
  CHECK(contains(msg, "softmax"));
  CHECK(contains(msg, "2"));
  CHECK(contains(msg, "[2, 3]"));
  msg = message_of<std::out_of_range>([] { log_softmax(zeros({2, 3}), -3); });
  CHECK(contains(msg, "log_softmax"));
  CHECK(contains(msg, "-3"));
  CHECK_THROWS_AS(logsumexp(zeros({2, 3}), {4}), std::out_of_range);
}

// The sum kernel picks its inner loop from the layout (a reduced contiguous run, a kept
// contiguous run, or strided); every layout must agree with a plain double-precision loop.
TEST_CASE("sum over any dims of permuted, sliced and expanded views matches a reference loop") {
  manual_seed(3);
  Tensor base = randn({3, 4, 5, 6}, TensorOptions(kFloat64));
  std::vector<Tensor> layouts = {base, permute(base, {2, 0, 3, 1}), slice(base, 3, 1, 5, 2),
                                 expand(slice(base, 1, 0, 1), {3, 7, 5, 6}), transpose(base, 0, 3)};
  const std::vector<Shape> dim_sets = {{}, {0}, {3}, {1, 2}, {0, 3}, {0, 2}, {1, 3}, {0, 1, 2}, {-1, -2}};
  for (const Tensor& x : layouts) {
    const Shape s = x.shape();
    const std::vector<double> xv = x.contiguous().to_vector<double>();  // row-major values
    for (const Shape& dims : dim_sets) {
      Tensor got = sum(x, dims, true);
      std::vector<bool> red(4, dims.empty());
      for (auto d : dims) red[static_cast<std::size_t>(d < 0 ? d + 4 : d)] = true;
      std::vector<double> want(static_cast<std::size_t>(got.numel()), 0.0);
      for (std::int64_t a = 0; a < s[0]; ++a)
        for (std::int64_t b = 0; b < s[1]; ++b)
          for (std::int64_t c = 0; c < s[2]; ++c)
            for (std::int64_t d = 0; d < s[3]; ++d) {
              const std::int64_t i[4] = {a, b, c, d};
              std::int64_t o = 0;
              for (std::size_t k = 0; k < 4; ++k) o = o * got.shape()[k] + (red[k] ? 0 : i[k]);
              want[static_cast<std::size_t>(o)] += xv[static_cast<std::size_t>(((a * s[1] + b) * s[2] + c) * s[3] + d)];
            }
      std::vector<double> g = got.to_vector<double>();
      REQUIRE(g.size() == want.size());
      for (std::size_t k = 0; k < g.size(); ++k) CHECK(g[k] == doctest::Approx(want[k]).epsilon(1e-12));
    }
  }
}

TEST_CASE("a float32 sum of a million elements stays accurate (blocked lanes, double per block)") {
  // 2^20 copies of 0.1f: a serial float loop drifts by about 1e-3 relative; blocks do not.
  Tensor x = full({1 << 20}, 0.1, TensorOptions(kFloat32));
  const double exact = static_cast<double>(0.1f) * (1 << 20);
  CHECK(std::abs(sum(x).item<double>() - exact) / exact < 1e-6);
  Tensor rows = full({1 << 10, 1 << 10}, 0.1, TensorOptions(kFloat32));
  CHECK(std::abs(sum(rows, {1}).to_vector<double>()[0] - exact / 1024) / (exact / 1024) < 1e-6);
}
