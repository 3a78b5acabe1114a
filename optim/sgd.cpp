#include "sgd.hpp"

#include "fused_update.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

std::map<std::string, double> SGDOptions::to_map() const {
  return {{"lr", lr()},
          {"momentum", momentum()},
          {"dampening", dampening()},
          {"weight_decay", weight_decay()},
          {"nesterov", nesterov() ? 1.0 : 0.0},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void SGDOptions::from_map(const std::map<std::string, double>& values) {
  SGDOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "momentum") o.momentum(v);
    else if (k == "dampening") o.dampening(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "nesterov") o.nesterov(v != 0);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("SGD", k);
  }
  o.validate();
  *this = o;
}

void SGDOptions::validate() const {
  using detail::require;
  require(lr() >= 0, "SGD", "learning rate", lr(), "must be >= 0");
  require(momentum() >= 0, "SGD", "momentum value", momentum(), "must be >= 0");
  require(weight_decay() >= 0, "SGD", "weight_decay value", weight_decay(), "must be >= 0");
  if (nesterov()) {
    require(momentum() > 0, "SGD", "momentum for nesterov", momentum(), "Nesterov momentum requires momentum > 0");
    require(dampening() == 0, "SGD", "dampening for nesterov", dampening(),
            "Nesterov momentum requires zero dampening");
  }
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& options)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}

SGD::SGD(std::vector<OptimizerParamGroup> groups, const SGDOptions& defaults)
    : Optimizer("SGD", std::move(groups), defaults.clone()) {}

Tensor SGD::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const SGDOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      ++st.step;
      Tensor buf;
      bool first = false;
      if (o.momentum() != 0) {
        auto it = st.buffers.find("momentum_buffer");
        first = it == st.buffers.end();
        if (first) it = st.buffers.emplace("momentum_buffer", detail::zeros_like_param(p)).first;
        buf = it->second;
      }
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const T lr = static_cast<T>(o.lr()), wd = static_cast<T>(o.weight_decay());
        const T mom = static_cast<T>(o.momentum()), damp1 = static_cast<T>(1 - o.dampening());
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0, nesterov = o.nesterov();
        auto direction = [=](auto g, const auto& pv) {
          if (maximize) g = -g;
          if (decay) g = g + wd * pv;
          return g;
        };
        if (!buf.defined()) {
          detail::fused_loop<T>(
              n, [&](auto g, auto& pv) { pv = pv + (-lr) * direction(g, pv); }, gd, pd);
          return;
        }
        T* bd = buf.impl()->template data_as<T>();
        detail::fused_loop<T>(
            n,
            [&](auto g, auto& pv, auto& b) {
              auto d = direction(g, pv);
              b = first ? d : b * mom + damp1 * d;
              auto step = nesterov ? d + mom * b : b;
              pv = pv + (-lr) * step;
            },
            gd, pd, bd);
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
