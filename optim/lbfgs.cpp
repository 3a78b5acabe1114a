#include "lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

// ---- options -------------------------------------------------------------------------------

std::map<std::string, double> LBFGSOptions::to_map() const {
  return {{"lr", lr()},
          {"max_iter", static_cast<double>(max_iter())},
          {"max_eval", static_cast<double>(resolved_max_eval())},
          {"tolerance_grad", tolerance_grad()},
          {"tolerance_change", tolerance_change()},
          {"history_size", static_cast<double>(history_size())},
          {"line_search_strong_wolfe", line_search_fn() ? 1.0 : 0.0}};
}

void LBFGSOptions::from_map(const std::map<std::string, double>& values) {
  LBFGSOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "max_iter") o.max_iter(static_cast<std::int64_t>(v));
    else if (k == "max_eval") o.max_eval(static_cast<std::int64_t>(v));
    else if (k == "tolerance_grad") o.tolerance_grad(v);
    else if (k == "tolerance_change") o.tolerance_change(v);
    else if (k == "history_size") o.history_size(static_cast<std::int64_t>(v));
    else if (k == "line_search_strong_wolfe")
      o.line_search_fn(v != 0 ? std::optional<std::string>("strong_wolfe") : std::nullopt);
    else detail::unknown_option("LBFGS", k);
  }
  o.validate();
  *this = o;
}

void LBFGSOptions::validate() const {
  using detail::require;
  require(lr() >= 0, "LBFGS", "learning rate", lr(), "must be >= 0");
  require(max_iter() >= 1, "LBFGS", "max_iter", static_cast<double>(max_iter()), "must be >= 1");
  require(resolved_max_eval() >= 1, "LBFGS", "max_eval", static_cast<double>(resolved_max_eval()), "must be >= 1");
  require(history_size() >= 1, "LBFGS", "history_size", static_cast<double>(history_size()), "must be >= 1");
  require(tolerance_grad() >= 0, "LBFGS", "tolerance_grad", tolerance_grad(), "must be >= 0");
  require(tolerance_change() >= 0, "LBFGS", "tolerance_change", tolerance_change(), "must be >= 0");
  if (line_search_fn() && *line_search_fn() != "strong_wolfe") {
    throw std::invalid_argument("LBFGS: invalid line_search_fn '" + *line_search_fn() +
                                "' (only 'strong_wolfe' is supported)");
  }
}

// ---- vector helpers (the flat parameter space) -------------------------------------------------

namespace {

using Vec = std::vector<double>;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const Vec& a) {
  double m = 0;
  for (double v : a) m = std::max(m, std::abs(v));
  return m;
}

// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds (by
// default the interval between the points); the midpoint when the cubic has no minimum.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  auto [lo, hi] = bounds ? *bounds : (x1 <= x2 ? std::pair{x1, x2} : std::pair{x2, x1});
  const double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  const double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    const double d2 = std::sqrt(d2_square);
    const double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                                    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, lo), hi);
  }
  return (lo + hi) / 2.0;
}

struct Point {
  double t, f;
  Vec g;
  double gtd;
};

struct LineSearchResult {
  double f;
  Vec g;
  double t;
  std::int64_t evals;
};

// The zoom phase's next trial step: the cubic minimiser inside the bracket, moved 10% inside
// when it lies too close to an end after two such tries in a row (or outside the bracket).
double zoom_step(const std::vector<Point>& bracket, bool& insuf_progress) {
  double t = cubic_interpolate(bracket[0].t, bracket[0].f, bracket[0].gtd, bracket[1].t, bracket[1].f, bracket[1].gtd);
  const double b_max = std::max(bracket[0].t, bracket[1].t), b_min = std::min(bracket[0].t, bracket[1].t);
  const double eps = 0.1 * (b_max - b_min);
  if (std::min(b_max - t, t - b_min) < eps) {
    if (insuf_progress || t >= b_max || t <= b_min) {
      t = std::abs(t - b_max) < std::abs(t - b_min) ? b_max - eps : b_min + eps;
      insuf_progress = false;
    } else {
      insuf_progress = true;
    }
  } else {
    insuf_progress = false;
  }
  return t;
}

