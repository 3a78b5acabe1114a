// Averaged SGD, exactly as torch.optim.ASGD.
#pragma once
#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g, at step t (from 1); eta starts at lr, mu at 1:
//   g = maximize ? -g : g;  g += weight_decay * p
//   p *= 1 - lambd eta;  p -= eta g
//   ax = (mu == 1) ? p : ax + mu (p - ax)      (the running average of the iterates)
//   eta = lr / (1 + lambd lr t)^alpha;  mu = 1 / max(1, t - t0)
// State: step, eta and mu (scalars, Float64), ax (the averaged parameter; read it with
// `opt.state(p)->buffers.at("ax")`, e.g. to evaluate the averaged model).
class ASGDOptions : public OptimizerOptions {
 public:
  ASGDOptions(double lr = 1e-2) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1e-2)
  XGRAD_ARG(double, lambd, 1e-4)
  XGRAD_ARG(double, alpha, 0.75)
  XGRAD_ARG(double, t0, 1e6)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<ASGDOptions>(*this); }
  const char* optimizer_name() const override { return "ASGD"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, weight_decay >= 0 (PyTorch checks no more).
  void validate() const override;
};

class ASGD : public Optimizer {
 public:
  ASGD(std::vector<Tensor> params, const ASGDOptions& options = ASGDOptions());
  ASGD(std::vector<OptimizerParamGroup> groups, const ASGDOptions& defaults = ASGDOptions());
  Tensor step(LossClosure closure = nullptr) override;

 protected:
  bool is_scalar_state(const std::string& name) const override { return name == "eta" || name == "mu"; }
};

}  // namespace xgrad::optim
