// conv_transpose2d / conv_transpose1d: conv2d's input gradient used as a forward op.
// The transposed convolution of x with w is the gradient, w.r.t. the input of a conv2d with the
// same weight, stride, padding and dilation, when x is the gradient of that conv2d's output.
// That conv2d's input has the transposed convolution's output size; its output size
//   floor((H_out + 2 padding - dilation (k - 1) - 1) / stride) + 1
// is H exactly when output_padding < stride, and H + 1 or more when output_padding >= stride
// (allowed when output_padding < dilation): x is then zero-padded at the end to fit, which adds
// nothing to the result.
#include "conv_transpose.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "padding.hpp"

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

namespace {

std::string config_str(const ConvTranspose2dFuncConfig& o) {
  return "stride=" + to_string(o.stride) + ", padding=" + to_string(o.padding) +
         ", output_padding=" + to_string(o.output_padding) + ", groups=" + std::to_string(o.groups) +
         ", dilation=" + to_string(o.dilation);
}

std::int64_t out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t op,
                      std::int64_t d) {
  return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

void check_args(const Tensor& x, const Tensor& w, const Tensor& b, const ConvTranspose2dFuncConfig& o) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("conv_transpose2d: " + why + " (input " + describe(x) + ", weight " + describe(w) +
                                (b.defined() ? ", bias " + describe(b) : std::string()) + ", " + config_str(o) + ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (w.dtype() != x.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail("input, weight and bias must have the same dtype");
  if (x.dim() != 4) fail("expected a 3-D (unbatched) or 4-D (batched) input");
  if (w.dim() != 4) fail("expected a 4-D weight [in_channels, out_channels / groups, kH, kW]");
  if (o.groups < 1) fail("groups must be positive");
  if (o.stride.h < 1 || o.stride.w < 1) fail("stride must be positive");
  if (o.dilation.h < 1 || o.dilation.w < 1) fail("dilation must be positive");
  if (o.padding.h < 0 || o.padding.w < 0) fail("padding must be non-negative");
  if (o.output_padding.h < 0 || o.output_padding.w < 0) fail("output_padding must be non-negative");
  if ((o.output_padding.h >= o.stride.h && o.output_padding.h >= o.dilation.h) ||
      (o.output_padding.w >= o.stride.w && o.output_padding.w >= o.dilation.w))
    fail("output padding must be smaller than either stride or dilation");
  if (w.size(0) != x.size(1))
    fail("expected input with " + std::to_string(w.size(0)) + " channels (weight.size(0)), got " +
         std::to_string(x.size(1)));
  if (w.size(0) % o.groups != 0) fail("in_channels must be divisible by groups");
  if (w.size(2) < 1 || w.size(3) < 1) fail("the kernel must be non-empty");
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(1) * o.groups))
    fail("expected a bias of shape [" + std::to_string(w.size(1) * o.groups) + "]");
  if (x.size(2) < 1 || x.size(3) < 1) fail("the spatial dims of the input must be non-empty");
  const std::int64_t ho = out_size(x.size(2), w.size(2), o.stride.h, o.padding.h, o.output_padding.h, o.dilation.h);
  const std::int64_t wo = out_size(x.size(3), w.size(3), o.stride.w, o.padding.w, o.output_padding.w, o.dilation.w);
  if (ho < 1 || wo < 1)
    fail("the output size (" + std::to_string(ho) + " x " + std::to_string(wo) + ") is too small; reduce padding");
}

// The output size of the conv2d whose input gradient this is (>= in; see the file comment).
std::int64_t conv_out(std::int64_t out, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d) {
  return (out + 2 * p - d * (k - 1) - 1) / s + 1;
}

}  // namespace

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dFuncConfig& o) {
  check_defined(input, "conv_transpose2d", "input");
  check_defined(weight, "conv_transpose2d", "weight");
  const bool unbatched = input.dim() == 3;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  check_args(x, weight, bias, o);
  const std::int64_t kh = weight.size(2), kw = weight.size(3), cout = weight.size(1) * o.groups;
  const std::int64_t ho = out_size(x.size(2), kh, o.stride.h, o.padding.h, o.output_padding.h, o.dilation.h);
  const std::int64_t wo = out_size(x.size(3), kw, o.stride.w, o.padding.w, o.output_padding.w, o.dilation.w);
  const std::int64_t extra_h = conv_out(ho, kh, o.stride.h, o.padding.h, o.dilation.h) - x.size(2);
  const std::int64_t extra_w = conv_out(wo, kw, o.stride.w, o.padding.w, o.dilation.w) - x.size(3);
  if (extra_h > 0 || extra_w > 0) x = xgrad::pad(x, Shape{0, extra_w, 0, extra_h});
  Tensor y =
      detail::conv2d_input_grad(x, weight, Shape{x.size(0), cout, ho, wo}, o.stride, o.padding, o.dilation, o.groups);
  if (bias.defined()) y = y + bias.reshape({1, cout, 1, 1});
  return unbatched ? squeeze(y, 0) : y;
}

Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const ConvTranspose1dFuncOptions& o) {
  check_defined(input, "conv_transpose1d", "input");
  check_defined(weight, "conv_transpose1d", "weight");
  if ((input.dim() != 2 && input.dim() != 3) || weight.dim() != 3) {
    throw std::invalid_argument(
        "conv_transpose1d: expected a 2-D (unbatched) or 3-D (batched) input and a 3-D weight "
        "[in_channels, out_channels / groups, k], got input " +
        describe(input) + ", weight " + describe(weight));
  }
  const std::int64_t at = input.dim() - 1;  // the height-1 dim goes before the length
  Tensor y =
      conv_transpose2d(unsqueeze(input, at), unsqueeze(weight, 2), o.bias(),
                       {{1, o.stride()}, {0, o.padding()}, {0, o.output_padding()}, o.groups(), {1, o.dilation()}});
  return squeeze(y, at);
}

Size2 output_padding_for(const Tensor& input, const std::vector<std::int64_t>& output_size, Size2 kernel_size,
                         const ConvTranspose2dFuncConfig& o, std::int64_t spatial_dims) {
  const auto n = static_cast<std::int64_t>(output_size.size());
  const std::int64_t batched_dim = spatial_dims + 2;
  if (n != spatial_dims && n != batched_dim && n != batched_dim - 1) {
    throw std::invalid_argument("ConvTranspose: output_size must have " + std::to_string(spatial_dims) + " (or " +
                                std::to_string(batched_dim) + ") elements, got " + std::to_string(n));
  }
  Size2 result = 0;
  for (std::int64_t i = 0; i < spatial_dims; ++i) {
    const bool is_w = i == spatial_dims - 1;
    const std::int64_t in = input.size(input.dim() - spatial_dims + i), want = output_size[n - spatial_dims + i];
    const std::int64_t k = is_w ? kernel_size.w : kernel_size.h, s = is_w ? o.stride.w : o.stride.h;
    const std::int64_t min =
        out_size(in, k, s, is_w ? o.padding.w : o.padding.h, 0, is_w ? o.dilation.w : o.dilation.h);
    if (want < min || want > min + s - 1) {
      throw std::invalid_argument("ConvTranspose: requested an output size of " + std::to_string(want) +
                                  ", but valid sizes range from " + std::to_string(min) + " to " +
                                  std::to_string(min + s - 1) + " (for an input of " + describe(input) + ")");
    }
    (is_w ? result.w : result.h) = want - min;
  }
  return result;
}

}  // namespace xgrad::nn::functional
