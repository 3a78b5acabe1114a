// Linear, activations, Flatten, Dropout and Embedding: values on small inputs, gradients,
// gradchecks in Float64, and the errors for inputs that do not fit.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

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

// Sets a parameter's values (as loading weights would), without recording anything.
void assign(Tensor param, const Tensor& values) {
  NoGradGuard guard;
  param.copy_(values);
}

template <class F>
void check_throws_naming(F&& f, const std::string& a, const std::string& b) {
  try {
    f();
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK_MESSAGE(msg.find(a) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(b) != std::string::npos, msg);
  }
}

}  // namespace

// ---- Linear ---------------------------------------------------------------------------------

TEST_CASE("Linear computes x W^T + b") {
  nn::Linear lin(2, 3);
  assign(lin->weight, tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, {3, 2}));
  assign(lin->bias, tensor(std::vector<float>{0.5f, -1, 2}));
  Tensor y = lin(tensor(std::vector<float>{1, -1, 2, 0.5f}, {2, 2}));
  CHECK(y.shape() == Shape{2, 3});
  check_values(y, {-0.5, -2, 1, 3.5, 7, 15});
  // A 1-D input is one sample; extra leading dims are batch dims.
  check_values(lin(tensor(std::vector<float>{1, -1})), {-0.5, -2, 1});
  CHECK(lin(zeros({4, 5, 2})).shape() == Shape{4, 5, 3});
}

TEST_CASE("Linear gradients: dW = g^T x, db = sum g, dx = g W") {
  nn::Linear lin(2, 1);
  assign(lin->weight, tensor(std::vector<float>{2, -3}, {1, 2}));
  Tensor x = tensor(std::vector<float>{1, 2, 3, 4}, {2, 2}).requires_grad_();
  lin(x).sum().backward();
  check_values(lin->weight.grad(), {4, 6});
  check_values(lin->bias.grad(), {2});
  check_values(x.grad(), {2, -3, 2, -3});
}

TEST_CASE("Linear without bias has only a weight") {
  nn::Linear lin(3, 2, /*bias=*/false);
  CHECK_FALSE(lin->bias.defined());
  CHECK(lin->parameters().size() == 1);
  CHECK(lin->extra_repr() == "in_features=3, out_features=2, bias=false");
}

TEST_CASE("F::linear gradchecks in Float64, with and without bias, to second order") {
  manual_seed(1);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  Tensor w = randn({2, 4}, kFloat64).requires_grad_();
  Tensor b = randn({2}, kFloat64).requires_grad_();
  auto fn = [](const tensor_list& in) { return F::linear(in[0], in[1], in[2]); };
  CHECK(gradcheck(fn, {x, w, b}));
  CHECK(gradgradcheck(fn, {x, w, b}));
  CHECK(gradcheck([](const tensor_list& in) { return F::linear(in[0], in[1]); }, {x, w}));
}

TEST_CASE("Linear refuses inputs whose last dim is not in_features") {
  nn::Linear lin(3, 2);
  check_throws_naming([&] { lin(zeros({4, 5})); }, "linear", "[4, 5]");
}

// ---- activations and Flatten ------------------------------------------------------------------

TEST_CASE("activation modules match their closed forms") {
  Tensor x = tensor(std::vector<double>{-1, 0, 2});
  check_values(nn::ReLU()(x), {0, 0, 2});
  check_values(nn::LeakyReLU(0.1)(x), {-0.1, 0, 2});
  check_values(nn::Tanh()(x), {std::tanh(-1.0), 0, std::tanh(2.0)});
  check_values(nn::Sigmoid()(x), {1 / (1 + std::exp(1.0)), 0.5, 1 / (1 + std::exp(-2.0))});
  check_values(nn::GELU()(x), {-0.15865525393145707, 0, 1.9544997361036416});
  check_values(nn::GELU("tanh")(x), {-0.15880800939172324, 0, 1.954597694087775});
  Tensor row = tensor(std::vector<double>{1, 2, 3}, {1, 3});
  const double z = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  check_values(nn::Softmax(1)(row), {std::exp(1.0) / z, std::exp(2.0) / z, std::exp(3.0) / z});
  check_values(nn::LogSoftmax(1)(row), {1 - std::log(z), 2 - std::log(z), 3 - std::log(z)});
  CHECK_THROWS_AS(nn::GELU("fast"), std::invalid_argument);
}

