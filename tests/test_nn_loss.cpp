// Losses: each value against a closed-form computation, the three reductions, gradients
// against their formulas, gradchecks in Float64, numerical stability, and errors.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

void check_values(const Tensor& t, const std::vector<double>& expected, double eps = 1e-9) {
  std::vector<double> v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

Tensor d64(std::vector<double> v, Shape s = {}) { return tensor(v, s); }
Tensor i64(std::vector<std::int64_t> v, Shape s = {}) { return tensor(v, s); }

double lse(std::vector<double> z) {
  double s = 0;
  for (double v : z) s += std::exp(v);
  return std::log(s);
}

}  // namespace

// ---- regression losses ----------------------------------------------------------------------

TEST_CASE("mse_loss and l1_loss in all three reductions") {
  Tensor x = d64({1, 2, 3}), y = d64({1, 0, 5});
  check_values(F::mse_loss(x, y), {8.0 / 3});
  check_values(F::mse_loss(x, y, nn::kSum), {8});
  check_values(F::mse_loss(x, y, nn::kNone), {0, 4, 4});
  check_values(F::l1_loss(x, y), {4.0 / 3});
  check_values(nn::L1Loss(nn::kSum)(x, y), {4});
  check_values(nn::MSELoss()(x, y), {8.0 / 3});
  // Float32 too
  check_values(F::mse_loss(x.to(kFloat32), y.to(kFloat32)), {8.0 / 3}, 1e-6);
}

TEST_CASE("mse_loss gradient is 2 (x - y) / n") {
  Tensor x = d64({1, 2, 3}).requires_grad_(), y = d64({1, 0, 5});
  F::mse_loss(x, y).backward();
  check_values(x.grad(), {0, 4.0 / 3, -4.0 / 3});
}

TEST_CASE("huber_loss and smooth_l1_loss are quadratic near zero and linear beyond") {
  Tensor x = d64({0.5, 2, -3}), y = d64({0, 0, 0});
  // delta 1: 0.5 * 0.25, 1 * (2 - 0.5), 1 * (3 - 0.5)
  check_values(F::huber_loss(x, y, nn::kNone), {0.125, 1.5, 2.5});
  check_values(F::huber_loss(x, y, nn::kMean, 2.0), {(0.125 + 2 * (2 - 1) + 2 * (3 - 1)) / 3});
  // beta 2: 0.5 * 0.25 / 2, 2 - 1, 3 - 1
  check_values(F::smooth_l1_loss(x, y, nn::kNone, 2.0), {0.0625, 1, 2});
  check_values(nn::SmoothL1Loss(nn::kSum)(x, y), {0.125 + 1.5 + 2.5});
  // beta 0 is l1
  check_values(F::smooth_l1_loss(x, y, nn::kNone, 0.0), {0.5, 2, 3});
  check_values(nn::HuberLoss(nn::kSum, 1.0)(x, y), {4.125});
}

TEST_CASE("regression losses gradcheck in Float64") {
  manual_seed(31);
  Tensor x = (randn({3, 4}, kFloat64) * 2.0).requires_grad_();
  Tensor y = randn({3, 4}, kFloat64).requires_grad_();
  for (auto r : {nn::kMean, nn::kSum, nn::kNone}) {
    CHECK(gradcheck([&](const tensor_list& in) { return F::mse_loss(in[0], in[1], r); }, {x, y}));
    CHECK(gradcheck([&](const tensor_list& in) { return F::l1_loss(in[0], in[1], r); }, {x, y}));
    CHECK(gradcheck([&](const tensor_list& in) { return F::huber_loss(in[0], in[1], r, 0.7); }, {x, y}));
    CHECK(gradcheck([&](const tensor_list& in) { return F::smooth_l1_loss(in[0], in[1], r, 0.7); }, {x, y}));
  }
  CHECK(gradgradcheck([](const tensor_list& in) { return F::mse_loss(in[0], in[1]); }, {x, y}));
}

