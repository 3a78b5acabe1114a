// BatchNorm1d / BatchNorm2d and LayerNorm: statistics, running averages, train/eval
// differences, gradchecks to second order in Float64, and errors.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

void check_values(const Tensor& t, const std::vector<double>& expected, double eps = 1e-6) {
  std::vector<double> v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

void assign(Tensor param, const Tensor& values) {
  NoGradGuard guard;
  param.copy_(values);
}

constexpr double kEps = 1e-5;

}  // namespace

TEST_CASE("BatchNorm1d in training normalises with batch statistics and updates running ones") {
  nn::BatchNorm1d bn(2);
  bn->to(kFloat64);
  Tensor x = tensor(std::vector<double>{1, 2, 3, 6}, {2, 2});
  // channel 0: mean 2, biased var 1; channel 1: mean 4, biased var 4
  const double s1 = std::sqrt(1 + kEps), s4 = std::sqrt(4 + kEps);
  check_values(bn(x), {-1 / s1, -2 / s4, 1 / s1, 2 / s4});
  // running = 0.9 running + 0.1 batch, with the unbiased variance (2 and 8)
  check_values(bn->running_mean, {0.2, 0.4});
  check_values(bn->running_var, {0.9 + 0.2, 0.9 + 0.8});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
}

TEST_CASE("BatchNorm1d in eval mode uses the running statistics and leaves them alone") {
  nn::BatchNorm1d bn(2);
  bn->to(kFloat64);
  bn(tensor(std::vector<double>{1, 2, 3, 6}, {2, 2}));  // running mean [0.2, 0.4], var [1.1, 1.7]
  assign(bn->weight, tensor(std::vector<double>{2, 3}));
  assign(bn->bias, tensor(std::vector<double>{1, -1}));
  bn->eval();
  Tensor y = bn(tensor(std::vector<double>{1.2, 2.1}, {1, 2}));  // one sample is fine in eval
  check_values(y, {1.0 / std::sqrt(1.1 + kEps) * 2 + 1, 1.7 / std::sqrt(1.7 + kEps) * 3 - 1});
  check_values(bn->running_mean, {0.2, 0.4});
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
}

TEST_CASE("BatchNorm with momentum nullopt keeps a cumulative average") {
  nn::BatchNorm1d bn(1, {.momentum = std::nullopt});
  bn->to(kFloat64);
  bn(tensor(std::vector<double>{1, 3}, {2, 1}));  // mean 2
  bn(tensor(std::vector<double>{5, 7}, {2, 1}));  // mean 6
  check_values(bn->running_mean, {4});
  check_values(bn->running_var, {2});  // both unbiased variances are 2
}

TEST_CASE("BatchNorm2d matches the formula over (N, H, W) per channel") {
  manual_seed(21);
  nn::BatchNorm2d bn(3);
  assign(bn->weight, tensor(std::vector<float>{1, 2, 3}));
  assign(bn->bias, tensor(std::vector<float>{0, 1, -1}));
  Tensor x = randn({4, 3, 5, 2}) * 3.0 + 1.0;
  Tensor mu = x.mean({0, 2, 3}, true);
  Tensor var = ((x - mu) * (x - mu)).mean({0, 2, 3}, true);
  Tensor expected = (x - mu) / (var + kEps).sqrt() * bn->weight.reshape({1, 3, 1, 1}) + bn->bias.reshape({1, 3, 1, 1});
  CHECK(allclose(bn(x), expected, 1e-4, 1e-5));
  CHECK(bn->extra_repr() == "3, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true");
}

TEST_CASE("BatchNorm without running statistics uses batch statistics in eval mode too") {
  nn::BatchNorm1d bn(2, {.affine = false, .track_running_stats = false});
  CHECK(bn->parameters().empty());
  CHECK(bn->buffers().empty());
  Tensor x = randn({5, 2});
  Tensor train_out = bn(x);
  bn->eval();
  CHECK(allclose(bn(x), train_out));
}

TEST_CASE("batch_norm gradchecks in Float64: training (to second order) and eval") {
  manual_seed(22);
  Tensor x = randn({4, 3, 2, 3}, kFloat64).requires_grad_();
  Tensor w = randn({3}, kFloat64).requires_grad_();
  Tensor b = randn({3}, kFloat64).requires_grad_();
  auto train = [](const tensor_list& in) { return F::batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true); };
  CHECK(gradcheck(train, {x, w, b}));
  CHECK(gradgradcheck(train, {x, w, b}));
  auto no_affine = [](const tensor_list& in) {
    return F::batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true);
  };
  CHECK(gradcheck(no_affine, {x}));
  CHECK(gradgradcheck(no_affine, {x}));
  Tensor rm = randn({3}, kFloat64), rv = rand({3}, kFloat64) + 0.5;
  auto eval = [&](const tensor_list& in) { return F::batch_norm(in[0], rm, rv, in[1], in[2], false); };
  CHECK(gradcheck(eval, {x, w, b}));
  // The module in both modes (a [N, C] input).
  nn::BatchNorm1d bn(3);
  bn->to(kFloat64);
  Tensor x2 = randn({6, 3}, kFloat64).requires_grad_();
  CHECK(gradcheck([&](const tensor_list& in) { return bn(in[0]); }, {x2}));
  bn->eval();
  CHECK(gradcheck([&](const tensor_list& in) { return bn(in[0]); }, {x2}));
}

