// The update rules of SGD, Adam, AdamW, RMSprop and Adagrad against reference implementations
// written here in plain double arithmetic from PyTorch's documented pseudo-code. The objective
// L(w) = 0.5 sum a (w - c)^2 + s sum tanh(w) over two parameter tensors is smooth but not
// quadratic; its gradient comes from xgrad's autograd, the reference's from the formula.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using namespace xgrad::optim;
using Vec = std::vector<double>;

namespace {

constexpr int kSteps = 100;

// w is [2, 3] and b is [4]: ten elements, flattened in that order by the reference.
const Vec kStartW = {0.5, -1.0, 2.0, 0.1, -0.3, 1.5};
const Vec kStartB = {-2.0, 0.7, 0.0, 3.0};
const Vec kA = {1.0, 2.0, 0.5, 3.0, 1.5, 0.8, 2.5, 0.3, 1.2, 4.0};
const Vec kC = {1.0, -2.0, 0.5, 0.0, 1.0, -1.0, 0.3, 2.0, -0.5, 1.0};
constexpr double kS = 0.3;

// dL/dw of the objective, times `sign` (-1 when the test ascends -L with maximize).
Vec objective_grad(const Vec& w, double sign) {
  Vec g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double th = std::tanh(w[i]);
    g[i] = sign * (kA[i] * (w[i] - kC[i]) + kS * (1 - th * th));
  }
  return g;
}

// Runs `steps` steps of an xgrad optimizer and returns the flattened parameters after each.
using MakeOpt = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
std::vector<Vec> run_xgrad(const MakeOpt& make, Dtype dtype, double sign) {
  Tensor w = tensor(kStartW, {2, 3}).to(dtype).requires_grad_();
  Tensor b = tensor(kStartB, {4}).to(dtype).requires_grad_();
  Tensor a = tensor(kA, {10}).to(dtype), c = tensor(kC, {10}).to(dtype);
  auto opt = make({w, b});
  std::vector<Vec> out;
  for (int t = 0; t < kSteps; ++t) {
    opt->zero_grad();
    Tensor x = cat({w.reshape({6}), b});
    Tensor d = x - c;
    Tensor loss = ((a * d * d).sum() * 0.5 + tanh(x).sum() * kS) * sign;
    loss.backward();
    opt->step();
    Vec flat = w.to_vector<double>();
    Vec bv = b.to_vector<double>();
    flat.insert(flat.end(), bv.begin(), bv.end());
    out.push_back(flat);
  }
  return out;
}

// Runs the reference rule; `update(w, g, t)` applies step t (from 1) in place.
std::vector<Vec> run_reference(const std::function<void(Vec&, Vec, int)>& update, double sign) {
  Vec w = kStartW;
  w.insert(w.end(), kStartB.begin(), kStartB.end());
  std::vector<Vec> out;
  for (int t = 1; t <= kSteps; ++t) {
    update(w, objective_grad(w, sign), t);
    out.push_back(w);
  }
  return out;
}

// Every step of both trajectories agrees to |x - y| <= atol + rtol |y|.
void check_trajectories(const std::vector<Vec>& got, const std::vector<Vec>& want, double rtol, double atol) {
  REQUIRE(got.size() == want.size());
  double worst = 0;
  for (std::size_t t = 0; t < got.size(); ++t) {
    for (std::size_t i = 0; i < got[t].size(); ++i) {
      const double err = std::abs(got[t][i] - want[t][i]) - rtol * std::abs(want[t][i]);
      worst = std::max(worst, err);
    }
  }
  CHECK(worst <= atol);
}

// Float64 must agree to rounding; Float32 to float rounding accumulated over 100 steps.
void check_both_dtypes(const MakeOpt& make, const std::function<void(Vec&, Vec, int)>& ref, double sign = 1) {
  auto want = run_reference(ref, sign);
  SUBCASE("Float64") { check_trajectories(run_xgrad(make, kFloat64, sign), want, 1e-10, 1e-12); }
  SUBCASE("Float32") { check_trajectories(run_xgrad(make, kFloat32, sign), want, 1e-4, 2e-4); }
}

// ---- reference rules, straight from the pseudo-code ----------------------------------------

struct SgdRef {
  double lr, momentum = 0, dampening = 0, wd = 0;
  bool nesterov = false, maximize = false;
  Vec buf = {};
  void operator()(Vec& w, Vec g, int t) {
    if (buf.empty()) buf.assign(w.size(), 0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      if (momentum != 0) {
        buf[i] = t == 1 ? gi : momentum * buf[i] + (1 - dampening) * gi;
        gi = nesterov ? gi + momentum * buf[i] : buf[i];
      }
      w[i] -= lr * gi;
    }
  }
};

