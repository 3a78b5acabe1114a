#include "newton.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xadapt.hpp>
#include <xtensor/xbuilder.hpp>

#include "../autograd/engine.hpp"
#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

std::map<std::string, double> NewtonOptions::to_map() const {
  return {{"lr", lr()},
          {"damping", damping()},
          {"line_search", line_search() ? 1.0 : 0.0},
          {"max_line_search", static_cast<double>(max_line_search())},
          {"hessian_free", hessian_free() ? 1.0 : 0.0},
          {"cg_max_iter", static_cast<double>(cg_max_iter())},
          {"cg_tolerance", cg_tolerance()},
          {"tolerance_grad", tolerance_grad()}};
}

void NewtonOptions::from_map(const std::map<std::string, double>& values) {
  NewtonOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "damping") o.damping(v);
    else if (k == "line_search") o.line_search(v != 0);
    else if (k == "max_line_search") o.max_line_search(static_cast<std::int64_t>(v));
    else if (k == "hessian_free") o.hessian_free(v != 0);
    else if (k == "cg_max_iter") o.cg_max_iter(static_cast<std::int64_t>(v));
    else if (k == "cg_tolerance") o.cg_tolerance(v);
    else if (k == "tolerance_grad") o.tolerance_grad(v);
    else detail::unknown_option("Newton", k);
  }
  o.validate();
  *this = o;
}

void NewtonOptions::validate() const {
  using detail::require;
  require(lr() > 0, "Newton", "learning rate", lr(), "must be > 0");
  require(damping() >= 0, "Newton", "damping", damping(), "must be >= 0");
  require(max_line_search() >= 1, "Newton", "max_line_search", static_cast<double>(max_line_search()), "must be >= 1");
  require(cg_max_iter() >= 0, "Newton", "cg_max_iter", static_cast<double>(cg_max_iter()), "must be >= 0");
  require(cg_tolerance() >= 0, "Newton", "cg_tolerance", cg_tolerance(), "must be >= 0");
  require(tolerance_grad() >= 0, "Newton", "tolerance_grad", tolerance_grad(), "must be >= 0");
}

namespace {
double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
}  // namespace

Newton::Newton(std::vector<Tensor> params, const NewtonOptions& options)
    : Optimizer("Newton", std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options.clone()) {}

void Newton::add_param_group(const OptimizerParamGroup&) {
  throw std::invalid_argument("Newton: doesn't support per-parameter options (parameter groups)");
}

Newton::Vec Newton::flat_grad(tensor_list& grads) const {
  Vec flat;
  bool any_graph = false;
  for (const Tensor& p : groups_[0].params()) {
    Tensor g = p.grad();
    grads.push_back(g);
    if (!g.defined()) {
      flat.insert(flat.end(), static_cast<std::size_t>(p.numel()), 0.0);
      continue;
    }
    any_graph = any_graph || g.requires_grad();
    Vec v = g.to_vector<double>();
    flat.insert(flat.end(), v.begin(), v.end());
  }
  // A gradient may be constant (a term linear in its parameter); all of them constant means
  // backward ran without create_graph, and every Hessian product would be silently zero.
  if (!any_graph) {
    throw std::invalid_argument(
        "Newton: no gradient in .grad() can be differentiated again: the closure must call "
        "backward with create_graph=true (or the loss is linear in the parameters and has no Newton step)");
  }
  return flat;
}

Newton::Vec Newton::hessian_times(const tensor_list& grads, const Vec& v) const {
  tensor_list outs, gos, params;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    const Tensor& p = groups_[0].params()[i];
    const auto n = static_cast<std::size_t>(p.numel());
    params.push_back(p);
    if (grads[i].defined() && grads[i].requires_grad()) {
      Vec piece(v.begin() + static_cast<std::ptrdiff_t>(offset), v.begin() + static_cast<std::ptrdiff_t>(offset + n));
      outs.push_back(grads[i]);
      gos.push_back(tensor(piece, {p.numel()}, TensorOptions(p.dtype())).reshape(p.shape()));
    }
    offset += n;
  }
  tensor_list hv = autograd::grad(outs, params, gos, /*retain_graph=*/true, false, /*allow_unused=*/true);
  const double damping = static_cast<const NewtonOptions&>(groups_[0].options()).damping();
  Vec flat;
  for (std::size_t i = 0; i < hv.size(); ++i) {
    Vec part = hv[i].defined() ? hv[i].to_vector<double>() : Vec(static_cast<std::size_t>(params[i].numel()), 0.0);
    flat.insert(flat.end(), part.begin(), part.end());
  }
  for (std::size_t k = 0; k < flat.size(); ++k) flat[k] += damping * v[k];
  return flat;
}

