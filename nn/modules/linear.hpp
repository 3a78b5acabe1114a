// Linear (y = x W^T + b) and Identity.
#pragma once
#include <cstdint>
#include <string>

#include "../module.hpp"

namespace xgrad::nn {

// in_features -> out_features. weight [out, in] and bias [out] start as PyTorch's:
// kaiming_uniform_(a = sqrt(5)) and U(-1/sqrt(in), 1/sqrt(in)). Parameters are Float32 (the
// default dtype); convert with to(kFloat64).
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  // input [*, in_features] -> [*, out_features].
  Tensor forward(const Tensor& input) override;
  // Draws fresh initial values (from the global generator).
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when constructed with bias = false
};

// Returns its input: a placeholder in a Sequential.
class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};

}  // namespace xgrad::nn