TEST_CASE("activation modules gradcheck in Float64") {
  manual_seed(2);
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  std::vector<nn::AnyModule> acts = {std::make_shared<nn::ReLUImpl>(),     std::make_shared<nn::LeakyReLUImpl>(0.2),
                                     std::make_shared<nn::GELUImpl>(),     std::make_shared<nn::GELUImpl>("tanh"),
                                     std::make_shared<nn::TanhImpl>(),     std::make_shared<nn::SigmoidImpl>(),
                                     std::make_shared<nn::SoftmaxImpl>(1), std::make_shared<nn::LogSoftmaxImpl>(0)};
  for (auto& m : acts) {
    CAPTURE(m.type());
    CHECK(gradcheck([&](const tensor_list& in) { return m.forward(in[0]); }, {x}));
  }
}

TEST_CASE("Flatten keeps the batch dim by default") {
  Tensor x = zeros({2, 3, 4});
  CHECK(nn::Flatten()(x).shape() == Shape{2, 12});
  CHECK(nn::Flatten(0, 1)(x).shape() == Shape{6, 4});
  Tensor a = arange(6, kFloat64).reshape({1, 2, 3});
  check_values(nn::Flatten()(a), {0, 1, 2, 3, 4, 5});
}

// ---- Dropout ----------------------------------------------------------------------------------

TEST_CASE("Dropout in eval mode returns its input unchanged") {
  nn::Dropout drop(0.5);
  drop->eval();
  Tensor x = ones({10});
  CHECK(drop(x).is_same(x));
}

TEST_CASE("Dropout in training zeroes about p of the elements and scales the rest by 1/(1-p)") {
  nn::Dropout drop(0.25);
  manual_seed(3);
  Tensor x = ones({20000}, kFloat64).requires_grad_();
  Tensor y = drop(x);
  std::vector<double> v = y.to_vector<double>();
  std::size_t zeros_seen = 0;
  for (double e : v) {
    if (e == 0) ++zeros_seen;
    else CHECK(e == doctest::Approx(1 / 0.75));
  }
  CHECK(static_cast<double>(zeros_seen) / 20000 == doctest::Approx(0.25).epsilon(0.05));
  // The gradient is the same mask.
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == v);
}

TEST_CASE("Dropout is reproducible under manual_seed, and p = 0 or 1 are exact") {
  Tensor x = randn({100});
  manual_seed(11);
  Tensor a = F::dropout(x, 0.5);
  manual_seed(11);
  Tensor b = F::dropout(x, 0.5);
  CHECK(a.to_vector<float>() == b.to_vector<float>());
  CHECK(F::dropout(x, 0.0).is_same(x));
  CHECK(F::dropout(x, 1.0).to_vector<float>() == std::vector<float>(100, 0.0f));
  CHECK_THROWS_AS(nn::Dropout(1.5), std::invalid_argument);
  CHECK_THROWS_AS(F::dropout(x, -0.1), std::invalid_argument);
}

TEST_CASE("Dropout gradchecks for a fixed mask") {
  Tensor x = randn({4, 5}, kFloat64).requires_grad_();
  auto fn = [](const tensor_list& in) {
    manual_seed(5);  // the same mask at every evaluation
    return F::dropout(in[0], 0.3, true);
  };
  CHECK(gradcheck(fn, {x}));
}

// ---- Embedding --------------------------------------------------------------------------------

TEST_CASE("Embedding looks up rows and sums gradients per row") {
  nn::Embedding emb(4, 2);
  assign(emb->weight, arange(8, kFloat32).reshape({4, 2}));
  Tensor idx = tensor(std::vector<std::int64_t>{1, 3, 0, 1}, {2, 2});
  Tensor y = emb(idx);
  CHECK(y.shape() == Shape{2, 2, 2});
  check_values(y, {2, 3, 6, 7, 0, 1, 2, 3});
  y.sum().backward();
  check_values(emb->weight.grad(), {1, 1, 2, 2, 0, 0, 1, 1});
}

TEST_CASE("Embedding with padding_idx starts that row at zero and never updates it") {
  manual_seed(4);
  nn::Embedding emb(5, 3, /*padding_idx=*/-1);  // negative counts from the end: row 4
  REQUIRE(emb->padding_idx.has_value());
  CHECK(*emb->padding_idx == 4);
  check_values(emb->weight.select(0, 4), {0, 0, 0});
  Tensor y = emb(tensor(std::vector<std::int64_t>{4, 2, 4}));
  (y * 3.0).sum().backward();
  check_values(emb->weight.grad().select(0, 4), {0, 0, 0});
  check_values(emb->weight.grad().select(0, 2), {3, 3, 3});
  CHECK(emb->extra_repr() == "5, 3, padding_idx=4");
}

