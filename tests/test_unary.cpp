// Elementwise math: values against <cmath>, analytic gradients through backward(), second
// derivatives through autograd::grad(create_graph), broadcasting, non-contiguous and Int64
// inputs, and the errors.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <xgrad/autograd/kernels/elementwise.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 2e-5 : 1e-12;
}

// A leaf of dtype T holding `values` (rounded to T), requiring grad.
template <class T>
Tensor leaf(const std::vector<double>& values, const Shape& shape = {}) {
  std::vector<T> v(values.begin(), values.end());
  return tensor(v, shape).requires_grad_();
}

// Checks every element of t against `expected` (NaN matches NaN, infinities match exactly).
void check_values(const Tensor& t, const std::vector<double>& expected, double eps) {
  std::vector<double> got = t.to_vector<double>();
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i << ": got " << got[i] << ", expected " << expected[i]);
    if (std::isnan(expected[i])) CHECK(std::isnan(got[i]));
    else if (std::isinf(expected[i])) CHECK(got[i] == expected[i]);
    else CHECK(got[i] == doctest::Approx(expected[i]).epsilon(eps));
  }
}

// f applied to the elements of t (read back in double, so Float32 rounding is included).
std::vector<double> map_values(const Tensor& t, const std::function<double(double)>& f) {
  std::vector<double> out;
  for (double v : t.to_vector<double>()) out.push_back(f(v));
  return out;
}

double sigmoid_ref(double v) { return 1.0 / (1.0 + std::exp(-v)); }
double phi(double v) { return std::exp(-0.5 * v * v) / std::sqrt(2 * std::numbers::pi); }
double Phi(double v) { return 0.5 * std::erfc(-v / std::sqrt(2.0)); }
double gelu_tanh_ref(double v) {
  return 0.5 * v * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * v * v * v)));
}

struct UnaryCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> value;       // the function itself
  std::function<double(double)> derivative;  // its first derivative
  std::vector<double> inputs;
};

