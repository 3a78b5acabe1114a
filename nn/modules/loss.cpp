// Loss modules: each holds its options and calls the functional loss.
#include "loss.hpp"

namespace xgrad::nn {

namespace F = functional;

Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) { return F::mse_loss(input, target, reduction); }
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) { return F::l1_loss(input, target, reduction); }
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::smooth_l1_loss(input, target, reduction, beta);
}
Tensor HuberLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::huber_loss(input, target, reduction, delta);
}

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyOptions& o) : Loss("CrossEntropyLoss"), options(o) {
  options.weight = register_buffer("weight", o.weight);
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, options);
}

NLLLossImpl::NLLLossImpl(const NLLLossConfig& o) : Loss("NLLLoss"), options(o) {
  options.weight = register_buffer("weight", o.weight);
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) { return F::nll_loss(input, target, options); }

BCELossImpl::BCELossImpl(const Tensor& w, Reduction r) : Loss("BCELoss"), reduction(r) {
  weight = register_buffer("weight", w);
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsOptions& o) : Loss("BCEWithLogitsLoss"), options(o) {
  options.weight = register_buffer("weight", o.weight);
  options.pos_weight = register_buffer("pos_weight", o.pos_weight);
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(input, target, options);
}

}  // namespace xgrad::nn
