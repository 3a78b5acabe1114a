// Embedding: a lookup table of num_embeddings vectors of size embedding_dim.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

// LibTorch's builder: nn::Embedding(nn::EmbeddingOptions(1000, 64).padding_idx(0)).
struct EmbeddingOptions {
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  XGRAD_ARG(std::int64_t, num_embeddings, {})
  XGRAD_ARG(std::int64_t, embedding_dim, {})
  XGRAD_ARG(std::optional<std::int64_t>, padding_idx, std::nullopt)
  XGRAD_ARG(std::optional<double>, max_norm, std::nullopt)  // renormalise looked-up rows (F::embedding)
  XGRAD_ARG(double, norm_type, 2.0)
};

// weight [num_embeddings, embedding_dim] starts N(0, 1), with row padding_idx (if given;
// negative counts from the end) zeroed; that row receives no gradient.
class EmbeddingImpl : public Module {
 public:
  explicit EmbeddingImpl(const EmbeddingOptions& o)
      : EmbeddingImpl(o.num_embeddings(), o.embedding_dim(), o.padding_idx()) {
    max_norm = o.max_norm();
    norm_type = o.norm_type();
  }
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim,
                std::optional<std::int64_t> padding_idx = std::nullopt);
  // Int64 indices of any shape -> [*indices.shape, embedding_dim].
  Tensor forward(const Tensor& indices);
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t num_embeddings, embedding_dim;
  std::optional<std::int64_t> padding_idx;  // normalised to [0, num_embeddings)
  std::optional<double> max_norm;           // forward rescales looked-up rows above it, in place
  double norm_type = 2.0;
  Tensor weight;
};
XGRAD_MODULE(Embedding);

}  // namespace xgrad::nn
