// Loss modules: loss(input, target) calls the F:: loss of the same name (nn/functional/loss.hpp,
// which also holds Reduction and the options structs).
#pragma once
#include <cstdint>
#include <string>

#include "../functional/loss.hpp"
#include "../module.hpp"

namespace xgrad::nn {

// Class weights and pos_weight are registered as buffers (saved with the module, as PyTorch).

class Loss : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  using Module::forward;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = kMean) : Loss("MSELoss"), reduction(reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  Reduction reduction;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = kMean) : Loss("L1Loss"), reduction(reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  Reduction reduction;
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = kMean, double beta = 1.0)
      : Loss("SmoothL1Loss"), reduction(reduction), beta(beta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  Reduction reduction;
  double beta;
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(Reduction reduction = kMean, double delta = 1.0)
      : Loss("HuberLoss"), reduction(reduction), delta(delta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  Reduction reduction;
  double delta;
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(const CrossEntropyOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  CrossEntropyOptions options;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(const NLLLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  NLLLossOptions options;
};

class BCELoss : public Loss {
 public:
  explicit BCELoss(const Tensor& weight = Tensor(), Reduction reduction = kMean);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  Tensor weight;
  Reduction reduction;
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(const BCEWithLogitsOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  using Loss::forward;
  BCEWithLogitsOptions options;
};

}  // namespace xgrad::nn
