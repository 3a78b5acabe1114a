// F::conv2d with LibTorch's options (explicit, "valid" or "same" padding) and F::conv1d (conv2d
// on a height-1 view). "same" pads dilation * (k - 1) in total per dim, half before and the rest
// after, as PyTorch: symmetric padding goes to conv2d itself; an odd total first pads the input
// with one more zero row / column at the end (a constant pad, differentiable to any order).
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "conv.hpp"

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  const ConvPadding& p = o.padding();
  if (!p.is_same()) {
    return conv2d(input, weight, o.bias(), {o.stride(), p.is_valid() ? Size2(0) : p.size(), o.dilation(), o.groups()});
  }
  check_defined(input, "conv2d", "input");
  check_defined(weight, "conv2d", "weight");
  if (o.stride() != Size2(1)) {
    throw std::invalid_argument(
        "conv2d: padding='same' is not supported for strided convolutions (stride=" + to_string(o.stride()) +
        ", input " + describe(input) + ", weight " + describe(weight) + ")");
  }
  if ((input.dim() != 3 && input.dim() != 4) || weight.dim() != 4) {  // conv2d names the problem
    return conv2d(input, weight, o.bias(), {o.stride(), 0, o.dilation(), o.groups()});
  }
  auto [top, bottom] = same_padding(weight.size(2), o.dilation().h);
  auto [left, right] = same_padding(weight.size(3), o.dilation().w);
  Tensor x = input;
  if (bottom != top || right != left) x = xgrad::pad(input, Shape{0, right - left, 0, bottom - top});
  return conv2d(x, weight, o.bias(), {1, {top, left}, o.dilation(), o.groups()});
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  check_defined(input, "conv1d", "input");
  check_defined(weight, "conv1d", "weight");
  if ((input.dim() != 2 && input.dim() != 3) || weight.dim() != 3) {
    throw std::invalid_argument(
        "conv1d: expected a 2-D (unbatched) or 3-D (batched) input and a 3-D weight "
        "[out_channels, in_channels / groups, k], got input " +
        describe(input) + ", weight " + describe(weight));
  }
  const ConvPadding& p = o.padding();
  const ConvPadding p2 = p.kind() == PaddingKind::Explicit ? ConvPadding(0, p.size().w) : p;
  const std::int64_t at = input.dim() - 1;  // the height-1 dim goes before the length
  try {
    Tensor y = conv2d(unsqueeze(input, at), unsqueeze(weight, 2),
                      Conv2dFuncOptions()
                          .bias(o.bias())
                          .stride({1, o.stride()})
                          .padding(p2)
                          .dilation({1, o.dilation()})
                          .groups(o.groups()));
    return squeeze(y, at);
  } catch (const std::invalid_argument& e) {
    // conv2d's message describes the 4-D views; name the op and the caller's tensors.
    throw std::invalid_argument(std::string("conv1d: ") + e.what() + " [on the height-1 views of input " +
                                describe(input) + ", weight " + describe(weight) + "]");
  }
}

}  // namespace xgrad::nn::functional
