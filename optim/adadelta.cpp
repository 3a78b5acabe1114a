#include "adadelta.hpp"

#include "options_check.hpp"
#include "state_buffers.hpp"

namespace xgrad::optim {

std::map<std::string, double> AdadeltaOptions::to_map() const {
  return {{"lr", lr()},
          {"rho", rho()},
          {"eps", eps()},
          {"weight_decay", weight_decay()},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void AdadeltaOptions::from_map(const std::map<std::string, double>& values) {
  AdadeltaOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "rho") o.rho(v);
    else if (k == "eps") o.eps(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("Adadelta", k);
  }
  o.validate();
  *this = o;
}

void AdadeltaOptions::validate() const {
  using detail::require;
  require(lr() >= 0, "Adadelta", "learning rate", lr(), "must be >= 0");
  require(rho() >= 0 && rho() <= 1, "Adadelta", "rho value", rho(), "must be in [0, 1]");
  require(eps() >= 0, "Adadelta", "epsilon value", eps(), "must be >= 0");
  require(weight_decay() >= 0, "Adadelta", "weight_decay value", weight_decay(), "must be >= 0");
}

Adadelta::Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
Adadelta::Adadelta(std::vector<OptimizerParamGroup> groups, const AdadeltaOptions& defaults)
    : Optimizer("Adadelta", std::move(groups), defaults.clone()) {}

Tensor Adadelta::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const AdadeltaOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      ++st.step;
      Tensor sq = detail::state_buffer(st, p, "square_avg"), acc = detail::state_buffer(st, p, "acc_delta");
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
        const T wd = static_cast<T>(o.weight_decay()), rho = static_cast<T>(o.rho());
        const T w = static_cast<T>(1 - o.rho()), eps = static_cast<T>(o.eps()), neg_lr = static_cast<T>(-o.lr());
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& s, auto& a) {
              if (maximize) g = -g;
              if (decay) g = g + wd * pv;
              s = s * rho + w * g * g;
              const auto delta = detail::vsqrt(a + eps) / detail::vsqrt(s + eps) * g;
              a = a * rho + w * delta * delta;
              pv = pv + neg_lr * delta;
            },
            gd, pd, sq.impl()->template data_as<T>(), acc.impl()->template data_as<T>());
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
