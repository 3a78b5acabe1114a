// F::relu and the other activations: they are the ops of the same name (xgrad::relu ...), listed
// in nn::functional so that F::relu reads as in PyTorch.
#pragma once
#include "../../autograd/ops.hpp"

namespace xgrad::nn::functional {

using xgrad::gelu;
using xgrad::leaky_relu;
using xgrad::log_softmax;
using xgrad::relu;
using xgrad::sigmoid;
using xgrad::softmax;
using xgrad::softplus;
using xgrad::tanh;

}  // namespace xgrad::nn::functional
