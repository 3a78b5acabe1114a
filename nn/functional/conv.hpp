// F::conv2d (nn::Conv2d's computation).
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"
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
struct Conv2dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(Size2, stride, 1)
  XGRAD_ARG(Size2, padding, 0)
  XGRAD_ARG(Size2, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
};
inline Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return conv2d(input, weight, o.bias(), {o.stride(), o.padding(), o.dilation(), o.groups()});
}

}  // namespace xgrad::nn::functional