// The strong-Wolfe line search of minFunc (as torch.optim.lbfgs._strong_wolfe): bracket a step
// satisfying both Wolfe conditions, then zoom in by cubic interpolation.
template <class Obj>
LineSearchResult strong_wolfe(Obj&& obj, double t, const Vec& d, double f, const Vec& g, double gtd, double c1 = 1e-4,
                              double c2 = 0.9, double tolerance_change = 1e-9, std::int64_t max_ls = 25) {
  const double d_norm = max_abs(d);
  double f_new;
  Vec g_new;
  std::tie(f_new, g_new) = obj(t, d);
  std::int64_t evals = 1;
  double gtd_new = dot(g_new, d);

  Point prev{0, f, g, gtd};
  std::vector<Point> bracket;
  bool done = false;
  std::int64_t ls_iter = 0;
  while (ls_iter < max_ls) {
    if (f_new > f + c1 * t * gtd || (ls_iter > 1 && f_new >= prev.f)) {
      bracket = {prev, {t, f_new, g_new, gtd_new}};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {{t, f_new, g_new, gtd_new}};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {prev, {t, f_new, g_new, gtd_new}};
      break;
    }
    const double min_step = t + 0.01 * (t - prev.t), max_step = t * 10;
    const double t_old = t;
    t = cubic_interpolate(prev.t, prev.f, prev.gtd, t, f_new, gtd_new, std::pair{min_step, max_step});
    prev = {t_old, f_new, g_new, gtd_new};
    std::tie(f_new, g_new) = obj(t, d);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
  }
  if (ls_iter == max_ls) bracket = {{0, f, g, gtd}, {t, f_new, g_new, gtd_new}};

  // Zoom: shrink the bracket until a point satisfies the conditions.
  bool insuf_progress = false;
  auto order = [&](std::size_t& low, std::size_t& high) {
    low = bracket.front().f <= bracket.back().f ? 0 : 1;
    high = 1 - low;
  };
  std::size_t low = 0, high = 1;
  order(low, high);
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change) break;
    t = zoom_step(bracket, insuf_progress);
    std::tie(f_new, g_new) = obj(t, d);
    ++evals;
    gtd_new = dot(g_new, d);
    ++ls_iter;
    if (f_new > f + c1 * t * gtd || f_new >= bracket[low].f) {
      bracket[high] = {t, f_new, g_new, gtd_new};
      order(low, high);
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high].t - bracket[low].t) >= 0) {
        bracket[high] = bracket[low];
      }
      bracket[low] = {t, f_new, g_new, gtd_new};
    }
  }
  Point& best = bracket[low];
  return {best.f, std::move(best.g), best.t, evals};
}

template <class F>
void with_param_data(const Tensor& p, F&& f) {
  Tensor target = p.is_contiguous() ? p : p.contiguous();
  if (p.dtype() == Dtype::Float32) f(target.impl()->data_as<float>(), p.numel());
  else f(target.impl()->data_as<double>(), p.numel());
  if (!target.is_same(p)) {
    Tensor dst = p;
    dst.copy_(target);
  } else {
    p.impl()->storage->bump_version();
  }
}

}  // namespace

// ---- LBFGS -------------------------------------------------------------------------------------

LBFGS::LBFGS(std::vector<Tensor> params, const LBFGSOptions& options)
    : Optimizer("LBFGS", std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options.clone()) {}

void LBFGS::add_param_group(const OptimizerParamGroup&) {
  throw std::invalid_argument("LBFGS: doesn't support per-parameter options (parameter groups)");
}

LBFGS::Vec LBFGS::gather_flat_grad() const {
  Vec flat;
  for (const Tensor& p : groups_[0].params()) {
    Tensor g = p.grad();
    if (!g.defined()) {
      flat.insert(flat.end(), static_cast<std::size_t>(p.numel()), 0.0);
    } else {
      Vec v = g.to_vector<double>();
      flat.insert(flat.end(), v.begin(), v.end());
    }
  }
  return flat;
}

void LBFGS::add_to_params(double step, const Vec& direction) {
  std::size_t offset = 0;
  for (const Tensor& p : groups_[0].params()) {
    with_param_data(p, [&](auto* data, std::int64_t n) {
      using T = std::remove_pointer_t<decltype(data)>;
      const T s = static_cast<T>(step);
      for (std::int64_t i = 0; i < n; ++i)
        data[i] = data[i] + s * static_cast<T>(direction[offset + static_cast<std::size_t>(i)]);
    });
    offset += static_cast<std::size_t>(p.numel());
  }
}

double LBFGS::evaluate(const LossClosure& closure) {
  Tensor loss = run_closure(closure);
  if (!loss.defined() || loss.numel() != 1) {
    throw std::invalid_argument("LBFGS: the closure must return the loss as a one-element tensor");
  }
  return loss.item<double>();
}

