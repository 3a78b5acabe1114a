#include "asgd.hpp"

#include <algorithm>
#include <cmath>

#include "options_check.hpp"
#include "state_buffers.hpp"

namespace xgrad::optim {

std::map<std::string, double> ASGDOptions::to_map() const {
  return {{"lr", lr()},
          {"lambd", lambd()},
          {"alpha", alpha()},
          {"t0", t0()},
          {"weight_decay", weight_decay()},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void ASGDOptions::from_map(const std::map<std::string, double>& values) {
  ASGDOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "lambd") o.lambd(v);
    else if (k == "alpha") o.alpha(v);
    else if (k == "t0") o.t0(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("ASGD", k);
  }
  o.validate();
  *this = o;
}

void ASGDOptions::validate() const {
  detail::require(lr() >= 0, "ASGD", "learning rate", lr(), "must be >= 0");
  detail::require(weight_decay() >= 0, "ASGD", "weight_decay value", weight_decay(), "must be >= 0");
}

ASGD::ASGD(std::vector<Tensor> params, const ASGDOptions& options)
    : ASGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
ASGD::ASGD(std::vector<OptimizerParamGroup> groups, const ASGDOptions& defaults)
    : Optimizer("ASGD", std::move(groups), defaults.clone()) {}

Tensor ASGD::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const ASGDOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      double& eta = detail::scalar_state(st, "eta", o.lr());
      double& mu = detail::scalar_state(st, "mu", 1.0);
      Tensor ax = detail::state_buffer(st, p, "ax");
      const auto step = static_cast<double>(++st.step);
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0, average = mu != 1;
        const T wd = static_cast<T>(o.weight_decay()), shrink = static_cast<T>(1 - o.lambd() * eta);
        const T neg_eta = static_cast<T>(-eta), m = static_cast<T>(mu);
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& av) {
              if (maximize) g = -g;
              if (decay) g = g + wd * pv;
              pv = pv * shrink;
              pv = pv + neg_eta * g;
              // PyTorch copies p while mu is 1 (before t0), which is not the same rounding.
              if (average) av = av + (pv - av) * m;
              else av = pv;
            },
            gd, pd, ax.impl()->template data_as<T>());
      });
      eta = o.lr() / std::pow(1 + o.lambd() * o.lr() * step, o.alpha());
      mu = 1 / std::max(1.0, step - o.t0());
    }
  }
  return loss;
}

}  // namespace xgrad::optim
