// nn::functional: the layers' computations as free functions (PyTorch's torch.nn.functional).
// Every function is differentiable in all floating-point tensor arguments and throws
// std::invalid_argument naming the function, the shapes and the dtypes when its inputs do not
// fit. The losses are declared in loss.hpp. Usual alias: namespace F = xgrad::nn::functional;
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "../autograd/ops.hpp"

namespace xgrad::nn {

// A (height, width) pair; one number means the same for both: `2` or `{2, 1}`.
struct Size2 {
  std::int64_t h = 0, w = 0;
  Size2() = default;
  Size2(std::int64_t v) : h(v), w(v) {}  // NOLINT: lets `.stride = 2` read naturally
  Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  bool operator==(const Size2&) const = default;
};
// "(h, w)", as PyTorch prints a pair.
std::string to_string(Size2 s);

namespace functional {

// Activations are the ops of the same name (xgrad::relu ...), listed here for F::relu.
using xgrad::gelu;
using xgrad::leaky_relu;
using xgrad::log_softmax;
using xgrad::relu;
using xgrad::sigmoid;
using xgrad::softmax;
using xgrad::softplus;
using xgrad::tanh;

// input [*, in], weight [out, in], bias [out] (optional) -> input @ weight^T + bias, [*, out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

struct Conv2dFuncOptions {
  Size2 stride = 1;
  Size2 padding = 0;  // zeros on each side
  Size2 dilation = 1;
  std::int64_t groups = 1;
};
// 2-D cross-correlation, as torch.nn.functional.conv2d. input [N, C_in, H, W] (or unbatched
// [C_in, H, W]), weight [C_out, C_in / groups, kH, kW], bias [C_out] (optional) ->
// [N, C_out, H_out, W_out] with H_out = (H + 2 pad - dil (kH - 1) - 1) / stride + 1.
// im2col + one GEMM per sample and group. Its backward is itself differentiable (to any order).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dFuncOptions& options = {});

struct MaxPool2dOptions {
  Size2 stride = 0;  // 0: the kernel size
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
  Size2 stride = 0;  // 0: the kernel size
  Size2 padding = 0;  // zero padding, at most half the kernel
  bool ceil_mode = false;
  bool count_include_pad = true;  // padded zeros count in the divisor
  std::optional<std::int64_t> divisor_override = std::nullopt;  // divide by this instead (non-zero)
};
// Mean over each window of input [N, C, H, W] (or [C, H, W]), with PyTorch's divisor rules.
Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, const AvgPool2dOptions& options = {});

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

// Rows of weight [V, D] picked by Int64 indices of any shape -> [*indices.shape, D].
// Indices outside [0, V) throw std::out_of_range. No gradient flows to row padding_idx.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx = std::nullopt);

// In training, zeroes each element with probability p (drawn from the global generator) and
// scales the rest by 1 / (1 - p); otherwise (or for p = 0) returns the input. 0 <= p <= 1.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

}  // namespace functional
}  // namespace xgrad::nn