std::vector<UnaryCase> unary_cases() {
  return {
      {"exp",
       [](const Tensor& x) { return exp(x); },
       [](double v) { return std::exp(v); },
       [](double v) { return std::exp(v); },
       {-3, -0.5, 0, 0.7, 4}},
      {"log",
       [](const Tensor& x) { return log(x); },
       [](double v) { return std::log(v); },
       [](double v) { return 1 / v; },
       {1e-3, 0.5, 1, 2.5, 100}},
      {"log1p",
       [](const Tensor& x) { return log1p(x); },
       [](double v) { return std::log1p(v); },
       [](double v) { return 1 / (1 + v); },
       {-0.5, -1e-7, 0, 1e-10, 3}},
      {"sqrt",
       [](const Tensor& x) { return sqrt(x); },
       [](double v) { return std::sqrt(v); },
       [](double v) { return 0.5 / std::sqrt(v); },
       {1e-4, 0.25, 1, 2, 81}},
      {"abs",
       [](const Tensor& x) { return abs(x); },
       [](double v) { return std::abs(v); },
       [](double v) { return v > 0   ? 1.0
                             : v < 0 ? -1.0
                                     : 0.0; },
       {-2.5, -1e-3, 0, 1e-3, 7}},
      {"sin",
       [](const Tensor& x) { return sin(x); },
       [](double v) { return std::sin(v); },
       [](double v) { return std::cos(v); },
       {-3, -1, 0, 0.5, 2}},
      {"cos",
       [](const Tensor& x) { return cos(x); },
       [](double v) { return std::cos(v); },
       [](double v) { return -std::sin(v); },
       {-3, -1, 0, 0.5, 2}},
      {"tanh",
       [](const Tensor& x) { return tanh(x); },
       [](double v) { return std::tanh(v); },
       [](double v) { return 1 - std::tanh(v) * std::tanh(v); },
       {-5, -0.5, 0, 0.3, 2}},
      {"sigmoid",
       [](const Tensor& x) { return sigmoid(x); },
       sigmoid_ref,
       [](double v) { return sigmoid_ref(v) * (1 - sigmoid_ref(v)); },
       {-8, -0.5, 0, 0.3, 6}},
      {"relu",
       [](const Tensor& x) { return relu(x); },
       [](double v) { return v > 0 ? v : 0.0; },
       [](double v) { return v > 0 ? 1.0 : 0.0; },
       {-2, -1e-3, 0, 1e-3, 3}},
      {"leaky_relu(0.2)",
       [](const Tensor& x) { return leaky_relu(x, 0.2); },
       [](double v) { return v > 0 ? v : 0.2 * v; },
       [](double v) { return v > 0 ? 1.0 : 0.2; },
       {-2, -0.1, 0, 0.1, 3}},
      {"gelu",
       [](const Tensor& x) { return gelu(x); },
       [](double v) { return v * Phi(v); },
       [](double v) { return Phi(v) + v * phi(v); },
       {-4, -1, 0, 0.5, 3}},
      {"gelu tanh",
       [](const Tensor& x) { return gelu(x, "tanh"); },
       gelu_tanh_ref,
       [](double v) {
         double k = std::sqrt(2 / std::numbers::pi), t = std::tanh(k * (v + 0.044715 * v * v * v));
         return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
       },
       {-4, -1, 0, 0.5, 3}},
      {"softplus",
       [](const Tensor& x) { return softplus(x); },
       [](double v) { return std::log1p(std::exp(v)); },
       sigmoid_ref,
       {-30, -1, 0, 2, 19}},
      {"softplus(beta 2, threshold 5)",
       [](const Tensor& x) { return softplus(x, 2.0, 5.0); },
       [](double v) { return 2 * v > 5 ? v : std::log1p(std::exp(2 * v)) / 2; },
       [](double v) { return 2 * v > 5 ? 1.0 : sigmoid_ref(2 * v); },
       {-3, 0, 1, 2.4, 2.6, 10}},
      {"square",
       [](const Tensor& x) { return square(x); },
       [](double v) { return v * v; },
       [](double v) { return 2 * v; },
       {-3, -0.5, 0, 1.5, 4}},
      {"sign",
       [](const Tensor& x) { return sign(x); },
       [](double v) { return v > 0   ? 1.0
                             : v < 0 ? -1.0
                                     : 0.0; },
       [](double) { return 0.0; },
       {-3, -1e-9, 0, 1e-9, 4}},
      {"clamp(-1, 2)",
       [](const Tensor& x) { return clamp(x, -1.0, 2.0); },
       [](double v) { return std::min(std::max(v, -1.0), 2.0); },
       [](double v) { return v >= -1 && v <= 2 ? 1.0 : 0.0; },
       {-3, -1, 0.5, 2, 2.5}},
      {"clamp(min 0)",
       [](const Tensor& x) { return clamp(x, 0.0); },
       [](double v) { return std::max(v, 0.0); },
       [](double v) { return v >= 0 ? 1.0 : 0.0; },
       {-3, 0, 0.5}},
      {"clamp(max 0)",
       [](const Tensor& x) { return clamp(x, std::nullopt, 0.0); },
       [](double v) { return std::min(v, 0.0); },
       [](double v) { return v <= 0 ? 1.0 : 0.0; },
       {-3, 0, 0.5}},
      {"pow 2",
       [](const Tensor& x) { return pow(x, 2.0); },
       [](double v) { return v * v; },
       [](double v) { return 2 * v; },
       {-2, 0, 1.5}},
      {"pow 3",
       [](const Tensor& x) { return pow(x, 3.0); },
       [](double v) { return v * v * v; },
       [](double v) { return 3 * v * v; },
       {-2, 0, 1.5}},
      {"pow 0.5",
       [](const Tensor& x) { return pow(x, 0.5); },
       [](double v) { return std::sqrt(v); },
       [](double v) { return 0.5 / std::sqrt(v); },
       {0.25, 1, 9}},
      {"pow -1",
       [](const Tensor& x) { return pow(x, -1.0); },
       [](double v) { return 1 / v; },
       [](double v) { return -1 / (v * v); },
       {-2, 0.5, 4}},
      {"pow 2.5",
       [](const Tensor& x) { return pow(x, 2.5); },
       [](double v) { return std::pow(v, 2.5); },
       [](double v) { return 2.5 * std::pow(v, 1.5); },
       {0, 0.5, 3}},
      {"pow -1.5",
       [](const Tensor& x) { return pow(x, -1.5); },
       [](double v) { return std::pow(v, -1.5); },
       [](double v) { return -1.5 * std::pow(v, -2.5); },
       {0.5, 3}},
      {"pow 1",
       [](const Tensor& x) { return pow(x, 1.0); },
       [](double v) { return v; },
       [](double) { return 1.0; },
       {-2, 0, 3}},
      {"pow 0",
       [](const Tensor& x) { return pow(x, 0.0); },
       [](double) { return 1.0; },
       [](double) { return 0.0; },
       {-2, 0, 3}},
      {"2^x",
       [](const Tensor& x) { return pow(2.0, x); },
       [](double v) { return std::pow(2.0, v); },
       [](double v) { return std::pow(2.0, v) * std::log(2.0); },
       {-3, 0, 0.5, 4}},
  };
}

// d sum(f(x)) / dx through backward().
Tensor backward_grad(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  f(x).sum().backward();
  return x.grad();
}

