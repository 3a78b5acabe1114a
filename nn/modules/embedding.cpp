// The Embedding module (the lookup and its backward are F::embedding, nn/functional/embedding.cpp).
#include "embedding.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/format.hpp"
#include "../../autograd/grad_mode.hpp"
#include "../functional/embedding.hpp"
#include "../init.hpp"

namespace xgrad::nn {

EmbeddingImpl::EmbeddingImpl(std::int64_t num, std::int64_t dim, std::optional<std::int64_t> pad)
    : Module("Embedding"), num_embeddings(num), embedding_dim(dim) {
  if (num < 0 || dim < 0) {
    throw std::invalid_argument("Embedding: sizes must be non-negative, got num_embeddings=" + std::to_string(num) +
                                ", embedding_dim=" + std::to_string(dim));
  }
  if (pad) {
    if (*pad < -num || *pad >= num) {
      throw std::out_of_range("Embedding: padding_idx " + std::to_string(*pad) + " must be within num_embeddings " +
                              std::to_string(num));
    }
    padding_idx = *pad < 0 ? *pad + num : *pad;
  }
  weight = register_parameter("weight", empty({num, dim}));
  reset_parameters();
}

void EmbeddingImpl::reset_parameters() {
  NoGradGuard guard;
  init::normal_(weight);
  if (padding_idx) init::zeros_(weight.select(0, *padding_idx));
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  return functional::embedding(indices, weight, padding_idx, max_norm, norm_type);
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  if (max_norm) s += ", max_norm=" + num_str(*max_norm);
  if (max_norm && norm_type != 2.0) s += ", norm_type=" + num_str(norm_type);
  return s;
}

}  // namespace xgrad::nn
