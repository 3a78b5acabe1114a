// Conv3d: 3-D convolution layer (see functional::conv3d for shapes and the algorithm), as
// LibTorch's Conv3dImpl: nn::Conv3d(nn::Conv3dOptions(1, 8, 3).stride(2).padding(1)).
#pragma once
#include <cstdint>
#include <string>

#include "../functional/conv3d.hpp"
#include "../functional/padding.hpp"
#include "../module.hpp"
#include "../options.hpp"
#include "../pimpl.hpp"

namespace xgrad::nn {

struct Conv3dOptions {
  Conv3dOptions(std::int64_t in_channels, std::int64_t out_channels, Size3 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  XGRAD_ARG(std::int64_t, in_channels, {})
  XGRAD_ARG(std::int64_t, out_channels, {})
  XGRAD_ARG(Size3, kernel_size, {})
  XGRAD_ARG(Size3, stride, 1)
  XGRAD_ARG(Size3, padding, 0)
  XGRAD_ARG(Size3, dilation, 1)
  XGRAD_ARG(std::int64_t, groups, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(PaddingMode, padding_mode, kZeros)  // only kZeros for 3-D here
};

// weight [out, in / groups, kD, kH, kW] and bias [out], initialised as PyTorch's Conv3d
// (kaiming_uniform_(a = sqrt(5)); bias U(-1/sqrt(fan_in), 1/sqrt(fan_in))).
class Conv3dImpl : public Module {
 public:
  Conv3dImpl(std::int64_t in_channels, std::int64_t out_channels, Size3 kernel_size)
      : Conv3dImpl(Conv3dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv3dImpl(const Conv3dOptions& options);
  // [N, in, D, H, W] (or [in, D, H, W]) -> [N, out, D_out, H_out, W_out].
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;

  Conv3dOptions options;
  Tensor weight, bias;
};
XGRAD_MODULE(Conv3d);

}  // namespace xgrad::nn