// (f'(x), f''(x)) elementwise through autograd::grad with create_graph.
std::pair<Tensor, Tensor> first_and_second(const std::function<Tensor(const Tensor&)>& f, const Tensor& x) {
  Tensor d1 = autograd::grad({f(x).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  Tensor d2 = autograd::grad({d1.sum()}, {x})[0];
  return {d1, d2};
}

}  // namespace

TEST_CASE_TEMPLATE("unary ops: values match <cmath> and gradients match the analytic derivative", T, float, double) {
  for (const auto& c : unary_cases()) {
    CAPTURE(c.name);
    Tensor x = leaf<T>(c.inputs);
    Tensor y = c.op(x);
    CHECK(y.dtype() == dtype_of<T>());
    CHECK(y.shape() == x.shape());
    check_values(y, map_values(x, c.value), tol<T>());
    check_values(backward_grad(c.op, x), map_values(x, c.derivative), tol<T>());
  }
}

TEST_CASE("unary ops record the node PyTorch names") {
  Tensor x = leaf<double>({0.5, 1.5});
  CHECK(log(x).grad_fn()->name() == "LogBackward0");
  CHECK(log1p(x).grad_fn()->name() == "Log1PBackward0");
  CHECK(sqrt(x).grad_fn()->name() == "SqrtBackward0");
  CHECK(abs(x).grad_fn()->name() == "AbsBackward0");
  CHECK(sin(x).grad_fn()->name() == "SinBackward0");
  CHECK(cos(x).grad_fn()->name() == "CosBackward0");
  CHECK(sigmoid(x).grad_fn()->name() == "SigmoidBackward0");
  CHECK(relu(x).grad_fn()->name() == "ReluBackward0");
  CHECK(leaky_relu(x).grad_fn()->name() == "LeakyReluBackward0");
  CHECK(gelu(x).grad_fn()->name() == "GeluBackward0");
  CHECK(softplus(x).grad_fn()->name() == "SoftplusBackward0");
  CHECK(square(x).grad_fn()->name() == "PowBackward0");
  CHECK(sign(x).grad_fn()->name() == "SignBackward0");
  CHECK(clamp(x, 0.0, 1.0).grad_fn()->name() == "ClampBackward1");
  CHECK(clamp(x, 0.0).grad_fn()->name() == "ClampMinBackward0");
  CHECK(clamp(x, std::nullopt, 1.0).grad_fn()->name() == "ClampMaxBackward0");
  CHECK(pow(x, 3.0).grad_fn()->name() == "PowBackward0");
  CHECK(pow(x, x).grad_fn()->name() == "PowBackward1");
  CHECK(pow(2.0, x).grad_fn()->name() == "PowBackward2");
}

TEST_CASE_TEMPLATE("edge values: log, log1p, sqrt and pow at the edges of their domains", T, float, double) {
  Tensor x = leaf<T>({0, -1, kInf});
  check_values(log(x), {-kInf, kNaN, kInf}, tol<T>());
  check_values(sqrt(x), {0, kNaN, kInf}, tol<T>());
  check_values(log1p(leaf<T>({-1, -2, 0})), {-kInf, kNaN, 0}, tol<T>());
  // log1p keeps full precision where 1 + x would round to 1.
  CHECK(log1p(leaf<T>({1e-10})).template item<double>() == doctest::Approx(1e-10).epsilon(1e-6));
  // d sqrt at 0 is infinite, as PyTorch.
  Tensor z = leaf<T>({0});
  sqrt(z).sum().backward();
  CHECK(z.grad().template item<double>() == kInf);
  // NaN passes through relu and clamp.
  Tensor n = leaf<T>({kNaN});
  CHECK(std::isnan(relu(n).template item<double>()));
  CHECK(std::isnan(clamp(n, 0.0, 1.0).template item<double>()));
  CHECK(sign(n).template item<double>() == 0);
}

TEST_CASE_TEMPLATE("sigmoid and softplus stay finite and accurate far from 0", T, float, double) {
  Tensor x = leaf<T>({-1000, -100, -20, 20, 100, 1000});
  std::vector<double> s = sigmoid(x).to_vector<double>();
  for (double v : s) CHECK(std::isfinite(v));
  CHECK(s[0] == 0);
  CHECK(s[2] == doctest::Approx(std::exp(-20.0)).epsilon(1e-5));
  CHECK(s[5] == 1);
  if constexpr (std::is_same_v<T, double>) CHECK(s[1] == doctest::Approx(std::exp(-100.0)).epsilon(1e-12));
  sigmoid(x).sum().backward();
  for (double g : x.grad().to_vector<double>()) CHECK(std::isfinite(g));

  // Past the threshold softplus is x itself; below it log(1 + e^z) never overflows, even with a
  // threshold far above where e^z would.
  Tensor y = leaf<T>({-1000, -50, 30, 1000});
  check_values(softplus(y), {0, std::exp(-50.0), 30, 1000}, tol<T>());
  check_values(softplus(y, 1.0, /*threshold=*/1e9), {0, std::exp(-50.0), 30, 1000}, tol<T>());
  softplus(y, 1.0, 1e9).sum().backward();
  check_values(y.grad(), {0, std::exp(-50.0), 1, 1}, tol<T>());
}

TEST_CASE("abs and relu have gradient 0 at 0; sign has zero gradient everywhere") {
  Tensor x = leaf<double>({0, 0, 0});
  (abs(x) + relu(x) + sign(x) * 5.0).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
}

TEST_CASE_TEMPLATE("clamp: boundaries pass the gradient, lo > hi gives hi, missing bounds throw", T, float, double) {
  Tensor x = leaf<T>({-2, -1, 0, 1, 2});
  Tensor y = clamp(x, -1.0, 1.0);
  check_values(y, {-1, -1, 0, 1, 1}, tol<T>());
  y.sum().backward();
  check_values(x.grad(), {0, 1, 1, 1, 0}, tol<T>());

  Tensor w = leaf<T>({-2, 0.5, 3});
  Tensor inverted = clamp(w, 2.0, 1.0);  // min(max(x, 2), 1) = 1 everywhere, as PyTorch
  check_values(inverted, {1, 1, 1}, tol<T>());
  inverted.sum().backward();
  check_values(w.grad(), {0, 0, 0}, tol<T>());  // no element lies in [2, 1]

  try {
    clamp(x, std::optional<double>{}, std::optional<double>{});
    FAIL("clamp without bounds should throw");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("clamp") != std::string::npos);
    CHECK(std::string(e.what()).find("[5]") != std::string::npos);
  }
}

