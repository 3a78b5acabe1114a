// Conv2d: 2-D convolution layer (see functional::conv2d for shapes and the algorithm).
#pragma once
#include <cstdint>
#include <string>

#include "../functional/conv.hpp"
#include "../module.hpp"

namespace xgrad::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;  // in_channels and out_channels must both be divisible by it
  bool bias = true;
};

// weight [out, in / groups, kH, kW] and bias [out], initialised as PyTorch does:
// kaiming_uniform_(a = sqrt(5)) and U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in/groups*kH*kW.
//   nn::Conv2d conv(3, 16, 3, {.stride = 1, .padding = 1});
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel_size, const Conv2dOptions& options = {});
  // [N, in, H, W] (or [in, H, W]) -> [N, out, H_out, W_out].
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t in_channels, out_channels;
  Size2 kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};

}  // namespace xgrad::nn
