// LibTorch's option builders of the activations (nn::ELUOptions().alpha(2) ...) and the F::
// overloads that take them as XFuncOptions (LibTorch's aliases of the same types):
//   F::elu(x, F::ELUFuncOptions().alpha(2.0));  F::hardtanh(x, F::HardtanhFuncOptions().min_val(0));
//   F::rrelu(x, F::RReLUFuncOptions().lower(0.1).training(true));
// `inplace` is accepted for source compatibility and computes out of place (same values).
#pragma once
#include <cstdint>

#include "../../autograd/ops.hpp"
#include "../../autograd/ops_elementwise.hpp"
#include "../options.hpp"
#include "activation.hpp"
#include "activation_composite.hpp"

namespace xgrad::nn {

struct ELUOptions {
  XGRAD_ARG(double, alpha, 1.0)
  XGRAD_ARG(bool, inplace, false)
};
struct SELUOptions {
  SELUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: as LibTorch
  XGRAD_ARG(bool, inplace, {})
};
struct CELUOptions {
  XGRAD_ARG(double, alpha, 1.0)
  XGRAD_ARG(bool, inplace, false)
};
struct HardtanhOptions {
  XGRAD_ARG(double, min_val, -1.0)
  XGRAD_ARG(double, max_val, 1.0)
  XGRAD_ARG(bool, inplace, false)
};
struct ReLU6Options {
  ReLU6Options(bool inplace = false) : inplace_(inplace) {}  // NOLINT: as LibTorch
  XGRAD_ARG(bool, inplace, {})
};
struct SoftplusOptions {
  XGRAD_ARG(double, beta, 1.0)
  XGRAD_ARG(double, threshold, 20.0)
};
// LibTorch names the parameter `lambda` (PyTorch: lambd).
struct HardshrinkOptions {
  HardshrinkOptions(double lambda = 0.5) : lambda_(lambda) {}  // NOLINT: as LibTorch
  XGRAD_ARG(double, lambda, {})
};
struct SoftshrinkOptions {
  SoftshrinkOptions(double lambda = 0.5) : lambda_(lambda) {}  // NOLINT: as LibTorch
  XGRAD_ARG(double, lambda, {})
};
struct ThresholdOptions {
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  XGRAD_ARG(double, threshold, {})
  XGRAD_ARG(double, value, {})
  XGRAD_ARG(bool, inplace, false)
};
struct GLUOptions {
  GLUOptions(std::int64_t dim = -1) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
struct SoftminOptions {
  SoftminOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
// PReLU's learnable slopes: num_parameters of them (1, or the input's channel count), all
// starting at init.
struct PReLUOptions {
  XGRAD_ARG(std::int64_t, num_parameters, 1)
  XGRAD_ARG(double, init, 0.25)
};
struct RReLUOptions {
  XGRAD_ARG(double, lower, 1.0 / 8)
  XGRAD_ARG(double, upper, 1.0 / 3)
  XGRAD_ARG(bool, inplace, false)
};

namespace functional {

using ELUFuncOptions = ELUOptions;
using SELUFuncOptions = SELUOptions;
using CELUFuncOptions = CELUOptions;
using HardtanhFuncOptions = HardtanhOptions;
using ReLU6FuncOptions = ReLU6Options;
using SoftplusFuncOptions = SoftplusOptions;
using HardshrinkFuncOptions = HardshrinkOptions;
using SoftshrinkFuncOptions = SoftshrinkOptions;
using ThresholdFuncOptions = ThresholdOptions;
using GLUFuncOptions = GLUOptions;
using SoftminFuncOptions = SoftminOptions;
// F::rrelu's options add `training` (the module takes it from is_training()).
struct RReLUFuncOptions {
  XGRAD_ARG(double, lower, 1.0 / 8)
  XGRAD_ARG(double, upper, 1.0 / 3)
  XGRAD_ARG(bool, training, false)
  XGRAD_ARG(bool, inplace, false)
};

inline Tensor elu(const Tensor& x, const ELUFuncOptions& o) { return xgrad::elu(x, o.alpha()); }
inline Tensor selu(const Tensor& x, const SELUFuncOptions& /*inplace only*/) { return xgrad::selu(x); }
inline Tensor celu(const Tensor& x, const CELUFuncOptions& o) { return xgrad::celu(x, o.alpha()); }
inline Tensor hardtanh(const Tensor& x, const HardtanhFuncOptions& o) {
  return xgrad::hardtanh(x, o.min_val(), o.max_val());
}
inline Tensor relu6(const Tensor& x, const ReLU6FuncOptions& /*inplace only*/) { return xgrad::relu6(x); }
inline Tensor softplus(const Tensor& x, const SoftplusFuncOptions& o) {
  return xgrad::softplus(x, o.beta(), o.threshold());
}
inline Tensor hardshrink(const Tensor& x, const HardshrinkFuncOptions& o) { return xgrad::hardshrink(x, o.lambda()); }
inline Tensor softshrink(const Tensor& x, const SoftshrinkFuncOptions& o) { return xgrad::softshrink(x, o.lambda()); }
inline Tensor threshold(const Tensor& x, const ThresholdFuncOptions& o) {
  return xgrad::threshold(x, o.threshold(), o.value());
}
inline Tensor glu(const Tensor& x, const GLUFuncOptions& o) { return xgrad::glu(x, o.dim()); }
inline Tensor softmin(const Tensor& x, const SoftminFuncOptions& o) { return softmin(x, o.dim()); }
inline Tensor rrelu(const Tensor& x, const RReLUFuncOptions& o) {
  return xgrad::rrelu(x, o.lower(), o.upper(), o.training());
}

}  // namespace functional
}  // namespace xgrad::nn
