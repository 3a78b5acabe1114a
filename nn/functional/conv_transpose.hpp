// F::conv_transpose2d and F::conv_transpose1d (nn::ConvTranspose2d / 1d's computations).
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"
#include "size2.hpp"

namespace xgrad::nn::functional {

// xgrad's designated-initialiser configuration: F::conv_transpose2d(x, w, b, {.stride = 2}).
struct ConvTranspose2dFuncConfig {
  Size2 stride = 1;
  Size2 padding = 0;         // removed from each side of the full output (dilation * (k - 1) - padding of
                             // implicit zero padding of the input)
  Size2 output_padding = 0;  // extra rows / columns at the end; each < stride or < dilation
  std::int64_t groups = 1;
  Size2 dilation = 1;
};
// 2-D transposed convolution (the gradient of conv2d w.r.t. its input), as
// torch.nn.functional.conv_transpose2d. input [N, C_in, H, W] (or unbatched [C_in, H, W]),
// weight [C_in, C_out / groups, kH, kW], bias [C_out] (optional) -> [N, C_out, H_out, W_out] with
//   H_out = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1   (same for W).
// Computed by conv2d's input-gradient kernel (GEMM + col2im), so it costs what conv2d's
// backward costs and is differentiable to any order (its gradients are conv2d and conv2d's
// weight gradient). Throws std::invalid_argument naming the op, the shapes, dtypes and options
// when they do not fit (including an output size below 1).
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const ConvTranspose2dFuncConfig& options = {});

// LibTorch's builder: F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().stride(2)).
struct ConvTranspose2dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(Size2, stride, 1)
  XGRAD_ARG(Size2, padding, 0)
  XGRAD_ARG(Size2, output_padding, 0)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(Size2, dilation, 1)
};
inline Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const ConvTranspose2dFuncOptions& o) {
  return conv_transpose2d(input, weight, o.bias(),
                          {o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation()});
}

// 1-D transposed convolution: input [N, C_in, L] (or [C_in, L]), weight [C_in, C_out / groups, k]
// -> [N, C_out, L_out], L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1.
// conv_transpose2d on a height-1 view.
struct ConvTranspose1dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(std::int64_t, stride, 1)
  XGRAD_ARG(std::int64_t, padding, 0)
  XGRAD_ARG(std::int64_t, output_padding, 0)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(std::int64_t, dilation, 1)
};
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& options = {});

// The output_padding that makes a transposed convolution produce output_size (its last two
// entries, or its last one for 1-D, are the spatial sizes; the batch and channel entries may be
// given too), as PyTorch's ConvTranspose forward(input, output_size). Throws
// std::invalid_argument unless each size is in [min, min + stride - 1] (min: output_padding 0).
Size2 output_padding_for(const Tensor& input, const std::vector<std::int64_t>& output_size, Size2 kernel_size,
                         const ConvTranspose2dFuncConfig& options, std::int64_t spatial_dims);

namespace detail {
// conv2d's recorded input-gradient op (nn/functional/conv.cpp): the gradient w.r.t. conv2d's
// input of shape input_shape, given the gradient gy of its output. No argument checks.
Tensor conv2d_input_grad(const Tensor& gy, const Tensor& weight, const Shape& input_shape, Size2 stride, Size2 padding,
                         Size2 dilation, std::int64_t groups);
}  // namespace detail

}  // namespace xgrad::nn::functional
