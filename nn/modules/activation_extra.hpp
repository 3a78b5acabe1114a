// The rest of PyTorch's activation modules (activation.hpp has ReLU, LeakyReLU, GELU, Tanh,
// Sigmoid, Softmax, LogSoftmax, Flatten): ELU, SELU, CELU, SiLU, Mish, Hardswish, Hardsigmoid,
// Hardtanh, ReLU6, LogSigmoid, Softsign, Softplus, Hardshrink, Softshrink, Tanhshrink,
// Threshold, GLU, Softmin, Softmax2d, PReLU (a learnable slope per channel) and RReLU (random
// slopes in training). Each XImpl forwards to F::x with its options (LibTorch's builders,
// nn/functional/activation_options.hpp) and prints as PyTorch's repr: ELU(alpha=1.0),
// Hardtanh(min_val=-1.0, max_val=1.0), Softshrink(0.5), PReLU(num_parameters=1).
#pragma once
#include <cstdint>
#include <string>

#include "../functional/activation_options.hpp"
#include "../module.hpp"

namespace xgrad::nn {

// A module whose forward is one option-free op (SiLU, Mish, ...).
#define XGRAD_PLAIN_ACTIVATION(Name)     \
  class Name##Impl : public Module {     \
   public:                               \
    Name##Impl() : Module(#Name) {}      \
    Tensor forward(const Tensor& input); \
  };                                     \
  XGRAD_MODULE(Name)

XGRAD_PLAIN_ACTIVATION(SiLU);
XGRAD_PLAIN_ACTIVATION(Mish);
XGRAD_PLAIN_ACTIVATION(Hardswish);
XGRAD_PLAIN_ACTIVATION(Hardsigmoid);
XGRAD_PLAIN_ACTIVATION(LogSigmoid);
XGRAD_PLAIN_ACTIVATION(Softsign);
XGRAD_PLAIN_ACTIVATION(Tanhshrink);
XGRAD_PLAIN_ACTIVATION(Softmax2d);
#undef XGRAD_PLAIN_ACTIVATION

// A module that keeps LibTorch's `options` member and prints it (Name(options) constructs it).
#define XGRAD_OPTIONS_ACTIVATION(Name, DEFAULT)                                                    \
  class Name##Impl : public Module {                                                               \
   public:                                                                                         \
    explicit Name##Impl(const Name##Options& options DEFAULT) : Module(#Name), options(options) {} \
    Tensor forward(const Tensor& input);                                                           \
    std::string extra_repr() const override;                                                       \
    Name##Options options;                                                                         \
  };                                                                                               \
  XGRAD_MODULE(Name)
#define XGRAD_DEFAULT_OPTIONS = {}
#define XGRAD_NO_DEFAULT

XGRAD_OPTIONS_ACTIVATION(ELU, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(SELU, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(CELU, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(Hardtanh, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(ReLU6, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(Softplus, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(Hardshrink, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(Softshrink, XGRAD_DEFAULT_OPTIONS);
XGRAD_OPTIONS_ACTIVATION(GLU, XGRAD_DEFAULT_OPTIONS);
// Softmin(dim) has no default, as LibTorch.
XGRAD_OPTIONS_ACTIVATION(Softmin, XGRAD_NO_DEFAULT);
#undef XGRAD_OPTIONS_ACTIVATION
#undef XGRAD_DEFAULT_OPTIONS
#undef XGRAD_NO_DEFAULT

// Threshold(threshold, value): x where x > threshold, else value (no defaults, as LibTorch).
class ThresholdImpl : public Module {
 public:
  ThresholdImpl(double threshold, double value) : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  explicit ThresholdImpl(const ThresholdOptions& options) : Module("Threshold"), options(options) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  ThresholdOptions options;
};
XGRAD_MODULE(Threshold);

// RReLU: random slopes while training, the mean slope (lower + upper) / 2 in eval mode.
class RReLUImpl : public Module {
 public:
  explicit RReLUImpl(const RReLUOptions& options = {});  // lower > upper throws
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  RReLUOptions options;
};
XGRAD_MODULE(RReLU);

// PReLU: `weight` [num_parameters], a parameter filled with `init`; num_parameters must be 1
// or the channel count (dim 1) of the inputs.
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& options = {});  // num_parameters < 1 throws
  Tensor forward(const Tensor& input);
  // Refills weight with options.init (LibTorch's reset()).
  void reset();
  std::string extra_repr() const override;
  PReLUOptions options;
  Tensor weight;
};
XGRAD_MODULE(PReLU);

}  // namespace xgrad::nn
