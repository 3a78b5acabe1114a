// What the loss files share (internal to nn/functional): applying a Reduction, and the check
// that an input and its target are floating point and of one shape.
#pragma once
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "loss.hpp"

namespace xgrad::nn::loss_support {

inline Tensor reduce(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    default: return loss;
  }
}

// std::invalid_argument naming the op and both tensors unless input and target are floating
// point and of the same shape.
inline void check_pair(const Tensor& input, const Tensor& target, const char* op) {
  autograd::check_defined(input, op, "input");
  autograd::check_defined(target, op, "target");
  if (!input.is_floating_point() || !target.is_floating_point() || input.shape() != target.shape()) {
    throw std::invalid_argument(std::string(op) +
                                ": expected floating-point input and target of the same shape, got input " +
                                autograd::describe(input) + " and target " + autograd::describe(target));
  }
}

}  // namespace xgrad::nn::loss_support
