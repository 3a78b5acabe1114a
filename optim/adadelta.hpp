// Adadelta, exactly as torch.optim.Adadelta.
#pragma once
#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g (all in p's dtype):
//   g = maximize ? -g : g;  g += weight_decay * p
//   square_avg = rho square_avg + (1 - rho) g^2
//   delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
//   acc_delta = rho acc_delta + (1 - rho) delta^2
//   p -= lr delta
// State: step, square_avg, acc_delta (PyTorch's names).
class AdadeltaOptions : public OptimizerOptions {
 public:
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1.0)
  XGRAD_ARG(double, rho, 0.9)
  XGRAD_ARG(double, eps, 1e-6)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdadeltaOptions>(*this); }
  const char* optimizer_name() const override { return "Adadelta"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, eps, weight_decay >= 0; rho in [0, 1].
  void validate() const override;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, const AdadeltaOptions& options = AdadeltaOptions());
  Adadelta(std::vector<OptimizerParamGroup> groups, const AdadeltaOptions& defaults = AdadeltaOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
