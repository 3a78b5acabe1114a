// The update rules of Adadelta, Adamax, NAdam, RAdam, ASGD and Rprop against reference
// implementations written here as plain double loops from PyTorch's documented algorithms
// (the algorithm boxes of torch.optim's docs), on the objective of test_optim_rules.cpp:
// L(w) = 0.5 sum a (w - c)^2 + s sum tanh(w). Also: state_dict round trips that continue
// bit-exactly (scalar state included) and the options' validation messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::optim;
using Vec = std::vector<double>;

namespace {

const Vec kStartW = {0.5, -1.0, 2.0, 0.1, -0.3, 1.5};
const Vec kStartB = {-2.0, 0.7, 0.0, 3.0};
const Vec kA = {1.0, 2.0, 0.5, 3.0, 1.5, 0.8, 2.5, 0.3, 1.2, 4.0};
const Vec kC = {1.0, -2.0, 0.5, 0.0, 1.0, -1.0, 0.3, 2.0, -0.5, 1.0};
constexpr double kS = 0.3;

Vec objective_grad(const Vec& w, double sign) {
  Vec g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double th = std::tanh(w[i]);
    g[i] = sign * (kA[i] * (w[i] - kC[i]) + kS * (1 - th * th));
  }
  return g;
}

using MakeOpt = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
using Rule = std::function<void(Vec&, Vec, int)>;

Tensor loss_of(const Tensor& w, const Tensor& b, double sign) {
  Tensor a = tensor(kA, {10}).to(w.dtype()), c = tensor(kC, {10}).to(w.dtype());
  Tensor x = cat({w.reshape({6}), b});
  Tensor d = x - c;
  return ((a * d * d).sum() * 0.5 + tanh(x).sum() * kS) * sign;
}

Vec flat(const Tensor& w, const Tensor& b) {
  Vec out = w.to_vector<double>();
  Vec bv = b.to_vector<double>();
  out.insert(out.end(), bv.begin(), bv.end());
  return out;
}

std::vector<Vec> run_xgrad(const MakeOpt& make, Dtype dtype, double sign, int steps) {
  Tensor w = tensor(kStartW, {2, 3}).to(dtype).requires_grad_();
  Tensor b = tensor(kStartB, {4}).to(dtype).requires_grad_();
  auto opt = make({w, b});
  std::vector<Vec> out;
  for (int t = 0; t < steps; ++t) {
    opt->zero_grad();
    loss_of(w, b, sign).backward();
    opt->step();
    out.push_back(flat(w, b));
  }
  return out;
}

std::vector<Vec> run_reference(const Rule& update, double sign, int steps) {
  Vec w = kStartW;
  w.insert(w.end(), kStartB.begin(), kStartB.end());
  std::vector<Vec> out;
  for (int t = 1; t <= steps; ++t) {
    update(w, objective_grad(w, sign), t);
    out.push_back(w);
  }
  return out;
}

void check_trajectories(const std::vector<Vec>& got, const std::vector<Vec>& want, double rtol, double atol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (std::size_t t = 0; t < got.size(); ++t) {
    for (std::size_t i = 0; i < got[t].size(); ++i) {
      worst = std::max(worst, std::abs(got[t][i] - want[t][i]) - rtol * std::abs(want[t][i]));
    }
  }
  CHECK(worst <= atol);
}

// Float64 agrees to rounding; Float32 to float rounding accumulated over the steps.
void check_both_dtypes(const MakeOpt& make, const Rule& ref, double sign = 1, int steps = 100) {
  auto want = run_reference(ref, sign, steps);
  SUBCASE("Float64") { check_trajectories(run_xgrad(make, kFloat64, sign, steps), want, 1e-10, 1e-12); }
  SUBCASE("Float32") { check_trajectories(run_xgrad(make, kFloat32, sign, steps), want, 1e-4, 2e-4); }
}

template <class O, class Opts>
MakeOpt maker(Opts options) {
  return [options](std::vector<Tensor> params) -> std::unique_ptr<Optimizer> {
    return std::make_unique<O>(std::move(params), options);
  };
}

// ---- reference rules, from the algorithm boxes ------------------------------------------------

