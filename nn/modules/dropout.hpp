// Dropout: active only in training mode; see functional::dropout.
#pragma once
#include <string>

#include "../module.hpp"

namespace xgrad::nn {

class Dropout : public Module {
 public:
  // 0 <= p <= 1 (std::invalid_argument otherwise).
  explicit Dropout(double p = 0.5);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double p;
};

}  // namespace xgrad::nn
