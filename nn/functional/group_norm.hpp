// F::group_norm and F::instance_norm (the modules are nn/modules/group_norm.hpp). Both are
// composites of recorded ops (mean, var, sub, mul, ...), so they are differentiable to any
// order; their grad_fn is the last of those ops, not PyTorch's NativeGroupNormBackward0.
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn::functional {

// Input [N, C, *]: the C channels are split into num_groups groups of C / num_groups channels,
// and each (sample, group) is normalised over its channels and spatial positions with its mean
// and biased variance: y = (x - mean) / sqrt(var + eps), then y * weight[c] + bias[c] (weight /
// bias [C], each optional). Throws std::invalid_argument naming group_norm, the shapes and
// dtypes when C is not divisible by num_groups, the input has fewer than 2 dims or is not
// floating-point, or weight / bias are not [C]. Cost: a few passes over the input.
Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// Input [N, C, *] with at least one spatial dim: each (sample, channel) is normalised over its
// spatial positions. use_input_stats: with its own mean and biased variance (more than one
// spatial position required), and, when running_mean / running_var [C] are given, they are
// updated in place (no graph): r = (1 - momentum) r + momentum * (the batch average of the
// per-instance means / unbiased variances), as PyTorch. Otherwise it normalises with the
// running statistics (required). weight / bias [C] are optional.
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = Tensor(), const Tensor& running_var = Tensor(),
                     const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

// LibTorch's builders: F::group_norm(x, F::GroupNormFuncOptions(2).weight(w).bias(b)).
struct GroupNormFuncOptions {
  GroupNormFuncOptions(std::int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, num_groups, {})
  XGRAD_ARG(Tensor, weight, {})
  XGRAD_ARG(Tensor, bias, {})
  XGRAD_ARG(double, eps, 1e-5)
};
struct InstanceNormFuncOptions {
  XGRAD_ARG(Tensor, running_mean, {})
  XGRAD_ARG(Tensor, running_var, {})
  XGRAD_ARG(Tensor, weight, {})
  XGRAD_ARG(Tensor, bias, {})
  XGRAD_ARG(bool, use_input_stats, true)
  XGRAD_ARG(double, momentum, 0.1)
  XGRAD_ARG(double, eps, 1e-5)
};
inline Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& o) {
  return group_norm(input, o.num_groups(), o.weight(), o.bias(), o.eps());
}
inline Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& o) {
  return instance_norm(input, o.running_mean(), o.running_var(), o.weight(), o.bias(), o.use_input_stats(),
                       o.momentum(), o.eps());
}

}  // namespace xgrad::nn::functional
