// Learning-rate schedulers: the lr sequences PyTorch's recursive forms produce, checked against
// their closed forms, over several epochs past every milestone and restart.
#include <doctest/doctest.h>

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

// Checks lr at epochs 0..epochs-1 (epoch 0 right after construction) against `expected(e)`.
void check_sequence(Optimizer& opt, LRScheduler& s, int epochs, const std::function<double(int)>& expected) {
  for (int e = 0; e < epochs; ++e) {
    CAPTURE(e);
    CHECK(lr_of(opt) == doctest::Approx(expected(e)).epsilon(1e-12));
    CHECK(s.get_last_lr()[0] == lr_of(opt));
    CHECK(s.last_epoch() == e);
    opt.step();  // the usual order: optimizer step, then scheduler step
    s.step();
  }
}

}  // namespace

TEST_CASE("StepLR multiplies by gamma every step_size epochs") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.05));
  StepLR s(opt, 30, 0.1);
  // PyTorch's documented example: 0.05 for epochs < 30, 0.005 below 60, 0.0005 below 90.
  check_sequence(opt, s, 95, [](int e) { return 0.05 * std::pow(0.1, e / 30); });
}

TEST_CASE("StepLR applies to every group from its own base lr") {
  Tensor a = param(), b = param();
  SGD opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}), OptimizerParamGroup({b}, SGDOptions(1.0))},
          SGDOptions(0.1));
  StepLR s(opt, 2, 0.5);
  for (int e = 0; e < 7; ++e) {
    CHECK(lr_of(opt, 0) == doctest::Approx(0.1 * std::pow(0.5, e / 2)));
    CHECK(lr_of(opt, 1) == doctest::Approx(1.0 * std::pow(0.5, e / 2)));
    s.step();
  }
  CHECK(s.base_lrs() == std::vector<double>{0.1, 1.0});
}

TEST_CASE("MultiStepLR decays at each milestone, twice for a repeated one") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(1.0));
  MultiStepLR s(opt, {9, 2, 5, 5}, 0.1);
  check_sequence(opt, s, 12, [](int e) {
    int passed = (e >= 2) + 2 * (e >= 5) + (e >= 9);
    return std::pow(0.1, passed);
  });
}

TEST_CASE("ExponentialLR multiplies by gamma every epoch") {
  Tensor w = param();
  Adam opt({w}, AdamOptions(0.01));
  ExponentialLR s(opt, 0.9);
  check_sequence(opt, s, 40, [](int e) { return 0.01 * std::pow(0.9, e); });
}

TEST_CASE("CosineAnnealingLR follows the cosine, restarting periodically after T_max") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  CosineAnnealingLR s(opt, 10, 0.001);
  check_sequence(opt, s, 45, [](int e) { return 0.001 + (0.1 - 0.001) * (1 + std::cos(pi * e / 10)) / 2; });
}

TEST_CASE("LinearLR warms up linearly from start_factor to end_factor, then stays") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.2));
  LinearLR s(opt, 0.25, 1.0, 4);
  check_sequence(opt, s, 10, [](int e) { return 0.2 * (0.25 + 0.75 * std::min(e, 4) / 4.0); });
}

TEST_CASE("LinearLR can also decay (end_factor < start_factor)") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(1.0));
  LinearLR s(opt, 1.0, 0.1, 9);
  check_sequence(opt, s, 12, [](int e) { return 1.0 + (0.1 - 1.0) * std::min(e, 9) / 9.0; });
}

TEST_CASE("ConstantLR scales by factor until total_iters") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.3));
  ConstantLR s(opt, 0.5, 3);
  check_sequence(opt, s, 6, [](int e) { return e < 3 ? 0.15 : 0.3; });
}

TEST_CASE("LambdaLR multiplies the base lr by lambda(epoch)") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.5));
  LambdaLR s(opt, [](std::int64_t e) { return 1.0 / (1.0 + static_cast<double>(e)); });
  check_sequence(opt, s, 8, [](int e) { return 0.5 / (1 + e); });
}

TEST_CASE("ChainedScheduler combines warm-up and exponential decay multiplicatively") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  auto warm = std::make_shared<LinearLR>(opt, 0.5, 1.0, 4);
  auto decay = std::make_shared<ExponentialLR>(opt, 0.9);
  ChainedScheduler s({warm, decay});
  check_sequence(opt, s, 12, [](int e) { return 0.1 * (0.5 + 0.5 * std::min(e, 4) / 4.0) * std::pow(0.9, e); });
}

TEST_CASE("SequentialLR hands over from warm-up to cosine annealing at the milestone") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  auto warm = std::make_shared<LinearLR>(opt, 0.1, 1.0, 5);
  auto cosine = std::make_shared<CosineAnnealingLR>(opt, 10, 0.0);
  SequentialLR s(opt, {warm, cosine}, {5});
  check_sequence(opt, s, 16, [](int e) {
    if (e < 5) return 0.1 * (0.1 + 0.9 * e / 5.0);
    return 0.1 * (1 + std::cos(pi * (e - 5) / 10)) / 2;
  });
}