TEST_CASE("regression losses refuse targets of another shape instead of broadcasting") {
  try {
    F::mse_loss(zeros({4, 1}), zeros({4}));
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    CHECK(msg.find("mse_loss") != std::string::npos);
    CHECK(msg.find("Float32 [4, 1]") != std::string::npos);
    CHECK(msg.find("Float32 [4]") != std::string::npos);
  }
}

// ---- cross_entropy and nll_loss ---------------------------------------------------------------

TEST_CASE("cross_entropy with class targets is log-sum-exp minus the target logit") {
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor t = i64({2, 0});
  const double l0 = lse({1, 2, 3}) - 3, l1 = std::log(3.0);
  check_values(F::cross_entropy(z, t), {(l0 + l1) / 2});
  check_values(F::cross_entropy(z, t, {.reduction = nn::kSum}), {l0 + l1});
  check_values(F::cross_entropy(z, t, {.reduction = nn::kNone}), {l0, l1});
  check_values(F::cross_entropy(z.to(kFloat32), t), {(l0 + l1) / 2}, 1e-6);
  // one sample without a batch dim
  check_values(F::cross_entropy(d64({1, 2, 3}), scalar_tensor(2, kInt64)), {l0});
}

TEST_CASE("cross_entropy with class weights divides the mean by the summed target weights") {
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor w = d64({1, 2, 3});
  const double l0 = lse({1, 2, 3}) - 3, l1 = std::log(3.0);
  check_values(F::cross_entropy(z, i64({2, 0}), {.weight = w}), {(3 * l0 + 1 * l1) / 4});
  check_values(F::cross_entropy(z, i64({2, 0}), {.weight = w, .reduction = nn::kNone}), {3 * l0, l1});
}

TEST_CASE("cross_entropy ignore_index drops those targets from the loss and the mean") {
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  const double l0 = lse({1, 2, 3}) - 3;
  check_values(F::cross_entropy(z, i64({2, -100})), {l0});
  check_values(F::cross_entropy(z, i64({2, 1}), {.ignore_index = 1, .reduction = nn::kNone}), {l0, 0});
  Tensor zg = z.clone().requires_grad_();
  F::cross_entropy(zg, i64({2, -100})).backward();
  check_values(zg.grad().select(0, 1), {0, 0, 0});
  // all ignored: 0 / 0, as PyTorch
  CHECK(std::isnan(F::cross_entropy(z, i64({-100, -100})).item<double>()));
}

TEST_CASE("cross_entropy label smoothing mixes in the uniform distribution") {
  Tensor z = d64({1, 2, 3, 0.5, -1, 2}, {2, 3});
  Tensor t = i64({2, 0});
  const double s = 0.1;
  auto row = [&](std::vector<double> zr, std::size_t y) {
    const double l = lse(zr);
    double smooth = 0;
    for (double v : zr) smooth += l - v;
    return (1 - s) * (l - zr[y]) + s / 3 * smooth;
  };
  const double r0 = row({1, 2, 3}, 2), r1 = row({0.5, -1, 2}, 0);
  check_values(F::cross_entropy(z, t, {.label_smoothing = s}), {(r0 + r1) / 2});
  // with weights, each class's log-probability is weighted and the mean divides by w[targets]
  Tensor w = d64({1, 2, 3});
  auto wrow = [&](std::vector<double> zr, std::size_t y) {
    const double l = lse(zr);
    double smooth = 0;
    for (std::size_t c = 0; c < 3; ++c) smooth += static_cast<double>(c + 1) * (l - zr[c]);
    return (1 - s) * static_cast<double>(y + 1) * (l - zr[y]) + s / 3 * smooth;
  };
  check_values(F::cross_entropy(z, t, {.weight = w, .label_smoothing = s}),
               {(wrow({1, 2, 3}, 2) + wrow({0.5, -1, 2}, 0)) / 4});
}

