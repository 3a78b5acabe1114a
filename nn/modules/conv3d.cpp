// The Conv3d module (nn/functional/conv3d.cpp computes).
#include "conv3d.hpp"

#include <cmath>
#include <stdexcept>

#include "../init.hpp"

namespace xgrad::nn {

Conv3dImpl::Conv3dImpl(const Conv3dOptions& o) : Module("Conv3d"), options(o) {
  const std::int64_t in = o.in_channels(), out = o.out_channels(), g = o.groups();
  const Size3 k = o.kernel_size();
  if (in < 1 || out < 1 || k.d < 1 || k.h < 1 || k.w < 1 || g < 1 || in % g != 0 || out % g != 0) {
    throw std::invalid_argument("Conv3d: invalid configuration in_channels=" + std::to_string(in) +
                                ", out_channels=" + std::to_string(out) + ", kernel_size=" + to_string(k) +
                                ", groups=" + std::to_string(g) +
                                " (sizes must be positive and both channel counts divisible by groups)");
  }
  if (o.padding_mode() != kZeros) {
    throw std::invalid_argument(std::string("Conv3d: only padding_mode kZeros is implemented, got ") +
                                to_string(o.padding_mode()));
  }
  weight = register_parameter("weight", empty({out, in / g, k.d, k.h, k.w}));
  if (o.bias()) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv3dImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv3dImpl::forward(const Tensor& input) {
  const auto& o = options;
  return functional::conv3d(input, weight,
                            functional::Conv3dFuncOptions()
                                .bias(bias)
                                .stride(o.stride())
                                .padding(o.padding())
                                .dilation(o.dilation())
                                .groups(o.groups()));
}

std::string Conv3dImpl::extra_repr() const {
  const auto& o = options;
  std::string s = std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) +
                  ", kernel_size=" + to_string(o.kernel_size()) + ", stride=" + to_string(o.stride());
  if (o.padding() != Size3{0}) s += ", padding=" + to_string(o.padding());
  if (o.dilation() != Size3{1}) s += ", dilation=" + to_string(o.dilation());
  if (o.groups() != 1) s += ", groups=" + std::to_string(o.groups());
  if (!o.bias()) s += ", bias=false";
  return s;
}

}  // namespace xgrad::nn
