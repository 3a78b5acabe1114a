// Newton's method on L2-regularised logistic regression (breast-cancer data, 30 standardised
// features and a bias), side by side with L-BFGS and gradient descent. Newton's steps come from
// autograd::functional: the whole Hessian (hessian) solved by Cholesky (xtensor-blas / LAPACK),
// or Hessian-vector products (hvp) inside conjugate gradient, never forming the Hessian.
// optim::Newton does the same as an optimizer. Every method stops when the largest gradient
// entry falls below 1e-6; exits non-zero unless every Newton variant converges in under 10
// iterations to the same loss as L-BFGS.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <vector>
#include <xgrad/xgrad.hpp>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

using namespace xgrad;
namespace fn = xgrad::autograd::functional;

namespace {

constexpr double kTol = 1e-6;  // on max |gradient|
constexpr double kLambda = 1e-2;

struct Problem {
  Tensor x;  // [n, d + 1]: standardised features and a column of ones
  Tensor y;  // [n], 0 or 1
  // Mean logistic loss plus (lambda / 2) |w|^2; softplus written so that exp never overflows.
  Tensor loss(const Tensor& w) const {
    Tensor z = matmul(x, w);
    return (z.relu() + (-z.abs()).exp().log1p() - y * z).mean() + 0.5 * kLambda * w.square().sum();
  }
  Tensor gradient(const Tensor& w) const {
    return fn::vjp([this](const Tensor& t) { return loss(t); }, w).second;
  }
};

struct Run {
  int iterations = 0;
  double loss = 0;
  bool converged = false;
};

double max_abs(const Tensor& t) { return t.abs().max().item<double>(); }

xt::xarray<double> to_xt(const Tensor& t) {
  return xt::adapt(t.to_vector<double>(), std::vector<std::size_t>{static_cast<std::size_t>(t.numel())});
}
Tensor from_xt(const xt::xarray<double>& a) { return tensor(std::vector<double>(a.begin(), a.end())); }

// Solves H p = -g by Cholesky. An H that is not positive definite (Cholesky fails) gets
// tau * I added, tau growing tenfold: the step then bends towards -g, which still descends.
Tensor newton_direction(const Tensor& hessian, const Tensor& g) {
  const std::size_t n = static_cast<std::size_t>(g.numel());
  xt::xarray<double> h = xt::adapt(hessian.to_vector<double>(), std::vector<std::size_t>{n, n});
  const xt::xarray<double> rhs = -to_xt(g);
  double tau = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    try {
      xt::xarray<double> l = xt::linalg::cholesky(h + tau * xt::eye<double>(n));
      return from_xt(xt::linalg::solve_cholesky(l, rhs));
    } catch (const std::runtime_error&) {
      tau = tau == 0 ? 1e-8 : tau * 10;
    }
  }
  return -g;  // never positive definite: steepest descent
}

// Hessian-free direction: conjugate gradient on H p = -g with products from hvp. Stops at a
// relative residual of 1e-10 or on non-positive curvature (then the last p, or -g, descends).
Tensor cg_direction(const Problem& pb, const Tensor& w, const Tensor& g, int max_iter) {
  auto f = [&pb](const Tensor& t) { return pb.loss(t); };
  Tensor p = zeros_like(g), r = -g, d = r;
  double rr = (r * r).sum().item<double>();
  const double stop = 1e-20 * rr;
  for (int k = 0; k < max_iter && rr > stop; ++k) {
    Tensor hd = fn::hvp(f, w, d).second;
    const double curvature = (d * hd).sum().item<double>();
    if (curvature <= 0) return k == 0 ? -g : p;
    const double alpha = rr / curvature;
    p = p + alpha * d;
    r = r - alpha * hd;
    const double rr_new = (r * r).sum().item<double>();
    d = r + (rr_new / rr) * d;
    rr = rr_new;
  }
  return p;
}

// Backtracking (Armijo) line search from the full step: Newton's unit step is accepted near
// the minimum, so the line search only damps the first iterations.
double line_search(const Problem& pb, const Tensor& w, double f0, const Tensor& g, const Tensor& p) {
  const double slope = (g * p).sum().item<double>();
  double t = 1;
  for (int i = 0; i < 40; ++i, t *= 0.5) {
    if (pb.loss(w + t * p).item<double>() <= f0 + 1e-4 * t * slope) return t;
  }
  return t;
}

Run newton(const Problem& pb, Tensor w, bool hessian_free) {
  auto f = [&pb](const Tensor& t) { return pb.loss(t); };
  Run run;
  for (; run.iterations < 100; ++run.iterations) {
    Tensor g = pb.gradient(w);
    if (max_abs(g) < kTol) {
      run.converged = true;
      break;
    }
    Tensor p =
        hessian_free ? cg_direction(pb, w, g, static_cast<int>(w.numel())) : newton_direction(fn::hessian(f, w), g);
    w = w + line_search(pb, w, pb.loss(w).item<double>(), g, p) * p;
  }
  run.loss = pb.loss(w).item<double>();
  return run;
}