TEST_CASE("cross_entropy with probability targets") {
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  Tensor p = d64({0.2, 0.3, 0.5, 1, 0, 0}, {2, 3});
  const double l = lse({1, 2, 3});
  const double r0 = 0.2 * (l - 1) + 0.3 * (l - 2) + 0.5 * (l - 3), r1 = std::log(3.0);
  check_values(F::cross_entropy(z, p), {(r0 + r1) / 2});
  check_values(F::cross_entropy(z, p, {.reduction = nn::kNone}), {r0, r1});
  // with weights the mean still divides by the number of samples
  Tensor w = d64({1, 2, 3});
  const double w0 = 0.2 * 1 * (l - 1) + 0.3 * 2 * (l - 2) + 0.5 * 3 * (l - 3), w1 = std::log(3.0);
  check_values(F::cross_entropy(z, p, {.weight = w}), {(w0 + w1) / 2});
}

TEST_CASE("cross_entropy gradient is (softmax - onehot) / N") {
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3}).requires_grad_();
  F::cross_entropy(z, i64({2, 0})).backward();
  const double e = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
  check_values(z.grad(), {std::exp(1.0) / e / 2, std::exp(2.0) / e / 2, (std::exp(3.0) / e - 1) / 2, (1.0 / 3 - 1) / 2,
                          1.0 / 6, 1.0 / 6});
}

TEST_CASE("cross_entropy is stable for huge logits") {
  Tensor z = d64({1000, 0, 0, -1000}, {2, 2}).requires_grad_();
  Tensor loss = F::cross_entropy(z, i64({0, 1}), {.reduction = nn::kNone});
  check_values(loss, {0, 1000});
  loss.sum().backward();
  check_values(z.grad(), {0, 0, 1, -1});
  Tensor z32 = tensor(std::vector<float>{100, -100}, {1, 2});
  check_values(F::cross_entropy(z32, i64({1})), {200}, 1e-6);
}

TEST_CASE("cross_entropy on [N, C, d] inputs treats the class dim as dim 1") {
  manual_seed(32);
  Tensor z = randn({2, 4, 3}, kFloat64);
  Tensor t = randint(0, 4, {2, 3});
  Tensor flat = z.permute({0, 2, 1}).reshape({6, 4});
  CHECK(allclose(F::cross_entropy(z, t), F::cross_entropy(flat, t.reshape({6}))));
  Tensor none = F::cross_entropy(z, t, {.reduction = nn::kNone});
  CHECK(none.shape() == Shape{2, 3});
  CHECK(allclose(none.reshape({6}), F::cross_entropy(flat, t.reshape({6}), {.reduction = nn::kNone})));
}

TEST_CASE("cross_entropy gradchecks in Float64 for every kind of target, to second order") {
  manual_seed(33);
  Tensor z = randn({4, 5}, kFloat64).requires_grad_();
  Tensor t = i64({1, 4, 0, 1});
  Tensor w = rand({5}, kFloat64) + 0.5;
  std::vector<nn::CrossEntropyOptions> opts = {{},
                                               {.reduction = nn::kSum},
                                               {.reduction = nn::kNone},
                                               {.weight = w},
                                               {.ignore_index = 4},
                                               {.weight = w, .ignore_index = 0, .label_smoothing = 0.2},
                                               {.weight = w, .reduction = nn::kNone, .label_smoothing = 0.3}};
  for (const auto& o : opts) {
    auto fn = [&](const tensor_list& in) { return F::cross_entropy(in[0], t, o); };
    CHECK(gradcheck(fn, {z}));
    CHECK(gradgradcheck(fn, {z}));
  }
  // Probability targets: differentiable in the logits and in the target.
  Tensor p = softmax(randn({4, 5}, kFloat64), 1).detach().requires_grad_();
  for (const auto& o : opts) {
    if (o.ignore_index != -100) continue;
    auto fn = [&](const tensor_list& in) { return F::cross_entropy(in[0], in[1], o); };
    CHECK(gradcheck(fn, {z, p}));
    CHECK(gradgradcheck(fn, {z, p}));
  }
  // K-dimensional input
  Tensor zk = randn({2, 3, 2, 2}, kFloat64).requires_grad_();
  Tensor tk = randint(0, 3, {2, 2, 2});
  CHECK(gradcheck([&](const tensor_list& in) { return F::cross_entropy(in[0], tk); }, {zk}));
}

