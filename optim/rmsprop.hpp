// RMSprop, exactly as torch.optim.RMSprop.
#pragma once
#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g:
//   g = maximize ? -g : g;  g += weight_decay * p
//   sq = alpha sq + (1 - alpha) g^2
//   centered: ga = alpha ga + (1 - alpha) g;  avg = sqrt(sq - ga^2) + eps   else avg = sqrt(sq) + eps
//   momentum > 0: buf = momentum buf + g / avg;  p -= lr buf      else p -= lr g / avg
class RMSpropOptions : public OptimizerOptions {
 public:
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-2)
  XGRAD_ARG(double, alpha, 0.99)
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(double, momentum, 0.0)
  XGRAD_ARG(bool, centered, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  const char* optimizer_name() const override { return "RMSprop"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, alpha, eps, weight_decay, momentum >= 0.
  void validate() const override;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, const RMSpropOptions& options = RMSpropOptions());
  RMSprop(std::vector<OptimizerParamGroup> groups, const RMSpropOptions& defaults = RMSpropOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
