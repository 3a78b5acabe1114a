// F::dropout, F::dropout1d/2d/3d (nn::Dropout*'s computations) and their LibTorch options
// (F::DropoutFuncOptions().p(0.5).training(is_training())).
#pragma once
#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn::functional {

// In training, zeroes each element with probability p (drawn from the global generator) and
// scales the rest by 1 / (1 - p); otherwise (or for p = 0) returns the input. 0 <= p <= 1.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

// Channel-wise dropout: in training, zeroes whole channels (each with probability p) of input
// [N, C, L] / [C, L] (1d), [N, C, H, W] / [C, H, W] (2d), [N, C, D, H, W] / [C, D, H, W] (3d)
// and scales the kept ones by 1 / (1 - p). Another rank throws std::invalid_argument.
Tensor dropout1d(const Tensor& input, double p = 0.5, bool training = true);
Tensor dropout2d(const Tensor& input, double p = 0.5, bool training = true);
Tensor dropout3d(const Tensor& input, double p = 0.5, bool training = true);

// `inplace` is accepted for source compatibility and computes out of place.
struct DropoutFuncOptions {
  XGRAD_ARG(double, p, 0.5)
  XGRAD_ARG(bool, inplace, false)
  XGRAD_ARG(bool, training, true)
};
using Dropout1dFuncOptions = DropoutFuncOptions;
using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;
inline Tensor dropout(const Tensor& input, const DropoutFuncOptions& o) { return dropout(input, o.p(), o.training()); }
inline Tensor dropout1d(const Tensor& input, const DropoutFuncOptions& o) {
  return dropout1d(input, o.p(), o.training());
}
inline Tensor dropout2d(const Tensor& input, const DropoutFuncOptions& o) {
  return dropout2d(input, o.p(), o.training());
}
inline Tensor dropout3d(const Tensor& input, const DropoutFuncOptions& o) {
  return dropout3d(input, o.p(), o.training());
}

namespace detail {
// Throws std::invalid_argument naming `op` unless 0 <= p <= 1 (shared with nn::Dropout).
void check_dropout_probability(double p, const char* op);
}  // namespace detail

}  // namespace xgrad::nn::functional
