// MaxPool2d and AvgPool2d modules (the kernels are in nn/functional/pooling.cpp).
#include "pooling.hpp"

namespace xgrad::nn {

Tensor MaxPool2dImpl::forward(const Tensor& input) { return functional::max_pool2d(input, kernel_size, options); }

std::string MaxPool2dImpl::extra_repr() const {
  Size2 stride = options.stride == Size2{0} ? kernel_size : options.stride;
  return "kernel_size=" + to_string(kernel_size) + ", stride=" + to_string(stride) +
         ", padding=" + to_string(options.padding) + ", dilation=" + to_string(options.dilation) +
         ", ceil_mode=" + (options.ceil_mode ? "true" : "false");
}

Tensor AvgPool2dImpl::forward(const Tensor& input) { return functional::avg_pool2d(input, kernel_size, options); }

std::string AvgPool2dImpl::extra_repr() const {
  Size2 stride = options.stride == Size2{0} ? kernel_size : options.stride;
  return "kernel_size=" + to_string(kernel_size) + ", stride=" + to_string(stride) +
         ", padding=" + to_string(options.padding);
}

}  // namespace xgrad::nn
