#include "rprop.hpp"

#include <algorithm>

#include "options_check.hpp"
#include "state_buffers.hpp"

namespace xgrad::optim {

std::map<std::string, double> RpropOptions::to_map() const {
  return {{"lr", lr()},
          {"etas.0", std::get<0>(etas())},
          {"etas.1", std::get<1>(etas())},
          {"step_sizes.0", std::get<0>(step_sizes())},
          {"step_sizes.1", std::get<1>(step_sizes())},
          {"maximize", maximize() ? 1.0 : 0.0}};
}

void RpropOptions::from_map(const std::map<std::string, double>& values) {
  RpropOptions o = *this;
  for (const auto& [k, v] : values) {
    if (k == "lr") o.lr(v);
    else if (k == "etas.0") o.etas({v, std::get<1>(o.etas())});
    else if (k == "etas.1") o.etas({std::get<0>(o.etas()), v});
    else if (k == "step_sizes.0") o.step_sizes({v, std::get<1>(o.step_sizes())});
    else if (k == "step_sizes.1") o.step_sizes({std::get<0>(o.step_sizes()), v});
    else if (k == "maximize") o.maximize(v != 0);
    else detail::unknown_option("Rprop", k);
  }
  o.validate();
  *this = o;
}

void RpropOptions::validate() const {
  using detail::require;
  const double minus = std::get<0>(etas()), plus = std::get<1>(etas());
  const double lo = std::get<0>(step_sizes()), hi = std::get<1>(step_sizes());
  require(lr() >= 0, "Rprop", "learning rate", lr(), "must be >= 0");
  require(minus > 0 && minus < 1, "Rprop", "etaminus (etas[0])", minus, "must be in (0, 1)");
  require(plus > 1, "Rprop", "etaplus (etas[1])", plus, "must be > 1");
  require(lo >= 0, "Rprop", "minimal step size (step_sizes[0])", lo, "must be >= 0");
  require(hi >= lo, "Rprop", "maximal step size (step_sizes[1])", hi, "must be >= step_sizes[0]");
}

Rprop::Rprop(std::vector<Tensor> params, const RpropOptions& options)
    : Rprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, options) {}
Rprop::Rprop(std::vector<OptimizerParamGroup> groups, const RpropOptions& defaults)
    : Optimizer("Rprop", std::move(groups), defaults.clone()) {}

Tensor Rprop::step(LossClosure closure) {
  Tensor loss = run_closure(closure);
  NoGradGuard no_grad;
  for (auto& group : groups_) {
    const auto& o = static_cast<const RpropOptions&>(group.options());
    for (const Tensor& p : group.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      ParamState& st = state_for(p);
      Tensor prev = detail::state_buffer(st, p, "prev");
      if (st.buffers.count("step_size") == 0) st.buffers.emplace("step_size", full(p.shape(), o.lr(), p.dtype()));
      Tensor step_size = st.buffers.at("step_size");
      ++st.step;
      detail::with_raw_param(p, grad, [&](auto* pd, const auto* gd, std::int64_t n) {
        using T = std::remove_pointer_t<decltype(pd)>;
        const T minus = static_cast<T>(std::get<0>(o.etas())), plus = static_cast<T>(std::get<1>(o.etas()));
        const T lo = static_cast<T>(std::get<0>(o.step_sizes())), hi = static_cast<T>(std::get<1>(o.step_sizes()));
        T* prevd = prev.impl()->template data_as<T>();
        T* sd = step_size.impl()->template data_as<T>();
        // Branchy per element: a scalar loop (Rprop is rarely the bottleneck).
        for (std::int64_t i = 0; i < n; ++i) {
          T g = o.maximize() ? -gd[i] : gd[i];
          const T s = g * prevd[i];  // the sign of the product, as PyTorch (it may underflow to 0)
          const T factor = s > 0 ? plus : (s < 0 ? minus : T(1));
          sd[i] = std::clamp(sd[i] * factor, lo, hi);
          if (factor == minus) g = T(0);
          const T sign = g > 0 ? T(1) : (g < 0 ? T(-1) : T(0));
          pd[i] = pd[i] - sign * sd[i];
          prevd[i] = g;
        }
      });
    }
  }
  return loss;
}

}  // namespace xgrad::optim