namespace {
// PyTorch's 1cycle formula written out: phases of (end_step, lr from, lr to, momentum from, to).
struct Expected1Cycle {
  double initial, max, min, base_m = 0.85, max_m = 0.95;
  std::vector<std::array<double, 5>> phases = {};
  static double cos_anneal(double a, double b, double pct) { return b + (a - b) / 2 * (std::cos(pi * pct) + 1); }
  std::pair<double, double> at(int step) const {
    double start = 0;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      const auto& p = phases[i];
      if (step <= p[0] || i + 1 == phases.size()) {
        const double pct = (step - start) / (p[0] - start);
        return {cos_anneal(p[1], p[2], pct), cos_anneal(p[3], p[4], pct)};
      }
      start = p[0];
    }
    return {0, 0};
  }
};
}  // namespace

TEST_CASE("OneCycleLR rises to max_lr and anneals to max_lr / div_factor / final_div_factor, cycling momentum") {
  const int total = 100;
  const double max_lr = 1.0, initial = max_lr / 25, min = initial / 1e4;
  SUBCASE("two phases, SGD momentum") {
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.1).momentum(0.9));
    OneCycleLR s(opt, max_lr, total);
    Expected1Cycle want{initial, max_lr, min};
    want.phases = {{0.3 * total - 1, initial, max_lr, 0.95, 0.85}, {total - 1.0, max_lr, min, 0.85, 0.95}};
    for (int e = 0; e < total; ++e) {
      CAPTURE(e);
      auto [lr, m] = want.at(e);
      CHECK(lr_of(opt) == doctest::Approx(lr).epsilon(1e-12));
      CHECK(opt.param_groups()[0].options().get("momentum") == doctest::Approx(m).epsilon(1e-12));
      s.step();
    }
    CHECK_THROWS_WITH_AS(s.step(), doctest::Contains("OneCycleLR: tried to step 101 times"), std::invalid_argument);
  }
  SUBCASE("three phases, Adam's beta1 cycles instead of momentum") {
    Tensor w = param();
    Adam opt({w}, AdamOptions(0.1));
    OneCycleLR s(opt, max_lr, total, OneCycleLROptions().three_phase(true));
    Expected1Cycle want{initial, max_lr, min};
    want.phases = {{0.3 * total - 1, initial, max_lr, 0.95, 0.85},
                   {0.6 * total - 2, max_lr, initial, 0.85, 0.95},
                   {total - 1.0, initial, min, 0.95, 0.95}};
    for (int e = 0; e < total; ++e) {
      CAPTURE(e);
      auto [lr, m] = want.at(e);
      CHECK(lr_of(opt) == doctest::Approx(lr).epsilon(1e-12));
      CHECK(opt.param_groups()[0].options().get("betas.0") == doctest::Approx(m).epsilon(1e-12));
      CHECK(opt.param_groups()[0].options().get("betas.1") == 0.999);
      s.step();
    }
  }
  SUBCASE("linear annealing") {
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.1));
    OneCycleLR s(opt, 0.5, 10, OneCycleLROptions().anneal_strategy("linear").cycle_momentum(false).pct_start(0.5));
    // Phase 1 ends at step 4: 0.02 -> 0.5 linearly; phase 2 to step 9: 0.5 -> 2e-6.
    for (int e = 0; e < 10; ++e) {
      const double want = e <= 4 ? 0.02 + (0.5 - 0.02) * e / 4.0 : 0.5 + (2e-6 - 0.5) * (e - 4) / 5.0;
      CHECK(lr_of(opt) == doctest::Approx(want).epsilon(1e-12));
      s.step();
    }
    CHECK(opt.param_groups()[0].options().get("momentum") == 0.0);  // untouched
  }
  SUBCASE("bad options") {
    Tensor w = param();
    SGD opt({w}, SGDOptions(0.1));
    CHECK_THROWS_WITH_AS(OneCycleLR(opt, 1.0, 0), doctest::Contains("OneCycleLR: invalid total_steps: 0"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(OneCycleLR(opt, 1.0, 10, OneCycleLROptions().anneal_strategy("exp")),
                         doctest::Contains("anneal_strategy"), std::invalid_argument);
    Adagrad ada({w});
    CHECK_THROWS_WITH_AS(OneCycleLR(ada, 1.0, 10), doctest::Contains("must support momentum or beta1"),
                         std::invalid_argument);
  }
}

TEST_CASE("ReduceLROnPlateau cuts the lr after `patience` epochs without improvement, then cools down") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(1.0));
  ReduceLROnPlateau s(opt, ReduceLROnPlateauOptions().patience(2).factor(0.5).cooldown(1).min_lr({0.2}));
  // Best is 9 from epoch 1; epochs 2-4 are bad, so the 3rd (> patience) cuts the lr. The next
  // epoch is cooldown (its badness does not count), then three more bad epochs cut again, and the
  // third cut stops at min_lr.
  const std::vector<double> metrics = {10, 9, 9.5, 9.2, 9.1, 9.3, 9.4, 9.4, 9.4, 9.4, 9.4, 9.4, 9.4, 9.4};
  const std::vector<double> lr_after = {1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2};
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    CAPTURE(e);
    s.step(metrics[e]);
    CHECK(lr_of(opt) == doctest::Approx(lr_after[e]));
  }
  CHECK(s.best() == 9.0);
}

