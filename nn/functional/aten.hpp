// The ATen-level functions LibTorch exposes at top level (torch::nll_loss, torch::max_pool2d,
// torch::dropout, ...), with LibTorch's positional arguments: thin forwards to nn::functional,
// so that `xgrad::smooth_l1_loss(x, y, xgrad::Reduction::Sum)` reads as the LibTorch original.
// relu, sigmoid, tanh, softmax, log_softmax, gelu and the other activations are already
// top-level ops (ops.hpp). Semantics, shapes and errors are nn::functional's.
#pragma once
#include <cstdint>

#include "../../autograd/ops.hpp"
#include "conv.hpp"
#include "conv3d.hpp"
#include "conv_transpose.hpp"
#include "dropout.hpp"
#include "linear.hpp"
#include "loss.hpp"
#include "pooling.hpp"

namespace xgrad {

// xgrad::Reduction::None / Mean / Sum, as torch::Reduction (LibTorch's at::Reduction).
using nn::Reduction;

// Same signatures as nn::functional's: the same functions, so that calls that see both (ADL,
// using-directives) are not ambiguous.
using nn::functional::binary_cross_entropy;
using nn::functional::dropout;  // dropout(input, p, train)
using nn::functional::huber_loss;
using nn::functional::l1_loss;
using nn::functional::linear;
using nn::functional::mse_loss;
using nn::functional::smooth_l1_loss;

inline Tensor nll_loss(const Tensor& self, const Tensor& target, const Tensor& weight = Tensor(),
                       Reduction reduction = Reduction::Mean, std::int64_t ignore_index = -100) {
  return nn::functional::nll_loss(self, target, nn::NLLLossConfig{weight, ignore_index, reduction});
}
// LibTorch's name for softmax cross entropy from logits (torch::cross_entropy_loss).
inline Tensor cross_entropy_loss(const Tensor& self, const Tensor& target, const Tensor& weight = Tensor(),
                                 Reduction reduction = Reduction::Mean, std::int64_t ignore_index = -100,
                                 double label_smoothing = 0.0) {
  return nn::functional::cross_entropy(self, target,
                                       nn::CrossEntropyOptions{weight, ignore_index, reduction, label_smoothing});
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                               const Tensor& weight = Tensor(), const Tensor& pos_weight = Tensor(),
                                               Reduction reduction = Reduction::Mean) {
  return nn::functional::binary_cross_entropy_with_logits(self, target,
                                                          nn::BCEWithLogitsOptions{weight, pos_weight, reduction});
}

// kernel_size, stride (empty / 0: the kernel size), padding and dilation: one number or {h, w}.
inline Tensor max_pool2d(const Tensor& self, nn::Size2 kernel_size, nn::Size2 stride = {}, nn::Size2 padding = 0,
                         nn::Size2 dilation = 1, bool ceil_mode = false) {
  return nn::functional::max_pool2d(self, kernel_size, {stride, padding, dilation, ceil_mode});
}
inline Tensor avg_pool2d(const Tensor& self, nn::Size2 kernel_size, nn::Size2 stride = {}, nn::Size2 padding = 0,
                         bool ceil_mode = false, bool count_include_pad = true,
                         std::optional<std::int64_t> divisor_override = std::nullopt) {
  return nn::functional::avg_pool2d(self, kernel_size,
                                    {stride, padding, ceil_mode, count_include_pad, divisor_override});
}
inline Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), nn::Size2 stride = 1,
                     nn::Size2 padding = 0, nn::Size2 dilation = 1, std::int64_t groups = 1) {
  return nn::functional::conv2d(input, weight, bias, {stride, padding, dilation, groups});
}
// torch::conv2d(x, w, b, 1, torch::kSame): padding kSame / kValid (LibTorch's string overload).
// (Tag overloads, so that conv2d(x, w, b, 1, 1) stays unambiguous.)
inline Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, nn::Size2 stride,
                     nn::SamePadding padding, nn::Size2 dilation = 1, std::int64_t groups = 1) {
  return nn::functional::conv2d(
      input, weight,
      nn::functional::Conv2dFuncOptions().bias(bias).stride(stride).padding(padding).dilation(dilation).groups(groups));
}
inline Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, nn::Size2 stride,
                     nn::ValidPadding padding, nn::Size2 dilation = 1, std::int64_t groups = 1) {
  return nn::functional::conv2d(
      input, weight,
      nn::functional::Conv2dFuncOptions().bias(bias).stride(stride).padding(padding).dilation(dilation).groups(groups));
}
inline Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), std::int64_t stride = 1,
                     nn::ConvPadding padding = 0, std::int64_t dilation = 1, std::int64_t groups = 1) {
  return nn::functional::conv1d(
      input, weight,
      nn::functional::Conv1dFuncOptions().bias(bias).stride(stride).padding(padding).dilation(dilation).groups(groups));
}
inline Tensor conv3d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(), nn::Size3 stride = 1,
                     nn::Size3 padding = 0, nn::Size3 dilation = 1, std::int64_t groups = 1) {
  return nn::functional::conv3d(
      input, weight,
      nn::functional::Conv3dFuncOptions().bias(bias).stride(stride).padding(padding).dilation(dilation).groups(groups));
}
inline Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                               nn::Size2 stride = 1, nn::Size2 padding = 0, nn::Size2 output_padding = 0,
                               std::int64_t groups = 1, nn::Size2 dilation = 1) {
  return nn::functional::conv_transpose2d(input, weight, bias, {stride, padding, output_padding, groups, dilation});
}
inline Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                               std::int64_t stride = 1, std::int64_t padding = 0, std::int64_t output_padding = 0,
                               std::int64_t groups = 1, std::int64_t dilation = 1) {
  return nn::functional::conv_transpose1d(input, weight,
                                          nn::functional::ConvTranspose1dFuncOptions()
                                              .bias(bias)
                                              .stride(stride)
                                              .padding(padding)
                                              .output_padding(output_padding)
                                              .groups(groups)
                                              .dilation(dilation));
}
}  // namespace xgrad
