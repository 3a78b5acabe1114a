// F::conv2d (nn::Conv2d's computation).
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"
#include "padding.hpp"
#include "size2.hpp"

namespace xgrad::nn::functional {

// xgrad's designated-initialiser configuration: F::conv2d(x, w, b, {.stride = 2, .padding = 1}).
struct Conv2dFuncConfig {
  Size2 stride = 1;
  Size2 padding = 0;  // zeros on each side
  Size2 dilation = 1;
  std::int64_t groups = 1;
};
// 2-D cross-correlation, as torch.nn.functional.conv2d. input [N, C_in, H, W] (or unbatched
// [C_in, H, W]), weight [C_out, C_in / groups, kH, kW], bias [C_out] (optional) ->
// [N, C_out, H_out, W_out] with H_out = (H + 2 pad - dil (kH - 1) - 1) / stride + 1.
// im2col + one GEMM per group for each chunk of the batch (nn/functional/conv_kernels.hpp). Its
// backward is itself differentiable (to any order).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dFuncConfig& options = {});

// LibTorch's builder: F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).stride(2).padding(1)).
// padding also takes kValid (none) and kSame (output size = input size; stride must be 1; an
// odd total padding puts the extra row / column at the bottom / right, as PyTorch).
struct Conv2dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(Size2, stride, 1)
  XGRAD_ARG(ConvPadding, padding, 0)
  XGRAD_ARG(Size2, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
};
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options);

// 1-D cross-correlation, as torch.nn.functional.conv1d: input [N, C_in, L] (or [C_in, L]),
// weight [C_out, C_in / groups, k], bias [C_out] -> [N, C_out, L_out],
// L_out = (L + 2 pad - dil (k - 1) - 1) / stride + 1. conv2d on a height-1 view (so its cost and
// its derivatives, to any order, are conv2d's). padding: a number, kValid or kSame.
struct Conv1dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(std::int64_t, stride, 1)
  XGRAD_ARG(ConvPadding, padding, 0)
  XGRAD_ARG(std::int64_t, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
};
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});

}  // namespace xgrad::nn::functional
