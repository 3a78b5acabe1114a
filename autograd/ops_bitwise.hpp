// Bitwise ops and LibTorch's operators ~ & | ^ on Bool and Int64 tensors (no gradients: the
// results are Bool or Int64). On Bool tensors they are the logical ops and give Bool (masks:
// `~(x > 0) | (y < 1)`); on Int64 tensors, or Bool with Int64 (the Bool promoted to 0 / 1),
// two's complement bitwise ops giving Int64. Operands broadcast. Floating-point operands throw
// std::invalid_argument naming the op and dtypes, as PyTorch. One pass over the output.
#pragma once
#include "tensor.hpp"

namespace xgrad {

Tensor bitwise_not(const Tensor& x);
Tensor bitwise_and(const Tensor& a, const Tensor& b);
Tensor bitwise_or(const Tensor& a, const Tensor& b);
Tensor bitwise_xor(const Tensor& a, const Tensor& b);

Tensor operator~(const Tensor& x);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);

}  // namespace xgrad
