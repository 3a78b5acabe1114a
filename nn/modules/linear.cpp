// The Linear module (the affine map and its backward are F::linear, nn/functional/linear.cpp).
#include "linear.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "../functional/linear.hpp"
#include "../init.hpp"

namespace xgrad::nn {

LinearImpl::LinearImpl(const LinearOptions& o) : LinearImpl(o.in_features(), o.out_features(), o.bias()) {}

LinearImpl::LinearImpl(std::int64_t in, std::int64_t out, bool with_bias)
    : Module("Linear"), in_features(in), out_features(out), options(LinearOptions(in, out).bias(with_bias)) {
  if (in < 0 || out < 0) {
    throw std::invalid_argument("Linear: feature counts must be non-negative, got in_features=" + std::to_string(in) +
                                ", out_features=" + std::to_string(out));
  }
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string LinearImpl::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

}  // namespace xgrad::nn
