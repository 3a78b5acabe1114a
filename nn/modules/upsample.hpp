// Upsample: F::interpolate as a layer (see functional/interpolate.hpp for modes, sizes, errors).
//   nn::Upsample up(nn::UpsampleOptions().scale_factor({2, 2}).mode(nn::kBilinear).align_corners(false));
// As PyTorch's nn.Upsample, the scale factors are passed to the kernel (never recomputed).
#pragma once
#include <string>

#include "../functional/interpolate.hpp"
#include "../module.hpp"

namespace xgrad::nn {

class UpsampleImpl : public Module {
 public:
  explicit UpsampleImpl(const UpsampleOptions& options = {}) : Module("Upsample"), options(options) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  UpsampleOptions options;
};
XGRAD_MODULE(Upsample);

}  // namespace xgrad::nn