struct AdamRef {
  double lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0;
  bool amsgrad = false, maximize = false, decoupled = false;
  Vec m = {}, v = {}, vmax = {};
  void operator()(Vec& w, Vec g, int t) {
    if (m.empty()) m = v = vmax = Vec(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      if (decoupled) w[i] *= 1 - lr * wd;
      else gi += wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      vmax[i] = std::max(vmax[i], v[i]);
      const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

struct RmspropRef {
  double lr, alpha = 0.99, eps = 1e-8, wd = 0, momentum = 0;
  bool centered = false, maximize = false;
  Vec sq = {}, gavg = {}, buf = {};
  void operator()(Vec& w, Vec g, int) {
    if (sq.empty()) sq = gavg = buf = Vec(w.size(), 0.0);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
      double denom = sq[i];
      if (centered) {
        gavg[i] = alpha * gavg[i] + (1 - alpha) * gi;
        denom -= gavg[i] * gavg[i];
      }
      denom = std::sqrt(denom) + eps;
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + gi / denom;
        w[i] -= lr * buf[i];
      } else {
        w[i] -= lr * gi / denom;
      }
    }
  }
};

struct AdagradRef {
  double lr, lr_decay = 0, wd = 0, init = 0, eps = 1e-10;
  bool maximize = false;
  Vec sum = {};
  void operator()(Vec& w, Vec g, int t) {
    if (sum.empty()) sum.assign(w.size(), init);
    const double clr = lr / (1 + (t - 1) * lr_decay);
    for (std::size_t i = 0; i < w.size(); ++i) {
      double gi = maximize ? -g[i] : g[i];
      gi += wd * w[i];
      sum[i] += gi * gi;
      w[i] -= clr * gi / (std::sqrt(sum[i]) + eps);
    }
  }
};

template <class O, class Opts>
MakeOpt maker(Opts options) {
  return [options](std::vector<Tensor> params) -> std::unique_ptr<Optimizer> {
    return std::make_unique<O>(std::move(params), options);
  };
}

}  // namespace

TEST_CASE("SGD follows PyTorch's update rule for every option combination") {
  SUBCASE("plain gradient descent") { check_both_dtypes(maker<SGD>(SGDOptions(0.1)), SgdRef{0.1}); }
  SUBCASE("momentum: the buffer starts as the first gradient") {
    check_both_dtypes(maker<SGD>(SGDOptions(0.05).momentum(0.9)), SgdRef{0.05, 0.9});
  }
  SUBCASE("momentum with dampening (not applied on the first step)") {
    check_both_dtypes(maker<SGD>(SGDOptions(0.05).momentum(0.9).dampening(0.3)), SgdRef{0.05, 0.9, 0.3});
  }
  SUBCASE("nesterov: g + momentum * buf") {
    SgdRef ref{0.05, 0.8};
    ref.nesterov = true;
    check_both_dtypes(maker<SGD>(SGDOptions(0.05).momentum(0.8).nesterov(true)), ref);
  }
  SUBCASE("weight decay is added to the gradient before momentum") {
    check_both_dtypes(maker<SGD>(SGDOptions(0.05).momentum(0.5).weight_decay(0.1)), SgdRef{0.05, 0.5, 0, 0.1});
  }
  SUBCASE("maximize ascends (here -L, so the run still converges)") {
    SgdRef ref{0.05, 0.9, 0, 0.01, true, true};
    check_both_dtypes(maker<SGD>(SGDOptions(0.05).momentum(0.9).weight_decay(0.01).nesterov(true).maximize(true)), ref,
                      -1);
  }
}

TEST_CASE("Adam follows PyTorch's update rule for every option combination") {
  SUBCASE("defaults, lr 0.05") { check_both_dtypes(maker<Adam>(AdamOptions(0.05)), AdamRef{0.05}); }
  SUBCASE("amsgrad keeps the maximum of v") {
    AdamRef ref{0.05};
    ref.amsgrad = true;
    check_both_dtypes(maker<Adam>(AdamOptions(0.05).amsgrad(true)), ref);
  }
  SUBCASE("L2 weight decay in the gradient") {
    AdamRef ref{0.05};
    ref.wd = 0.1;
    check_both_dtypes(maker<Adam>(AdamOptions(0.05).weight_decay(0.1)), ref);
  }
  SUBCASE("small betas (the other branch of PyTorch's lerp) and a large eps") {
    AdamRef ref{0.005, 0.3, 0.6, 1e-3};
    check_both_dtypes(maker<Adam>(AdamOptions(0.005).betas({0.3, 0.6}).eps(1e-3)), ref);
  }
  SUBCASE("maximize with amsgrad and weight decay") {
    AdamRef ref{0.05};
    ref.amsgrad = ref.maximize = true;
    ref.wd = 0.05;
    check_both_dtypes(maker<Adam>(AdamOptions(0.05).amsgrad(true).maximize(true).weight_decay(0.05)), ref, -1);
  }
}

