// F::embedding (nn::Embedding's computation).
#pragma once
#include <cstdint>
#include <optional>

#include "../../autograd/tensor.hpp"

namespace xgrad::nn::functional {

// Rows of weight [V, D] picked by Int64 indices of any shape -> [*indices.shape, D].
// Indices outside [0, V) throw std::out_of_range. No gradient flows to row padding_idx.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx = std::nullopt);

}  // namespace xgrad::nn::functional
