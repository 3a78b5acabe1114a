// F::linear (nn::Linear's computation).
#pragma once
#include "../../autograd/tensor.hpp"

namespace xgrad::nn::functional {

// input [*, in], weight [out, in], bias [out] (optional) -> input @ weight^T + bias, [*, out].
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace xgrad::nn::functional
