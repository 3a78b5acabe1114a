#include "adam.hpp"

#include <cmath>

#include "fused_update.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

namespace {

template <class O>
std::map<std::string, double> adam_to_map(const O& o) {
  return {{"lr", o.lr()},
          {"betas.0", std::get<0>(o.betas())},
          {"betas.1", std::get<1>(o.betas())},
          {"eps", o.eps()},
          {"weight_decay", o.weight_decay()},
          {"amsgrad", o.amsgrad() ? 1.0 : 0.0},
          {"maximize", o.maximize() ? 1.0 : 0.0}};
}

template <class O>
void adam_from_map(O& self, const std::map<std::string, double>& values) {
  O o = self;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "betas.0") o.betas({v, std::get<1>(o.betas())});
    else if (k == "betas.1") o.betas({std::get<0>(o.betas()), v});
    else if (k == "eps") o.eps(v);
    else if (k == "weight_decay") o.weight_decay(v);
    else if (k == "amsgrad") o.amsgrad(v != 0);
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option(o.optimizer_name(), k);
  }
  o.validate();
  self = o;
}

template <class O>
void adam_validate(const O& o) {
  using detail::require;
  const char* name = o.optimizer_name();
  const auto [b1, b2] = o.betas();
  require(o.lr() >= 0, name, "learning rate", o.lr(), "must be >= 0");
  require(o.eps() >= 0, name, "epsilon value", o.eps(), "must be >= 0");
  require(b1 >= 0 && b1 < 1, name, "beta parameter at index 0", b1, "must be in [0, 1)");
  require(b2 >= 0 && b2 < 1, name, "beta parameter at index 1", b2, "must be in [0, 1)");
  require(o.weight_decay() >= 0, name, "weight_decay value", o.weight_decay(), "must be >= 0");
}

// PyTorch's lerp: start + w (end - start), computed from the nearer end for accuracy.
template <class V, class T>
V lerp(const V& start, const V& end, T w) {
  return w < T(0.5) ? start + w * (end - start) : end - (end - start) * (T(1) - w);
}

// One Adam / AdamW step over all groups; `decoupled` selects AdamW's weight decay.
template <class O, class StateFor>
void adam_step(std::vector<OptimizerParamGroup>& groups, StateFor&& state_for, bool decoupled) {
  for (auto& group : groups) {
    const auto& o = static_cast<const O&>(group.options());
    // Plain variables, not a structured binding: clang < 16 cannot capture bindings in lambdas.
    const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      auto buffer = [&](const char* name) -> Tensor& {
        auto it = st.buffers.find(name);
        if (it == st.buffers.end()) it = st.buffers.emplace(name, detail::zeros_like_param(p)).first;
        return it->second;
      };
      Tensor m = buffer("exp_avg"), v = buffer("exp_avg_sq");
      Tensor vmax = o.amsgrad() ? buffer("max_exp_avg_sq") : Tensor();
      const auto step = static_cast<double>(++st.step);
      const double bias_correction1 = 1 - std::pow(beta1, step);
      const double bias_correction2 = 1 - std::pow(beta2, step);
      const double step_size = o.lr() / bias_correction1;
      const double bias_correction2_sqrt = std::sqrt(bias_correction2);

      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const bool maximize = o.maximize(), l2 = !decoupled && o.weight_decay() != 0;
        const bool decay = decoupled && o.weight_decay() != 0;
        const T wd = static_cast<T>(o.weight_decay()), shrink = static_cast<T>(1 - o.lr() * o.weight_decay());
        const T w1 = static_cast<T>(1 - beta1), b2 = static_cast<T>(beta2), w2 = static_cast<T>(1 - beta2);
        const T neg_step = static_cast<T>(-step_size), bc2s = static_cast<T>(bias_correction2_sqrt);
        const T eps = static_cast<T>(o.eps());
        // Shared by both variants: returns the (possibly decayed) gradient and updates m, v.
        auto moments = [=](auto g, auto& pv, auto& mv, auto& vv) {
          if (maximize) g = -g;
          if (decay) pv = pv * shrink;
          if (l2) g = g + wd * pv;
          mv = lerp(mv, g, w1);
          vv = vv * b2 + w2 * g * g;
        };
        T* md = m.impl()->template data_as<T>();
        T* vd = v.impl()->template data_as<T>();
        if (!vmax.defined()) {
          detail::fused_loop<T>(
              n,
              [&](auto g, auto& pv, auto& mv, auto& vv) {
                moments(g, pv, mv, vv);
                pv = pv + neg_step * mv / (detail::vsqrt(vv) / bc2s + eps);
              },
              gd, pd, md, vd);
        } else {
          detail::fused_loop<T>(
              n,
              [&](auto g, auto& pv, auto& mv, auto& vv, auto& vm) {
                moments(g, pv, mv, vv);
                vm = detail::vmax(vm, vv);
                pv = pv + neg_step * mv / (detail::vsqrt(vm) / bc2s + eps);
              },
              gd, pd, md, vd, vmax.impl()->template data_as<T>());
        }
      });
    }
  }
}

}  // namespace

std::map<std::string, double> AdamOptions::to_map() const { return adam_to_map(*this); }
void AdamOptions::from_map(const std::map<std::string, double>& values) { adam_from_map(*this, values); }
void AdamOptions::validate() const { adam_validate(*this); }
std::map<std::string, double> AdamWOptions::to_map() const { return adam_to_map(*this); }
void AdamWOptions::from_map(const std::map<std::string, double>& values) { adam_from_map(*this, values); }
void AdamWOptions::validate() const { adam_validate(*this); }

Adam::Adam(std::vector<Tensor> params, const AdamOptions& options)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
Adam::Adam(std::vector<OptimizerParamGroup> groups, const AdamOptions& defaults)
    : Optimizer("Adam", std::move(groups), defaults.clone()) {}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& options)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
AdamW::AdamW(std::vector<OptimizerParamGroup> groups, const AdamWOptions& defaults)
    : Optimizer("AdamW", std::move(groups), defaults.clone()) {}

Tensor Adam::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  adam_step<AdamOptions>(
      groups_, [this](const Tensor& p) -> ParamState& { return state_for(p); }, /*decoupled=*/false);
  return loss;
}

Tensor AdamW::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  adam_step<AdamWOptions>(
      groups_, [this](const Tensor& p) -> ParamState& { return state_for(p); }, /*decoupled=*/true);
  return loss;
}

}  // namespace xgrad::optim
