// The Conv2d module (the convolution itself is F::conv2d, nn/functional/conv.cpp).
#include "conv.hpp"

#include <cmath>
#include <stdexcept>

#include "../init.hpp"

namespace xgrad::nn {

Conv2d::Conv2d(std::int64_t in, std::int64_t out, Size2 kernel, const Conv2dOptions& o)
    : Module("Conv2d"), in_channels(in), out_channels(out), kernel_size(kernel), options(o) {
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

void Conv2d::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    init::uniform_(bias, -1.0 / std::sqrt(static_cast<double>(fan_in)), 1.0 / std::sqrt(static_cast<double>(fan_in)));
  }
}

Tensor Conv2d::forward(const Tensor& input) {
  return functional::conv2d(input, weight, bias, {options.stride, options.padding, options.dilation, options.groups});
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + to_string(kernel_size) + ", stride=" + to_string(options.stride);
  if (options.padding != Size2{0}) s += ", padding=" + to_string(options.padding);
  if (options.dilation != Size2{1}) s += ", dilation=" + to_string(options.dilation);
  if (options.groups != 1) s += ", groups=" + std::to_string(options.groups);
  if (!options.bias) s += ", bias=false";
  return s;
}

}  // namespace xgrad::nn