TEST_CASE("AdamW decays the parameters by lr * weight_decay before the Adam step") {
  SUBCASE("default weight decay 1e-2") {
    AdamRef ref{0.05};
    ref.wd = 1e-2;
    ref.decoupled = true;
    check_both_dtypes(maker<AdamW>(AdamWOptions(0.05)), ref);
  }
  SUBCASE("strong decay with amsgrad") {
    AdamRef ref{0.05};
    ref.wd = 0.5;
    ref.decoupled = ref.amsgrad = true;
    check_both_dtypes(maker<AdamW>(AdamWOptions(0.05).weight_decay(0.5).amsgrad(true)), ref);
  }
  SUBCASE("maximize") {
    AdamRef ref{0.05};
    ref.wd = 0.1;
    ref.decoupled = ref.maximize = true;
    check_both_dtypes(maker<AdamW>(AdamWOptions(0.05).weight_decay(0.1).maximize(true)), ref, -1);
  }
}

TEST_CASE("RMSprop follows PyTorch's update rule for every option combination") {
  SUBCASE("defaults") { check_both_dtypes(maker<RMSprop>(RMSpropOptions(0.01)), RmspropRef{0.01}); }
  SUBCASE("centered subtracts the squared mean gradient") {
    RmspropRef ref{0.01};
    ref.centered = true;
    check_both_dtypes(maker<RMSprop>(RMSpropOptions(0.01).centered(true)), ref);
  }
  SUBCASE("momentum buffer") {
    RmspropRef ref{0.005};
    ref.momentum = 0.9;
    check_both_dtypes(maker<RMSprop>(RMSpropOptions(0.005).momentum(0.9)), ref);
  }
  SUBCASE("centered with momentum, weight decay and a small alpha") {
    // (A large eps: the centred variance of a steady gradient tends to 0, where sqrt(var) + eps
    // would amplify rounding differences without bound.)
    RmspropRef ref{0.005, 0.4, 0.1, 0.1, 0.5, true};
    check_both_dtypes(
        maker<RMSprop>(RMSpropOptions(0.005).alpha(0.4).eps(0.1).weight_decay(0.1).momentum(0.5).centered(true)), ref);
  }
  SUBCASE("maximize") {
    RmspropRef ref{0.01};
    ref.maximize = true;
    check_both_dtypes(maker<RMSprop>(RMSpropOptions(0.01).maximize(true)), ref, -1);
  }
}

TEST_CASE("Adagrad follows PyTorch's update rule for every option combination") {
  SUBCASE("defaults, lr 0.5") { check_both_dtypes(maker<Adagrad>(AdagradOptions(0.5)), AdagradRef{0.5}); }
  SUBCASE("lr decays as lr / (1 + (step - 1) lr_decay)") {
    check_both_dtypes(maker<Adagrad>(AdagradOptions(0.5).lr_decay(0.05)), AdagradRef{0.5, 0.05});
  }
  SUBCASE("initial accumulator value and weight decay") {
    check_both_dtypes(maker<Adagrad>(AdagradOptions(0.5).initial_accumulator_value(0.5).weight_decay(0.1)),
                      AdagradRef{0.5, 0, 0.1, 0.5});
  }
  SUBCASE("maximize") {
    AdagradRef ref{0.5};
    ref.maximize = true;
    check_both_dtypes(maker<Adagrad>(AdagradOptions(0.5).maximize(true)), ref, -1);
  }
}

TEST_CASE("one hand-computed SGD momentum step pins the arithmetic down") {
  // g = 2, then 4; lr 0.1, momentum 0.9: buf = 2 -> 0.9 * 2 + 4 = 5.8; w = 1 - 0.2 - 0.58.
  Tensor w = tensor(std::vector<double>{1.0}).requires_grad_();
  SGD opt({w}, SGDOptions(0.1).momentum(0.9));
  w.set_grad(tensor(std::vector<double>{2.0}));
  opt.step();
  CHECK(w.item<double>() == doctest::Approx(0.8).epsilon(1e-15));
  w.set_grad(tensor(std::vector<double>{4.0}));
  opt.step();
  CHECK(w.item<double>() == doctest::Approx(0.22).epsilon(1e-14));
  CHECK(opt.state(w)->buffers.at("momentum_buffer").item<double>() == doctest::Approx(5.8));
}

