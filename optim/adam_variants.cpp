#include "adam_variants.hpp"

#include <cmath>

#include "options_check.hpp"
#include "state_buffers.hpp"

namespace xgrad::optim {

namespace {

// The options every Adam relative has, by name; `extra` adds the others.
template <class O>
std::map<std::string, double> common_to_map(const O& o, std::map<std::string, double> extra) {
  extra.insert({{"lr", o.lr()},
                {"betas.0", std::get<0>(o.betas())},
                {"betas.1", std::get<1>(o.betas())},
                {"eps", o.eps()},
                {"weight_decay", o.weight_decay()},
                {"maximize", o.maximize() ? 1.0 : 0.0}});
  return extra;
}

// Sets the common options; `extra(o, key, value)` sets the others and returns false for an
// unknown key.
template <class O, class Extra>
void common_from_map(O& self, const std::map<std::string, double>& values, Extra&& extra) {
  O o = self;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "betas.0") o.betas({v, std::get<1>(o.betas())});
    else if (k == "betas.1") o.betas({std::get<0>(o.betas()), v});
    else if (k == "eps") o.eps(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "maximize") o.maximize(v != 0);
    else if (!extra(o, k, v)) detail::unknown_option(o.optimizer_name(), k);
  }
  o.validate();
  self = o;
}

template <class O>
void common_validate(const O& o) {
  using detail::require;
  const char* name = o.optimizer_name();
  const double b1 = std::get<0>(o.betas()), b2 = std::get<1>(o.betas());
  require(o.lr() >= 0, name, "learning rate", o.lr(), "must be >= 0");
  require(o.eps() >= 0, name, "epsilon value", o.eps(), "must be >= 0");
  require(b1 >= 0 && b1 < 1, name, "beta parameter at index 0", b1, "must be in [0, 1)");
  require(b2 >= 0 && b2 < 1, name, "beta parameter at index 1", b2, "must be in [0, 1)");
  require(o.weight_decay() >= 0, name, "weight_decay value", o.weight_decay(), "must be >= 0");
}

template <class V>
V vabs(const V& a) {
  using std::abs;
  return abs(a);
}

// The gradient after maximize and weight decay, shared by NAdam and RAdam (`decoupled`
// shrinks p instead of adding to g).
struct DecayRule {
  bool maximize, l2, decoupled;
  template <class G, class P, class T>
  void apply(G& g, P& pv, T wd, T shrink) const {
    if (maximize) g = -g;
    if (decoupled) pv = pv * shrink;
    if (l2) g = g + wd * pv;
  }
};

template <class O>
DecayRule decay_rule(const O& o) {
  const bool decay = o.weight_decay() != 0;
  return {o.maximize(), decay && !o.decoupled_weight_decay(), decay && o.decoupled_weight_decay()};
}

}  // namespace

// ---- options ---------------------------------------------------------------------------------

std::map<std::string, double> AdamaxOptions::to_map() const { return common_to_map(*this, {}); }
void AdamaxOptions::from_map(const std::map<std::string, double>& values) {
  common_from_map(*this, values, [](AdamaxOptions&, const std::string&, double) { return false; });
}
void AdamaxOptions::validate() const { common_validate(*this); }

std::map<std::string, double> NAdamOptions::to_map() const {
  return common_to_map(
      *this, {{"momentum_decay", momentum_decay()}, {"decoupled_weight_decay", decoupled_weight_decay() ? 1.0 : 0.0}});
}
void NAdamOptions::from_map(const std::map<std::string, double>& values) {
  common_from_map(*this, values, [](NAdamOptions& o, const std::string& k, double v) {
    if (k == "momentum_decay") o.momentum_decay(v);
    else if (k == "decoupled_weight_decay") o.decoupled_weight_decay(v != 0);
    else return false;
    return true;
  });
}
void NAdamOptions::validate() const {
  common_validate(*this);
  detail::require(momentum_decay() >= 0, "NAdam", "momentum_decay value", momentum_decay(), "must be >= 0");
}

std::map<std::string, double> RAdamOptions::to_map() const {
  return common_to_map(*this, {{"decoupled_weight_decay", decoupled_weight_decay() ? 1.0 : 0.0}});
}
void RAdamOptions::from_map(const std::map<std::string, double>& values) {
  common_from_map(*this, values, [](RAdamOptions& o, const std::string& k, double v) {
    if (k != "decoupled_weight_decay") return false;
    o.decoupled_weight_decay(v != 0);
    return true;
  });
}
void RAdamOptions::validate() const { common_validate(*this); }

// ---- optimizers ------------------------------------------------------------------------------

