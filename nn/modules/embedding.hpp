// Embedding: a lookup table of num_embeddings vectors of size embedding_dim.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "../module.hpp"

namespace xgrad::nn {

// weight [num_embeddings, embedding_dim] starts N(0, 1), with row padding_idx (if given;
// negative counts from the end) zeroed; that row receives no gradient.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
            std::optional<std::int64_t> padding_idx = std::nullopt);
  // Int64 indices of any shape -> [*indices.shape, embedding_dim].
  Tensor forward(const Tensor& indices) override;
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t num_embeddings, embedding_dim;
  std::optional<std::int64_t> padding_idx;  // normalised to [0, num_embeddings)
  Tensor weight;
};

}  // namespace xgrad::nn