struct AdadeltaRef {
  double lr, rho = 0.9, eps = 1e-6, wd = 0;
  bool maximize = false;
  Vec v = {}, u = {};
  void operator()(Vec& w, Vec g, int) {
    if (v.empty()) v = u = Vec(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      v[i] = v[i] * rho + gi * gi * (1 - rho);
      const double dx = std::sqrt(u[i] + eps) / std::sqrt(v[i] + eps) * gi;
      u[i] = u[i] * rho + dx * dx * (1 - rho);
      w[i] -= lr * dx;
    }
  }
};

struct AdamaxRef {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0;
  bool maximize = false;
  Vec m = {}, u = {};
  void operator()(Vec& w, Vec g, int t) {
    if (m.empty()) m = u = Vec(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      u[i] = std::max(b2 * u[i], std::abs(gi) + eps);
      w[i] -= lr * m[i] / ((1 - std::pow(b1, t)) * u[i]);
    }
  }
};

// mu_t = beta1 (1 - 0.5 * 0.96^(t psi)); the products of mu_1 .. mu_t recomputed each step.
struct NAdamRef {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, psi = 4e-3;
  bool decoupled = false, maximize = false;
  Vec m = {}, v = {};
  double mu_at(int t) const { return b1 * (1 - 0.5 * std::pow(0.96, t * psi)); }
  double product(int t) const {
    double p = 1;
    for (int i = 1; i <= t; ++i) p *= mu_at(i);
    return p;
  }
  void operator()(Vec& w, Vec g, int t) {
    if (m.empty()) m = v = Vec(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      if (decoupled) w[i] *= 1 - lr * wd;
      else gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const double m_hat = mu_at(t + 1) * m[i] / (1 - product(t + 1)) + (1 - mu_at(t)) * gi / (1 - product(t));
      const double v_hat = v[i] / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

struct RAdamRef {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0;
  bool decoupled = false, maximize = false;
  Vec m = {}, v = {};
  void operator()(Vec& w, Vec g, int t) {
    if (m.empty()) m = v = Vec(w.size(), 0.0);
    const double rho_inf = 2 / (1 - b2) - 1;
    const double rho_t = rho_inf - 2 * t * std::pow(b2, t) / (1 - std::pow(b2, t));
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      if (decoupled) w[i] *= 1 - lr * wd;
      else gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      if (rho_t > 5) {
        const double l = std::sqrt(1 - std::pow(b2, t)) / (std::sqrt(v[i]) + eps);
        const double r = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t));
        w[i] -= lr * m_hat * l * r;
      } else {
        w[i] -= lr * m_hat;
      }
    }
  }
};

// eta_t and mu_t from their closed forms at t - 1 (eta_0 = lr, mu_0 = 1).
struct ASGDRef {
  double lr, lambd = 1e-4, alpha = 0.75, t0 = 1e6, wd = 0;
  bool maximize = false;
  Vec ax = {};
  void operator()(Vec& w, Vec g, int t) {
    if (ax.empty()) ax.assign(w.size(), 0.0);
    const double eta = lr / std::pow(1 + lambd * lr * (t - 1), alpha);
    const double mu = 1 / std::max(1.0, (t - 1) - t0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      w[i] = w[i] * (1 - lambd * eta) - eta * gi;
      ax[i] = mu == 1 ? w[i] : ax[i] + mu * (w[i] - ax[i]);
    }
  }
};

struct RpropRef {
  double lr, minus = 0.5, plus = 1.2, lo = 1e-6, hi = 50;
  bool maximize = false;
  Vec prev = {}, eta = {};
  void operator()(Vec& w, Vec g, int) {
    if (eta.empty()) {
      prev.assign(w.size(), 0.0);
      eta.assign(w.size(), lr);
    }
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      if (gi * prev[i] > 0) {
        eta[i] = std::min(eta[i] * plus, hi);
      } else if (gi * prev[i] < 0) {
        eta[i] = std::max(eta[i] * minus, lo);
        gi = 0;
      }
      w[i] -= (gi > 0 ? 1 : gi < 0 ? -1 : 0) * eta[i];
      prev[i] = gi;
    }
  }
};

}  // namespace

TEST_CASE("Adadelta follows PyTorch's update rule") {
  SUBCASE("defaults, lr 1") { check_both_dtypes(maker<Adadelta>(AdadeltaOptions()), AdadeltaRef{1.0}); }
  SUBCASE("rho, eps and weight decay") {
    AdadeltaRef ref{0.5, 0.7, 1e-3, 0.1};
    check_both_dtypes(maker<Adadelta>(AdadeltaOptions(0.5).rho(0.7).eps(1e-3).weight_decay(0.1)), ref);
  }
  SUBCASE("maximize") {
    AdadeltaRef ref{1.0, 0.9, 1e-6, 0.05, true};
    check_both_dtypes(maker<Adadelta>(AdadeltaOptions().weight_decay(0.05).maximize(true)), ref, -1);
  }
}

