// Adaptive pooling modules (the kernels are in nn/functional/adaptive_pool.cpp).
#include "adaptive_pool.hpp"

namespace xgrad::nn {

namespace F = functional;

Tensor AdaptiveAvgPool1dImpl::forward(const Tensor& input) { return F::adaptive_avg_pool1d(input, options); }
std::string AdaptiveAvgPool1dImpl::extra_repr() const { return "output_size=" + std::to_string(options.output_size()); }

Tensor AdaptiveMaxPool1dImpl::forward(const Tensor& input) { return F::adaptive_max_pool1d(input, options); }
std::tuple<Tensor, Tensor> AdaptiveMaxPool1dImpl::forward_with_indices(const Tensor& input) {
  return F::adaptive_max_pool1d_with_indices(input, options);
}
std::string AdaptiveMaxPool1dImpl::extra_repr() const { return "output_size=" + std::to_string(options.output_size()); }

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) { return F::adaptive_avg_pool2d(input, options); }
std::string AdaptiveAvgPool2dImpl::extra_repr() const { return "output_size=" + to_string(options.output_size()); }

Tensor AdaptiveMaxPool2dImpl::forward(const Tensor& input) { return F::adaptive_max_pool2d(input, options); }
std::tuple<Tensor, Tensor> AdaptiveMaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return F::adaptive_max_pool2d_with_indices(input, options);
}
std::string AdaptiveMaxPool2dImpl::extra_repr() const { return "output_size=" + to_string(options.output_size()); }

}  // namespace xgrad::nn