Tensor LBFGS::step(LossClosure closure) {
  if (!closure)
    throw std::invalid_argument("LBFGS: step() requires a closure that re-evaluates the model and returns the loss");
  NoGradGuard no_grad;
  const auto& o = static_cast<const LBFGSOptions&>(groups_[0].options());
  const double lr = o.lr(), tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const auto history_size = static_cast<std::size_t>(o.history_size());

  // ---- first evaluation: the loss this step returns, and a stop if already at a minimum
  Tensor orig_loss = run_closure(closure);
  if (!orig_loss.defined() || orig_loss.numel() != 1) {
    throw std::invalid_argument("LBFGS: the closure must return the loss as a one-element tensor");
  }
  double loss = orig_loss.item<double>();
  std::int64_t current_evals = 1;
  ++func_evals_;
  Vec flat_grad = gather_flat_grad();
  bool opt_cond = max_abs(flat_grad) <= tolerance_grad;
  if (opt_cond) return orig_loss;

  std::int64_t n_iter = 0;
  while (n_iter < o.max_iter()) {
    ++n_iter;
    ++n_iter_;
    // ---- direction: -H g with the two-loop recursion over the stored curvature pairs
    if (n_iter_ == 1) {
      d_.resize(flat_grad.size());
      for (std::size_t i = 0; i < d_.size(); ++i) d_[i] = -flat_grad[i];
      old_dirs_.clear();
      old_stps_.clear();
      ro_.clear();
      h_diag_ = 1;
    } else {
      // Update the curvature memory with the last step s and change of gradient y.
      Vec y(flat_grad.size()), s(flat_grad.size());
      for (std::size_t i = 0; i < y.size(); ++i) {
        y[i] = flat_grad[i] - prev_flat_grad_[i];
        s[i] = d_[i] * t_;
      }
      const double ys = dot(y, s);
      if (ys > 1e-10) {  // keep only pairs with positive curvature
        if (old_dirs_.size() == history_size) {
          old_dirs_.erase(old_dirs_.begin());
          old_stps_.erase(old_stps_.begin());
          ro_.erase(ro_.begin());
        }
        h_diag_ = ys / dot(y, y);
        old_dirs_.push_back(std::move(y));
        old_stps_.push_back(std::move(s));
        ro_.push_back(1.0 / ys);
      }
      // Two-loop recursion: q = -H g with H the inverse Hessian approximation.
      const std::size_t num_old = old_dirs_.size();
      Vec al(num_old);
      Vec q(flat_grad.size());
      for (std::size_t i = 0; i < q.size(); ++i) q[i] = -flat_grad[i];
      for (std::size_t i = num_old; i-- > 0;) {
        al[i] = dot(old_stps_[i], q) * ro_[i];
        for (std::size_t k = 0; k < q.size(); ++k) q[k] += -al[i] * old_dirs_[i][k];
      }
      for (double& v : q) v *= h_diag_;
      for (std::size_t i = 0; i < num_old; ++i) {
        const double be_i = dot(old_dirs_[i], q) * ro_[i];
        for (std::size_t k = 0; k < q.size(); ++k) q[k] += (al[i] - be_i) * old_stps_[i][k];
      }
      d_ = std::move(q);
    }
    prev_flat_grad_ = flat_grad;
    prev_loss_ = loss;

    // ---- step length
    if (n_iter_ == 1) {
      double abs_sum = 0;
      for (double v : flat_grad) abs_sum += std::abs(v);
      t_ = std::min(1.0, 1.0 / abs_sum) * lr;
    } else {
      t_ = lr;
    }
    const double gtd = dot(flat_grad, d_);
    if (gtd > -tolerance_change) break;  // not a descent direction any more

    // ---- the update: a strong-Wolfe line search along d, or a fixed step of length t
    std::int64_t ls_func_evals = 0;
    if (o.line_search_fn()) {
      std::vector<Tensor> x_init;
      for (const Tensor& p : groups_[0].params()) x_init.push_back(p.detach().clone());
      auto obj = [&](double t, const Vec& d) {
        add_to_params(t, d);
        double f = evaluate(closure);
        Vec g = gather_flat_grad();
        for (std::size_t i = 0; i < x_init.size(); ++i) {
          Tensor p = groups_[0].params()[i];
          p.copy_(x_init[i]);
        }
        return std::pair<double, Vec>{f, std::move(g)};
      };
      auto r = strong_wolfe(obj, t_, d_, loss, flat_grad, gtd);
      loss = r.f;
      flat_grad = std::move(r.g);
      t_ = r.t;
      ls_func_evals = r.evals;
      add_to_params(t_, d_);
      opt_cond = max_abs(flat_grad) <= tolerance_grad;
    } else {
      add_to_params(t_, d_);
      if (n_iter != o.max_iter()) {
        // Re-evaluate only when another iteration follows (in a stochastic setting the
        // value would be of no use).
        loss = evaluate(closure);
        flat_grad = gather_flat_grad();
        opt_cond = max_abs(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals_ += ls_func_evals;

    // ---- stopping conditions
    if (n_iter == o.max_iter()) break;
    if (current_evals >= o.resolved_max_eval()) break;
    if (opt_cond) break;
    if (max_abs(d_) * std::abs(t_) <= tolerance_change) break;
    if (std::abs(loss - prev_loss_) < tolerance_change) break;
  }
  return orig_loss;
}

// ---- state_dict ------------------------------------------------------------------------------

namespace {
Tensor vec_tensor(const Vec& v) { return tensor(v, {static_cast<std::int64_t>(v.size())}); }
}  // namespace

void LBFGS::save_extra_state(std::map<std::string, Tensor>& out) const {
  if (n_iter_ == 0 && func_evals_ == 0) return;
  const std::string k = "state.global.";
  out[k + "func_evals"] = scalar_tensor(static_cast<double>(func_evals_), kInt64);
  out[k + "n_iter"] = scalar_tensor(static_cast<double>(n_iter_), kInt64);
  out[k + "t"] = scalar_tensor(t_, kFloat64);
  out[k + "H_diag"] = scalar_tensor(h_diag_, kFloat64);
  out[k + "prev_loss"] = scalar_tensor(prev_loss_, kFloat64);
  out[k + "d"] = vec_tensor(d_);
  out[k + "prev_flat_grad"] = vec_tensor(prev_flat_grad_);
  out[k + "ro"] = vec_tensor(ro_);
  for (std::size_t i = 0; i < old_dirs_.size(); ++i) {
    out[k + "old_dirs." + std::to_string(i)] = vec_tensor(old_dirs_[i]);
    out[k + "old_stps." + std::to_string(i)] = vec_tensor(old_stps_[i]);
  }
}

void LBFGS::load_extra_state(const std::map<std::string, Tensor>& in) {
  const std::string k = "state.global.";
  auto find = [&](const std::string& name) -> const Tensor* {
    auto it = in.find(k + name);
    return it == in.end() ? nullptr : &it->second;
  };
  if (!find("n_iter")) {  // saved before the first step: start afresh
    func_evals_ = n_iter_ = 0;
    d_.clear();
    prev_flat_grad_.clear();
    old_dirs_.clear();
    old_stps_.clear();
    ro_.clear();
    t_ = 0;
    h_diag_ = 1;
    prev_loss_ = 0;
    return;
  }
  std::int64_t numel = 0;
  for (const Tensor& p : groups_[0].params()) numel += p.numel();
  auto vec = [&](const std::string& name, bool flat_param) {
    const Tensor* t = find(name);
    if (!t) throw std::invalid_argument("LBFGS.load_state_dict: missing key '" + k + name + "'");
    if (flat_param && t->numel() != numel) {
      throw std::invalid_argument("LBFGS.load_state_dict: '" + k + name + "' has " + std::to_string(t->numel()) +
                                  " elements but the parameters have " + std::to_string(numel));
    }
    return t->to_vector<double>();
  };
  auto number = [&](const std::string& name) { return vec(name, false).at(0); };
  std::vector<Vec> dirs, stps;
  for (std::size_t i = 0; find("old_dirs." + std::to_string(i)); ++i) {
    dirs.push_back(vec("old_dirs." + std::to_string(i), true));
    stps.push_back(vec("old_stps." + std::to_string(i), true));
  }
  Vec ro = vec("ro", false);
  if (ro.size() != dirs.size()) {
    throw std::invalid_argument("LBFGS.load_state_dict: " + std::to_string(ro.size()) + " curvature factors 'ro' for " +
                                std::to_string(dirs.size()) + " stored directions");
  }
  Vec d = vec("d", true), prev = vec("prev_flat_grad", true);
  const double t = number("t"), h = number("H_diag"), prev_loss = number("prev_loss");
  func_evals_ = static_cast<std::int64_t>(number("func_evals"));
  n_iter_ = static_cast<std::int64_t>(number("n_iter"));
  d_ = std::move(d);
  prev_flat_grad_ = std::move(prev);
  old_dirs_ = std::move(dirs);
  old_stps_ = std::move(stps);
  ro_ = std::move(ro);
  t_ = t;
  h_diag_ = h;
  prev_loss_ = prev_loss;
}

}  // namespace xgrad::optim
