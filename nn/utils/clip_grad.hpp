// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_. Both modify the
// .grad() of the given parameters in place; parameters without a gradient are skipped.
#pragma once
#include <limits>
#include <vector>

#include "../../autograd/tensor.hpp"

namespace xgrad::nn::utils {

// Scales all gradients by min(1, max_norm / (total_norm + 1e-6)), where total_norm is the
// norm_type-norm of all gradients together (as if concatenated into one vector;
// norm_type = infinity() for the max-norm). Returns total_norm as a scalar tensor (Float32 unless
// a gradient is Float64; 0 when there are no gradients). With error_if_nonfinite, a NaN or
// infinite total norm throws std::runtime_error and leaves the gradients untouched.
// Throws std::invalid_argument for norm_type <= 0 or a negative max_norm.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value]. Throws std::invalid_argument for a
// negative clip_value.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace xgrad::nn::utils
