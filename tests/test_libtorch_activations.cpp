// The activation modules of LibTorch / PyTorch beyond ReLU ... (ELU, SELU, CELU, SiLU, Mish,
// Hardswish, Hardsigmoid, Hardtanh, ReLU6, LogSigmoid, Softsign, Softplus, Hardshrink,
// Softshrink, Tanhshrink, Threshold, GLU, Softmin, Softmax2d, PReLU, RReLU): each module's
// forward equals its F:: function with the same options, options round-trip through the
// builders, modules print as PyTorch's repr, and the composed ops (relu6, hardshrink,
// softshrink, threshold, glu, prelu, rrelu, tanhshrink, softmin, softmax2d) match reference
// formulas element by element and pass check_op (gradcheck + gradgradcheck in Float64).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using Vec = std::vector<double>;
using xgrad_test::check_op;

namespace {

// [3, 4], away from every kink of the ops below (0, +-0.5, +-1, +-3, 6).
const Vec kX = {0.3, -1.2, 0.8, 2.1, -0.4, 0.9, -1.7, 0.05, 1.3, -0.6, 0.45, -3.4};
Tensor input() { return tensor(kX, {3, 4}); }

bool same(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && allclose(a, b, 0, 0); }

template <class M>
std::string repr(const M& module) {
  std::ostringstream os;
  os << module;
  return os.str();
}

void check_values(const Tensor& t, const Vec& expected) {
  Vec v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(1e-12));
}

template <class Fn>
Vec map(Fn fn) {
  Vec out;
  for (double x : kX) out.push_back(fn(x));
  return out;
}

}  // namespace

TEST_CASE("activation modules equal F:: with the same options and print as PyTorch") {
  Tensor x = input();
  nn::ELU elu(nn::ELUOptions().alpha(0.5));
  CHECK(same(elu(x), F::elu(x, F::ELUFuncOptions().alpha(0.5))));
  CHECK(same(elu(x), xgrad::elu(x, 0.5)));
  CHECK(elu->options.alpha() == 0.5);
  CHECK(repr(elu) == "ELU(alpha=0.5)");
  CHECK(repr(nn::ELU()) == "ELU(alpha=1.0)");
  CHECK(repr(nn::ELU(nn::ELUOptions().inplace(true))) == "ELU(alpha=1.0, inplace=true)");
  CHECK(same(nn::SELU()(x), F::selu(x, F::SELUFuncOptions(false))));
  CHECK(repr(nn::SELU()) == "SELU()");
  CHECK(repr(nn::SELU(true)) == "SELU(inplace=true)");
  nn::CELU celu(nn::CELUOptions().alpha(2));
  CHECK(same(celu(x), xgrad::celu(x, 2)));
  CHECK(repr(celu) == "CELU(alpha=2.0)");
  nn::Hardtanh ht(nn::HardtanhOptions().min_val(-0.5).max_val(2));
  CHECK(same(ht(x), F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.5).max_val(2))));
  CHECK(ht->options.max_val() == 2);
  CHECK(repr(ht) == "Hardtanh(min_val=-0.5, max_val=2.0)");
  CHECK(same(nn::ReLU6()(x), xgrad::relu6(x)));
  CHECK(repr(nn::ReLU6()) == "ReLU6()");
  nn::Softplus sp(nn::SoftplusOptions().beta(2).threshold(10));
  CHECK(same(sp(x), xgrad::softplus(x, 2, 10)));
  CHECK(same(sp(x), F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(10))));
  CHECK(repr(sp) == "Softplus(beta=2.0, threshold=10.0)");
  nn::Hardshrink hs(0.25);
  CHECK(same(hs(x), F::hardshrink(x, F::HardshrinkFuncOptions(0.25))));
  CHECK(hs->options.lambda() == 0.25);
  CHECK(repr(hs) == "Hardshrink(0.25)");
  nn::Softshrink ss(nn::SoftshrinkOptions().lambda(0.75));
  CHECK(same(ss(x), xgrad::softshrink(x, 0.75)));
  CHECK(repr(nn::Softshrink()) == "Softshrink(0.5)");
  nn::Threshold th(0.1, 20);
  CHECK(same(th(x), F::threshold(x, F::ThresholdFuncOptions(0.1, 20))));
  CHECK(repr(th) == "Threshold(threshold=0.1, value=20.0)");
  nn::GLU glu(0);
  Tensor x4 = xgrad::randn({4, 3}, kFloat64);
  CHECK(same(glu(x4), F::glu(x4, F::GLUFuncOptions(0))));
  CHECK(glu(x4).shape() == Shape{2, 3});
  CHECK(repr(nn::GLU()) == "GLU(dim=-1)");
  nn::Softmin smin(1);
  CHECK(same(smin(x), F::softmin(x, F::SoftminFuncOptions(1))));
  CHECK(repr(smin) == "Softmin(dim=1)");
}

