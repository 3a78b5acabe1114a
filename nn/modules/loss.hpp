// Loss modules (LibTorch's MSELossImpl ... with holders nn::MSELoss ...): loss(input, target)
// calls the F:: loss of the same name (nn/functional/loss.hpp, which also holds Reduction, the
// designated-initialiser option structs and LibTorch's XLossOptions builders):
//   nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().reduction(xgrad::kSum));  // LibTorch
//   nn::CrossEntropyLoss ce({.label_smoothing = 0.1});                              // xgrad
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "../functional/loss.hpp"
#include "../module.hpp"

namespace xgrad::nn {

// Class weights and pos_weight are registered as buffers (saved with the module, as PyTorch).
class Loss : public Module {
 public:
  using Module::Module;
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
};

class MSELossImpl : public Loss {
 public:
  explicit MSELossImpl(const MSELossOptions& options = {}) : Loss("MSELoss"), reduction(options.reduction()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
};
XGRAD_MODULE(MSELoss);

class L1LossImpl : public Loss {
 public:
  explicit L1LossImpl(const L1LossOptions& options = {}) : Loss("L1Loss"), reduction(options.reduction()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
};
XGRAD_MODULE(L1Loss);

class SmoothL1LossImpl : public Loss {
 public:
  SmoothL1LossImpl(Reduction reduction, double beta) : Loss("SmoothL1Loss"), reduction(reduction), beta(beta) {}
  explicit SmoothL1LossImpl(const SmoothL1LossOptions& o = {}) : SmoothL1LossImpl(o.reduction(), o.beta()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
  double beta;
};
XGRAD_MODULE(SmoothL1Loss);

class HuberLossImpl : public Loss {
 public:
  HuberLossImpl(Reduction reduction, double delta) : Loss("HuberLoss"), reduction(reduction), delta(delta) {}
  explicit HuberLossImpl(const HuberLossOptions& o = {}) : HuberLossImpl(o.reduction(), o.delta()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Reduction reduction;
  double delta;
};
XGRAD_MODULE(HuberLoss);

class CrossEntropyLossImpl : public Loss {
 public:
  explicit CrossEntropyLossImpl(const CrossEntropyOptions& options);
  explicit CrossEntropyLossImpl(const CrossEntropyLossOptions& options = {}) : CrossEntropyLossImpl(options.config()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  CrossEntropyOptions options;
};
class CrossEntropyLoss : public ModuleHolder<CrossEntropyLossImpl> {
 public:
  using ModuleHolder<CrossEntropyLossImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = CrossEntropyLossImpl;
  CrossEntropyLoss() = default;
  CrossEntropyLoss(const CrossEntropyOptions& options)  // NOLINT: the braced form ({.weight = w})
      : ModuleHolder<CrossEntropyLossImpl>(std::make_shared<CrossEntropyLossImpl>(options)) {}
};

class NLLLossImpl : public Loss {
 public:
  explicit NLLLossImpl(const NLLLossConfig& options);
  explicit NLLLossImpl(const NLLLossOptions& options = {}) : NLLLossImpl(options.config()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  NLLLossConfig options;
};
class NLLLoss : public ModuleHolder<NLLLossImpl> {
 public:
  using ModuleHolder<NLLLossImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = NLLLossImpl;
  NLLLoss() = default;
  NLLLoss(const NLLLossConfig& options)  // NOLINT: the braced form
      : ModuleHolder<NLLLossImpl>(std::make_shared<NLLLossImpl>(options)) {}
};

class BCELossImpl : public Loss {
 public:
  BCELossImpl(const Tensor& weight, Reduction reduction = kMean);
  explicit BCELossImpl(const BCELossOptions& o = {}) : BCELossImpl(o.weight(), o.reduction()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
  Reduction reduction;
};
XGRAD_MODULE(BCELoss);

class BCEWithLogitsLossImpl : public Loss {
 public:
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsOptions& options);
  explicit BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options = {})
      : BCEWithLogitsLossImpl(options.config()) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  BCEWithLogitsOptions options;
};
class BCEWithLogitsLoss : public ModuleHolder<BCEWithLogitsLossImpl> {
 public:
  using ModuleHolder<BCEWithLogitsLossImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = BCEWithLogitsLossImpl;
  BCEWithLogitsLoss() = default;
  BCEWithLogitsLoss(const BCEWithLogitsOptions& options)  // NOLINT: the braced form
      : ModuleHolder<BCEWithLogitsLossImpl>(std::make_shared<BCEWithLogitsLossImpl>(options)) {}
};

}  // namespace xgrad::nn