TEST_CASE_TEMPLATE("pow with a tensor exponent broadcasts and differentiates both sides", T, float, double) {
  Tensor x = leaf<T>({0.5, 1, 2, 3, 4, 5}, {2, 3});
  Tensor y = leaf<T>({2, 0.5, -1});  // broadcast over the rows
  Tensor z = pow(x, y);
  REQUIRE(z.shape() == Shape{2, 3});
  check_values(z, {0.25, 1, 0.5, 9, 2, 0.2}, tol<T>());
  z.sum().backward();
  // d/dx = y x^(y-1)
  check_values(x.grad(), {1, 0.5, -0.25, 6, 0.25, -0.04}, tol<T>());
  // d/dy = sum over rows of x^y log x
  std::vector<double> gy = {0.25 * std::log(0.5) + 9 * std::log(3.0), 1 * std::log(1.0) + 2 * std::log(4.0),
                            0.5 * std::log(2.0) + 0.2 * std::log(5.0)};
  REQUIRE(y.grad().shape() == Shape{3});
  check_values(y.grad(), gy, tol<T>());
}

TEST_CASE_TEMPLATE("pow at zero: the gradients PyTorch gives instead of NaN", T, float, double) {
  // x = 0, y >= 0: d/dy x^y is 0 (the limit), not 0 * log 0 = NaN. y = 0: d/dx is 0.
  Tensor x = leaf<T>({0, 0, 0, 2});
  Tensor y = leaf<T>({0, 1, 2, 0});
  pow(x, y).sum().backward();
  check_values(x.grad(), {0, 1, 0, 0}, tol<T>());
  check_values(y.grad(), {0, 0, 0, std::log(2.0)}, tol<T>());

  Tensor e = leaf<T>({0, 1, 2});
  Tensor p = pow(0.0, e);
  check_values(p, {1, 0, 0}, tol<T>());
  p.sum().backward();
  check_values(e.grad(), {0, 0, 0}, tol<T>());

  Tensor b = leaf<T>({0, 5});
  pow(b, 0.0).sum().backward();  // exponent 0: zero gradient, even at 0
  check_values(b.grad(), {0, 0}, tol<T>());
}