TEST_CASE("BatchNorm errors name the layer and the input") {
  nn::BatchNorm1d bn(3);
  auto expect = [](auto&& f, const std::string& a, const std::string& b) {
    try {
      f();
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
      std::string msg = e.what();
      CHECK_MESSAGE(msg.find(a) != std::string::npos, msg);
      CHECK_MESSAGE(msg.find(b) != std::string::npos, msg);
    }
  };
  expect([&] { bn(zeros({2, 4})); }, "BatchNorm1d", "Float32 [2, 4]");
  expect([&] { bn(zeros({2, 3, 4, 4})); }, "BatchNorm1d", "[2, 3, 4, 4]");
  expect([&] { bn(zeros({1, 3})); }, "more than 1 value per channel", "[1, 3]");
  expect([&] { nn::BatchNorm2d(3)(zeros({2, 3, 4})); }, "BatchNorm2d", "[2, 3, 4]");
  expect([&] { F::batch_norm(zeros({2, 3}), Tensor(), Tensor()); }, "batch_norm", "evaluation mode");
  expect([&] { F::batch_norm(zeros({2, 3}), zeros({3}, kFloat64), ones({3}, kFloat64)); }, "batch_norm", "Float64 [3]");
}

TEST_CASE("LayerNorm normalises each sample over its last dims") {
  nn::LayerNorm ln({3});
  Tensor x = tensor(std::vector<float>{1, 2, 3, 2, 4, 6}, {2, 3});
  const double a = std::sqrt(2.0 / 3 + kEps), b = std::sqrt(8.0 / 3 + kEps);
  check_values(ln(x), {-1 / a, 0, 1 / a, -2 / b, 0, 2 / b}, 1e-5);
  assign(ln->weight, tensor(std::vector<float>{1, 2, 3}));
  assign(ln->bias, tensor(std::vector<float>{0, 1, 0}));
  check_values(ln(x), {-1 / a, 1, 3 / a, -2 / b, 1, 6 / b}, 1e-5);
  CHECK(nn::LayerNorm({2, 3}, {.elementwise_affine = false})->parameters().empty());
}

TEST_CASE("layer_norm gradchecks in Float64 to second order") {
  manual_seed(23);
  Tensor x = randn({2, 3, 4}, kFloat64).requires_grad_();
  Tensor w = randn({3, 4}, kFloat64).requires_grad_();
  Tensor b = randn({3, 4}, kFloat64).requires_grad_();
  auto fn = [](const tensor_list& in) { return F::layer_norm(in[0], {3, 4}, in[1], in[2]); };
  CHECK(gradcheck(fn, {x, w, b}));
  CHECK(gradgradcheck(fn, {x, w, b}));
  auto plain = [](const tensor_list& in) { return F::layer_norm(in[0], {4}); };
  CHECK(gradcheck(plain, {x}));
  CHECK(gradgradcheck(plain, {x}));
}

// Issue 23: a bias without a weight over two or more normalised dims threw in backward (the
// bias gradient came back flattened to [D]); each affine combination is checked here.
TEST_CASE("layer_norm over several dims with weight and bias, either, or neither") {
  using xgrad_test::check_op;
  using X = const tensor_list&;
  manual_seed(24);
  Tensor x = randn({1, 2, 3}, kFloat64), w = randn({2, 3}, kFloat64), b = randn({2, 3}, kFloat64);
  check_op("layer_norm bias only", [](X in) { return F::layer_norm(in[0], {2, 3}, Tensor(), in[1]); }, {x, b});
  check_op("layer_norm weight only", [](X in) { return F::layer_norm(in[0], {2, 3}, in[1], Tensor()); }, {x, w});
  check_op("layer_norm neither", [](X in) { return F::layer_norm(in[0], {2, 3}); }, {x});
  check_op("layer_norm both", [](X in) { return F::layer_norm(in[0], {2, 3}, in[1], in[2]); }, {x, w, b});
  Tensor bias = b.clone().requires_grad_();
  F::layer_norm(x, {2, 3}, Tensor(), bias).sum().backward();
  REQUIRE(bias.grad().defined());
  CHECK(bias.grad().shape() == Shape{2, 3});
  CHECK(bias.grad().to_vector<double>() == std::vector<double>(6, 1.0));  // d sum / d bias = 1
}

TEST_CASE("layer_norm refuses a normalized_shape that is not the input's trailing shape") {
  try {
    F::layer_norm(zeros({2, 3}), {2});
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK(msg.find("layer_norm") != std::string::npos);
    CHECK(msg.find("Float32 [2, 3]") != std::string::npos);
  }
}

TEST_CASE("BatchNorm that refuses an input leaves its batch count and running statistics untouched") {
  nn::BatchNorm1d bn(2);                                              // Float32 parameters and buffers
  CHECK_THROWS(bn(tensor(std::vector<double>{1, 2, 3, 6}, {2, 2})));  // a Float64 input
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 0);
  CHECK(bn->running_mean.to_vector<double>() == std::vector<double>{0, 0});
  bn(tensor(std::vector<float>{1, 2, 3, 6}, {2, 2}));
  CHECK(bn->num_batches_tracked.item<std::int64_t>() == 1);
}
