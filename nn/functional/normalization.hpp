// F::batch_norm and F::layer_norm (the normalisation modules' computations).
#pragma once
#include "../../autograd/tensor.hpp"

namespace xgrad::nn::functional {

// Batch normalisation over input [N, C], [N, C, L] or [N, C, H, W], per channel C.
// training: normalises with the batch mean and biased variance, and (when defined) updates
// running_mean / running_var in place: r = (1 - momentum) r + momentum * stat, the variance
// with Bessel's correction. Otherwise normalises with the running statistics (required).
// weight / bias [C] are optional. Throws when training with one value per channel.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// Normalises over the last normalized_shape.size() dims (which must equal normalized_shape),
// with biased variance; weight / bias of shape normalized_shape are optional.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace xgrad::nn::functional
