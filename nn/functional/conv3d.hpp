// F::conv3d (nn::Conv3d's computation) and Size3, the (depth, height, width) triple it takes.
#pragma once
#include <cstdint>
#include <string>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn {

// A (depth, height, width) triple; one number means the same for all three: `2` or `{1, 2, 2}`.
struct Size3 {
  std::int64_t d = 0, h = 0, w = 0;
  Size3() = default;
  Size3(std::int64_t v) : d(v), h(v), w(v) {}  // NOLINT: lets `.stride(2)` read naturally
  Size3(std::int64_t depth, std::int64_t height, std::int64_t width) : d(depth), h(height), w(width) {}
  bool operator==(const Size3&) const = default;
};
// "(d, h, w)", as PyTorch prints a triple.
std::string to_string(Size3 s);

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

// LibTorch's builder: F::conv3d(x, w, F::Conv3dFuncOptions().bias(b).stride(2).padding(1)).
// padding is explicit zero padding (kSame / kValid are not provided for 3-D).
struct Conv3dFuncOptions {
  XGRAD_ARG(Tensor, bias, Tensor())
  XGRAD_ARG(Size3, stride, 1)
  XGRAD_ARG(Size3, padding, 0)
  XGRAD_ARG(Size3, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
};
// 3-D cross-correlation, as torch.nn.functional.conv3d: input [N, C_in, D, H, W] (or unbatched
// [C_in, D, H, W]), weight [C_out, C_in / groups, kD, kH, kW], bias [C_out] ->
// [N, C_out, D_out, H_out, W_out], each size (S + 2 pad - dil (k - 1) - 1) / stride + 1.
// Computed as kD conv2d calls, one per kernel depth, each on the strided depth slices of the
// input folded into the batch (N * D_out planes): the cost of conv2d on those planes times kD,
// plus a copy of the input per call; differentiable to any order as conv2d is. Throws
// std::invalid_argument naming the op, the shapes, the dtypes and the options.
Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& options = {});

}  // namespace xgrad::nn::functional