TEST_CASE("option-free activation modules forward to their op") {
  Tensor x = input();
  CHECK(same(nn::SiLU()(x), silu(x)));
  CHECK(same(nn::Mish()(x), mish(x)));
  CHECK(same(nn::Hardswish()(x), hardswish(x)));
  CHECK(same(nn::Hardsigmoid()(x), hardsigmoid(x)));
  CHECK(same(nn::LogSigmoid()(x), F::logsigmoid(x)));
  CHECK(same(nn::Softsign()(x), F::softsign(x)));
  CHECK(same(nn::Tanhshrink()(x), F::tanhshrink(x)));
  Tensor img = xgrad::randn({2, 3, 2, 2}, kFloat64);
  CHECK(same(nn::Softmax2d()(img), softmax(img, 1)));
  CHECK(same(nn::Softmax2d()(img.select(0, 0)), softmax(img.select(0, 0), 0)));
  CHECK_THROWS_AS(nn::Softmax2d()(x), std::invalid_argument);
  CHECK(repr(nn::SiLU()) == "SiLU()");
  CHECK(repr(nn::Mish()) == "Mish()");
  CHECK(repr(nn::LogSigmoid()) == "LogSigmoid()");
  // They compose in Sequential like the others.
  nn::Sequential seq(nn::Linear(4, 4), nn::ELU(), nn::Hardtanh(), nn::PReLU(), nn::Linear(4, 2));
  CHECK(seq(xgrad::randn({5, 4})).shape() == Shape{5, 2});
}

TEST_CASE("PReLU: a learnable slope per channel, saved as 'weight'") {
  nn::PReLU one;
  CHECK(one->weight.shape() == Shape{1});
  CHECK(one->weight.item<double>() == 0.25);
  CHECK(repr(one).rfind("PReLU(num_parameters=1)", 0) == 0);
  nn::PReLU per(nn::PReLUOptions().num_parameters(3).init(0.1));
  CHECK(per->named_parameters().keys() == std::vector<std::string>{"weight"});
  Tensor x = xgrad::randn({2, 3, 4});
  Tensor y = per(x);
  CHECK(same(y, where(x > 0.0, x, x * 0.1)));
  y.sum().backward();
  // d/dw_c = sum of x over channel c where x <= 0.
  Tensor expected = (x * (x <= 0.0).to(kFloat32)).sum({0, 2});
  CHECK(allclose(per->weight.grad(), expected, 1e-5, 1e-6));
  CHECK_THROWS_AS(per(xgrad::randn({2, 4})), std::invalid_argument);  // 4 channels, 3 slopes
  CHECK_THROWS_AS(nn::PReLU(nn::PReLUOptions().num_parameters(0)), std::invalid_argument);
  // One slope applies to inputs of any rank, the shape kept.
  CHECK(one(xgrad::randn({5})).shape() == Shape{5});
  CHECK(one(xgrad::tensor(-2.0)).shape() == Shape{});
  per->reset();
  CHECK(per->weight.to_vector<double>() == Vec(3, 0.1f));
}

