// nn::init: PyTorch's fan and gain rules, the distributions' ranges and moments, seeding,
// and the default initialisation of each layer.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace init = xgrad::nn::init;

namespace {

struct Moments {
  double mean, std, min, max;
};

Moments moments(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  double s = 0, ss = 0;
  for (double x : v) s += x;
  const double m = s / static_cast<double>(v.size());
  for (double x : v) ss += (x - m) * (x - m);
  return {m, std::sqrt(ss / static_cast<double>(v.size())), *std::min_element(v.begin(), v.end()),
          *std::max_element(v.begin(), v.end())};
}

}  // namespace

TEST_CASE("fan_in and fan_out follow PyTorch: sizes 1 and 0 times the receptive field") {
  CHECK(init::calculate_fan_in_and_fan_out(empty({8, 4})) == std::pair<std::int64_t, std::int64_t>{4, 8});
  CHECK(init::calculate_fan_in_and_fan_out(empty({16, 3, 5, 5})) == std::pair<std::int64_t, std::int64_t>{75, 400});
  CHECK_THROWS_AS(init::calculate_fan_in_and_fan_out(empty({5})), std::invalid_argument);
}

TEST_CASE("calculate_gain matches torch.nn.init.calculate_gain") {
  using NL = init::Nonlinearity;
  CHECK(init::calculate_gain(NL::Linear) == 1.0);
  CHECK(init::calculate_gain(NL::Sigmoid) == 1.0);
  CHECK(init::calculate_gain(NL::Tanh) == doctest::Approx(5.0 / 3));
  CHECK(init::calculate_gain(NL::ReLU) == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain(NL::LeakyReLU) == doctest::Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(init::calculate_gain(NL::LeakyReLU, std::sqrt(5.0)) == doctest::Approx(std::sqrt(2.0 / 6)));
  CHECK(init::calculate_gain(NL::SELU) == doctest::Approx(0.75));
}

TEST_CASE("uniform_, normal_, constant_ fill in place, even a parameter that requires grad") {
  manual_seed(51);
  Tensor p = empty({200, 100}).requires_grad_();
  Tensor same = init::uniform_(p, -2, 3);
  CHECK(same.is_same(p));
  Moments m = moments(p);
  CHECK(m.min >= -2);
  CHECK(m.max < 3);
  CHECK(m.mean == doctest::Approx(0.5).epsilon(0.02));
  CHECK(m.std == doctest::Approx(5 / std::sqrt(12.0)).epsilon(0.02));
  CHECK_FALSE(p.grad_fn());  // still a leaf with no history
  init::normal_(p, 1.0, 0.5);
  m = moments(p);
  CHECK(m.mean == doctest::Approx(1.0).epsilon(0.01));
  CHECK(m.std == doctest::Approx(0.5).epsilon(0.02));
  init::constant_(p, 0.25);
  CHECK(moments(p).min == 0.25);
  CHECK(moments(p).max == 0.25);
  init::zeros_(p);
  CHECK(moments(p).max == 0);
  init::ones_(p);
  CHECK(moments(p).min == 1);
  CHECK_THROWS_AS(init::uniform_(empty({2}, kInt64)), std::invalid_argument);
}

TEST_CASE("initialisers write through strided views") {
  Tensor t = zeros({3, 4});
  init::ones_(t.t());
  CHECK(t.to_vector<float>() == std::vector<float>(12, 1.0f));
}

TEST_CASE("xavier and kaiming use the fan and gain rules") {
  manual_seed(52);
  Tensor w = empty({300, 200}, kFloat64);
  init::xavier_uniform_(w, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 500);
  Moments m = moments(w);
  CHECK(m.max <= a);
  CHECK(m.min >= -a);
  CHECK(m.max > 0.99 * a);
  init::xavier_normal_(w);
  CHECK(moments(w).std == doctest::Approx(std::sqrt(2.0 / 500)).epsilon(0.02));
  init::kaiming_uniform_(w, 0.0, init::FanMode::FanIn, init::Nonlinearity::ReLU);
  const double b = std::sqrt(2.0) * std::sqrt(3.0 / 200);
  m = moments(w);
  CHECK(m.max <= b);
  CHECK(m.max > 0.99 * b);
  init::kaiming_normal_(w, 0.0, init::FanMode::FanOut, init::Nonlinearity::ReLU);
  CHECK(moments(w).std == doctest::Approx(std::sqrt(2.0 / 300)).epsilon(0.02));
}

TEST_CASE("initialisation is reproducible under manual_seed") {
  manual_seed(7);
  nn::Linear a(5, 4);
  manual_seed(7);
  nn::Linear b(5, 4);
  CHECK(a->weight.to_vector<float>() == b->weight.to_vector<float>());
  CHECK(a->bias.to_vector<float>() == b->bias.to_vector<float>());
  nn::Linear c(5, 4);
  CHECK(a->weight.to_vector<float>() != c->weight.to_vector<float>());
}

TEST_CASE("Linear's default init is PyTorch's: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias") {
  manual_seed(53);
  nn::Linear lin(400, 300);
  // kaiming_uniform_(a = sqrt(5)): bound = sqrt(2 / (1 + 5)) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
  const double bound = 1.0 / std::sqrt(400.0);
  Moments w = moments(lin->weight), b = moments(lin->bias);
  CHECK(w.max <= bound);
  CHECK(w.min >= -bound);
  CHECK(w.max > 0.99 * bound);
  CHECK(w.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
  CHECK(b.max <= bound);
  CHECK(b.min >= -bound);
  CHECK(b.std == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.1));
}

TEST_CASE("other layers start as PyTorch's do") {
  manual_seed(54);
  nn::Embedding emb(1000, 50);
  Moments e = moments(emb->weight);
  CHECK(e.mean == doctest::Approx(0).epsilon(0.01));
  CHECK(e.std == doctest::Approx(1).epsilon(0.02));
  nn::BatchNorm2d bn(4);
  CHECK(bn->weight.to_vector<float>() == std::vector<float>(4, 1.0f));
  CHECK(bn->bias.to_vector<float>() == std::vector<float>(4, 0.0f));
  CHECK(bn->running_var.to_vector<float>() == std::vector<float>(4, 1.0f));
  nn::LayerNorm ln({3});
  CHECK(ln->weight.to_vector<float>() == std::vector<float>(3, 1.0f));
}