TEST_CASE_TEMPLATE("pow's special cases follow std::pow on long (vectorised) inputs too", T, float, double) {
  const double inf = kInf;
  // 16 elements: whole SIMD batches in both dtypes.
  std::vector<double> xs = {0, 0, -0.0, inf, kNaN, 1, -2, -2, 0, 2, 0.5, -inf, 4, 9, 1, 3};
  std::vector<double> ys = {0, -1, -1, 0, 0, kNaN, 3, 0.5, 2.5, -2, -1, 3, 0.5, 1.5, inf, 2};
  Tensor x = tensor(std::vector<T>(xs.begin(), xs.end()));
  Tensor y = tensor(std::vector<T>(ys.begin(), ys.end()));
  std::vector<double> expected;
  for (std::size_t i = 0; i < xs.size(); ++i)
    expected.push_back(std::pow(static_cast<T>(xs[i]), static_cast<T>(ys[i])));
  check_values(pow(x, y), expected, tol<T>());
  std::vector<double> at_zero_exponent(xs.size(), 1.0), from_base_zero, minus_half;
  for (double v : ys) from_base_zero.push_back(std::pow(0.0, static_cast<double>(static_cast<T>(v))));
  for (double v : xs) minus_half.push_back(std::pow(static_cast<double>(static_cast<T>(v)), -1.5));
  check_values(pow(x, 0.0), at_zero_exponent, tol<T>());
  check_values(pow(0.0, y), from_base_zero, tol<T>());
  check_values(pow(x, -1.5), minus_half, tol<T>());
}

TEST_CASE("pow with an Int64 exponent tensor computes in float") {
  Tensor x = leaf<float>({2, 3});
  Tensor n = tensor(std::vector<std::int64_t>{3, 2});
  Tensor z = pow(x, n);
  CHECK(z.dtype() == kFloat32);
  check_values(z, {8, 9}, 1e-6);
  z.sum().backward();
  check_values(x.grad(), {12, 6}, 1e-6);
  check_values(pow(2.0, n), {8, 4}, 1e-6);
}

TEST_CASE_TEMPLATE("second derivatives through create_graph", T, float, double) {
  const double eps = std::is_same_v<T, float> ? 1e-4 : 1e-10;
  Tensor x = leaf<T>({-1.5, -0.2, 0.4, 1.3});
  auto check_second = [&](const std::function<Tensor(const Tensor&)>& f, const std::function<double(double)>& d1,
                          const std::function<double(double)>& d2) {
    auto [g1, g2] = first_and_second(f, x);
    check_values(g1, map_values(x, d1), eps);
    check_values(g2, map_values(x, d2), eps);
  };
  SUBCASE("tanh") {
    check_second([](const Tensor& v) { return tanh(v); }, [](double v) { return 1 - std::tanh(v) * std::tanh(v); },
                 [](double v) { return -2 * std::tanh(v) * (1 - std::tanh(v) * std::tanh(v)); });
  }
  SUBCASE("sigmoid") {
    check_second([](const Tensor& v) { return sigmoid(v); },
                 [](double v) { return sigmoid_ref(v) * (1 - sigmoid_ref(v)); },
                 [](double v) { return sigmoid_ref(v) * (1 - sigmoid_ref(v)) * (1 - 2 * sigmoid_ref(v)); });
  }
  SUBCASE("pow 3") {
    check_second([](const Tensor& v) { return pow(v, 3.0); }, [](double v) { return 3 * v * v; },
                 [](double v) { return 6 * v; });
  }
  SUBCASE("pow 2") {
    check_second([](const Tensor& v) { return pow(v, 2.0); }, [](double v) { return 2 * v; },
                 [](double) { return 2.0; });
  }
  SUBCASE("exp base 3") {
    check_second([](const Tensor& v) { return pow(3.0, v); }, [](double v) { return std::pow(3.0, v) * std::log(3.0); },
                 [](double v) { return std::pow(3.0, v) * std::log(3.0) * std::log(3.0); });
  }
  SUBCASE("gelu") {
    check_second([](const Tensor& v) { return gelu(v); }, [](double v) { return Phi(v) + v * phi(v); },
                 [](double v) { return phi(v) * (2 - v * v); });
  }
  SUBCASE("gelu tanh") {
    // d2 of 0.5 x (1 + tanh u): u' = k (1 + 3c x^2), u'' = 6 k c x.
    auto d2 = [](double v) {
      double k = std::sqrt(2 / std::numbers::pi), c = 0.044715;
      double t = std::tanh(k * (v + c * v * v * v)), s = 1 - t * t;
      double up = k * (1 + 3 * c * v * v), upp = 6 * k * c * v;
      return s * up + 0.5 * v * (s * upp - 2 * t * s * up * up);
    };
    check_second([](const Tensor& v) { return gelu(v, "tanh"); },
                 [](double v) {
                   double k = std::sqrt(2 / std::numbers::pi), t = std::tanh(k * (v + 0.044715 * v * v * v));
                   return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
                 },
                 d2);
  }
  SUBCASE("softplus") {
    check_second([](const Tensor& v) { return softplus(v, 2.0); }, [](double v) { return sigmoid_ref(2 * v); },
                 [](double v) { return 2 * sigmoid_ref(2 * v) * (1 - sigmoid_ref(2 * v)); });
  }
  SUBCASE("sin, cos, log, sqrt") {
    check_second([](const Tensor& v) { return sin(v) + cos(v); }, [](double v) { return std::cos(v) - std::sin(v); },
                 [](double v) { return -std::sin(v) - std::cos(v); });
    Tensor p = leaf<T>({0.5, 2});
    auto [g1, g2] = first_and_second([](const Tensor& v) { return log(v) + sqrt(v); }, p);
    check_values(g2, map_values(p, [](double v) { return -1 / (v * v) - 0.25 * std::pow(v, -1.5); }), eps);
  }
}

