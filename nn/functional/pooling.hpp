// F::max_pool2d, F::max_pool2d_with_indices and F::avg_pool2d (the pooling modules' computations).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"
#include "size2.hpp"

namespace xgrad::nn {

// LibTorch's builders (also F::MaxPool2dFuncOptions / F::AvgPool2dFuncOptions): the stride
// defaults to the kernel size. nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)).
struct MaxPool2dOptions {
  MaxPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Size2, kernel_size, {})
  XGRAD_ARG(Size2, stride, {})
  XGRAD_ARG(Size2, padding, 0)
  XGRAD_ARG(Size2, dilation, 1)
  XGRAD_ARG(bool, ceil_mode, false)
};
struct AvgPool2dOptions {
  AvgPool2dOptions(Size2 kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Size2, kernel_size, {})
  XGRAD_ARG(Size2, stride, {})
  XGRAD_ARG(Size2, padding, 0)
  XGRAD_ARG(bool, ceil_mode, false)
  XGRAD_ARG(bool, count_include_pad, true)
  XGRAD_ARG(std::optional<std::int64_t>, divisor_override, std::nullopt)
};

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

// xgrad's designated-initialiser configurations: F::max_pool2d(x, 3, {.stride = 1, .padding = 1}).
struct MaxPool2dConfig {
  Size2 stride = 0;   // 0: the kernel size
  Size2 padding = 0;  // implicit -inf padding, at most half the kernel
  Size2 dilation = 1;
  bool ceil_mode = false;  // round the output size up (the last window may hang over)
};
// Max over each window of input [N, C, H, W] (or [C, H, W]). The gradient goes to the first
// maximum of each window (NaN counts as the maximum, as PyTorch).
Tensor max_pool2d(const Tensor& input, Size2 kernel_size, const MaxPool2dConfig& options = {});
// The output and, per output element, the flat index (h * W + w) of its maximum in its plane.
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size,
                                                   const MaxPool2dConfig& options = {});

struct AvgPool2dConfig {
  Size2 stride = 0;   // 0: the kernel size
  Size2 padding = 0;  // zero padding, at most half the kernel
  bool ceil_mode = false;
  bool count_include_pad = true;                                // padded zeros count in the divisor
  std::optional<std::int64_t> divisor_override = std::nullopt;  // divide by this instead (non-zero)
};
// Mean over each window of input [N, C, H, W] (or [C, H, W]), with PyTorch's divisor rules.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, const AvgPool2dConfig& options = {});

using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
inline MaxPool2dConfig config_of(const MaxPool2dOptions& o) {
  return {o.stride(), o.padding(), o.dilation(), o.ceil_mode()};
}
inline AvgPool2dConfig config_of(const AvgPool2dOptions& o) {
  return {o.stride(), o.padding(), o.ceil_mode(), o.count_include_pad(), o.divisor_override()};
}
// F::max_pool2d(x, F::MaxPool2dFuncOptions(2)), as LibTorch.
inline Tensor max_pool2d(const Tensor& input, const MaxPool2dOptions& o) {
  return max_pool2d(input, o.kernel_size(), config_of(o));
}
inline std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dOptions& o) {
  return max_pool2d_with_indices(input, o.kernel_size(), config_of(o));
}
inline Tensor avg_pool2d(const Tensor& input, const AvgPool2dOptions& o) {
  return avg_pool2d(input, o.kernel_size(), config_of(o));
}

}  // namespace xgrad::nn::functional