TEST_CASE("ReduceLROnPlateau in max mode with an absolute threshold") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  ReduceLROnPlateau s(opt, ReduceLROnPlateauOptions().mode("max").threshold_mode("abs").threshold(0.1).patience(0));
  s.step(0.5);   // better than -inf
  s.step(0.55);  // not better by 0.1: cut
  CHECK(lr_of(opt) == doctest::Approx(0.01));
  s.step(0.7);  // better
  CHECK(lr_of(opt) == doctest::Approx(0.01));
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau(opt, ReduceLROnPlateauOptions().factor(1.0)),
                       doctest::Contains("ReduceLROnPlateau: invalid factor: 1"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(ReduceLROnPlateau(opt, ReduceLROnPlateauOptions().mode("up")), doctest::Contains("mode 'up'"),
                       std::invalid_argument);
}

TEST_CASE("a second scheduler starts from the initial lr the first one recorded") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  StepLR first(opt, 1, 0.5);
  first.step();
  ExponentialLR second(opt, 0.9);  // base lr is still 0.1, the current lr is 0.05
  CHECK(second.base_lrs()[0] == 0.1);
  CHECK(lr_of(opt) == doctest::Approx(0.05));
  CHECK(opt.state_dict().at("param_groups.0.initial_lr").item<double>() == 0.1);
}

TEST_CASE("scheduler state_dict resumes the same lr sequence") {
  auto make = [](Optimizer& opt) {
    auto warm = std::make_shared<LinearLR>(opt, 0.2, 1.0, 3);
    auto cosine = std::make_shared<CosineAnnealingLR>(opt, 8, 0.01);
    return std::make_unique<SequentialLR>(opt, std::vector<std::shared_ptr<LRScheduler>>{warm, cosine},
                                          std::vector<std::int64_t>{3});
  };
  Tensor a = param();
  SGD opt_a({a}, SGDOptions(0.5));
  auto sa = make(opt_a);
  std::vector<double> straight;
  for (int e = 0; e < 12; ++e) {
    straight.push_back(lr_of(opt_a));
    sa->step();
  }
  Tensor b = param();
  SGD opt_b({b}, SGDOptions(0.5));
  auto sb = make(opt_b);
  for (int e = 0; e < 5; ++e) sb->step();
  auto opt_state = opt_b.state_dict();
  auto sched_state = sb->state_dict();

  Tensor c = param();
  SGD opt_c({c}, SGDOptions(0.5));
  auto sc = make(opt_c);
  opt_c.load_state_dict(opt_state);
  sc->load_state_dict(sched_state);
  for (int e = 5; e < 12; ++e) {
    CHECK(lr_of(opt_c) == doctest::Approx(straight[static_cast<std::size_t>(e)]).epsilon(1e-14));
    sc->step();
  }
}

TEST_CASE("scheduler arguments are validated") {
  Tensor w = param();
  SGD opt({w}, SGDOptions(0.1));
  CHECK_THROWS_WITH_AS(StepLR(opt, 0), doctest::Contains("StepLR: invalid step_size: 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(LinearLR(opt, 0.0), doctest::Contains("LinearLR: invalid start_factor: 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(LinearLR(opt, 0.5, 1.5), doctest::Contains("LinearLR: invalid end_factor: 1.5"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(CosineAnnealingLR(opt, 0), doctest::Contains("CosineAnnealingLR: invalid T_max: 0"),
                       std::invalid_argument);
  auto s1 = std::make_shared<StepLR>(opt, 2);
  CHECK_THROWS_WITH_AS(SequentialLR(opt, {s1}, {3}), doctest::Contains("expects 0 milestones for 1 schedulers"),
                       std::invalid_argument);
  Tensor v = param();
  SGD other({v}, SGDOptions(0.1));
  auto s2 = std::make_shared<StepLR>(other, 2);
  CHECK_THROWS_WITH_AS(ChainedScheduler({s1, s2}), doctest::Contains("same optimizer"), std::invalid_argument);
}
