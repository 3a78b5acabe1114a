// The LayerNorm module (the normalisation and its backward are F::layer_norm,
// nn/functional/layer_norm.cpp).
#include <sstream>
#include <stdexcept>
#include <string>

#include "../functional/normalization.hpp"
#include "../init.hpp"
#include "normalization.hpp"

namespace xgrad::nn {

LayerNormImpl::LayerNormImpl(Shape shape, const LayerNormConfig& o)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), options(o) {
  if (normalized_shape.empty()) throw std::invalid_argument("LayerNorm: normalized_shape must not be empty");
  if (o.elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    if (o.bias) bias = register_parameter("bias", zeros(normalized_shape));
  }
}

void LayerNormImpl::reset_parameters() {
  if (weight.defined()) init::ones_(weight);
  if (bias.defined()) init::zeros_(bias);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, normalized_shape, weight, bias, options.eps);
}

std::string LayerNormImpl::extra_repr() const {
  std::ostringstream os;
  os << shape_str(normalized_shape) << ", eps=" << options.eps
     << ", elementwise_affine=" << (options.elementwise_affine ? "true" : "false");
  return os.str();
}

}  // namespace xgrad::nn
