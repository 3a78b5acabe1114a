// Adamax, NAdam and RAdam, exactly as torch.optim.Adamax, NAdam and RAdam (Adam's relatives;
// Adam and AdamW are in adam.hpp). All updates run in the parameter's dtype; the scalars
// (bias corrections, NAdam's mu, RAdam's rho_t) in double, as PyTorch computes them in Python.
#pragma once
#include "adam.hpp"

namespace xgrad::optim {

// Adamax, at step t (from 1):
//   g = maximize ? -g : g;  g += weight_decay * p
//   exp_avg = lerp(exp_avg, g, 1 - beta1);  exp_inf = max(beta2 exp_inf, |g| + eps)
//   p -= lr / (1 - beta1^t) * exp_avg / exp_inf
// State: step, exp_avg, exp_inf.
class AdamaxOptions : public OptimizerOptions {
 public:
  AdamaxOptions(double lr = 2e-3) : lr_(lr) {}
  XGRAD_ARG(double, lr, 2e-3)
  XGRAD_ARG(Betas, betas, (Betas{0.9, 0.999}))
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamaxOptions>(*this); }
  const char* optimizer_name() const override { return "Adamax"; }
  std::map<std::string, double> to_map() const override;  // betas as "betas.0", "betas.1"
  void from_map(const std::map<std::string, double>& values) override;
  // lr, eps, weight_decay >= 0; each beta in [0, 1).
  void validate() const override;
};

// NAdam (Adam with Nesterov momentum and momentum decay), at step t (from 1):
//   g = maximize ? -g : g
//   weight decay: decoupled ? p *= 1 - lr weight_decay : g += weight_decay * p
//   mu_t = beta1 (1 - 0.5 * 0.96^(t momentum_decay));  mu_{t+1} likewise
//   mu_product *= mu_t   (a scalar, starting at 1)
//   exp_avg = lerp(exp_avg, g, 1 - beta1);  exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2
//   denom = sqrt(exp_avg_sq / (1 - beta2^t)) + eps
//   p -= lr (1 - mu_t) / (1 - mu_product) * g / denom
//   p -= lr mu_{t+1} / (1 - mu_product mu_{t+1}) * exp_avg / denom
// State: step, mu_product (scalar), exp_avg, exp_avg_sq.
class NAdamOptions : public OptimizerOptions {
 public:
  NAdamOptions(double lr = 2e-3) : lr_(lr) {}
  XGRAD_ARG(double, lr, 2e-3)
  XGRAD_ARG(Betas, betas, (Betas{0.9, 0.999}))
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(double, momentum_decay, 4e-3)
  XGRAD_ARG(bool, decoupled_weight_decay, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<NAdamOptions>(*this); }
  const char* optimizer_name() const override { return "NAdam"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, eps, weight_decay, momentum_decay >= 0; each beta in [0, 1).
  void validate() const override;
};

// RAdam (rectified Adam), at step t (from 1):
//   g = maximize ? -g : g
//   weight decay: decoupled ? p *= 1 - lr weight_decay : g += weight_decay * p
//   exp_avg = lerp(exp_avg, g, 1 - beta1);  exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2
//   rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   rho_t > 5:  p -= exp_avg / (1 - beta1^t) * lr * sqrt(1 - beta2^t) / (sqrt(exp_avg_sq) + eps) * r_t
//               r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//   otherwise:  p -= exp_avg / (1 - beta1^t) * lr
// State: step, exp_avg, exp_avg_sq.
class RAdamOptions : public OptimizerOptions {
 public:
  RAdamOptions(double lr = 1e-3) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-3)
  XGRAD_ARG(Betas, betas, (Betas{0.9, 0.999}))
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, decoupled_weight_decay, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RAdamOptions>(*this); }
  const char* optimizer_name() const override { return "RAdam"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, eps, weight_decay >= 0; each beta in [0, 1).
  void validate() const override;
};

class Adamax : public Optimizer {
 public:
  Adamax(std::vector<Tensor> params, const AdamaxOptions& options = AdamaxOptions());
  Adamax(std::vector<OptimizerParamGroup> groups, const AdamaxOptions& defaults = AdamaxOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

class NAdam : public Optimizer {
 public:
  NAdam(std::vector<Tensor> params, const NAdamOptions& options = NAdamOptions());
  NAdam(std::vector<OptimizerParamGroup> groups, const NAdamOptions& defaults = NAdamOptions());
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  bool is_scalar_state(const std::string& name) const override { return name == "mu_product"; }
};

class RAdam : public Optimizer {
 public:
  RAdam(std::vector<Tensor> params, const RAdamOptions& options = RAdamOptions());
  RAdam(std::vector<OptimizerParamGroup> groups, const RAdamOptions& defaults = RAdamOptions());
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