TEST_CASE("Adamax follows PyTorch's update rule") {
  SUBCASE("defaults, lr 0.05") { check_both_dtypes(maker<Adamax>(AdamaxOptions(0.05)), AdamaxRef{0.05}); }
  SUBCASE("small betas (the other branch of the lerp), large eps, weight decay") {
    AdamaxRef ref{0.02, 0.3, 0.6, 1e-2, 0.1};
    check_both_dtypes(maker<Adamax>(AdamaxOptions(0.02).betas({0.3, 0.6}).eps(1e-2).weight_decay(0.1)), ref);
  }
  SUBCASE("maximize") {
    AdamaxRef ref{0.05};
    ref.maximize = true;
    check_both_dtypes(maker<Adamax>(AdamaxOptions(0.05).maximize(true)), ref, -1);
  }
}

TEST_CASE("NAdam follows PyTorch's update rule") {
  SUBCASE("defaults, lr 0.05") { check_both_dtypes(maker<NAdam>(NAdamOptions(0.05)), NAdamRef{0.05}); }
  SUBCASE("fast momentum decay and L2 weight decay") {
    NAdamRef ref{0.05, 0.9, 0.999, 1e-8, 0.1, 0.5};
    check_both_dtypes(maker<NAdam>(NAdamOptions(0.05).weight_decay(0.1).momentum_decay(0.5)), ref);
  }
  SUBCASE("decoupled weight decay (NAdamW)") {
    NAdamRef ref{0.05, 0.9, 0.999, 1e-8, 0.3};
    ref.decoupled = true;
    check_both_dtypes(maker<NAdam>(NAdamOptions(0.05).weight_decay(0.3).decoupled_weight_decay(true)), ref);
  }
  SUBCASE("small betas and maximize") {
    NAdamRef ref{0.01, 0.3, 0.6, 1e-3};
    ref.maximize = true;
    check_both_dtypes(maker<NAdam>(NAdamOptions(0.01).betas({0.3, 0.6}).eps(1e-3).maximize(true)), ref, -1);
  }
}

TEST_CASE("RAdam follows PyTorch's update rule, with and without rectification") {
  // With beta2 = 0.999, rho_t first exceeds 5 at step 6: the run covers both branches.
  SUBCASE("defaults, lr 0.05") { check_both_dtypes(maker<RAdam>(RAdamOptions(0.05)), RAdamRef{0.05}); }
  SUBCASE("L2 weight decay, beta2 0.9") {
    RAdamRef ref{0.05, 0.9, 0.9, 1e-8, 0.1};
    check_both_dtypes(maker<RAdam>(RAdamOptions(0.05).betas({0.9, 0.9}).weight_decay(0.1)), ref);
  }
  SUBCASE("decoupled weight decay") {
    RAdamRef ref{0.05, 0.9, 0.999, 1e-8, 0.3};
    ref.decoupled = true;
    check_both_dtypes(maker<RAdam>(RAdamOptions(0.05).weight_decay(0.3).decoupled_weight_decay(true)), ref);
  }
  SUBCASE("beta2 0.6 never rectifies (rho_inf = 4), maximize") {
    RAdamRef ref{0.01, 0.3, 0.6};
    ref.maximize = true;
    check_both_dtypes(maker<RAdam>(RAdamOptions(0.01).betas({0.3, 0.6}).maximize(true)), ref, -1);
  }
}

