// Linear (y = x W^T + b) and Identity, as LibTorch's LinearImpl / IdentityImpl with holders
// nn::Linear / nn::Identity (nn/pimpl.hpp).
#pragma once
#include <cstdint>
#include <string>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

//   nn::Linear(nn::LinearOptions(4, 3).bias(false))
struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  XGRAD_ARG(std::int64_t, in_features, {})
  XGRAD_ARG(std::int64_t, out_features, {})
  XGRAD_ARG(bool, bias, true)
};

// in_features -> out_features. weight [out, in] and bias [out] start as PyTorch's:
// kaiming_uniform_(a = sqrt(5)) and U(-1/sqrt(in), 1/sqrt(in)). Parameters are Float32 (the
// default dtype); convert with to(kFloat64). Negative sizes throw std::invalid_argument.
class LinearImpl : public Module {
 public:
  LinearImpl(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  explicit LinearImpl(const LinearOptions& options);
  // input [*, in_features] -> [*, out_features].
  Tensor forward(const Tensor& input);
  // Draws fresh initial values (from the global generator).
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t in_features, out_features;
  LinearOptions options;
  Tensor weight, bias;  // bias undefined when constructed with bias = false
};
XGRAD_MODULE(Linear);

// Returns its input: a placeholder in a Sequential.
class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) { return input; }
};
XGRAD_MODULE(Identity);

}  // namespace xgrad::nn
