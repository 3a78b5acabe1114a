// conv3d as a sum over the kernel's depth of conv2d on depth slices:
//   y[:, :, od] = sum_kd conv2d(x[:, :, od * stride_d - pad_d + kd * dil_d], w[:, :, kd])
// For one kd the slices od = 0 .. D_out - 1 are the depth dim of x (zero-padded in depth)
// sliced with step stride_d, folded into the batch: one conv2d call per kd.
#include "conv3d.hpp"

#include <stdexcept>

#include "../../autograd/op_support.hpp"
#include "conv.hpp"

namespace xgrad::nn {

std::string to_string(Size3 s) {
  return "(" + std::to_string(s.d) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) + ")";
}

namespace functional {

using namespace xgrad::autograd;

namespace {

std::int64_t out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p, std::int64_t d) {
  return (in + 2 * p - d * (k - 1) - 1) / s + 1;
}

void check_args(const Tensor& x, const Tensor& w, const Conv3dFuncOptions& o) {
  const Tensor& b = o.bias();
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("conv3d: " + why + " (input " + describe(x) + ", weight " + describe(w) +
                                (b.defined() ? ", bias " + describe(b) : std::string()) +
                                ", stride=" + to_string(o.stride()) + ", padding=" + to_string(o.padding()) +
                                ", dilation=" + to_string(o.dilation()) + ", groups=" + std::to_string(o.groups()) +
                                ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (w.dtype() != x.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail("input, weight and bias must have the same dtype");
  if (x.dim() != 5) fail("expected a 4-D (unbatched) or 5-D (batched) input");
  if (w.dim() != 5) fail("expected a 5-D weight [out_channels, in_channels / groups, kD, kH, kW]");
  const Size3 s = o.stride(), p = o.padding(), d = o.dilation();
  if (o.groups() < 1) fail("groups must be positive");
  if (s.d < 1 || s.h < 1 || s.w < 1) fail("stride must be positive");
  if (d.d < 1 || d.h < 1 || d.w < 1) fail("dilation must be positive");
  if (p.d < 0 || p.h < 0 || p.w < 0) fail("padding must be non-negative");
  if (w.size(0) % o.groups() != 0) fail("out_channels must be divisible by groups");
  if (x.size(1) != w.size(1) * o.groups())
    fail("expected input with " + std::to_string(w.size(1) * o.groups()) + " channels, got " +
         std::to_string(x.size(1)));
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0)))
    fail("expected a bias of shape [" + std::to_string(w.size(0)) + "]");
  if (w.size(2) < 1 || w.size(3) < 1 || w.size(4) < 1) fail("the kernel must be non-empty");
  if (x.size(2) + 2 * p.d < d.d * (w.size(2) - 1) + 1 || x.size(3) + 2 * p.h < d.h * (w.size(3) - 1) + 1 ||
      x.size(4) + 2 * p.w < d.w * (w.size(4) - 1) + 1)
    fail("the padded input is smaller than the dilated kernel");
}

}  // namespace

Tensor conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  check_defined(input, "conv3d", "input");
  check_defined(weight, "conv3d", "weight");
  const bool unbatched = input.dim() == 4;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  check_args(x, weight, o);
  const Size3 s = o.stride(), p = o.padding(), d = o.dilation();
  const std::int64_t N = x.size(0), C = x.size(1), kd = weight.size(2), cout = weight.size(0);
  const std::int64_t Do = out_size(x.size(2), kd, s.d, p.d, d.d);
  if (p.d > 0) x = xgrad::pad(x, Shape{0, 0, 0, 0, p.d, p.d});
  Tensor y;
  for (std::int64_t k = 0; k < kd; ++k) {
    Tensor xs = slice(x, 2, k * d.d, k * d.d + (Do - 1) * s.d + 1, s.d);  // [N, C, Do, H, W]
    xs = permute(xs, {0, 2, 1, 3, 4}).reshape({N * Do, C, xs.size(3), xs.size(4)});
    Tensor yk = conv2d(xs, select(weight, 2, k), Tensor(), {{s.h, s.w}, {p.h, p.w}, {d.h, d.w}, o.groups()});
    y = y.defined() ? y + yk : yk;
  }
  y = permute(y.reshape({N, Do, cout, y.size(2), y.size(3)}), {0, 2, 1, 3, 4});
  if (o.bias().defined()) y = y + o.bias().reshape({1, cout, 1, 1, 1});
  y = y.contiguous();
  return unbatched ? squeeze(y, 0) : y;
}

}  // namespace functional
}  // namespace xgrad::nn
