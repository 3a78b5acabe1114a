// F::relu and the other activations: they are the ops of the same name (xgrad::relu ...), listed
// in nn::functional so that F::relu reads as in PyTorch.
#pragma once
#include "../../autograd/ops.hpp"
#include "../../autograd/ops_elementwise.hpp"

namespace xgrad::nn::functional {

using xgrad::celu;
using xgrad::elu;
using xgrad::gelu;
using xgrad::hardsigmoid;
using xgrad::hardswish;
using xgrad::hardtanh;
using xgrad::leaky_relu;
using xgrad::log_softmax;
using xgrad::mish;
using xgrad::relu;
using xgrad::selu;
using xgrad::sigmoid;
using xgrad::silu;
using xgrad::softmax;
using xgrad::softplus;
using xgrad::tanh;
// PyTorch spells it F.logsigmoid and torch.log_sigmoid (ATen's name).
inline Tensor logsigmoid(const Tensor& x) { return xgrad::log_sigmoid(x); }
// x / (1 + |x|). Only F::softsign, as PyTorch (no torch::softsign): a softsign of your own in
// another namespace (the op_support.hpp example) stays unambiguous.
Tensor softsign(const Tensor& x);

}  // namespace xgrad::nn::functional