TEST_CASE("nll_loss picks minus the target log-probability") {
  Tensor lp = d64({-1, -2, -3, -0.5, -4, -6}, {2, 3});
  check_values(F::nll_loss(lp, i64({2, 0})), {(3 + 0.5) / 2});
  check_values(F::nll_loss(lp, i64({2, 0}), {.weight = d64({1, 2, 3})}), {(9 + 0.5) / 4});
  check_values(F::nll_loss(lp, i64({2, 0}), {.reduction = nn::kNone}), {3, 0.5});
  check_values(F::nll_loss(lp, i64({2, -100}), {.reduction = nn::kSum}), {3});
  // log_softmax + nll_loss is cross_entropy
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  CHECK(allclose(F::nll_loss(log_softmax(z, 1), i64({2, 0})), F::cross_entropy(z, i64({2, 0}))));
  // -inf log-probabilities of other classes do not poison the loss
  const double inf = std::numeric_limits<double>::infinity();
  check_values(F::nll_loss(d64({-inf, -0.1}, {1, 2}), i64({1})), {0.1});
  Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  auto fn = [&](const tensor_list& in) { return F::nll_loss(in[0], i64({3, 0, 3}), {.weight = d64({1, 2, 3, 4})}); };
  CHECK(gradcheck(fn, {x}));
  CHECK(gradgradcheck([&](const tensor_list& in) { return F::nll_loss(log_softmax(in[0], 1), i64({3, 0, 3})); }, {x}));
}

TEST_CASE("cross_entropy and nll_loss reject bad targets with the op and shapes in the message") {
  Tensor z = zeros({2, 3});
  try {
    F::cross_entropy(z, i64({0, 3}));
    FAIL("expected std::out_of_range");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()).find("cross_entropy: target 3 is out of bounds") != std::string::npos);
  }
  CHECK_THROWS_AS(F::nll_loss(z, i64({-1, 0})), std::out_of_range);
  auto expect = [](auto&& f, const std::string& what) {
    try {
      f();
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
      CHECK_MESSAGE(std::string(e.what()).find(what) != std::string::npos, e.what());
    }
  };
  expect([&] { F::cross_entropy(z, i64({0, 1, 2})); }, "Int64 [3]");
  expect([&] { F::cross_entropy(z, zeros({2, 4})); }, "Float32 [2, 4]");
  expect([&] { F::cross_entropy(z, i64({0, 1}), {.weight = ones({2})}); }, "weight");
  expect([&] { F::cross_entropy(z, i64({0, 1}), {.label_smoothing = 1.5}); }, "label_smoothing");
}

TEST_CASE("CrossEntropyLoss and NLLLoss modules keep class weights as buffers") {
  nn::CrossEntropyLoss ce({.weight = d64({1, 2, 3}), .reduction = nn::kSum});
  REQUIRE(ce->named_buffers().size() == 1);
  CHECK(ce->named_buffers()[0].first == "weight");
  Tensor z = d64({1, 2, 3, 1, 1, 1}, {2, 3});
  CHECK(allclose(ce(z, i64({2, 0})),
                 F::cross_entropy(z, i64({2, 0}), {.weight = d64({1, 2, 3}), .reduction = nn::kSum})));
  nn::NLLLoss nll;
  CHECK(nll->buffers().empty());
  check_values(nll(log_softmax(z, 1), i64({2, 0})), F::cross_entropy(z, i64({2, 0})).to_vector<double>());
}

// ---- binary cross entropy ----------------------------------------------------------------------

TEST_CASE("binary_cross_entropy is -(t log p + (1 - t) log(1 - p))") {
  Tensor p = d64({0.2, 0.9}), t = d64({0, 1});
  check_values(F::binary_cross_entropy(p, t), {-(std::log(0.8) + std::log(0.9)) / 2});
  check_values(F::binary_cross_entropy(p, t, d64({2, 3}), nn::kNone), {-2 * std::log(0.8), -3 * std::log(0.9)});
  // soft targets
  check_values(F::binary_cross_entropy(d64({0.3}), d64({0.6}), Tensor(), nn::kSum),
               {-(0.6 * std::log(0.3) + 0.4 * std::log(0.7))});
  check_values(nn::BCELoss()(p, t), {-(std::log(0.8) + std::log(0.9)) / 2});
}

