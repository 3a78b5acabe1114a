// F::max_pool2d, F::max_pool2d_with_indices and F::avg_pool2d (the pooling modules' computations).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>

#include "../../autograd/tensor.hpp"
#include "size2.hpp"

namespace xgrad::nn::functional {

struct MaxPool2dOptions {
  Size2 stride = 0;   // 0: the kernel size
  Size2 padding = 0;  // implicit -inf padding, at most half the kernel
  Size2 dilation = 1;
  bool ceil_mode = false;  // round the output size up (the last window may hang over)
};
// Max over each window of input [N, C, H, W] (or [C, H, W]). The gradient goes to the first
// maximum of each window (NaN counts as the maximum, as PyTorch).
Tensor max_pool2d(const Tensor& input, Size2 kernel_size, const MaxPool2dOptions& options = {});
// The output and, per output element, the flat index (h * W + w) of its maximum in its plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size,
                                                   const MaxPool2dOptions& options = {});

struct AvgPool2dOptions {
  Size2 stride = 0;   // 0: the kernel size
  Size2 padding = 0;  // zero padding, at most half the kernel
  bool ceil_mode = false;
  bool count_include_pad = true;                                // padded zeros count in the divisor
  std::optional<std::int64_t> divisor_override = std::nullopt;  // divide by this instead (non-zero)
};
// Mean over each window of input [N, C, H, W] (or [C, H, W]), with PyTorch's divisor rules.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, const AvgPool2dOptions& options = {});

}  // namespace xgrad::nn::functional