TEST_CASE("embedding gradchecks in Float64, to second order") {
  Tensor w = randn({5, 3}, kFloat64).requires_grad_();
  Tensor idx = tensor(std::vector<std::int64_t>{0, 2, 2, 4, 1, 0}, {2, 3});
  // (A padding_idx that occurs in idx would fail by design: that row's output depends on it
  // but its gradient is kept at zero. Here padding_idx 3 is absent.)
  auto fn = [&](const tensor_list& in) { return F::embedding(idx, in[0], 3); };
  CHECK(gradcheck(fn, {w}));
  // Make the output depend on w non-linearly so the second derivative is exercised.
  CHECK(gradgradcheck([&](const tensor_list& in) { return F::embedding(idx, in[0]) * in[0].sum(); }, {w}));
}

TEST_CASE("embedding's double backward keeps the padding row out of both directions") {
  Tensor w = randn({4, 2}, kFloat64).requires_grad_();
  Tensor idx = tensor(std::vector<std::int64_t>{1, 3, 1});
  Tensor y = F::embedding(idx, w, 1);
  Tensor gy = ones({3, 2}, kFloat64).requires_grad_();
  Tensor gw = autograd::grad({y}, {w}, {gy}, std::nullopt, /*create_graph=*/true)[0];
  check_values(gw, {0, 0, 0, 0, 0, 0, 1, 1});
  // d(sum(gw * v)) / d gy picks v's rows at idx, zero where idx is the padding row.
  Tensor v = arange(8, kFloat64).reshape({4, 2});
  Tensor ggy = autograd::grad({(gw * v).sum()}, {gy})[0];
  check_values(ggy, {0, 0, 6, 7, 0, 0});
}

TEST_CASE("Embedding refuses indices out of range or not Int64") {
  nn::Embedding emb(3, 2);
  try {
    emb(tensor(std::vector<std::int64_t>{0, 3}));
    FAIL("expected std::out_of_range");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()).find("embedding: index 3") != std::string::npos);
  }
  CHECK_THROWS_AS(emb(tensor(std::vector<std::int64_t>{-1})), std::out_of_range);
  check_throws_naming([&] { emb(tensor(std::vector<float>{0, 1})); }, "embedding", "Float32 [2]");
  CHECK_THROWS_AS(nn::Embedding(3, 2, 3), std::out_of_range);
}

TEST_CASE("nn's backward nodes report PyTorch's grad_fn names, at every order") {
  auto name = [](const Tensor& t) { return t.grad_fn() ? t.grad_fn()->name() : std::string("(none)"); };
  Tensor x = randn({2, 3}, kFloat64).requires_grad_(true);
  Tensor w = randn({4, 3}, kFloat64).requires_grad_(true);
  CHECK(name(F::linear(x, w)) == "MmBackward0");
  CHECK(name(F::linear(x, w, randn({4}, kFloat64))) == "AddmmBackward0");

  Tensor img = randn({1, 2, 4, 4}, kFloat64).requires_grad_(true);
  Tensor k = randn({3, 2, 2, 2}, kFloat64).requires_grad_(true);
  Tensor y = F::conv2d(img, k);
  CHECK(name(y) == "ConvolutionBackward0");
  tensor_list g = autograd::grad({y}, {img, k}, {ones_like(y).requires_grad_(true)}, true, true);
  CHECK(name(g[0]) == "ConvolutionBackwardInputBackward0");
  CHECK(name(g[1]) == "ConvolutionBackwardWeightBackward0");

  Tensor p = F::max_pool2d(img, 2);
  CHECK(name(p) == "MaxPool2DWithIndicesBackward0");
  Tensor gp = ones_like(p).requires_grad_(true);
  Tensor g1 = autograd::grad({p}, {img}, {gp}, true, true)[0];
  CHECK(name(g1) == "MaxPool2DWithIndicesBackwardBackward0");
  Tensor gg = ones_like(g1).requires_grad_(true);
  Tensor g2 = autograd::grad({g1}, {gp}, {gg}, true, true)[0];
  CHECK(name(g2) == "MaxPool2DWithIndicesBackwardBackwardBackward0");
}
