// Adam and AdamW, exactly as torch.optim.Adam and torch.optim.AdamW.
#pragma once
#include <tuple>

#include "optimizer.hpp"

namespace xgrad::optim {

using Betas = std::tuple<double, double>;

// For each parameter p with gradient g, at step t (counted per parameter, from 1):
//   g = maximize ? -g : g;  g += weight_decay * p          (Adam: L2 penalty in the gradient)
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   amsgrad: v_max = max(v_max, v), used in place of v below
//   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// (eps is added after dividing sqrt(v) by the bias correction: PyTorch's form.)
class AdamOptions : public OptimizerOptions {
 public:
  AdamOptions(double lr = 1e-3) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-3)
  XGRAD_ARG(Betas, betas, (Betas{0.9, 0.999}))
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, amsgrad, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamOptions>(*this); }
  const char* optimizer_name() const override { return "Adam"; }
  std::map<std::string, double> to_map() const override;  // betas as "betas.0", "betas.1"
  void from_map(const std::map<std::string, double>& values) override;
  // lr, eps, weight_decay >= 0; each beta in [0, 1).
  void validate() const override;
};

// Adam with decoupled weight decay: first p *= 1 - lr * weight_decay, then the Adam step
// without weight decay in the gradient. Default weight_decay 1e-2.
class AdamWOptions : public OptimizerOptions {
 public:
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-3)
  XGRAD_ARG(Betas, betas, (Betas{0.9, 0.999}))
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 1e-2)
  XGRAD_ARG(bool, amsgrad, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamWOptions>(*this); }
  const char* optimizer_name() const override { return "AdamW"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  void validate() const override;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, const AdamOptions& options = AdamOptions());
  Adam(std::vector<OptimizerParamGroup> groups, const AdamOptions& defaults = AdamOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, const AdamWOptions& options = AdamWOptions());
  AdamW(std::vector<OptimizerParamGroup> groups, const AdamWOptions& defaults = AdamWOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
