#include "adagrad.hpp"

#include "fused_update.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

std::map<std::string, double> AdagradOptions::to_map() const {
  return {{"lr", lr()},
          {"lr_decay", lr_decay()},
          {"weight_decay", weight_decay()},
          {"initial_accumulator_value", initial_accumulator_value()},
          {"eps", eps()},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void AdagradOptions::from_map(const std::map<std::string, double>& values) {
  AdagradOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "lr_decay") o.lr_decay(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "initial_accumulator_value") o.initial_accumulator_value(v);
    else if (k == "eps") o.eps(v);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("Adagrad", k);
  }
  o.validate();
  *this = o;
}

void AdagradOptions::validate() const {
  using detail::require;
  require(lr() >= 0, "Adagrad", "learning rate", lr(), "must be >= 0");
  require(lr_decay() >= 0, "Adagrad", "lr_decay value", lr_decay(), "must be >= 0");
  require(weight_decay() >= 0, "Adagrad", "weight_decay value", weight_decay(), "must be >= 0");
  require(initial_accumulator_value() >= 0, "Adagrad", "initial_accumulator_value value", initial_accumulator_value(),
          "must be >= 0");
  require(eps() >= 0, "Adagrad", "epsilon value", eps(), "must be >= 0");
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& options)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
Adagrad::Adagrad(std::vector<OptimizerParamGroup> groups, const AdagradOptions& defaults)
    : Optimizer("Adagrad", std::move(groups), defaults.clone()) {}

Tensor Adagrad::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const AdagradOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      auto it = st.buffers.find("sum");
      if (it == st.buffers.end()) {
        it = st.buffers.emplace("sum", full(p.shape(), o.initial_accumulator_value(), p.dtype())).first;
      }
      Tensor sum = it->second;
      const auto step = static_cast<double>(++st.step);
      const double clr = o.lr() / (1 + (step - 1) * o.lr_decay());
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
        const T wd = static_cast<T>(o.weight_decay()), neg_clr = static_cast<T>(-clr), eps = static_cast<T>(o.eps());
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& s) {
              if (maximize) g = -g;
              if (decay) g = g + wd * pv;
              s = s + T(1) * g * g;
              pv = pv + neg_clr * g / (detail::vsqrt(s) + eps);
            },
            gd, pd, sum.impl()->template data_as<T>());
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
