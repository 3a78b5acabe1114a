// The Conv2d module (the convolution itself is F::conv2d, nn/functional/conv.cpp).
#include "conv.hpp"

#include <cmath>
#include <stdexcept>

#include "../init.hpp"

namespace xgrad::nn {

namespace {
Conv2dConfig config_of(const Conv2dOptions& o) {
  if (o.padding_mode() != kZeros) {
    throw std::invalid_argument(
        "Conv2d: only padding_mode kZeros is implemented (reflect, replicate and circular "
        "padding are not)");
  }
  return {o.stride(), o.padding(), o.dilation(), o.groups(), o.bias()};
}
}  // namespace

Conv2dImpl::Conv2dImpl(const Conv2dOptions& o)
    : Conv2dImpl(o.in_channels(), o.out_channels(), o.kernel_size(), config_of(o)) {}

Conv2dImpl::Conv2dImpl(std::int64_t in, std::int64_t out, Size2 kernel, const Conv2dConfig& o)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(kernel),
      config(o),
      options(Conv2dOptions(in, out, kernel)
                  .stride(o.stride)
                  .padding(o.padding)
                  .dilation(o.dilation)
                  .groups(o.groups)
                  .bias(o.bias)) {
  if (in < 1 || out < 1 || kernel.h < 1 || kernel.w < 1 || o.groups < 1 || in % o.groups != 0 || out % o.groups != 0) {
    throw std::invalid_argument("Conv2d: invalid configuration in_channels=" + std::to_string(in) +
                                ", out_channels=" + std::to_string(out) + ", kernel_size=" + to_string(kernel) +
                                ", groups=" + std::to_string(o.groups) +
                                " (sizes must be positive and both channel counts divisible by groups)");
  }
  weight = register_parameter("weight", empty({out, in / o.groups, kernel.h, kernel.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2dImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    init::uniform_(bias, -1.0 / std::sqrt(static_cast<double>(fan_in)), 1.0 / std::sqrt(static_cast<double>(fan_in)));
  }
}

Tensor Conv2dImpl::forward(const Tensor& input) {
  return functional::conv2d(input, weight, bias, {config.stride, config.padding, config.dilation, config.groups});
}

std::string Conv2dImpl::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + to_string(kernel_size) + ", stride=" + to_string(config.stride);
  if (config.padding != Size2{0}) s += ", padding=" + to_string(config.padding);
  if (config.dilation != Size2{1}) s += ", dilation=" + to_string(config.dilation);
  if (config.groups != 1) s += ", groups=" + std::to_string(config.groups);
  if (!config.bias) s += ", bias=false";
  return s;
}

}  // namespace xgrad::nn
