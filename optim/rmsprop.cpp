#include "rmsprop.hpp"

#include "fused_update.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

std::map<std::string, double> RMSpropOptions::to_map() const {
  return {{"lr", lr()},
          {"alpha", alpha()},
          {"eps", eps()},
          {"weight_decay", weight_decay()},
          {"momentum", momentum()},
          {"centered", centered() ? 1.0 : 0.0},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void RMSpropOptions::from_map(const std::map<std::string, double>& values) {
  RMSpropOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "alpha") o.alpha(v);
    else if (k == "eps") o.eps(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "momentum") o.momentum(v);
    else if (k == "centered") o.centered(v != 0);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("RMSprop", k);
  }
  o.validate();
  *this = o;
}

void RMSpropOptions::validate() const {
  using detail::require;
  require(lr() >= 0, "RMSprop", "learning rate", lr(), "must be >= 0");
  require(eps() >= 0, "RMSprop", "epsilon value", eps(), "must be >= 0");
  require(momentum() >= 0, "RMSprop", "momentum value", momentum(), "must be >= 0");
  require(weight_decay() >= 0, "RMSprop", "weight_decay value", weight_decay(), "must be >= 0");
  require(alpha() >= 0, "RMSprop", "alpha value", alpha(), "must be >= 0");
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& options)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
RMSprop::RMSprop(std::vector<OptimizerParamGroup> groups, const RMSpropOptions& defaults)
    : Optimizer("RMSprop", std::move(groups), defaults.clone()) {}

namespace {
// As PyTorch's lerp (see adam.cpp): interpolates from the nearer end.
template <class V, class T>
V lerp(const V& start, const V& end, T w) {
  return w < T(0.5) ? start + w * (end - start) : end - (end - start) * (T(1) - w);
}
}  // namespace

Tensor RMSprop::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const RMSpropOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      ++st.step;
      auto buffer = [&](const char* name) -> Tensor {
        auto it = st.buffers.find(name);
        if (it == st.buffers.end()) it = st.buffers.emplace(name, detail::zeros_like_param(p)).first;
        return it->second;
      };
      Tensor sq = buffer("square_avg");
      Tensor mom = o.momentum() > 0 ? buffer("momentum_buffer") : Tensor();
      Tensor gavg = o.centered() ? buffer("grad_avg") : Tensor();
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), decay = o.weight_decay() != 0;
        const bool centered = o.centered(), use_momentum = o.momentum() > 0;
        const T wd = static_cast<T>(o.weight_decay()), alpha = static_cast<T>(o.alpha());
        const T w = static_cast<T>(1 - o.alpha()), eps = static_cast<T>(o.eps());
        const T momentum = static_cast<T>(o.momentum()), neg_lr = static_cast<T>(-o.lr());
        // One body for every variant; the loops below pass an unused buffer twice.
        auto update = [&](auto g, auto& pv, auto& s, auto& ga, auto& b) {
          if (maximize) g = -g;
          if (decay) g = g + wd * pv;
          s = s * alpha + w * g * g;
          auto var = s;
          if (centered) {
            ga = lerp(ga, g, w);
            var = s + T(-1) * ga * ga;
          }
          auto avg = detail::vsqrt(var) + eps;
          if (use_momentum) {
            b = b * momentum + g / avg;
            pv = pv + neg_lr * b;
          } else {
            pv = pv + neg_lr * g / avg;
          }
        };
        T* sd = sq.impl()->template data_as<T>();
        T* gad = centered ? gavg.impl()->template data_as<T>() : nullptr;
        T* bd = use_momentum ? mom.impl()->template data_as<T>() : nullptr;
        if (centered && use_momentum) {
          detail::fused_loop<T>(n, update, gd, pd, sd, gad, bd);
        } else if (centered) {
          detail::fused_loop<T>(
              n, [&](auto g, auto& pv, auto& s, auto& ga) { update(g, pv, s, ga, ga); }, gd, pd, sd, gad);
        } else if (use_momentum) {
          detail::fused_loop<T>(
              n, [&](auto g, auto& pv, auto& s, auto& b) { update(g, pv, s, b, b); }, gd, pd, sd, bd);
        } else {
          detail::fused_loop<T>(
              n, [&](auto g, auto& pv, auto& s) { update(g, pv, s, s, s); }, gd, pd, sd);
        }
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
