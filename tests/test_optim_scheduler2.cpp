// CyclicLR, CosineAnnealingWarmRestarts and PolynomialLR against closed forms written here
// independently (Smith's triangular wave, SGDR's restart periods walked one by one, the
// polynomial decay), including the momentum CyclicLR cycles and fractional epochs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using namespace xgrad::optim;

namespace {

const double pi = std::numbers::pi;

Tensor param() { return tensor(std::vector<double>{1.0}).requires_grad_(); }

double lr_of(const Optimizer& opt, std::size_t group = 0) { return opt.param_groups()[group].options().get_lr(); }

// The triangular wave of a cycle of up + down iterations: 0 at the start, 1 after `up`.
double wave(int t, int up, int down) {
  const int pos = t % (up + down);
  return pos <= up ? static_cast<double>(pos) / up : static_cast<double>(up + down - pos) / down;
}

// SGDR's period containing `epoch` (a real number): returns {T_cur, T_i}.
std::pair<double, double> sgdr(double epoch, int t0, int mult) {
  double start = 0, ti = t0;
  while (epoch >= start + ti) {
    start += ti;
    ti *= mult;
  }
  return {epoch - start, ti};
}

double cosine(double base, double eta_min, double t_cur, double t_i) {
  return eta_min + (base - eta_min) * (1 + std::cos(pi * t_cur / t_i)) / 2;
}

}  // namespace

TEST_CASE("CyclicLR triangular: a symmetric wave between base_lr and max_lr, momentum inverse") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.5).momentum(0.5));
  CyclicLR s(opt, 0.01, 0.1, CyclicLROptions().step_size_up(4));
  for (int t = 0; t < 30; ++t) {
    CAPTURE(t);
    // Smith's form: x = |t / s - 2 cycle + 1|, lr = base + (max - base) max(0, 1 - x).
    const double cycle = std::floor(1 + t / 8.0);
    const double x = std::abs(t / 4.0 - 2 * cycle + 1);
    CHECK(lr_of(opt) == doctest::Approx(0.01 + 0.09 * std::max(0.0, 1 - x)).epsilon(1e-12));
    CHECK(opt.param_groups()[0].options().get("momentum") == doctest::Approx(0.9 - 0.1 * wave(t, 4, 4)));
    CHECK(s.last_epoch() == t);
    s.step();
  }
}

TEST_CASE("CyclicLR triangular2 halves the amplitude each cycle; asymmetric up and down") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.5));
  CyclicLR s(opt, 0.1, 1.1, CyclicLROptions().step_size_up(2).step_size_down(5).mode("triangular2"));
  for (int t = 0; t < 40; ++t) {
    CAPTURE(t);
    const int cycle = 1 + t / 7;
    CHECK(lr_of(opt) == doctest::Approx(0.1 + 1.0 * wave(t, 2, 5) / std::pow(2, cycle - 1)).epsilon(1e-12));
    s.step();
  }
  // SGD built without momentum gets max_momentum, then cycles it (as PyTorch).
  CHECK(opt.param_groups()[0].options().get("momentum") > 0);
}

TEST_CASE("CyclicLR exp_range scales by gamma^iteration; Adam's beta1 cycles, beta2 stays") {
  Tensor w = param();
  Adam opt({w}, AdamOptions(0.5).betas({0.5, 0.99}));
  CyclicLR s(opt, 0.001, 0.01,
             CyclicLROptions().step_size_up(3).mode("exp_range").gamma(0.9).base_momentum(0.85).max_momentum(0.95));
  for (int t = 0; t < 25; ++t) {
    CAPTURE(t);
    const double f = std::pow(0.9, t);
    CHECK(lr_of(opt) == doctest::Approx(0.001 + 0.009 * wave(t, 3, 3) * f).epsilon(1e-12));
    CHECK(opt.param_groups()[0].options().get("betas.0") == doctest::Approx(0.95 - 0.1 * wave(t, 3, 3) * f));
    CHECK(opt.param_groups()[0].options().get("betas.1") == 0.99);
    s.step();
  }
}

TEST_CASE("CyclicLR: custom scale_fn by iteration, per-group lrs, no momentum cycling") {
  Tensor a = param(), b = param();
  Adagrad opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}), OptimizerParamGroup({b})});
  auto fn = [](double x) { return 1 / (1 + 0.1 * x); };
  CyclicLR s(opt, {0.1, 0.2}, {1.0, 2.0},
             CyclicLROptions().step_size_up(2).scale_fn(fn).scale_mode("iterations").cycle_momentum(false));
  for (int t = 0; t < 10; ++t) {
    CHECK(lr_of(opt, 0) == doctest::Approx(0.1 + 0.9 * wave(t, 2, 2) * fn(t)).epsilon(1e-12));
    CHECK(lr_of(opt, 1) == doctest::Approx(0.2 + 1.8 * wave(t, 2, 2) * fn(t)).epsilon(1e-12));
    s.step();
  }
}