// The whole Hessian, one column per backward, then Cholesky; not positive definite: tau * I
// added, growing tenfold, until it is (the direction then bends towards -g).
Newton::Vec Newton::full_direction(const tensor_list& grads, const Vec& g) const {
  const std::size_t n = g.size();
  xt::xarray<double> h = xt::zeros<double>({n, n});
  for (std::size_t k = 0; k < n; ++k) {
    Vec e(n, 0.0);
    e[k] = 1;
    Vec col = hessian_times(grads, e);
    for (std::size_t r = 0; r < n; ++r) h(r, k) = col[r];
  }
  h = 0.5 * (h + xt::transpose(h));  // symmetric to rounding; Cholesky reads one triangle
  xt::xarray<double> rhs = xt::adapt(g, std::vector<std::size_t>{n});
  rhs = -rhs;
  // Nocedal & Wright's Algorithm 3.3: tau from beta - min H_ii (when that is not positive),
  // doubling. Starting past the most negative diagonal entry keeps tau from cancelling it to
  // a pivot near zero, which would give a huge step.
  double scale = 1, min_diag = h(0, 0);
  for (std::size_t k = 0; k < n; ++k) {
    scale = std::max(scale, std::abs(h(k, k)));
    min_diag = std::min(min_diag, h(k, k));
  }
  const double beta = 1e-3 * scale;
  double tau = min_diag > 0 ? 0 : beta - min_diag;
  for (int attempt = 0; attempt < 100; ++attempt, tau = std::max(2 * tau, beta)) {
    try {
      xt::xarray<double> l = xt::linalg::cholesky(h + tau * xt::eye<double>(n));
      xt::xarray<double> p = xt::linalg::solve_cholesky(l, rhs);
      return Vec(p.begin(), p.end());
    } catch (const std::runtime_error&) {
    }
  }
  Vec p(n);
  for (std::size_t k = 0; k < n; ++k) p[k] = -g[k];
  return p;
}

// Conjugate gradient on H p = -g, stopped at |r| <= cg_tolerance |g|, after cg_max_iter
// products, or at non-positive curvature (then the iterate so far, -g on the first).
Newton::Vec Newton::cg_direction(const tensor_list& grads, const Vec& g) {
  const auto& o = static_cast<const NewtonOptions&>(groups_[0].options());
  const std::size_t n = g.size();
  const std::int64_t max_iter = o.cg_max_iter() > 0 ? o.cg_max_iter() : static_cast<std::int64_t>(n);
  Vec p(n, 0.0), r(n), d(n);
  for (std::size_t k = 0; k < n; ++k) r[k] = d[k] = -g[k];
  double rr = dot(r, r);
  const double stop = o.cg_tolerance() * o.cg_tolerance() * rr;
  for (std::int64_t it = 0; it < max_iter && rr > stop; ++it) {
    Vec hd = hessian_times(grads, d);
    ++cg_iters_;
    const double curvature = dot(d, hd);
    if (curvature <= 0) return it == 0 ? r : p;
    const double alpha = rr / curvature;
    for (std::size_t k = 0; k < n; ++k) {
      p[k] += alpha * d[k];
      r[k] -= alpha * hd[k];
    }
    const double rr_new = dot(r, r);
    for (std::size_t k = 0; k < n; ++k) d[k] = r[k] + (rr_new / rr) * d[k];
    rr = rr_new;
  }
  return p;
}

void Newton::add_to_params(double step, const Vec& direction) {
  NoGradGuard no_grad;
  std::size_t offset = 0;
  for (Tensor p : groups_[0].params()) {
    const auto n = static_cast<std::size_t>(p.numel());
    Vec piece(direction.begin() + static_cast<std::ptrdiff_t>(offset),
              direction.begin() + static_cast<std::ptrdiff_t>(offset + n));
    p.add_(tensor(piece, {p.numel()}, TensorOptions(p.dtype())).reshape(p.shape()), step);
    offset += n;
  }
}

// The gradients' graphs (from create_graph) are freed; their values stay.
void Newton::detach_grads() {
  for (const Tensor& p : groups_[0].params()) {
    if (p.grad().defined()) p.set_grad(p.grad().detach());
  }
}

// Backtracking from x + lr p (where the parameters are) while the Armijo condition fails; no
// acceptable step in max_line_search halvings: back to x.
void Newton::line_search(const LossClosure& closure, double f0, double slope, const Vec& p) {
  const auto& o = static_cast<const NewtonOptions&>(groups_[0].options());
  double t = o.lr();
  for (std::int64_t i = 0; i < o.max_line_search(); ++i) {
    const double f = run_closure(closure).item<double>();
    ++func_evals_;
    if (f <= f0 + 1e-4 * t * slope) return;
    add_to_params(-t / 2, p);  // from x + t p to x + (t / 2) p
    t /= 2;
  }
  add_to_params(-t, p);
}

Tensor Newton::step(LossClosure closure) {
  if (!closure)
    throw std::invalid_argument("Newton: step() requires a closure that re-evaluates the model and returns the loss");
  const auto& o = static_cast<const NewtonOptions&>(groups_[0].options());
  Tensor loss = run_closure(closure);
  ++func_evals_;
  if (!loss.defined() || loss.numel() != 1)
    throw std::invalid_argument("Newton: the closure must return the loss as a one-element tensor");
  tensor_list grads;
  const Vec g = flat_grad(grads);
  double gmax = 0;
  for (double x : g) gmax = std::max(gmax, std::abs(x));
  if (gmax <= o.tolerance_grad()) {
    detach_grads();
    return loss;
  }
  Vec p = o.hessian_free() ? cg_direction(grads, g) : full_direction(grads, g);
  double slope = dot(g, p);
  if (!(slope < 0)) {  // not a descent direction (or NaN): steepest descent instead
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = -g[k];
    slope = -dot(g, g);
  }
  grads.clear();
  detach_grads();
  add_to_params(o.lr(), p);
  if (o.line_search()) line_search(closure, loss.item<double>(), slope, p);
  detach_grads();
  ++n_iter_;
  return loss;
}

}  // namespace xgrad::optim
