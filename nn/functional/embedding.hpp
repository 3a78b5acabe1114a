// F::embedding (nn::Embedding's computation).
#pragma once
#include <cstdint>
#include <optional>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn::functional {

// Rows of weight [V, D] picked by Int64 indices of any shape -> [*indices.shape, D].
// Indices outside [0, V) throw std::out_of_range. No gradient flows to row padding_idx.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx = std::nullopt);

// With max_norm: first, as PyTorch's embedding_renorm_, every row of weight that indices pick
// (each once) whose norm_type-norm exceeds max_norm is scaled in place, without recording, to
// norm max_norm (by max_norm / (norm + 1e-7)); then the lookup above. The write bumps weight's
// version, so a graph that saved weight before refuses to run backward, as PyTorch's. Throws
// std::invalid_argument for a negative max_norm or norm_type <= 0.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type = 2.0);
// The renormalisation alone (torch.embedding_renorm_): returns weight.
Tensor embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type);

// LibTorch's builder: F::embedding(idx, w, F::EmbeddingFuncOptions().padding_idx(0).max_norm(1.0)).
struct EmbeddingFuncOptions {
  XGRAD_ARG(std::optional<std::int64_t>, padding_idx, std::nullopt)
  XGRAD_ARG(std::optional<double>, max_norm, std::nullopt)
  XGRAD_ARG(double, norm_type, 2.0)
};
inline Tensor embedding(const Tensor& indices, const Tensor& weight, const EmbeddingFuncOptions& o) {
  return embedding(indices, weight, o.padding_idx(), o.max_norm(), o.norm_type());
}

}  // namespace xgrad::nn::functional