TEST_CASE("ASGD follows PyTorch's update rule, averaging from t0 on") {
  SUBCASE("defaults, lr 0.1") { check_both_dtypes(maker<ASGD>(ASGDOptions(0.1)), ASGDRef{0.1}); }
  SUBCASE("strong decay of eta, weight decay") {
    ASGDRef ref{0.1, 0.5, 0.9, 1e6, 0.1};
    check_both_dtypes(maker<ASGD>(ASGDOptions(0.1).lambd(0.5).alpha(0.9).weight_decay(0.1)), ref);
  }
  SUBCASE("maximize") {
    ASGDRef ref{0.1};
    ref.maximize = true;
    check_both_dtypes(maker<ASGD>(ASGDOptions(0.1).maximize(true)), ref, -1);
  }
  SUBCASE("the average ax after t0 = 10 is the running mean of the later iterates") {
    Tensor w = tensor(kStartW, {2, 3}).requires_grad_();
    Tensor b = tensor(kStartB, {4}).requires_grad_();
    ASGD opt({w, b}, ASGDOptions(0.1).t0(10));
    ASGDRef ref{0.1, 1e-4, 0.75, 10};
    Vec x = kStartW;
    x.insert(x.end(), kStartB.begin(), kStartB.end());
    for (int t = 1; t <= 40; ++t) {
      opt.zero_grad();
      loss_of(w, b, 1).backward();
      opt.step();
      ref(x, objective_grad(x, 1), t);
    }
    Vec ax = opt.state(w)->buffers.at("ax").to_vector<double>();
    Vec bx = opt.state(b)->buffers.at("ax").to_vector<double>();
    ax.insert(ax.end(), bx.begin(), bx.end());
    check_trajectories({ax}, {ref.ax}, 1e-10, 1e-12);
    CHECK(opt.state(w)->buffers.at("mu").item<double>() == doctest::Approx(1.0 / 30));
    CHECK(opt.state(w)->buffers.at("eta").item<double>() == doctest::Approx(0.1 / std::pow(1 + 1e-5 * 40, 0.75)));
  }
}

TEST_CASE("Rprop follows PyTorch's update rule") {
  // 40 steps: later, near the minimum, the sign flips of float32 and double runs may part.
  SUBCASE("defaults, lr 0.01") { check_both_dtypes(maker<Rprop>(RpropOptions(0.01)), RpropRef{0.01}, 1, 40); }
  SUBCASE("etas and step size bounds that bind") {
    RpropRef ref{0.1, 0.3, 1.5, 0.01, 0.2};
    check_both_dtypes(maker<Rprop>(RpropOptions(0.1).etas({0.3, 1.5}).step_sizes({0.01, 0.2})), ref, 1, 40);
  }
  SUBCASE("maximize") {
    RpropRef ref{0.01};
    ref.maximize = true;
    check_both_dtypes(maker<Rprop>(RpropOptions(0.01).maximize(true)), ref, -1, 40);
  }
}

namespace {

// 30 straight steps vs 12 steps, state_dict through a safetensors file into a fresh optimizer
// over copies of the parameters, 18 more: identical to the last bit.
void check_resume(const MakeOpt& make, Dtype dtype) {
  auto params = [dtype] {
    return std::vector<Tensor>{tensor(kStartW, {2, 3}).to(dtype).requires_grad_(),
                               tensor(kStartB, {4}).to(dtype).requires_grad_()};
  };
  auto train = [](Optimizer& opt, const std::vector<Tensor>& p, int steps) {
    for (int t = 0; t < steps; ++t) {
      opt.zero_grad();
      loss_of(p[0], p[1], 1).backward();
      opt.step();
    }
  };
  std::vector<Tensor> straight = params(), resumed = params();
  auto opt = make(straight);
  train(*opt, straight, 30);
  auto first = make(resumed);
  train(*first, resumed, 12);
  std::map<std::string, Tensor> state = first->state_dict();
  const std::string path = (std::filesystem::temp_directory_path() / "xgrad_test_optim_rules2.safetensors").string();
  nn::save(state, path);
  state.clear();
  nn::load(state, path);
  std::remove(path.c_str());
  std::vector<Tensor> copy = {resumed[0].detach().clone().requires_grad_(),
                              resumed[1].detach().clone().requires_grad_()};
  auto second = make(copy);
  second->load_state_dict(state);
  train(*second, copy, 18);
  CHECK(copy[0].to_vector<double>() == straight[0].to_vector<double>());
  CHECK(copy[1].to_vector<double>() == straight[1].to_vector<double>());
}

void check_resume_both(const MakeOpt& make) {
  SUBCASE("Float64") { check_resume(make, kFloat64); }
  SUBCASE("Float32") { check_resume(make, kFloat32); }
}

}  // namespace

TEST_CASE("state_dict round trips continue bit-exactly, scalar state included") {
  SUBCASE("Adadelta") { check_resume_both(maker<Adadelta>(AdadeltaOptions().weight_decay(0.1))); }
  SUBCASE("Adamax") { check_resume_both(maker<Adamax>(AdamaxOptions(0.05))); }
  SUBCASE("NAdam") { check_resume_both(maker<NAdam>(NAdamOptions(0.05).momentum_decay(0.1))); }
  SUBCASE("RAdam") { check_resume_both(maker<RAdam>(RAdamOptions(0.05).weight_decay(0.1))); }
  SUBCASE("ASGD averaging") { check_resume_both(maker<ASGD>(ASGDOptions(0.1).t0(5).lambd(0.01))); }
  SUBCASE("Rprop") { check_resume_both(maker<Rprop>(RpropOptions(0.05))); }
}

