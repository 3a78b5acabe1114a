// ConvTranspose2d and ConvTranspose1d: transposed convolution layers (see
// functional::conv_transpose2d for shapes and the algorithm), as LibTorch's ConvTranspose2dImpl:
//   nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(16, 8, 4).stride(2).padding(1));
//   Tensor y = up(x);                      // [N, 16, H, W] -> [N, 8, 2H, 2W]
//   Tensor z = up->forward(x, {17, 17});   // output_size picks the output_padding
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../functional/conv_transpose.hpp"
#include "../functional/padding.hpp"
#include "../module.hpp"
#include "../options.hpp"
#include "../pimpl.hpp"

namespace xgrad::nn {

struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels, {})
  XGRAD_ARG(std::int64_t, out_channels, {})
  XGRAD_ARG(Size2, kernel_size, {})
  XGRAD_ARG(Size2, stride, 1)
  XGRAD_ARG(Size2, padding, 0)
  XGRAD_ARG(Size2, output_padding, 0)  // < stride or < dilation
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(Size2, dilation, 1)
  XGRAD_ARG(PaddingMode, padding_mode, kZeros)  // only kZeros, as PyTorch
};

// weight [in, out / groups, kH, kW] and bias [out], initialised as PyTorch's ConvTranspose2d:
// kaiming_uniform_(a = sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in computed
// from the weight's dim 1 (out / groups * kH * kW).
class ConvTranspose2dImpl : public Module {
 public:
  ConvTranspose2dImpl(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options);
  // [N, in, H, W] (or [in, H, W]) -> [N, out, H_out, W_out]. output_size ({H_out, W_out}, or the
  // full 4-D size) replaces output_padding with what gives that size; it must lie within
  // [min, min + stride - 1], else std::invalid_argument.
  Tensor forward(const Tensor& input, const std::optional<std::vector<std::int64_t>>& output_size = std::nullopt);
  void reset_parameters();
  std::string extra_repr() const override;

  ConvTranspose2dOptions options;
  Tensor weight, bias;
};
class ConvTranspose2d : public ModuleHolder<ConvTranspose2dImpl> {
 public:
  using ModuleHolder<ConvTranspose2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = ConvTranspose2dImpl;
  // Lets the braced kernel through: nn::ConvTranspose2d(4, 2, {3, 1}).
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size)
      : ModuleHolder<ConvTranspose2dImpl>(
            std::make_shared<ConvTranspose2dImpl>(in_channels, out_channels, kernel_size)) {}
};

struct ConvTranspose1dOptions {
  ConvTranspose1dOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels, {})
  XGRAD_ARG(std::int64_t, out_channels, {})
  XGRAD_ARG(std::int64_t, kernel_size, {})
  XGRAD_ARG(std::int64_t, stride, 1)
  XGRAD_ARG(std::int64_t, padding, 0)
  XGRAD_ARG(std::int64_t, output_padding, 0)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(std::int64_t, dilation, 1)
  XGRAD_ARG(PaddingMode, padding_mode, kZeros)
};

// weight [in, out / groups, k], bias [out]; [N, in, L] (or [in, L]) -> [N, out, L_out].
class ConvTranspose1dImpl : public Module {
 public:
  ConvTranspose1dImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions& options);
  Tensor forward(const Tensor& input, const std::optional<std::vector<std::int64_t>>& output_size = std::nullopt);
  void reset_parameters();
  std::string extra_repr() const override;

  ConvTranspose1dOptions options;
  Tensor weight, bias;
};
XGRAD_MODULE(ConvTranspose1d);

}  // namespace xgrad::nn