Adamax::Adamax(std::vector<Tensor> params, const AdamaxOptions& options)
    : Adamax(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
Adamax::Adamax(std::vector<OptimizerParamGroup> groups, const AdamaxOptions& defaults)
    : Optimizer("Adamax", std::move(groups), defaults.clone()) {}
NAdam::NAdam(std::vector<Tensor> params, const NAdamOptions& options)
    : NAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
NAdam::NAdam(std::vector<OptimizerParamGroup> groups, const NAdamOptions& defaults)
    : Optimizer("NAdam", std::move(groups), defaults.clone()) {}
RAdam::RAdam(std::vector<Tensor> params, const RAdamOptions& options)
    : RAdam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
RAdam::RAdam(std::vector<OptimizerParamGroup> groups, const RAdamOptions& defaults)
    : Optimizer("RAdam", std::move(groups), defaults.clone()) {}

Tensor Adamax::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const AdamaxOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      Tensor m = detail::state_buffer(st, p, "exp_avg"), u = detail::state_buffer(st, p, "exp_inf");
      const double clr = o.lr() / (1 - std::pow(beta1, static_cast<double>(++st.step)));
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
        const T wd = static_cast<T>(o.weight_decay()), w1 = static_cast<T>(1 - beta1);
        const T b2 = static_cast<T>(beta2), eps = static_cast<T>(o.eps()), neg_clr = static_cast<T>(-clr);
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& mv, auto& uv) {
              if (maximize) g = -g;
              if (decay) g = g + wd * pv;
              mv = detail::lerp(mv, g, w1);
              uv = detail::vmax(uv * b2, vabs(g) + eps);
              pv = pv + neg_clr * mv / uv;
            },
            gd, pd, m.impl()->template data_as<T>(), u.impl()->template data_as<T>());
      });
    }
  }
  return loss;
}

Tensor NAdam::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const NAdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      double& mu_product = detail::scalar_state(st, "mu_product", 1.0);
      Tensor m = detail::state_buffer(st, p, "exp_avg"), v = detail::state_buffer(st, p, "exp_avg_sq");
      const auto step = static_cast<double>(++st.step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, step * o.momentum_decay()));
      const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (step + 1) * o.momentum_decay()));
      mu_product *= mu;
      const double grad_coef = -o.lr() * (1.0 - mu) / (1.0 - mu_product);
      const double avg_coef = (-o.lr() * mu_next) / (1.0 - mu_product * mu_next);
      const DecayRule rule = decay_rule(o);
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const T wd = static_cast<T>(o.weight_decay()), shrink = static_cast<T>(1 - o.lr() * o.weight_decay());
        const T w1 = static_cast<T>(1 - beta1), b2 = static_cast<T>(beta2), w2 = static_cast<T>(1 - beta2);
        const T bc2 = static_cast<T>(bias_correction2), eps = static_cast<T>(o.eps());
        const T c1 = static_cast<T>(grad_coef), c2 = static_cast<T>(avg_coef);
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& mv, auto& vv) {
              rule.apply(g, pv, wd, shrink);
              mv = detail::lerp(mv, g, w1);
              vv = vv * b2 + w2 * g * g;
              const auto denom = detail::vsqrt(vv / bc2) + eps;
              pv = pv + c1 * g / denom;
              pv = pv + c2 * mv / denom;
            },
            gd, pd, m.impl()->template data_as<T>(), v.impl()->template data_as<T>());
      });
    }
  }
  return loss;
}

Tensor RAdam::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const RAdamOptions&>(group.options());
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      Tensor m = detail::state_buffer(st, p, "exp_avg"), v = detail::state_buffer(st, p, "exp_avg_sq");
      const auto step = static_cast<double>(++st.step);
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const double rho_inf = 2 / (1 - beta2) - 1;
      const double rho_t = rho_inf - 2 * step * std::pow(beta2, step) / bias_correction2;
      // Below rho_t = 5 the variance of the adaptive rate is intractable: plain momentum SGD.
      const bool rectify = rho_t > 5.0;
      const double rect =
          rectify ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) : 0.0;
      const DecayRule rule = decay_rule(o);
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const T wd = static_cast<T>(o.weight_decay()), shrink = static_cast<T>(1 - o.lr() * o.weight_decay());
        const T w1 = static_cast<T>(1 - beta1), b2 = static_cast<T>(beta2), w2 = static_cast<T>(1 - beta2);
        const T bc1 = static_cast<T>(bias_correction1), bc2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
        const T lr = static_cast<T>(o.lr()), eps = static_cast<T>(o.eps()), r = static_cast<T>(rect);
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& mv, auto& vv) {
              rule.apply(g, pv, wd, shrink);
              mv = detail::lerp(mv, g, w1);
              vv = vv * b2 + w2 * g * g;
              const auto corrected = mv / bc1 * lr;
              if (rectify) pv = pv - corrected * (bc2_sqrt / (detail::vsqrt(vv) + eps)) * r;
              else pv = pv - corrected;
            },
            gd, pd, m.impl()->template data_as<T>(), v.impl()->template data_as<T>());
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
