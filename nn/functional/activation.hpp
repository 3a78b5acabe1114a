// F::relu and the other activations: they are the ops of the same name (xgrad::relu ...), listed
// in nn::functional so that F::relu reads as in PyTorch, plus LibTorch's option overloads:
// F::log_softmax(x, F::LogSoftmaxFuncOptions(1)), F::leaky_relu(x, F::LeakyReLUFuncOptions()
// .negative_slope(0.2)). (F::relu keeps a single overload so that nn::Functional(F::relu) works.)
#pragma once
#include <cstdint>
#include <string>

#include "../../autograd/ops.hpp"
#include "../../autograd/ops_elementwise.hpp"
#include "../options.hpp"

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

struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
struct LogSoftmaxFuncOptions {
  LogSoftmaxFuncOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
struct LeakyReLUFuncOptions {
  XGRAD_ARG(double, negative_slope, 0.01)
  XGRAD_ARG(bool, inplace, false)  // computes out of place
};
struct GELUFuncOptions {
  XGRAD_ARG(std::string, approximate, "none")
};
inline Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& o) { return xgrad::softmax(input, o.dim()); }
inline Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& o) {
  return xgrad::log_softmax(input, o.dim());
}
inline Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& o) {
  return xgrad::leaky_relu(input, o.negative_slope());
}
inline Tensor gelu(const Tensor& input, const GELUFuncOptions& o) { return xgrad::gelu(input, o.approximate()); }

}  // namespace xgrad::nn::functional