TEST_CASE("CyclicLR rejects what PyTorch rejects") {
  Tensor w = param();
  Adagrad opt({w});
  CHECK_THROWS_WITH_AS(CyclicLR(opt, 0.1, 1.0), doctest::Contains("must support momentum or beta1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(CyclicLR(opt, 0.1, 1.0, CyclicLROptions().mode("sawtooth").cycle_momentum(false)),
                       doctest::Contains("mode 'sawtooth' is invalid"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(CyclicLR(opt, {0.1, 0.2}, {1.0}, CyclicLROptions().cycle_momentum(false)),
                       doctest::Contains("expected 1 values for base_lr, got 2"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(CyclicLR(opt, 0.1, 1.0, CyclicLROptions().step_size_up(0).cycle_momentum(false)),
                       doctest::Contains("step_size_up"), std::invalid_argument);
}

TEST_CASE("CosineAnnealingWarmRestarts restarts after T_0, T_0 T_mult, ... epochs") {
  for (int mult : {1, 2, 3}) {
    CAPTURE(mult);
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.1));
    CosineAnnealingWarmRestarts s(opt, 3, mult, 0.001);
    for (int e = 0; e < 50; ++e) {
      CAPTURE(e);
      const auto [t_cur, t_i] = sgdr(e, 3, mult);
      CHECK(s.T_cur() == doctest::Approx(t_cur));
      CHECK(s.T_i() == static_cast<std::int64_t>(t_i));
      CHECK(lr_of(opt) == doctest::Approx(cosine(0.1, 0.001, t_cur, t_i)).epsilon(1e-12));
      CHECK(s.last_epoch() == e);
      s.step();
    }
  }
}

TEST_CASE("CosineAnnealingWarmRestarts step(epoch) takes fractional epochs (stepping per batch)") {
  for (int mult : {1, 2}) {
    CAPTURE(mult);
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.1));
    CosineAnnealingWarmRestarts s(opt, 2, mult);
    const int batches = 4;
    for (int epoch = 0; epoch < 12; ++epoch) {
      for (int i = 0; i < batches; ++i) {
        const double at = epoch + static_cast<double>(i) / batches;
        CAPTURE(at);
        s.step(at);
        const double t_cur = sgdr(at, 2, mult).first, t_i = sgdr(at, 2, mult).second;
        CHECK(lr_of(opt) == doctest::Approx(cosine(0.1, 0, t_cur, t_i)).epsilon(1e-10));
        CHECK(s.last_epoch() == epoch);
      }
    }
    // Jumping back restarts from the first period; step() then continues from there.
    s.step(0.5);
    s.step();
    CHECK(s.T_cur() == doctest::Approx(1.5));
    CHECK(s.last_epoch() == 1);
    CHECK_THROWS_WITH_AS(s.step(-1.0), doctest::Contains("epoch"), std::invalid_argument);
  }
}

TEST_CASE("CosineAnnealingWarmRestarts: state_dict resumes T_cur and T_i; bad T_0 / T_mult") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  CosineAnnealingWarmRestarts a(opt, 2, 2);
  for (int i = 0; i < 5; ++i) a.step();
  a.step(4.25);
  auto sd = a.state_dict();
  Tensor v = param();
  SGD opt2({v}, SGDOptions(0.1));
  CosineAnnealingWarmRestarts b(opt2, 2, 2);
  b.load_state_dict(sd);
  for (int i = 0; i < 7; ++i) {
    a.step();
    b.step();
    CHECK(lr_of(opt2) == lr_of(opt));
    CHECK(b.T_cur() == a.T_cur());
  }
  sd.erase("T_cur");
  CHECK_THROWS_WITH_AS(b.load_state_dict(sd), doctest::Contains("missing key 'T_cur'"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(CosineAnnealingWarmRestarts(opt, 0), doctest::Contains("T_0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(CosineAnnealingWarmRestarts(opt, 2, 0), doctest::Contains("T_mult"), std::invalid_argument);
}

TEST_CASE("CosineAnnealingWarmRestarts restarts from epoch 0 inside SequentialLR") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  auto warm = std::make_shared<ConstantLR>(opt, 0.5, 2);
  auto sgdr_s = std::make_shared<CosineAnnealingWarmRestarts>(opt, 3, 2);
  SequentialLR s(opt, {warm, sgdr_s}, {2});
  for (int e = 0; e < 20; ++e) {
    CAPTURE(e);
    if (e >= 2) {
      const auto [t_cur, t_i] = sgdr(e - 2, 3, 2);
      CHECK(lr_of(opt) == doctest::Approx(cosine(0.1, 0, t_cur, t_i)).epsilon(1e-12));
    }
    s.step();
  }
}

TEST_CASE("PolynomialLR decays to 0 at total_iters: chainable form = closed form") {
  for (double power : {1.0, 2.0, 0.5}) {
    CAPTURE(power);
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.2));
    PolynomialLR s(opt, 6, power);
    for (int e = 0; e < 12; ++e) {
      CAPTURE(e);
      CHECK(lr_of(opt) == doctest::Approx(0.2 * std::pow(1 - std::min(e, 6) / 6.0, power)).epsilon(1e-12));
      s.step();
    }
  }
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.2));
  CHECK_THROWS_WITH_AS(PolynomialLR(opt, 0), doctest::Contains("total_iters"), std::invalid_argument);
}

TEST_CASE("PolynomialLR chains with ExponentialLR multiplicatively, and restarts in SequentialLR") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.2));
  auto poly = std::make_shared<PolynomialLR>(opt, 8, 2.0);
  auto expo = std::make_shared<ExponentialLR>(opt, 0.9);
  ChainedScheduler chained({poly, expo});
  for (int e = 0; e < 12; ++e) {
    CAPTURE(e);
    CHECK(lr_of(opt) == doctest::Approx(0.2 * std::pow(0.9, e) * std::pow(1 - std::min(e, 8) / 8.0, 2)).epsilon(1e-12));
    chained.step();
  }
  Tensor v = param();
  SGD opt2({v}, SGDOptions(0.2));
  auto warm = std::make_shared<ConstantLR>(opt2, 0.1, 3);
  auto poly2 = std::make_shared<PolynomialLR>(opt2, 4, 1.0);
  SequentialLR seq(opt2, {warm, poly2}, {3});
  for (int e = 0; e < 10; ++e) {
    CAPTURE(e);
    if (e >= 3) CHECK(lr_of(opt2) == doctest::Approx(0.2 * (1 - std::min(e - 3, 4) / 4.0)).epsilon(1e-12));
    seq.step();
  }
}
