// Stochastic gradient descent with momentum, Nesterov momentum, weight decay and maximize,
// exactly as torch.optim.SGD. Plain gradient descent when momentum is 0; which of full-batch,
// mini-batch or stochastic GD it is depends only on the batches the gradients come from.
#pragma once
#include "optimizer.hpp"

namespace xgrad::optim {

// For each parameter p with gradient g (all updates in p's dtype):
//   g = maximize ? -g : g;  g += weight_decay * p
//   momentum != 0: buf = (first step) g : momentum * buf + (1 - dampening) * g
//                  g = nesterov ? g + momentum * buf : buf
//   p -= lr * g
class SGDOptions : public OptimizerOptions {
 public:
  SGDOptions(double lr) : lr_(lr) {}
  XGRAD_ARG(double, lr, 0.0)
  XGRAD_ARG(double, momentum, 0.0)
  XGRAD_ARG(double, dampening, 0.0)
  XGRAD_ARG(double, weight_decay, 0.0)
  XGRAD_ARG(bool, nesterov, false)
  XGRAD_ARG(bool, maximize, false)

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  const char* optimizer_name() const override { return "SGD"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr, momentum, weight_decay >= 0; nesterov needs momentum > 0 and dampening == 0.
  void validate() const override;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& options);
  SGD(std::vector<OptimizerParamGroup> groups, const SGDOptions& defaults);
  Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace xgrad::optim