TEST_CASE("second derivatives of pow with a tensor exponent, including the mixed one") {
  Tensor x = leaf<double>({1.5, 2});
  Tensor y = leaf<double>({2.5, -1});
  Tensor z = pow(x, y).sum();
  auto g = autograd::grad({z}, {x, y}, {}, std::nullopt, /*create_graph=*/true);
  // d/dy (d z / dx) = x^(y-1) (1 + y log x);  d/dy (d z / dy) = x^y log^2 x
  Tensor gyy = autograd::grad({g[1].sum()}, {y}, {}, true)[0];
  Tensor gxy = autograd::grad({g[0].sum()}, {y})[0];
  std::vector<double> xs = {1.5, 2}, ys = {2.5, -1};
  for (int i = 0; i < 2; ++i) {
    CHECK(gyy.to_vector<double>()[i] == doctest::Approx(std::pow(xs[i], ys[i]) * std::pow(std::log(xs[i]), 2)));
    CHECK(gxy.to_vector<double>()[i] == doctest::Approx(std::pow(xs[i], ys[i] - 1) * (1 + ys[i] * std::log(xs[i]))));
  }
}

TEST_CASE("gelu's fused backward and its differentiable backward agree") {
  for (const char* approx : {"none", "tanh"}) {
    CAPTURE(approx);
    Tensor x = leaf<double>({-6, -2, -0.3, 0, 0.7, 5});
    gelu(x, approx).sum().backward();  // grad mode off inside backward: fused kernel
    Tensor composed = autograd::grad({gelu(x, approx).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
    check_values(composed, x.grad().to_vector<double>(), 1e-12);
  }
}

TEST_CASE("gelu rejects an unknown approximation, naming it") {
  Tensor x = leaf<float>({1});
  try {
    gelu(x, "sigmoid");
    FAIL("expected a throw");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK(msg.find("gelu") != std::string::npos);
    CHECK(msg.find("sigmoid") != std::string::npos);
  }
}

TEST_CASE("exact gelu keeps precision for large negative inputs") {
  // x Phi(x) at -10 is about -7.6e-23; 1 + erf(x / sqrt 2) would round it to 0.
  Tensor x = leaf<double>({-10});
  CHECK(gelu(x).item<double>() == doctest::Approx(-10 * Phi(-10)).epsilon(1e-10));
  CHECK(gelu(x).item<double>() < 0);
}

TEST_CASE_TEMPLATE("non-contiguous inputs: transposed, expanded and sliced views", T, float, double) {
  Tensor base = leaf<T>({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {2, 3});
  Tensor xt = transpose(base, 0, 1);  // [3, 2], strides (1, 3)
  REQUIRE(!xt.is_contiguous());
  // Row-major order of the transposed view.
  std::vector<double> tv = {0.1, 0.4, 0.2, 0.5, 0.3, 0.6};
  for (const auto& c : unary_cases()) {
    CAPTURE(c.name);
    std::vector<double> expected;
    for (double v : tv) expected.push_back(c.value(static_cast<double>(static_cast<T>(v))));
    Tensor y = c.op(xt);
    REQUIRE(y.shape() == Shape{3, 2});
    check_values(y, expected, tol<T>());
  }
  sigmoid(xt).sum().backward();
  check_values(base.grad(), map_values(base, [](double v) { return sigmoid_ref(v) * (1 - sigmoid_ref(v)); }), tol<T>());

  // An expanded input (stride 0) gets the gradients of all its copies summed.
  Tensor row = leaf<T>({-1, 0.5, 2});
  Tensor wide = expand(row, {4, 3});
  Tensor y = gelu(wide);
  REQUIRE(y.shape() == Shape{4, 3});
  check_values(y,
               {-Phi(-1), 0.5 * Phi(0.5), 2 * Phi(2), -Phi(-1), 0.5 * Phi(0.5), 2 * Phi(2), -Phi(-1), 0.5 * Phi(0.5),
                2 * Phi(2), -Phi(-1), 0.5 * Phi(0.5), 2 * Phi(2)},
               tol<T>());
  y.sum().backward();
  check_values(row.grad(), map_values(row, [](double v) { return 4 * (Phi(v) + v * phi(v)); }), tol<T>());

  // A transposed exponent against a contiguous base.
  Tensor e = leaf<T>({1, 2, 3, 0, -1, 0.5}, {2, 3});
  Tensor b = leaf<T>({2, 2, 2, 3, 3, 3}, {3, 2});
  // b = {{2, 2}, {2, 3}, {3, 3}}, e^T = {{1, 0}, {2, -1}, {3, 0.5}}
  check_values(pow(b, transpose(e, 0, 1)), {2, 1, 4, 1.0 / 3, 27, std::sqrt(3.0)}, tol<T>());
}

TEST_CASE("Int64 inputs: math converts to the default float; exact ops keep Int64") {
  Tensor n = tensor(std::vector<std::int64_t>{-2, 0, 3});
  Tensor e = exp(n);
  CHECK(e.dtype() == kFloat32);
  check_values(e, {std::exp(-2.0), 1, std::exp(3.0)}, 1e-6);
  check_values(sigmoid(n), {sigmoid_ref(-2), 0.5, sigmoid_ref(3)}, 1e-6);
  CHECK(sqrt(n).dtype() == kFloat32);
  CHECK(gelu(n).dtype() == kFloat32);
  CHECK(pow(n, 2.0).dtype() == kFloat32);
  CHECK(leaky_relu(n).dtype() == kFloat32);

  CHECK(abs(n).dtype() == kInt64);
  CHECK(abs(n).to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 0, 3});
  CHECK(sign(n).to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, 0, 1});
  CHECK(relu(n).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 0, 3});
  CHECK(square(n).to_vector<std::int64_t>() == std::vector<std::int64_t>{4, 0, 9});
  CHECK(clamp(n, -1.0, 2.0).to_vector<std::int64_t>() == std::vector<std::int64_t>{-1, 0, 2});
  Tensor half = clamp(n, -0.5);  // a fractional bound promotes, as PyTorch
  CHECK(half.dtype() == kFloat32);
  check_values(half, {-0.5, 0, 3}, 1e-7);
}