TEST_CASE("RReLU: random slopes in [lower, upper) in training, their mean in eval") {
  nn::RReLU r(nn::RReLUOptions().lower(0.1).upper(0.3));
  CHECK(repr(r) == "RReLU(lower=0.1, upper=0.3)");
  CHECK(repr(nn::RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)");
  Tensor x = tensor(kX, {3, 4}).requires_grad_();
  manual_seed(5);
  Tensor y = r(x);
  y.sum().backward();
  Vec yv = y.to_vector<double>(), g = x.grad().to_vector<double>();
  int distinct = 0;
  for (std::size_t i = 0; i < kX.size(); ++i) {
    if (kX[i] > 0) {
      CHECK(yv[i] == kX[i]);
      CHECK(g[i] == 1);
    } else {
      const double slope = yv[i] / kX[i];
      CHECK(slope >= 0.1);
      CHECK(slope < 0.3);
      CHECK(g[i] == doctest::Approx(slope));  // the gradient is the slope used
      distinct += std::abs(slope - 0.2) > 1e-9;
    }
  }
  CHECK(distinct > 0);
  manual_seed(5);
  CHECK(same(r(x), y));  // reproducible under manual_seed
  r->eval();
  CHECK(same(r(x), leaky_relu(x, 0.2)));
  CHECK(same(F::rrelu(x, F::RReLUFuncOptions().lower(0.1).upper(0.3)), leaky_relu(x, 0.2)));
  CHECK_THROWS_AS(nn::RReLU(nn::RReLUOptions().lower(0.5).upper(0.1)), std::invalid_argument);
}

TEST_CASE("relu6, hardshrink, softshrink, threshold, tanhshrink: values against the definitions") {
  Tensor x = input();
  check_values(relu6(x * 3), map([](double v) { return std::min(std::max(3 * v, 0.0), 6.0); }));
  check_values(hardshrink(x), map([](double v) { return std::abs(v) > 0.5 ? v : 0.0; }));
  check_values(F::hardshrink(x, 1.0), map([](double v) { return std::abs(v) > 1.0 ? v : 0.0; }));
  check_values(softshrink(x), map([](double v) { return v > 0.5 ? v - 0.5 : v < -0.5 ? v + 0.5 : 0.0; }));
  check_values(threshold(x, 0.35, -7), map([](double v) { return v > 0.35 ? v : -7.0; }));
  check_values(F::tanhshrink(x), map([](double v) { return v - std::tanh(v); }));
  CHECK_THROWS_AS(softshrink(x, -0.1), std::invalid_argument);
  // Gradients at the kinks, as PyTorch: 0 at the bounds of relu6 and the shrinks.
  Tensor k = tensor(Vec{0.0, 6.0, 0.5, -0.5}, {4}).requires_grad_();
  relu6(k).sum().backward();
  check_values(k.grad(), {0, 0, 1, 0});
  k.mutable_grad() = Tensor();
  softshrink(k).sum().backward();
  check_values(k.grad(), {0, 1, 0, 0});
  k.mutable_grad() = Tensor();
  hardshrink(k).sum().backward();
  check_values(k.grad(), {0, 1, 0, 0});
}

TEST_CASE("glu, softmin, prelu: values and errors") {
  Tensor x = input();  // [3, 4]: glu over dim 1 halves it to [3, 2]
  Vec ref;
  for (int n = 0; n < 3; ++n)
    for (int j = 0; j < 2; ++j) ref.push_back(kX[n * 4 + j] / (1 + std::exp(-kX[n * 4 + j + 2])));
  check_values(glu(x), ref);
  CHECK_THROWS_AS(glu(x, 0), std::invalid_argument);  // size 3 is odd
  CHECK_THROWS_AS(glu(x, 2), std::out_of_range);
  CHECK_THROWS_AS(glu(tensor(1.0)), std::invalid_argument);
  CHECK(allclose(F::softmin(x, 0), softmax(-x, 0)));
  CHECK_THROWS_AS(prelu(x, tensor(Vec{0.1, 0.2}, {2})), std::invalid_argument);
  check_values(prelu(x, tensor(Vec{0.1, 0.2, 0.3, 0.4}, {4})), [&] {
    Vec out;
    for (std::size_t i = 0; i < kX.size(); ++i) out.push_back(kX[i] > 0 ? kX[i] : kX[i] * 0.1 * (1 + i % 4));
    return out;
  }());
}

TEST_CASE("check_op: the composed activations") {
  const tensor_list in = {input()};
  check_op(
      "relu6", [](const tensor_list& v) { return relu6(v[0] * 3); }, in);
  check_op(
      "hardshrink", [](const tensor_list& v) { return hardshrink(v[0]); }, in);
  check_op(
      "softshrink", [](const tensor_list& v) { return softshrink(v[0], 0.2); }, in);
  check_op(
      "threshold", [](const tensor_list& v) { return threshold(v[0], 0.35, -7); }, in);
  check_op(
      "tanhshrink", [](const tensor_list& v) { return F::tanhshrink(v[0]); }, in);
  check_op(
      "glu", [](const tensor_list& v) { return glu(v[0]); }, in);
  check_op(
      "glu non-contiguous", [](const tensor_list& v) { return glu(v[0].t(), 0); }, in);
  check_op(
      "softmin", [](const tensor_list& v) { return F::softmin(v[0], 1); }, in);
  check_op(
      "softmax2d",
      [](const tensor_list& v) {
        return F::softmax2d(v[0].reshape({3, 2, 2}));
      },
      in);
  check_op("prelu channels",
           [](const tensor_list& v) {
             return prelu(v[0].reshape({2, 2, 3}), v[1]);
           },
           {input(), tensor(Vec{0.1, -0.3}, {2})});
  check_op("prelu one slope", [](const tensor_list& v) { return prelu(v[0], v[1]); }, {input(), tensor(Vec{0.2}, {1})});
  check_op(
      "rrelu eval", [](const tensor_list& v) { return rrelu(v[0]); }, in);
}
