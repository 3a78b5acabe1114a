// SyncBatchNorm: batch normalisation whose batch statistics are those of the whole global batch
// (every rank's shard), as PyTorch's torch.nn.SyncBatchNorm. With N ranks on shards of a batch,
// a model using it computes what one process gets with BatchNorm on the concatenated batch:
// the same outputs, running statistics and (after DDP averages them) gradients.
//
//   auto bn = distributed::SyncBatchNorm(nn::BatchNormOptions(16));   // input [N, C, *]
//   Tensor y = bn(x);  // training: per-channel mean and variance over all ranks' x
//
// Training forward: each rank computes its shard's per-channel mean, biased variance and count;
// one all_gather combines them (no sum-of-squares cancellation); the running averages are
// updated as BatchNorm's (variance unbiased with the global count). Backward: one all_reduce of
// the per-channel sums of grad_output and grad_output * (x - mean), so the input gradient is
// the global batch's; the weight and bias gradients stay local (DDP averages them). In eval
// mode it is plain BatchNorm with the running statistics (no communication).
// Parameters and buffers have BatchNorm's names (weight, bias, running_mean, running_var,
// num_batches_tracked): checkpoints load into either.
// Rules: every rank must call forward and backward in the same order (they are collectives,
// like DDP's bucket all-reduces, which the engine interleaves the same way on every rank).
// Throws std::invalid_argument for an input that is not [N, C, *] (2-D to 5-D) with C =
// num_features, or when the global batch has 1 value per channel. Not twice differentiable.
// Cost per training step: one all_gather of 2C + 1 doubles (forward), one all_reduce of 2C
// values (backward), plus BatchNorm's own arithmetic.
#pragma once
#include "../nn/modules/normalization.hpp"
#include "../nn/pimpl.hpp"

namespace xgrad::distributed {

class SyncBatchNormImpl : public nn::BatchNormBase {
 public:
  explicit SyncBatchNormImpl(std::int64_t num_features, const nn::BatchNormConfig& options = {})
      : nn::BatchNormBase("SyncBatchNorm", num_features, options, 2, 5) {}
  explicit SyncBatchNormImpl(const nn::BatchNormOptions& o) : SyncBatchNormImpl(o.num_features(), o.config()) {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(SyncBatchNorm);

}  // namespace xgrad::distributed