TEST_CASE("one hand-computed Adam step moves every coordinate by lr against its gradient sign") {
  // After one step m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps).
  Tensor w = tensor(std::vector<float>{1.0f, -2.0f, 3.0f}).requires_grad_();
  Adam opt({w}, AdamOptions(0.1));
  w.set_grad(tensor(std::vector<float>{0.5f, -3.0f, 1e-3f}));
  opt.step();
  auto v = w.to_vector<float>();
  CHECK(v[0] == doctest::Approx(0.9).epsilon(1e-6));
  CHECK(v[1] == doctest::Approx(-1.9).epsilon(1e-6));
  CHECK(v[2] == doctest::Approx(2.9).epsilon(1e-5));
  CHECK(opt.state(w)->step == 1);
}

TEST_CASE("weight decay in the optimizer equals an explicit L2 penalty 0.5 * lambda * sum(w * w) in the loss") {
  const double lambda = 0.3;
  Tensor x = tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor y = tensor(std::vector<double>{1, -1, 2});
  Tensor w1 = tensor(std::vector<double>{0.5, -0.5}).requires_grad_();
  Tensor w2 = w1.detach().clone().requires_grad_();
  SGD decayed({w1}, SGDOptions(0.01).weight_decay(lambda));
  SGD penalised({w2}, SGDOptions(0.01));
  for (int t = 0; t < 20; ++t) {
    decayed.zero_grad();
    Tensor r1 = matmul(x, w1) - y;
    (r1 * r1).mean().backward();
    decayed.step();
    penalised.zero_grad();
    Tensor r2 = matmul(x, w2) - y;
    ((r2 * r2).mean() + (w2 * w2).sum() * (0.5 * lambda)).backward();
    penalised.step();
    CHECK(allclose(w1, w2, 1e-12, 1e-14));
  }
}

TEST_CASE("parameters without a gradient are skipped and get no state") {
  Tensor used = tensor(std::vector<float>{1, 2}).requires_grad_();
  Tensor unused = tensor(std::vector<float>{3, 4}).requires_grad_();
  Adam opt({used, unused}, AdamOptions(0.1));
  (used * used).sum().backward();
  opt.step();
  CHECK(unused.to_vector<float>() == std::vector<float>{3, 4});
  CHECK(opt.state(unused) == nullptr);
  CHECK(opt.state(used) != nullptr);
  CHECK(used.to_vector<float>()[0] == doctest::Approx(0.9));
}

TEST_CASE("a non-contiguous parameter is updated exactly like its contiguous copy") {
  Tensor base = tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor strided = base.t().detach().requires_grad_();  // [3, 2], transposed strides
  Tensor plain = strided.detach().clone().requires_grad_();
  REQUIRE_FALSE(strided.is_contiguous());
  RMSprop a({strided}, RMSpropOptions(0.01).momentum(0.9).centered(true));
  RMSprop b({plain}, RMSpropOptions(0.01).momentum(0.9).centered(true));
  Tensor target = tensor(std::vector<double>{1, 0, -1, 2, 0.5, 3}, {3, 2});
  for (int t = 0; t < 10; ++t) {
    for (auto* pair : {&a, &b}) pair->zero_grad();
    ((strided - target) * (strided - target)).sum().backward();
    ((plain - target) * (plain - target)).sum().backward();
    a.step();
    b.step();
  }
  CHECK(strided.to_vector<double>() == plain.to_vector<double>());
  CHECK(base.to_vector<double>() == strided.t().to_vector<double>());  // written through the view
}

TEST_CASE("zero_grad sets gradients to none by default, or to zeros") {
  Tensor w = tensor(std::vector<float>{1, 2}).requires_grad_();
  SGD opt({w}, SGDOptions(0.1));
  (w * w).sum().backward();
  opt.zero_grad(/*set_to_none=*/false);
  REQUIRE(w.grad().defined());
  CHECK(w.grad().to_vector<float>() == std::vector<float>{0, 0});
  opt.zero_grad();
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("step(closure) evaluates the loss with grad mode on and returns it") {
  Tensor w = tensor(std::vector<double>{3.0}).requires_grad_();
  SGD opt({w}, SGDOptions(0.25));
  NoGradGuard outer;  // even inside no-grad code the closure records its graph
  Tensor loss = opt.step([&] {
    opt.zero_grad();
    Tensor l = w * w;
    l.backward();
    return l;
  });
  CHECK(loss.item<double>() == 9.0);
  CHECK(w.item<double>() == doctest::Approx(1.5));  // 3 - 0.25 * 6
}
