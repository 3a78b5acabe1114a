// The losses of issue 23 (kl_div, cosine_similarity / pairwise_distance, cosine_embedding,
// margin_ranking, hinge_embedding, soft_margin, multi_margin, poisson_nll, gaussian_nll,
// triplet_margin): values against reference formulas computed here element by element, every
// reduction, check_op (gradcheck + gradgradcheck in Float64, Float32 agreement) and bad shapes.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using Vec = std::vector<double>;
using xgrad_test::check_op;

namespace {

Tensor d64(const Vec& v, const Shape& s) { return tensor(v, s); }

void check_values(const Tensor& t, const Vec& expected, double eps = 1e-12) {
  Vec v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

double total(const Vec& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// A loss's three reductions against the per-element reference.
template <class Fn>
void check_reductions(Fn&& loss_with, const Vec& per_element) {
  check_values(loss_with(nn::kNone), per_element);
  check_values(loss_with(nn::kSum), {total(per_element)});
  check_values(loss_with(nn::kMean), {total(per_element) / static_cast<double>(per_element.size())});
}

// Fixed data: [3, 4] inputs away from every kink of the losses below.
const Vec kX = {0.3, -1.2, 0.8, 2.1, -0.4, 0.9, -1.7, 0.05, 1.3, -0.6, 0.45, -2.2};
const Vec kZ = {1.1, 0.2, -0.7, 0.6, -1.5, 0.35, 0.95, -0.25, 0.15, 1.8, -0.9, 0.5};
const Vec kSigns = {1, -1, 1, 1, -1, -1, 1, -1, 1, -1, -1, 1};

}  // namespace

TEST_CASE("kl_div: target (log target - input), 0 at target 0; batchmean; log_target") {
  const Vec x = {-1.2, -0.5, -2.0, -0.1, -3.0, -0.7};  // log-probabilities
  const Vec t = {0.2, 0.0, 0.5, 0.3, 0.25, 0.75};
  Vec ref(6), ref_log(6);
  for (std::size_t i = 0; i < 6; ++i) {
    ref[i] = t[i] == 0 ? 0 : t[i] * (std::log(t[i]) - x[i]);
    ref_log[i] = std::exp(t[i]) * (t[i] - x[i]);  // t read as a log-probability
  }
  Tensor in = d64(x, {2, 3}), tg = d64(t, {2, 3});
  check_reductions([&](nn::Reduction r) { return F::kl_div(in, tg, {r}); }, ref);
  check_values(F::kl_div(in, tg, {nn::kBatchMean}), {total(ref) / 2});
  check_values(F::kl_div(in, tg, {nn::kSum, true}), {total(ref_log)});
  check_values(xgrad::kl_div(in, tg, nn::kSum), {total(ref)});
  check_values(F::kl_div(d64({-1}, {1}).reshape({}), d64({0.5}, {1}).reshape({}), {nn::kBatchMean}),
               {0.5 * (std::log(0.5) + 1)});  // 0-dim: batchmean is the sum
  // The gradient at target 0 is finite (PyTorch's xlogy): d/dt = log t + 1 - x elsewhere.
  Tensor tg_grad = tg.detach().clone().requires_grad_();
  F::kl_div(in, tg_grad, {nn::kSum}).backward();
  Vec g = tg_grad.grad().to_vector<double>();
  CHECK(g[1] == doctest::Approx(0.5));  // -x[1]
  CHECK(g[0] == doctest::Approx(std::log(0.2) + 1 + 1.2));
  for (bool log_target : {false, true}) {
    for (nn::KLDivReduction r :
         {nn::KLDivReduction(nn::kNone), nn::KLDivReduction(nn::kMean), nn::KLDivReduction(nn::kBatchMean)}) {
      check_op("kl_div",
               [=](const tensor_list& v) {
                 return F::kl_div(v[0], v[1], {r, log_target});
               },
               {d64(x, {2, 3}), d64({0.2, 0.1, 0.5, 0.3, 0.25, 0.75}, {2, 3})});
    }
  }
}

TEST_CASE("cosine_similarity: each vector over its clamped norm; broadcasting; dim") {
  Tensor a = d64(kX, {3, 4}), b = d64(kZ, {3, 4});
  Vec ref(3);
  for (int n = 0; n < 3; ++n) {
    double ab = 0, aa = 0, bb = 0;
    for (int d = 0; d < 4; ++d) {
      ab += kX[n * 4 + d] * kZ[n * 4 + d];
      aa += kX[n * 4 + d] * kX[n * 4 + d];
      bb += kZ[n * 4 + d] * kZ[n * 4 + d];
    }
    ref[n] = ab / (std::sqrt(aa) * std::sqrt(bb));
  }
  check_values(F::cosine_similarity(a, b), ref);
  check_values(xgrad::cosine_similarity(a.t(), b.t(), 0), ref);  // dim 0, non-contiguous
  check_values(F::cosine_similarity(a, b, {-1, 1e-8}), ref);
  // [1, 4] against [3, 4]: the first row of a against every row of b.
  Tensor row = a.narrow(0, 0, 1);
  Tensor bc = F::cosine_similarity(row, b);
  CHECK(bc.shape() == Shape{3});
  check_values(bc.narrow(0, 0, 1), {ref[0]});
  check_op("cosine_similarity", [](const tensor_list& v) { return F::cosine_similarity(v[0], v[1]); },
           {d64(kX, {3, 4}), d64(kZ, {3, 4})});
  check_op("cosine_similarity broadcast dim 0",
           [](const tensor_list& v) { return xgrad::cosine_similarity(v[0], v[1], 0); },
           {d64({0.5, -1.0, 2.0}, {3, 1}), d64(kZ, {3, 4})});
}

TEST_CASE("cosine_similarity below eps: value divided by eps, gradient of x / ||x|| (PyTorch)") {
  const double eps = 1e-2;
  const Vec av = {3e-3, -4e-3};  // ||a|| = 5e-3 < eps
  const Vec bv = {1.0, 2.0};
  Tensor a = d64(av, {2}).requires_grad_(), b = d64(bv, {2});
  Tensor s = F::cosine_similarity(a, b, {0, eps});
  const double nb = std::sqrt(5.0), na = 5e-3, ab = av[0] * bv[0] + av[1] * bv[1];
  check_values(s, {ab / (eps * nb)});
  s.backward();
  Vec g = a.grad().to_vector<double>();
  for (int j = 0; j < 2; ++j) {
    // d/da_j of sum(a_i / n_a * b_i / n_b) with n_a = eps in value and d n_a / d a_j = a_j / ||a||.
    CHECK(g[j] == doctest::Approx(bv[j] / (eps * nb) - ab / (eps * eps * nb) * av[j] / na).epsilon(1e-12));
  }
  // A zero vector: similarity 0, finite gradient b / (eps ||b||).
  Tensor z = zeros({2}, kFloat64).requires_grad_();
  Tensor s0 = F::cosine_similarity(z, b, {0, eps});
  check_values(s0, {0});
  s0.backward();
  check_values(z.grad(), {1 / (eps * nb), 2 / (eps * nb)});
}

TEST_CASE("pairwise_distance: ||x1 - x2 + eps||_p over the last dimension") {
  for (double p : {1.0, 2.0, 3.0}) {
    Vec ref(3);
    for (int n = 0; n < 3; ++n) {
      double s = 0;
      for (int d = 0; d < 4; ++d) s += std::pow(std::abs(kX[n * 4 + d] - kZ[n * 4 + d] + 1e-6), p);
      ref[n] = std::pow(s, 1 / p);
    }
    check_values(F::pairwise_distance(d64(kX, {3, 4}), d64(kZ, {3, 4}), {p}), ref);
    check_values(xgrad::pairwise_distance(d64(kX, {3, 4}), d64(kZ, {3, 4}), p, 1e-6, true), ref);
    CHECK(xgrad::pairwise_distance(d64(kX, {3, 4}), d64(kZ, {3, 4}), p, 1e-6, true).shape() == Shape{3, 1});
    check_op("pairwise_distance", [p](const tensor_list& v) { return F::pairwise_distance(v[0], v[1], {p}); },
             {d64(kX, {3, 4}), d64(kZ, {3, 4})});
  }
  // Equal inputs with eps 0: distance 0 and gradient 0 (PyTorch's norm backward), not NaN.
  Tensor a = d64({1, 2}, {2}).requires_grad_();
  Tensor d = F::pairwise_distance(a, a.detach(), {2, 0});
  d.backward();
  check_values(d, {0});
  check_values(a.grad(), {0, 0});
  CHECK_THROWS_WITH_AS(F::pairwise_distance(a, a, {0}), doctest::Contains("p must be positive"), std::invalid_argument);
}

TEST_CASE("cosine_embedding_loss: 1 - cos for y = 1, max(0, cos - margin) for y = -1") {
  Tensor a = d64(kX, {3, 4}), b = d64(kZ, {3, 4}), y = d64({1, -1, -1}, {3});
  Vec ref(3);
  for (int n = 0; n < 3; ++n) {
    double ab = 0, aa = 0, bb = 0;
    for (int d = 0; d < 4; ++d) {
      ab += kX[n * 4 + d] * kZ[n * 4 + d];
      aa += kX[n * 4 + d] * kX[n * 4 + d];
      bb += kZ[n * 4 + d] * kZ[n * 4 + d];
    }
    const double cos = ab / std::sqrt((aa + 1e-12) * (bb + 1e-12));
    ref[n] = n == 0 ? 1 - cos : std::max(0.0, cos - 0.1);
  }
  check_reductions([&](nn::Reduction r) { return F::cosine_embedding_loss(a, b, y, {0.1, r}); }, ref);
  check_values(xgrad::cosine_embedding_loss(a, b, tensor(std::vector<std::int64_t>{1, -1, -1}), 0.1, nn::kNone), ref);
  // Unbatched: [D] inputs with a 0-dim target.
  check_values(F::cosine_embedding_loss(a.select(0, 0), b.select(0, 0), d64({1}, {1}).reshape({})), {ref[0]});
  for (nn::Reduction r : {nn::kNone, nn::kMean, nn::kSum}) {
    check_op("cosine_embedding_loss",
             [r](const tensor_list& v) {
               return F::cosine_embedding_loss(v[0], v[1], v[2], {-0.2, r});
             },
             {d64(kX, {3, 4}), d64(kZ, {3, 4}), tensor(std::vector<std::int64_t>{1, -1, -1})});
  }
  CHECK_THROWS_WITH_AS(F::cosine_embedding_loss(a, b, d64({1, 1, 1, 1, 1, 1}, {3, 2})),
                       doctest::Contains("multi-target not supported"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::cosine_embedding_loss(a.select(0, 0), b.select(0, 0), y),
                       doctest::Contains("1D target tensor expects 2D input tensors"), std::invalid_argument);
}

TEST_CASE("margin_ranking_loss, hinge_embedding_loss, soft_margin_loss") {
  Tensor x1 = d64(kX, {12}), x2 = d64(kZ, {12}), y = d64(kSigns, {12});
  Vec rank(12), hinge(12), soft(12), hinge_other(12);
  for (int i = 0; i < 12; ++i) {
    rank[i] = std::max(0.0, -kSigns[i] * (kX[i] - kZ[i]) + 0.5);
    hinge[i] = kSigns[i] == 1 ? kX[i] : std::max(0.0, 1.5 - kX[i]);
    hinge_other[i] = kX[i] + std::max(0.0, 1.5 - kX[i]);  // a target neither 1 nor -1: both terms
    soft[i] = std::log1p(std::exp(-kSigns[i] * kX[i]));
  }
  check_reductions([&](nn::Reduction r) { return F::margin_ranking_loss(x1, x2, y, {0.5, r}); }, rank);
  check_reductions([&](nn::Reduction r) { return F::hinge_embedding_loss(x1, y, {1.5, r}); }, hinge);
  check_values(F::hinge_embedding_loss(x1, zeros({12}, kFloat64), {1.5, nn::kNone}), hinge_other);
  check_reductions([&](nn::Reduction r) { return F::soft_margin_loss(x1, y, r); }, soft);
  check_values(xgrad::margin_ranking_loss(x1, x2, y, 0.5, nn::kSum), {total(rank)});
  check_values(xgrad::hinge_embedding_loss(x1, y, 1.5, nn::kSum), {total(hinge)});
  check_values(xgrad::soft_margin_loss(x1, y, nn::kSum), {total(soft)});
  for (nn::Reduction r : {nn::kNone, nn::kMean, nn::kSum}) {
    // The target of margin_ranking and soft_margin is differentiable (as PyTorch's); hinge's is not.
    check_op("margin_ranking_loss",
             [r](const tensor_list& v) {
               return F::margin_ranking_loss(v[0], v[1], v[2], {0.5, r});
             },
             {d64(kX, {3, 4}), d64(kZ, {3, 4}), d64(kSigns, {3, 4})});
    check_op("hinge_embedding_loss",
             [r](const tensor_list& v) {
               return F::hinge_embedding_loss(v[0], tensor(kSigns, {3, 4}), {1.5, r});
             },
             {d64(kX, {3, 4})});
    check_op("soft_margin_loss", [r](const tensor_list& v) { return F::soft_margin_loss(v[0], v[1], r); },
             {d64(kX, {3, 4}), d64(kSigns, {3, 4})});
  }
  CHECK_THROWS_WITH_AS(F::margin_ranking_loss(x1, x2, d64(kSigns, {3, 4})),
                       doctest::Contains("should have the same dimension"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::hinge_embedding_loss(x1, d64(kSigns, {3, 4})),
                       doctest::Contains("same shape, got input Float64 [12]"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::soft_margin_loss(tensor(std::vector<std::int64_t>{1}), y),
                       doctest::Contains("expected a floating-point input"), std::invalid_argument);
}

TEST_CASE("multi_margin_loss: sum over i != y of w[y] max(0, margin - x[y] + x[i])^p / C") {
  const std::vector<std::int64_t> y = {2, 0, 3};
  const Vec w = {0.5, 1.0, 2.0, 1.5};
  for (std::int64_t p : {1, 2}) {
    for (bool weighted : {false, true}) {
      Vec ref(3);
      for (int n = 0; n < 3; ++n) {
        const auto yn = static_cast<int>(y[static_cast<std::size_t>(n)]);
        for (int i = 0; i < 4; ++i) {
          if (i == yn) continue;
          const double z = std::max(0.0, 0.7 - kX[n * 4 + yn] + kX[n * 4 + i]);
          ref[n] += (weighted ? w[static_cast<std::size_t>(yn)] : 1.0) * (p == 1 ? z : z * z) / 4;
        }
      }
      Tensor weight = weighted ? d64(w, {4}) : Tensor();
      check_reductions(
          [&](nn::Reduction r) {
            return F::multi_margin_loss(d64(kX, {3, 4}), tensor(y), {p, 0.7, weight, r});
          },
          ref);
      check_values(xgrad::multi_margin_loss(d64(kX, {3, 4}), tensor(y), p, 0.7, weight, nn::kSum), {total(ref)});
      for (nn::Reduction r : {nn::kNone, nn::kMean}) {
        check_op("multi_margin_loss",
                 [=](const tensor_list& v) {
                   return F::multi_margin_loss(v[0], v[1], {p, 0.7, weight, r});
                 },
                 {d64(kX, {3, 4}), tensor(y)});
      }
    }
  }
  // Unbatched: [C] input with a 0-dim target gives a 0-dim loss under kNone.
  Tensor one = F::multi_margin_loss(d64(kX, {3, 4}).select(0, 0), tensor(std::vector<std::int64_t>{2}).reshape({}),
                                    {1, 0.7, Tensor(), nn::kNone});
  CHECK(one.dim() == 0);
  Tensor x = d64(kX, {3, 4});
  CHECK_THROWS_WITH_AS(F::multi_margin_loss(x, tensor(std::vector<std::int64_t>{0, 4, 1})),
                       doctest::Contains("target 4 of sample 1 is out of range for 4 classes"), std::out_of_range);
  CHECK_THROWS_WITH_AS(F::multi_margin_loss(x, tensor(std::vector<std::int64_t>{0, 1})),
                       doctest::Contains("expected an Int64 target of 3 class indices"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::multi_margin_loss(x, tensor(y), {3}), doctest::Contains("only p == 1 and p == 2"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::multi_margin_loss(x, tensor(y), {1, 1.0, d64({1, 2}, {2})}),
                       doctest::Contains("inconsistent weight"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::multi_margin_loss(zeros({2, 3, 4}, kFloat64), tensor(y)),
                       doctest::Contains("non-empty vector or matrix"), std::invalid_argument);
}

TEST_CASE("poisson_nll_loss: log_input, eps, Stirling's term where target > 1") {
  const Vec t = {0.0, 1.0, 2.0, 3.5, 0.5, 7.0};
  const Vec x = {0.3, -0.2, 0.8, 1.1, -1.0, 1.9};
  const Vec rate = {0.5, 1.2, 2.5, 0.1, 3.0, 6.0};
  Vec ref_log(6), ref_rate(6), ref_full(6);
  for (std::size_t i = 0; i < 6; ++i) {
    ref_log[i] = std::exp(x[i]) - t[i] * x[i];
    ref_rate[i] = rate[i] - t[i] * std::log(rate[i] + 1e-3);
    const double stirling = t[i] > 1 ? t[i] * std::log(t[i]) - t[i] + 0.5 * std::log(2 * std::numbers::pi * t[i]) : 0.0;
    ref_full[i] = ref_log[i] + stirling;
  }
  Tensor in = d64(x, {2, 3}), tg = d64(t, {2, 3});
  check_reductions([&](nn::Reduction r) { return F::poisson_nll_loss(in, tg, {true, false, 1e-8, r}); }, ref_log);
  check_values(F::poisson_nll_loss(d64(rate, {2, 3}), tg, {false, false, 1e-3, nn::kNone}), ref_rate);
  check_values(F::poisson_nll_loss(in, tg, {true, true, 1e-8, nn::kNone}), ref_full);
  check_values(xgrad::poisson_nll_loss(in, tg, true, true, 1e-8, nn::kSum), {total(ref_full)});
  const Vec t_pos = {0.5, 1.5, 2.0, 3.5, 0.7, 7.0};  // no target at 0 where log(t) is not differentiable
  for (bool log_input : {true, false}) {
    for (bool full : {false, true}) {
      check_op("poisson_nll_loss",
               [=](const tensor_list& v) {
                 return F::poisson_nll_loss(v[0], v[1], {log_input, full, 1e-8, nn::kMean});
               },
               {d64(log_input ? x : rate, {2, 3}), d64(t_pos, {2, 3})});
    }
  }
  CHECK_THROWS_WITH_AS(F::poisson_nll_loss(in, d64(t, {6})), doctest::Contains("same shape"), std::invalid_argument);
}

TEST_CASE("gaussian_nll_loss: 0.5 (log var + d^2 / var); var per element, per vector or [.., 1]") {
  const Vec v = {0.5, 1.5, 2.0, 0.8, 1e-9, 3.0};
  Vec ref(6), ref_shared(6);
  for (std::size_t i = 0; i < 6; ++i) {
    const double d = kX[i] - kZ[i];
    const double vi = std::max(v[i], 1e-6);
    ref[i] = 0.5 * (std::log(vi) + d * d / vi);
    const double s = i < 3 ? 0.5 : 2.0;  // var [2] or [2, 1]: one per row of [2, 3]
    ref_shared[i] = 0.5 * (std::log(s) + d * d / s) + 0.5 * std::log(2 * std::numbers::pi);
  }
  Tensor in = d64(Vec(kX.begin(), kX.begin() + 6), {2, 3}), tg = d64(Vec(kZ.begin(), kZ.begin() + 6), {2, 3});
  check_reductions(
      [&](nn::Reduction r) {
        return F::gaussian_nll_loss(in, tg, d64(v, {2, 3}), {false, 1e-6, r});
      },
      ref);
  check_values(F::gaussian_nll_loss(in, tg, d64({0.5, 2.0}, {2}), {true, 1e-6, nn::kNone}), ref_shared);
  check_values(F::gaussian_nll_loss(in, tg, d64({0.5, 2.0}, {2, 1}), {true, 1e-6, nn::kNone}), ref_shared);
  // Below eps var counts as eps, and its gradient passes the clamp (as PyTorch's no_grad clamp).
  Tensor var = d64({1e-9}, {1}).requires_grad_();
  F::gaussian_nll_loss(d64({1.0}, {1}), d64({0.0}, {1}), var, {false, 1e-3, nn::kSum}).backward();
  CHECK(var.grad().item<double>() == doctest::Approx(0.5 * (1 / 1e-3 - 1 / 1e-6)));
  const Vec v_pos = {0.5, 1.5, 2.0, 0.8, 0.3, 3.0};
  for (nn::Reduction r : {nn::kNone, nn::kMean, nn::kSum}) {
    check_op("gaussian_nll_loss",
             [r](const tensor_list& t) {
               return F::gaussian_nll_loss(t[0], t[1], t[2], {true, 1e-6, r});
             },
             {in, tg, d64(v_pos, {2, 3})});
    check_op("gaussian_nll_loss shared var",
             [r](const tensor_list& t) {
               return F::gaussian_nll_loss(t[0], t[1], t[2], {false, 1e-6, r});
             },
             {in, tg, d64({0.5, 2.0}, {2})});
  }
  CHECK_THROWS_WITH_AS(F::gaussian_nll_loss(in, tg, d64({1, 2, 3}, {3})), doctest::Contains("incorrect size"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::gaussian_nll_loss(in, tg, d64({1, -2}, {2})), doctest::Contains("negative entries"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::gaussian_nll_loss(in, tg.reshape({3, 2}), d64(v, {2, 3})), doctest::Contains("same shape"),
                       std::invalid_argument);
}

TEST_CASE("triplet_margin_loss: max(0, margin + d(a, p) - d(a, n)), swap takes min(d(a, n), d(p, n))") {
  const Vec neg = {0.1, -0.3, 0.7, 1.9, -0.2, 1.1, -1.5, 0.3, 1.0, -0.9, 0.2, -2.0};
  auto dist = [](const Vec& u, const Vec& v, int n, double p) {
    double s = 0;
    for (int d = 0; d < 4; ++d) s += std::pow(std::abs(u[n * 4 + d] - v[n * 4 + d] + 1e-6), p);
    return std::pow(s, 1 / p);
  };
  for (double p : {1.0, 2.0}) {
    for (bool swap : {false, true}) {
      Vec ref(3);
      for (int n = 0; n < 3; ++n) {
        double dn = dist(kX, neg, n, p);
        if (swap) dn = std::min(dn, dist(kZ, neg, n, p));
        ref[n] = std::max(0.0, 2.0 + dist(kX, kZ, n, p) - dn);
      }
      check_reductions(
          [&](nn::Reduction r) {
            return F::triplet_margin_loss(d64(kX, {3, 4}), d64(kZ, {3, 4}), d64(neg, {3, 4}), {2.0, p, 1e-6, swap, r});
          },
          ref);
      check_values(
          xgrad::triplet_margin_loss(d64(kX, {3, 4}), d64(kZ, {3, 4}), d64(neg, {3, 4}), 2.0, p, 1e-6, swap, nn::kSum),
          {total(ref)});
      check_op("triplet_margin_loss",
               [=](const tensor_list& v) {
                 return F::triplet_margin_loss(v[0], v[1], v[2], {2.0, p, 1e-6, swap, nn::kMean});
               },
               {d64(kX, {3, 4}), d64(kZ, {3, 4}), d64(neg, {3, 4})});
    }
  }
  CHECK_THROWS_WITH_AS(F::triplet_margin_loss(d64(kX, {3, 4}), d64(kZ, {12}), d64(neg, {3, 4})),
                       doctest::Contains("same number of dimensions"), std::invalid_argument);
}
