// Linear regression three ways on the same data: the closed-form least-squares solution (the
// normal equations), full-batch gradient descent and mini-batch SGD. Both descents must reach
// the closed form's loss -- the known optimum -- or the example exits non-zero.
//
//   y = X w_true + b_true + noise,  L(w, b) = 1/N |X w + b - y|^2
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

// Solves A x = rhs (A square, well conditioned) by Gaussian elimination with partial pivoting.
std::vector<double> solve(std::vector<double> a, std::vector<double> rhs) {
  const std::size_t n = rhs.size();
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[pivot * n + c])) pivot = r;
    for (std::size_t k = 0; k < n; ++k) std::swap(a[c * n + k], a[pivot * n + k]);
    std::swap(rhs[c], rhs[pivot]);
    for (std::size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (std::size_t k = c; k < n; ++k) a[r * n + k] -= f * a[c * n + k];
      rhs[r] -= f * rhs[c];
    }
  }
  std::vector<double> x(n);
  for (std::size_t r = n; r-- > 0;) {
    double s = rhs[r];
    for (std::size_t k = r + 1; k < n; ++k) s -= a[r * n + k] * x[k];
    x[r] = s / a[r * n + r];
  }
  return x;
}

int main() {
  manual_seed(0);
  const std::int64_t n = 500;
  const Tensor X = randn({n, 3}, kFloat64);
  const Tensor w_true = tensor(std::vector<double>{2.0, -3.0, 0.5}, {3, 1});
  const Tensor y = mm(X, w_true) + 1.0 + 0.1 * randn({n, 1}, kFloat64);

  // Closed form: [X 1]^T [X 1] theta = [X 1]^T y.
  const Tensor Xa = cat({X, ones({n, 1}, kFloat64)}, 1);
  const std::vector<double> theta = solve(mm(Xa.t(), Xa).to_vector<double>(), mm(Xa.t(), y).to_vector<double>());
  const Tensor theta_t = tensor(theta, {4, 1});
  const double optimum = F::mse_loss(mm(Xa, theta_t), y).item<double>();
  std::printf("closed form:   w = [%.4f, %.4f, %.4f], b = %.4f, loss %.8f (the optimum)\n", theta[0], theta[1],
              theta[2], theta[3], optimum);

  // Full-batch gradient descent: every step uses all N rows.
  Tensor w = zeros({3, 1}, TensorOptions(kFloat64).requires_grad(true));
  Tensor b = zeros({1}, TensorOptions(kFloat64).requires_grad(true));
  optim::SGD gd({w, b}, optim::SGDOptions(0.1));
  double gd_loss = 0;
  for (int step = 0; step < 200; ++step) {
    gd.zero_grad();
    Tensor loss = F::mse_loss(mm(X, w) + b, y);
    loss.backward();
    gd.step();
    gd_loss = loss.item<double>();
  }
  gd_loss = F::mse_loss(mm(X, w) + b, y).item<double>();
  const auto wg = w.to_vector<double>();
  std::printf("full-batch GD: w = [%.4f, %.4f, %.4f], b = %.4f, loss %.8f after 200 steps\n", wg[0], wg[1], wg[2],
              b.item<double>(), gd_loss);

  // Mini-batch SGD (batches of 10, reshuffled each epoch) with a decaying step size, which
  // damps the noise of the small batches so that the iterates settle at the optimum.
  Tensor w2 = zeros({3, 1}, TensorOptions(kFloat64).requires_grad(true));
  Tensor b2 = zeros({1}, TensorOptions(kFloat64).requires_grad(true));
  optim::SGD sgd({w2, b2}, optim::SGDOptions(0.05));
  data::DataLoader loader(data::TensorDataset(X, y), data::DataLoaderOptions().batch_size(10).shuffle(true).seed(0));
  for (int epoch = 0; epoch < 30; ++epoch) {
    sgd.param_groups()[0].options().set_lr(0.05 / (1 + epoch));
    for (const data::Example<>& batch : loader) {
      sgd.zero_grad();
      F::mse_loss(mm(batch.data, w2) + b2, batch.target).backward();
      sgd.step();
    }
  }
  const double sgd_loss = F::mse_loss(mm(X, w2) + b2, y).item<double>();
  const auto ws = w2.to_vector<double>();
  std::printf("mini-batch SGD: w = [%.4f, %.4f, %.4f], b = %.4f, loss %.8f after 30 epochs\n", ws[0], ws[1], ws[2],
              b2.item<double>(), sgd_loss);

  // GD converges to the optimum to rounding; SGD to within a small fraction of it.
  const bool gd_ok = std::abs(gd_loss - optimum) < 1e-10 && std::abs(wg[0] - theta[0]) < 1e-6;
  const bool sgd_ok = sgd_loss - optimum < 1e-3 * optimum && std::abs(ws[1] - theta[1]) < 1e-2;
  std::printf("GD reaches the optimum: %s; SGD within 0.1%%: %s\n", gd_ok ? "yes" : "NO", sgd_ok ? "yes" : "NO");
  return gd_ok && sgd_ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
