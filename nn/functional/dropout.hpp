// F::dropout (nn::Dropout's computation).
#pragma once
#include "../../autograd/tensor.hpp"

namespace xgrad::nn::functional {

// In training, zeroes each element with probability p (drawn from the global generator) and
// scales the rest by 1 / (1 - p); otherwise (or for p = 0) returns the input. 0 <= p <= 1.
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

namespace detail {
// Throws std::invalid_argument naming `op` unless 0 <= p <= 1 (shared with nn::Dropout).
void check_dropout_probability(double p, const char* op);
}  // namespace detail

}  // namespace xgrad::nn::functional
