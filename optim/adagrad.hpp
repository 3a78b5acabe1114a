// Adagrad, exactly as torch.optim.Adagrad.
#pragma once
#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g, at step t (counted per parameter, from 1):
//   g = maximize ? -g : g;  g += weight_decay * p
//   clr = lr / (1 + (t - 1) lr_decay)
//   sum += g^2   (sum starts at initial_accumulator_value)
//   p -= clr g / (sqrt(sum) + eps)
class AdagradOptions : public OptimizerOptions {
 public:
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-2)
  XGRAD_ARG(double, lr_decay, 0.0)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(double, initial_accumulator_value, 0.0)
  XGRAD_ARG(double, eps, 1e-10)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  const char* optimizer_name() const override { return "Adagrad"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, lr_decay, weight_decay, initial_accumulator_value, eps >= 0.
  void validate() const override;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, const AdagradOptions& options = AdagradOptions());
  Adagrad(std::vector<OptimizerParamGroup> groups, const AdagradOptions& defaults = AdagradOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
