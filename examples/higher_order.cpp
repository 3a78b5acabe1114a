// Higher-order derivatives with create_graph: backward records its own computation, so a
// gradient can be differentiated again. Three checks, each exits non-zero when it fails:
//   1. Hessian-vector products  Hv = d/dx (grad f(x) . v)  -- one extra backward, no n x n
//      Hessian formed -- against the analytic Hessian of f(x) = 1/2 x^T A x + sum(sin x),
//      which is H = A - diag(sin x);
//   2. the same for a small tanh network's loss, against central differences of gradients;
//   3. the first three derivatives of x^4.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

double max_abs_diff(const Tensor& a, const Tensor& b) { return (a - b).abs().max().item<double>(); }

// grad of `output` w.r.t. `input`, kept differentiable.
Tensor grad_of(const Tensor& output, const Tensor& input) {
  return autograd::grad({output}, {input}, {}, std::nullopt, /*create_graph=*/true)[0];
}

int main() {
  manual_seed(0);
  const auto f64 = TensorOptions(kFloat64);

  // 1. A quadratic plus a sine: the Hessian is known in closed form.
  const std::int64_t n = 6;
  const Tensor M = randn({n, n}, f64);
  const Tensor A = mm(M, M.t()) + eye(n, f64);  // symmetric
  Tensor x = randn({n}, f64.requires_grad(true));
  const Tensor v = randn({n}, f64);
  Tensor f = 0.5 * dot(x, matmul(A, x)) + sin(x).sum();
  Tensor g = grad_of(f, x);                         // A x + cos x, still a graph
  Tensor hv = autograd::grad({dot(g, v)}, {x})[0];  // H v
  const Tensor expected = matmul(A, v) - sin(x.detach()) * v;
  const double err1 = max_abs_diff(hv, expected);
  std::printf("1. Hv of 1/2 x^T A x + sum(sin x): max |Hv - (A - diag(sin x)) v| = %.2e\n", err1);

  // 2. A tanh network's loss as a function of its first weight matrix W.
  const Tensor X = randn({32, 4}, f64), y = randn({32, 1}, f64);
  Tensor W = randn({4, 8}, f64.requires_grad(true));
  const Tensor W2 = randn({8, 1}, f64), V = randn({4, 8}, f64);
  auto loss = [&](const Tensor& w) { return F::mse_loss(matmul(tanh(matmul(X, w)), W2), y); };
  Tensor hv_net = autograd::grad({(grad_of(loss(W), W) * V).sum()}, {W})[0];
  const double eps = 1e-5;
  auto grad_at = [&](const Tensor& w) {
    Tensor leaf = w.detach().requires_grad_();
    return autograd::grad({loss(leaf)}, {leaf})[0];
  };
  const Tensor fd = (grad_at(W.detach() + eps * V) - grad_at(W.detach() - eps * V)) / (2 * eps);
  const double err2 = max_abs_diff(hv_net, fd);
  std::printf("2. Hv of a tanh network's loss: max |Hv - finite differences of gradients| = %.2e\n", err2);

  // 3. d/dx x^4 = 4x^3, d2 = 12x^2, d3 = 24x; at x = 2: 32, 48, 48.
  Tensor z = scalar_tensor(2.0, f64.requires_grad(true));
  Tensor d1 = grad_of(z.pow(4), z), d2 = grad_of(d1, z), d3 = grad_of(d2, z);
  std::printf("3. derivatives of x^4 at x = 2: %g, %g, %g (expected 32, 48, 48)\n", d1.item<double>(),
              d2.item<double>(), d3.item<double>());
  const bool ok3 = std::abs(d1.item<double>() - 32) < 1e-12 && std::abs(d2.item<double>() - 48) < 1e-12 &&
                   std::abs(d3.item<double>() - 48) < 1e-12;

  const bool ok = err1 < 1e-10 && err2 < 1e-6 && ok3;
  std::printf("%s\n", ok ? "all higher-order checks pass" : "A CHECK FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