TEST_CASE("larger contiguous inputs take the vectorised path and agree with the strided one") {
  // 37 elements: not a multiple of any SIMD width, so the tail is exercised too.
  std::vector<double> v;
  for (int i = 0; i < 37; ++i) v.push_back(-6 + 0.33 * i);
  Tensor x = tensor(v);
  for (const auto& c : unary_cases()) {
    CAPTURE(c.name);
    if (c.name.find("log") != std::string::npos || c.name.find("sqrt") != std::string::npos ||
        c.name.find("pow") != std::string::npos)
      continue;  // domains that exclude negatives are covered above
    check_values(c.op(x), map_values(x, c.value), 1e-12);
  }
  Tensor pos = abs(x) + 0.1;
  check_values(log(pos), map_values(pos, [](double u) { return std::log(u); }), 1e-12);
  check_values(pow(pos, 2.5), map_values(pos, [](double u) { return std::pow(u, 2.5); }), 1e-12);
}

TEST_CASE("binary pow names the op and both shapes when they do not broadcast") {
  Tensor a = leaf<float>({1, 2, 3}, {3});
  Tensor b = leaf<float>({1, 2}, {2});
  try {
    pow(a, b);
    FAIL("expected a throw");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK(msg.find("pow") != std::string::npos);
    CHECK(msg.find("[3]") != std::string::npos);
    CHECK(msg.find("[2]") != std::string::npos);
    CHECK(msg.find("Float32") != std::string::npos);
  }
  CHECK_THROWS_AS(exp(Tensor()), std::invalid_argument);
}

TEST_CASE("a saved input modified in place makes backward throw instead of using stale data") {
  Tensor x = leaf<double>({1, 2});
  Tensor h = x * 1.0;
  Tensor y = sin(h);
  h.mul_(2.0);
  CHECK_THROWS(y.sum().backward());
}

// The backward formulas are made of other ops (mul, where, ...); whether those accept absent
// gradients is their own tests' business, so gradgradcheck skips that check here.
const auto kComposedBackward = autograd::GradcheckOptions().check_undefined_grad(false);

TEST_CASE("gradcheck and gradgradcheck agree with central differences for every op") {
  // Float64 inputs away from the kinks (0 for abs / relu / leaky_relu, the clamp bounds).
  for (const auto& c : unary_cases()) {
    CAPTURE(c.name);
    std::vector<double> v;
    for (double u : c.inputs) {
      if (u == 0 || u == -1 || u == 2 || u == 1e-10 || u == -1e-7 || u == -1e-9 || u == 1e-9) continue;
      v.push_back(u);
    }
    Tensor x = leaf<double>(v);
    auto fn = [&](const tensor_list& in) { return c.op(in[0]); };
    CHECK(autograd::gradcheck(fn, {x}));
    CHECK(autograd::gradgradcheck(fn, {x}, kComposedBackward));
  }
  Tensor x = leaf<double>({0.5, 1.5, 2.5, 3.5, 0.7, 1.2}, {2, 3});
  Tensor y = leaf<double>({1.5, -0.5, 2});
  auto pw = [](const tensor_list& in) { return pow(in[0], in[1]); };
  CHECK(autograd::gradcheck(pw, {x, y}));
  CHECK(autograd::gradgradcheck(pw, {x, y}, kComposedBackward));
}

