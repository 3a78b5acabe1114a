// Conv2d: 2-D convolution layer (see functional::conv2d for shapes and the algorithm), as
// LibTorch's Conv2dImpl with holder nn::Conv2d. Two ways to configure it:
//   nn::Conv2d conv(nn::Conv2dOptions(3, 16, 3).stride(1).padding(1));  // LibTorch's builder
//   nn::Conv2d conv(3, 16, 3, {.stride = 1, .padding = 1});             // xgrad's Conv2dConfig
#pragma once
#include <cstdint>
#include <string>

#include "../functional/conv.hpp"
#include "../module.hpp"
#include "../options.hpp"
#include "../pimpl.hpp"

namespace xgrad::nn {

// The designated-initialiser configuration (everything but the sizes).
struct Conv2dConfig {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;  // in_channels and out_channels must both be divisible by it
  bool bias = true;
};

// The padding modes (kZeros, kReflect, kReplicate, kCircular) and kSame / kValid are in
// nn/functional/padding.hpp.

// Kernel, stride, padding and dilation take one number or {h, w}.
struct Conv2dOptions {
  Conv2dOptions(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels, {})
  XGRAD_ARG(std::int64_t, out_channels, {})
  XGRAD_ARG(Size2, kernel_size, {})
  XGRAD_ARG(Size2, stride, 1)
  XGRAD_ARG(ConvPadding, padding, 0)  // also kSame (stride must be 1) or kValid
  XGRAD_ARG(Size2, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(bool, bias, true)
  // kZeros, or kReflect / kReplicate / kCircular: F::pad the input by `padding` in that mode,
  // then convolve without padding (as PyTorch).
  XGRAD_ARG(PaddingMode, padding_mode, kZeros)
};

// weight [out, in / groups, kH, kW] and bias [out], initialised as PyTorch does:
// kaiming_uniform_(a = sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in/groups*kH*kW.
class Conv2dImpl : public Module {
 public:
  Conv2dImpl(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, const Conv2dConfig& config = {});
  explicit Conv2dImpl(const Conv2dOptions& options);
  // [N, in, H, W] (or [in, H, W]) -> [N, out, H_out, W_out].
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t in_channels, out_channels;
  Size2 kernel_size;
  Conv2dConfig config;    // config.padding is 0 when options.padding() is kSame or kValid
  Conv2dOptions options;  // what forward uses
  Tensor weight, bias;
};

class Conv2d : public ModuleHolder<Conv2dImpl> {
 public:
  using ModuleHolder<Conv2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = Conv2dImpl;
  // Lets the braced forms through: nn::Conv2d(1, 8, {3, 3}, {.padding = 1}).
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, const Conv2dConfig& config = {})
      : ModuleHolder<Conv2dImpl>(std::make_shared<Conv2dImpl>(in_channels, out_channels, kernel_size, config)) {}
};

// Conv1d: LibTorch's Conv1dImpl. nn::Conv1d(nn::Conv1dOptions(4, 8, 3).padding(torch::kSame)).
// weight [out, in / groups, k], bias [out], initialised as Conv2d's.
struct Conv1dOptions {
  Conv1dOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels, {})
  XGRAD_ARG(std::int64_t, out_channels, {})
  XGRAD_ARG(std::int64_t, kernel_size, {})
  XGRAD_ARG(std::int64_t, stride, 1)
  XGRAD_ARG(ConvPadding, padding, 0)  // a number, kSame or kValid
  XGRAD_ARG(std::int64_t, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(PaddingMode, padding_mode, kZeros)
};
class Conv1dImpl : public Module {
 public:
  Conv1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& options);
  // [N, in, L] (or [in, L]) -> [N, out, L_out].
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;

  Conv1dOptions options;
  Tensor weight, bias;
};
XGRAD_MODULE(Conv1d);

}  // namespace xgrad::nn