// Steps `opt` (over the single parameter w) until the gradient test passes. create_graph:
// optim::Newton differentiates the gradients that backward leaves in .grad() once more.
Run run_optimizer(optim::Optimizer& opt, const Problem& pb, const Tensor& w, bool create_graph, int max_iter) {
  auto closure = [&] {
    opt.zero_grad();
    Tensor l = pb.loss(w);
    l.backward({}, std::nullopt, create_graph);
    return l;
  };
  Run run;
  for (; run.iterations < max_iter; ++run.iterations) {
    if (max_abs(pb.gradient(w.detach())) < kTol) {
      run.converged = true;
      break;
    }
    opt.step(closure);
  }
  run.loss = pb.loss(w.detach()).item<double>();
  return run;
}

Run newton_optimizer(const Problem& pb, const Tensor& w0, bool hessian_free) {
  Tensor w = w0.clone().detach().requires_grad_();
  optim::Newton opt({w}, optim::NewtonOptions().hessian_free(hessian_free).tolerance_grad(0));
  return run_optimizer(opt, pb, w, true, 100);
}

Run lbfgs(const Problem& pb, const Tensor& w0) {
  Tensor w = w0.clone().detach().requires_grad_();
  // Its own stopping tests off: the loop's test on the gradient decides, as for the others.
  optim::LBFGS opt(
      {w}, optim::LBFGSOptions(1.0).max_iter(1).line_search_fn("strong_wolfe").tolerance_grad(0).tolerance_change(0));
  return run_optimizer(opt, pb, w, false, 1000);
}

// Fixed step 1 / L, with L = max eigenvalue bound of the Hessian: |X|_F^2 / (4 n) + lambda.
Run gradient_descent(const Problem& pb, Tensor w, int max_iter) {
  const double lipschitz = pb.x.square().sum().item<double>() / (4.0 * pb.x.size(0)) + kLambda;
  Run run;
  for (; run.iterations < max_iter; ++run.iterations) {
    Tensor g = pb.gradient(w);
    if (max_abs(g) < kTol) {
      run.converged = true;
      break;
    }
    w = w - (1.0 / lipschitz) * g;
  }
  run.loss = pb.loss(w).item<double>();
  return run;
}

// The README's example: the Hessian of a small function, and one Newton step.
bool readme_example() {
  auto f = [](const Tensor& x) { return (x.exp() - 2.0 * x).sum() + (x[0] - x[1]).square(); };
  Tensor x = tensor(std::vector<double>{1.0, -1.0});
  Tensor H = fn::hessian(f, x);          // [2, 2]: diag(exp(x)) + [[2, -2], [-2, 2]]
  auto [fx, g] = fn::vjp(f, x);          // f(x) and its gradient, [2]
  Tensor step = newton_direction(H, g);  // solves H p = -g (Cholesky, xtensor-blas)
  Tensor x1 = x + step;
  std::printf("README example: f %.6f -> %.6f after one Newton step\n", fx.item<double>(), f(x1).item<double>());
  return f(x1).item<double>() < fx.item<double>();
}

void print(const char* name, const Run& r) {
  std::printf("%-26s %s after %4d iterations, loss %.10f\n", name, r.converged ? "converged" : "stopped  ",
              r.iterations, r.loss);
}

}  // namespace

int main() {
  // 30 measurements and a 0/1 label per row, after a header line.
  const auto raw = data::load_labeled_csv(XGRAD_SOURCE_DIR "/datasets/breast_cancer.csv",
                                          data::CsvOptions().skip_rows(1).dtype(kFloat64));
  const Tensor features = data::Standardizer().fit_transform(raw.features);
  const Problem pb{cat({features, ones({features.size(0), 1}, TensorOptions(kFloat64))}, 1), raw.labels.to(kFloat64)};
  const Tensor w0 = zeros({features.size(1) + 1}, TensorOptions(kFloat64));

  const Run full = newton(pb, w0, false), free = newton(pb, w0, true);
  const Run opt_full = newton_optimizer(pb, w0, false), opt_free = newton_optimizer(pb, w0, true);
  const Run quasi = lbfgs(pb, w0), gd = gradient_descent(pb, w0, 5000);
  print("Newton (Cholesky)", full);
  print("Newton (Hessian-free, CG)", free);
  print("optim::Newton", opt_full);
  print("optim::Newton hessian_free", opt_free);
  print("L-BFGS", quasi);
  print("gradient descent", gd);
  bool ok = readme_example() && std::abs(full.loss - quasi.loss) < 1e-9;
  for (const Run& r : {full, free, opt_full, opt_free}) {
    ok = ok && r.converged && r.iterations < 10 && std::abs(r.loss - full.loss) < 1e-9;
  }
  std::printf("%s\n", ok ? "OK: Newton converges in under 10 iterations" : "FAILED");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
