// Resilient backpropagation, exactly as torch.optim.Rprop.
#pragma once
#include <tuple>

#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g (each element on its own); step_size starts at lr:
//   g = maximize ? -g : g
//   s = sign(g * prev);  factor = s > 0 ? etaplus : s < 0 ? etaminus : 1
//   step_size = clamp(step_size * factor, step_size_min, step_size_max)
//   where factor == etaminus: g = 0   (the sign flipped: no move, and no flip counted next time)
//   p -= sign(g) step_size;  prev = g
// State: step, prev, step_size. No weight decay (as PyTorch).
class RpropOptions : public OptimizerOptions {
 public:
  using Pair = std::tuple<double, double>;
  RpropOptions(double lr = 1e-2) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-2)
  XGRAD_ARG(Pair, etas, (Pair{0.5, 1.2}))          // (etaminus, etaplus)
  XGRAD_ARG(Pair, step_sizes, (Pair{1e-6, 50.0}))  // (min, max)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RpropOptions>(*this); }
  const char* optimizer_name() const override { return "Rprop"; }
  // etas as "etas.0", "etas.1"; step_sizes as "step_sizes.0", "step_sizes.1".
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr >= 0; 0 < etaminus < 1 < etaplus; 0 <= step_size_min <= step_size_max.
  void validate() const override;
};

class Rprop : public Optimizer {
 public:
  Rprop(std::vector<Tensor> params, const RpropOptions& options = RpropOptions());
  Rprop(std::vector<OptimizerParamGroup> groups, const RpropOptions& defaults = RpropOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