TEST_CASE("binary_cross_entropy clamps log at -100 and keeps a finite gradient at 0 and 1") {
  Tensor p = d64({1.0, 0.0}).requires_grad_(), t = d64({0, 1});
  Tensor loss = F::binary_cross_entropy(p, t, Tensor(), nn::kNone);
  check_values(loss, {100, 100});
  loss.sum().backward();
  for (double g : p.grad().to_vector<double>()) CHECK(std::isfinite(g));
  try {
    F::binary_cross_entropy(d64({1.5}), d64({1}));
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("binary_cross_entropy") != std::string::npos);
  }
}

TEST_CASE("binary_cross_entropy gradchecks in Float64 (input and target), to second order") {
  manual_seed(34);
  Tensor p = (rand({3, 4}, kFloat64) * 0.8 + 0.1).requires_grad_();
  Tensor t = rand({3, 4}, kFloat64).requires_grad_();
  Tensor w = rand({4}, kFloat64) + 0.5;  // broadcast over rows
  for (auto r : {nn::kMean, nn::kSum, nn::kNone}) {
    auto fn = [&](const tensor_list& in) { return F::binary_cross_entropy(in[0], in[1], w, r); };
    CHECK(gradcheck(fn, {p, t}));
    CHECK(gradgradcheck(fn, {p, t}));
  }
}

TEST_CASE("binary_cross_entropy_with_logits is stable and matches sigmoid + BCE") {
  Tensor x = d64({0, 100, -100}), t = d64({1, 0, 1});
  check_values(F::binary_cross_entropy_with_logits(x, t, {.reduction = nn::kNone}), {std::log(2.0), 100, 100});
  Tensor x2 = d64({0.3, -1.2, 2.5}), t2 = d64({1, 0, 0.4});
  CHECK(allclose(F::binary_cross_entropy_with_logits(x2, t2), F::binary_cross_entropy(sigmoid(x2), t2)));
  // pos_weight multiplies the positive term: (1 + (pw - 1) t) softplus(-x)
  check_values(F::binary_cross_entropy_with_logits(d64({0}), d64({1}), {.pos_weight = d64({3})}), {3 * std::log(2.0)});
  // the gradient at x = 0 is sigmoid(0) - t, not 0
  Tensor z = d64({0, 0}).requires_grad_();
  F::binary_cross_entropy_with_logits(z, d64({1, 0}), {.reduction = nn::kSum}).backward();
  check_values(z.grad(), {-0.5, 0.5});
  // huge logits keep finite gradients
  Tensor big = d64({1e4, -1e4}).requires_grad_();
  F::binary_cross_entropy_with_logits(big, d64({0, 1}), {.reduction = nn::kSum}).backward();
  check_values(big.grad(), {1, -1});
}

TEST_CASE("binary_cross_entropy_with_logits gradchecks in Float64 with weight and pos_weight, to second order") {
  manual_seed(35);
  Tensor x = (randn({3, 4}, kFloat64) * 3.0).requires_grad_();
  Tensor t = rand({3, 4}, kFloat64).requires_grad_();
  Tensor w = rand({3, 1}, kFloat64) + 0.5, pw = rand({4}, kFloat64) + 0.5;
  std::vector<nn::BCEWithLogitsOptions> opts = {{},
                                                {.weight = w},
                                                {.pos_weight = pw, .reduction = nn::kSum},
                                                {.weight = w, .pos_weight = pw, .reduction = nn::kNone}};
  for (const auto& o : opts) {
    auto fn = [&](const tensor_list& in) { return F::binary_cross_entropy_with_logits(in[0], in[1], o); };
    CHECK(gradcheck(fn, {x, t}));
    CHECK(gradgradcheck(fn, {x, t}));
  }
  nn::BCEWithLogitsLoss loss({.pos_weight = pw});
  CHECK(loss->named_buffers()[0].first == "pos_weight");
  CHECK_THROWS_AS(F::binary_cross_entropy_with_logits(x, t, {.pos_weight = ones({5}, kFloat64)}),
                  std::invalid_argument);
}