// Without create_graph, tanh, sigmoid and relu run a one-pass fused backward; with it, the
// composite (differentiable) formula. Both must give the same gradient, for a dense incoming
// gradient, the expanded one that sum() hands back, and a transposed one.
TEST_CASE_TEMPLATE("fused backward of tanh, sigmoid and relu equals the differentiable formula", T, float, double) {
  manual_seed(11);
  const Dtype dt = std::is_same_v<T, float> ? kFloat32 : kFloat64;
  const std::vector<std::pair<const char*, std::function<Tensor(const Tensor&)>>> ops = {
      {"tanh", [](const Tensor& v) { return tanh(v); }},
      {"sigmoid", [](const Tensor& v) { return sigmoid(v); }},
      {"relu", [](const Tensor& v) { return relu(v); }}};
  for (const auto& op : ops) {
    Tensor x = randn({5, 4}, TensorOptions(dt).requires_grad(true));
    Tensor w = randn({4, 5}, TensorOptions(dt));
    const std::vector<std::function<Tensor(const Tensor&)>> heads = {
        [](const Tensor& y) { return y.sum(); },              // gradient: expanded scalar
        [&](const Tensor& y) { return (y * w.t()).sum(); },   // dense
        [&](const Tensor& y) { return (y.t() * w).sum(); }};  // arrives transposed
    for (const auto& head : heads) {
      Tensor fused = autograd::grad({head(op.second(x))}, {x})[0];
      Tensor composite = autograd::grad({head(op.second(x))}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
      const std::string name = op.first;
      CAPTURE(name);
      if (name != "relu") CHECK(composite.requires_grad());  // relu's mask carries no history
      const auto f = fused.to_vector<double>(), c = composite.to_vector<double>();
      for (std::size_t i = 0; i < f.size(); ++i) CHECK(f[i] == doctest::Approx(c[i]).epsilon(tol<T>()));
    }
  }
}

namespace {
// Distance in units in the last place between two finite floats of the same sign region.
std::int64_t ulps(float a, float b) {
  auto key = [](float f) {
    std::int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? std::int64_t{INT32_MIN} - i : std::int64_t{i};  // monotone in f
  };
  return std::abs(key(a) - key(b));
}
}  // namespace

TEST_CASE("float tanh: each kernel this CPU runs is within 5 ulp, with exact ±0, ±1 at ±inf and NaN kept") {
  // A sweep across the rational approximation's range and past its clamp, and the edge cases,
  // at an odd length and from an odd offset, so that every lane width and tail is used.
  std::vector<float> in{0.0f,
                        -0.0f,
                        1e-30f,
                        -1e-30f,
                        1e-4f,
                        8.0f,
                        9.5f,
                        30.0f,
                        -30.0f,
                        std::numeric_limits<float>::denorm_min(),
                        std::numeric_limits<float>::infinity(),
                        -std::numeric_limits<float>::infinity(),
                        std::numeric_limits<float>::quiet_NaN()};
  for (int i = 0; i <= 4000; ++i) in.push_back(-10.0f + 0.005f * static_cast<float>(i));
  for (const auto& named : kernels::float_tanh_kernels()) {
    const std::string name = named.first;  // not a structured binding: clang 14 cannot capture one
    const kernels::FloatTanhKernel kernel = named.second;
    CAPTURE(name);
    for (std::size_t offset : {0, 1}) {
      std::vector<float> out(in.size());
      kernel(in.data() + offset, out.data() + offset, static_cast<std::int64_t>(in.size() - offset));
      for (std::size_t i = offset; i < in.size(); ++i) {
        CAPTURE(in[i]);
        const float exact = static_cast<float>(std::tanh(static_cast<double>(in[i])));
        if (std::isnan(in[i])) {
          CHECK(std::isnan(out[i]));
        } else if (in[i] == 0.0f || std::isinf(in[i])) {
          CHECK(std::memcmp(&out[i], &exact, sizeof(float)) == 0);  // the sign of zero too
        } else {
          CHECK(ulps(out[i], exact) <= 5);
        }
      }
    }
  }
  CHECK(kernels::float_tanh_kernels().front().first == std::string("portable"));
}
