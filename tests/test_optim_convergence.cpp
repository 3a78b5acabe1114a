// The three regimes of gradient descent on convex problems, w* = argmin (1/N) sum_i l(x_i; w)
// + lambda R(w): full-batch GD (batch = N), mini-batch GD (1 < batch < N) and stochastic GD
// (batch = 1) all reach the known optimum, SGD's per-epoch loss visibly noisier.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using namespace xgrad::optim;
using namespace xgrad::data;
using Vec = std::vector<double>;

namespace {

double variance(const Vec& v) {
  const double m = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

// ---- least squares: y = X w* + b* + noise, optimum from the normal equations ----------------

struct LeastSquares {
  Tensor x, y;  // [N, 3], [N]
  Vec best;     // w0, w1, w2, b
  static constexpr std::int64_t N = 200;

  LeastSquares() {
    manual_seed(11);
    x = randn({N, 3}, kFloat64);
    y = matmul(x, tensor(Vec{1.5, -2.0, 0.5})) + 0.3 + randn({N}, kFloat64) * 0.5;
    // Normal equations A z = r for z = (w, b), solved by Gaussian elimination.
    Vec xv = x.to_vector<double>(), yv = y.to_vector<double>();
    std::vector<Vec> A(4, Vec(5, 0.0));
    for (std::int64_t i = 0; i < N; ++i) {
      const Vec row = {xv[3 * i], xv[3 * i + 1], xv[3 * i + 2], 1.0};
      for (int j = 0; j < 4; ++j) {
        A[j][4] += row[j] * yv[i];
        for (int k = 0; k < 4; ++k) A[j][k] += row[j] * row[k];
      }
    }
    for (int c = 0; c < 4; ++c)
      for (int r = c + 1; r < 4; ++r) {
        const double f = A[r][c] / A[c][c];
        for (int k = c; k < 5; ++k) A[r][k] -= f * A[c][k];
      }
    best.assign(4, 0.0);
    for (int r = 3; r >= 0; --r) {
      double s = A[r][4];
      for (int k = r + 1; k < 4; ++k) s -= A[r][k] * best[k];
      best[r] = s / A[r][r];
    }
  }
  static Tensor loss(const Tensor& xb, const Tensor& yb, const Tensor& w, const Tensor& b) {
    Tensor r = matmul(xb, w) + b - yb;
    return (r * r).mean() * 0.5;
  }
};

struct Run {
  Tensor w, b;
  Vec epoch_losses;  // full-data loss after each epoch
};

Run train_least_squares(const LeastSquares& p, std::int64_t batch, double lr, int epochs, bool decay,
                        const Vec& start = {0, 0, 0, 0}) {
  Tensor w = tensor(Vec{start[0], start[1], start[2]}).requires_grad_();
  Tensor b = scalar_tensor(start[3], kFloat64).requires_grad_();
  SGD opt({w, b}, SGDOptions(lr));
  // A decaying step lets the stochastic runs settle at the optimum instead of hovering near it.
  LambdaLR schedule(opt, [decay](std::int64_t e) { return decay ? 1.0 / (1.0 + 0.05 * static_cast<double>(e)) : 1.0; });
  DataLoader loader(TensorDataset(p.x, p.y), DataLoaderOptions().batch_size(batch).shuffle(true).seed(3));
  Run run{w, b, {}};
  for (int e = 0; e < epochs; ++e) {
    for (const Example<>& ex : loader) {
      opt.zero_grad();
      LeastSquares::loss(ex.data, ex.target, w, b).backward();
      opt.step();
    }
    schedule.step();
    NoGradGuard no_grad;
    run.epoch_losses.push_back(LeastSquares::loss(p.x, p.y, w, b).item<double>());
  }
  return run;
}

Vec params_of(const Run& r) {
  Vec v = r.w.to_vector<double>();
  v.push_back(r.b.item<double>());
  return v;
}

double distance(const Run& r, const Vec& best) {
  Vec v = params_of(r);
  double m = 0;
  for (std::size_t i = 0; i < v.size(); ++i) m = std::max(m, std::abs(v[i] - best[i]));
  return m;
}

}  // namespace

TEST_CASE("least squares: full-batch, mini-batch and stochastic GD reach the normal-equation optimum") {
  LeastSquares p;
  NoGradGuard g;
  const double best_loss = [&] {
    Tensor w = tensor(Vec{p.best[0], p.best[1], p.best[2]});
    return LeastSquares::loss(p.x, p.y, w, scalar_tensor(p.best[3], kFloat64)).item<double>();
  }();
  AutoGradMode on(true);

  Run full = train_least_squares(p, LeastSquares::N, 0.5, 300, false);
  Run mini = train_least_squares(p, 20, 0.05, 200, true);
  Run sgd = train_least_squares(p, 1, 0.01, 100, true);
  CHECK(distance(full, p.best) < 1e-9);
  CHECK(distance(mini, p.best) < 2e-3);
  CHECK(distance(sgd, p.best) < 2e-2);
  CHECK(full.epoch_losses.back() == doctest::Approx(best_loss).epsilon(1e-12));
  CHECK(mini.epoch_losses.back() - best_loss < 1e-5);
  CHECK(sgd.epoch_losses.back() - best_loss < 1e-3);

  // Full-batch GD descends monotonically (up to rounding).
  for (std::size_t e = 1; e < full.epoch_losses.size(); ++e)
    CHECK(full.epoch_losses[e] <= full.epoch_losses[e - 1] + 1e-15);

  // Started at the optimum with the same constant lr, full-batch GD stays there, while the
  // sampling noise of small batches keeps kicking the parameters away: the smaller the batch,
  // the noisier the epoch-to-epoch loss.
  Run full_at = train_least_squares(p, LeastSquares::N, 0.02, 30, false, p.best);
  Run mini_at = train_least_squares(p, 20, 0.02, 30, false, p.best);
  Run sgd_at = train_least_squares(p, 1, 0.02, 30, false, p.best);
  const double v_full = variance(full_at.epoch_losses), v_mini = variance(mini_at.epoch_losses),
               v_sgd = variance(sgd_at.epoch_losses);
  MESSAGE("epoch-loss variance at the optimum: full batch " << v_full << ", batch 20 " << v_mini << ", batch 1 "
                                                            << v_sgd);
  CHECK(v_full < 1e-28);
  CHECK(v_mini > 1e3 * v_full);
  CHECK(v_sgd > 1e3 * v_mini);
}

namespace {

// ---- multinomial logistic regression on iris with an L2 penalty (strictly convex) --------------

struct Iris {
  Tensor x, y;  // standardised features [150, 4] Float64, labels [150]
  static constexpr double lambda = 1e-2;
  Iris() {
    LabeledData d = load_labeled_csv(std::string(XGRAD_SOURCE_DIR) + "/datasets/iris.csv",
                                     CsvOptions().skip_rows(1).dtype(kFloat64));
    x = Standardizer().fit_transform(d.features);
    y = d.labels;
  }
  // Mean cross-entropy of softmax(x W + b) plus lambda/2 |W|^2.
  static Tensor loss(const Tensor& xb, const Tensor& yb, const Tensor& W, const Tensor& b) {
    Tensor logp = log_softmax(matmul(xb, W) + b, 1);
    Tensor picked = gather(logp, 1, yb.unsqueeze(1));
    return -picked.mean() + (W * W).sum() * (0.5 * lambda);
  }
  double full_loss(const Tensor& W, const Tensor& b) const {
    NoGradGuard g;
    return loss(x, y, W, b).item<double>();
  }
  double accuracy(const Tensor& W, const Tensor& b) const {
    NoGradGuard g;
    auto pred = argmax(matmul(x, W) + b, 1).to_vector<std::int64_t>();
    auto yv = y.to_vector<std::int64_t>();
    double hits = 0;
    for (std::size_t i = 0; i < pred.size(); ++i) hits += pred[i] == yv[i];
    return hits / static_cast<double>(pred.size());
  }
};

}  // namespace

TEST_CASE("logistic regression on iris: every regime reaches the optimum found by L-BFGS and by a long GD run") {
  Iris iris;
  // The optimum, two independent ways: L-BFGS to tight tolerance, and a long full-batch GD run.
  Tensor W_star = zeros({4, 3}, kFloat64).requires_grad_();
  Tensor b_star = zeros({3}, kFloat64).requires_grad_();
  {
    LBFGS lbfgs(
        {W_star, b_star},
        LBFGSOptions(1).max_iter(500).tolerance_grad(1e-12).tolerance_change(1e-15).line_search_fn("strong_wolfe"));
    lbfgs.step([&] {
      lbfgs.zero_grad();
      Tensor l = Iris::loss(iris.x, iris.y, W_star, b_star);
      l.backward();
      return l;
    });
  }
  const double best = iris.full_loss(W_star, b_star);
  Vec star = W_star.to_vector<double>();
  Vec b_best = b_star.to_vector<double>();
  star.insert(star.end(), b_best.begin(), b_best.end());

  auto train = [&](std::int64_t batch, double lr, int epochs, Vec* losses) {
    Tensor W = zeros({4, 3}, kFloat64).requires_grad_();
    Tensor b = zeros({3}, kFloat64).requires_grad_();
    SGD opt({W, b}, SGDOptions(lr));
    // Small batches need a decaying step to settle at the optimum rather than hover around it.
    LambdaLR schedule(
        opt, [batch](std::int64_t e) { return batch == 150 ? 1.0 : 1.0 / (1.0 + 0.02 * static_cast<double>(e)); });
    DataLoader loader(TensorDataset(iris.x, iris.y), DataLoaderOptions().batch_size(batch).shuffle(true).seed(9));
    for (int e = 0; e < epochs; ++e) {
      for (const Example<>& ex : loader) {
        opt.zero_grad();
        Iris::loss(ex.data, ex.target, W, b).backward();
        opt.step();
      }
      schedule.step();
      if (losses) losses->push_back(iris.full_loss(W, b));
    }
    Vec v = W.to_vector<double>();
    Vec bv = b.to_vector<double>();
    v.insert(v.end(), bv.begin(), bv.end());
    double dist = 0;
    for (std::size_t i = 0; i < v.size(); ++i) dist = std::max(dist, std::abs(v[i] - star[i]));
    MESSAGE("batch " << batch << ": loss " << iris.full_loss(W, b) << " (optimum " << best << "), max |w - w*| " << dist
                     << ", accuracy " << iris.accuracy(W, b));
    CHECK(iris.accuracy(W, b) > 0.93);
    return std::pair{iris.full_loss(W, b) - best, dist};
  };

  Vec full_losses, sgd_losses;
  auto [full_gap, full_dist] = train(150, 1.0, 3000, &full_losses);
  CHECK(full_gap < 1e-10);
  CHECK(full_dist < 1e-6);  // the long GD run and L-BFGS agree on w*
  auto [mini_gap, mini_dist] = train(16, 0.5, 600, nullptr);
  CHECK(mini_gap < 1e-4);
  CHECK(mini_dist < 0.03);
  auto [sgd_gap, sgd_dist] = train(1, 0.05, 100, &sgd_losses);
  CHECK(sgd_gap < 1e-3);
  CHECK(sgd_dist < 0.05);
  // Full-batch GD descends monotonically; SGD's loss goes up and down from epoch to epoch.
  int full_ups = 0, sgd_ups = 0;
  for (std::size_t e = 1; e < full_losses.size(); ++e) full_ups += full_losses[e] > full_losses[e - 1] + 1e-15;
  for (std::size_t e = 1; e < sgd_losses.size(); ++e) sgd_ups += sgd_losses[e] > sgd_losses[e - 1] + 1e-9;
  CHECK(full_ups == 0);
  CHECK(sgd_ups >= 10);
}