TEST_CASE("the state has PyTorch's names; scalar state is a Float64 scalar whatever the dtype") {
  Tensor w = tensor(std::vector<float>{1, 2}).requires_grad_();
  auto names = [](const Optimizer& opt, const Tensor& p) {
    std::vector<std::string> out;
    for (const auto& kv : opt.state(p)->buffers) out.push_back(kv.first);
    return out;
  };
  auto one_step = [&w](Optimizer& opt) {
    opt.zero_grad();
    (w * w).sum().backward();
    opt.step();
  };
  Adadelta a({w});
  one_step(a);
  CHECK(names(a, w) == std::vector<std::string>{"acc_delta", "square_avg"});
  Adamax b({w});
  one_step(b);
  CHECK(names(b, w) == std::vector<std::string>{"exp_avg", "exp_inf"});
  NAdam c({w});
  one_step(c);
  CHECK(names(c, w) == std::vector<std::string>{"exp_avg", "exp_avg_sq", "mu_product"});
  CHECK(c.state(w)->buffers.at("mu_product").dtype() == kFloat64);
  CHECK(c.state(w)->buffers.at("mu_product").dim() == 0);
  ASGD d({w});
  one_step(d);
  CHECK(names(d, w) == std::vector<std::string>{"ax", "eta", "mu"});
  Rprop e({w});
  one_step(e);
  CHECK(names(e, w) == std::vector<std::string>{"prev", "step_size"});
  CHECK(e.state_dict().count("state.0.step_size") == 1);
}

TEST_CASE("bad options and state are rejected with messages naming the optimizer") {
  Tensor w = tensor(std::vector<double>{1, 2}).requires_grad_();
  CHECK_THROWS_WITH_AS(Adadelta({w}, AdadeltaOptions().rho(1.5)), doctest::Contains("Adadelta: invalid rho value: 1.5"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Adamax({w}, AdamaxOptions().betas({0.9, 1.0})),
                       doctest::Contains("Adamax: invalid beta parameter"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(NAdam({w}, NAdamOptions().momentum_decay(-1)),
                       doctest::Contains("NAdam: invalid momentum_decay"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(RAdam({w}, RAdamOptions(-0.1)), doctest::Contains("RAdam: invalid learning rate: -0.1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ASGD({w}, ASGDOptions().weight_decay(-1)), doctest::Contains("ASGD: invalid weight_decay"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Rprop({w}, RpropOptions().etas({1.5, 1.2})), doctest::Contains("Rprop: invalid etaminus"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Rprop({w}, RpropOptions().step_sizes({1, 0.5})),
                       doctest::Contains("Rprop: invalid maximal step size"), std::invalid_argument);
  NAdam opt({w});
  CHECK_THROWS_WITH_AS(opt.defaults().set("momentum_decay2", 1),
                       doctest::Contains("NAdam: unknown option 'momentum_decay2'"), std::invalid_argument);
  std::map<std::string, Tensor> sd = {{"param_groups.0.params", tensor(std::vector<std::int64_t>{0}, {1})},
                                      {"state.0.step", scalar_tensor(1, kInt64)},
                                      {"state.0.mu_product", zeros({2}, kFloat64)}};
  CHECK_THROWS_WITH_AS(opt.load_state_dict(sd), doctest::Contains("keeps 'mu_product' as a scalar"),
                       std::invalid_argument);
  w.mutable_grad() = zeros({3}, kFloat64);  // set_grad would refuse it; a hook could do this
  CHECK_THROWS_WITH_AS(Rprop({w}).step(), doctest::Contains("Rprop: parameter 0"), std::invalid_argument);
}

TEST_CASE("schedulers change the lr the new optimizers use") {
  Tensor w = tensor(std::vector<double>{1.0}).requires_grad_();
  NAdam opt({w}, NAdamOptions(0.1));
  StepLR sched(opt, 1, 0.5);
  sched.step();
  CHECK(opt.param_groups()[0].options().get_lr() == doctest::Approx(0.05));
}
