// Embedding: a row gather whose backward is a row scatter-add (skipping padding_idx), and
// whose double backward is the gather again (with padding positions zeroed).
#include <cstring>
#include <stdexcept>

#include "../../autograd/op_support.hpp"
#include "embedding.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

Tensor gather_rows(const Tensor& weight, const Tensor& indices, std::int64_t padding_idx, bool zero_padding);
Tensor scatter_rows(const Tensor& grad, const Tensor& indices, std::int64_t num_rows, std::int64_t padding_idx);

// padding_idx < 0 means none.
struct EmbeddingBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &indices}});
  }
  Tensor indices;
  std::int64_t num_rows = 0, padding_idx = -1;
  tensor_list apply(tensor_list&& g) override {
    if (!indices.defined()) return {Tensor()};  // released by a backward without retain_graph
    return {scatter_rows(g[0], indices, num_rows, padding_idx)};
  }
  void release_variables() override { indices = Tensor(); }
};

struct EmbeddingBackwardBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &indices}});
  }
  Tensor indices;
  std::int64_t padding_idx = -1;
  tensor_list apply(tensor_list&& g) override {
    if (!indices.defined()) return {Tensor()};  // released by a backward without retain_graph
    return {gather_rows(g[0], indices, padding_idx, /*zero_padding=*/true)};
  }
  void release_variables() override { indices = Tensor(); }
};

// out[k, :] = weight[indices[k], :] (zero where indices[k] == padding_idx if zero_padding).
Tensor gather_rows(const Tensor& weight_in, const Tensor& indices, std::int64_t padding_idx, bool zero_padding) {
  Tensor weight = weight_in.contiguous();
  const std::int64_t D = weight.size(1), n = indices.numel();
  Shape out_shape = indices.shape();
  out_shape.push_back(D);
  Tensor out = empty_tensor(out_shape, weight.dtype(), "embedding");
  const auto* idx = indices.impl()->data_as<std::int64_t>();
  dispatch_float(weight.dtype(), "embedding", [&](auto tag) {
    using T = decltype(tag);
    const T* pw = weight.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t k = 0; k < n; ++k) {
      if (zero_padding && idx[k] == padding_idx) std::fill_n(po + k * D, D, T(0));
      else std::copy_n(pw + idx[k] * D, D, po + k * D);
    }
  });
  if (auto node = record<EmbeddingBackward0>({&weight}, out)) {
    node->indices = indices;
    node->num_rows = weight.size(0);
    node->padding_idx = padding_idx;
  }
  return out;
}

// out [num_rows, D] = zeros, with grad[k, :] added to row indices[k] (except padding_idx).
Tensor scatter_rows(const Tensor& grad_in, const Tensor& indices, std::int64_t num_rows, std::int64_t padding_idx) {
  Tensor grad = grad_in.contiguous();
  const std::int64_t D = grad.size(-1), n = indices.numel();
  Tensor out = zeros({num_rows, D}, grad.dtype());
  const auto* idx = indices.impl()->data_as<std::int64_t>();
  dispatch_float(grad.dtype(), "embedding backward", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = grad.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t k = 0; k < n; ++k) {
      if (idx[k] == padding_idx) continue;
      T* row = po + idx[k] * D;
      for (std::int64_t d = 0; d < D; ++d) row[d] += pg[k * D + d];
    }
  });
  if (auto node = record<EmbeddingBackwardBackward0>({&grad}, out)) {
    node->indices = indices;
    node->padding_idx = padding_idx;
  }
  return out;
}

}  // namespace

namespace functional {

Tensor embedding(const Tensor& indices_in, const Tensor& weight, std::optional<std::int64_t> padding_idx) {
  check_defined(indices_in, "embedding", "indices");
  check_defined(weight, "embedding", "weight");
  if (indices_in.dtype() != kInt64 || weight.dim() != 2 || !weight.is_floating_point()) {
    throw std::invalid_argument(
        "embedding: expected Int64 indices and a 2-D floating weight [num_embeddings, dim]; got indices " +
        describe(indices_in) + ", weight " + describe(weight));
  }
  const std::int64_t V = weight.size(0);
  std::int64_t pad = -1;
  if (padding_idx) {
    if (*padding_idx < -V || *padding_idx >= V) {
      throw std::out_of_range("embedding: padding_idx " + std::to_string(*padding_idx) +
                              " is out of range for weight " + describe(weight));
    }
    pad = *padding_idx < 0 ? *padding_idx + V : *padding_idx;
  }
  // A private contiguous copy: the graph keeps it, so later writes to the caller's tensor
  // cannot change where the gradient goes.
  Tensor indices = copy_as(indices_in, kInt64);
  const auto* idx = indices.impl()->data_as<std::int64_t>();
  for (std::int64_t k = 0; k < indices.numel(); ++k) {
    if (idx[k] < 0 || idx[k] >= V) {
      throw std::out_of_range("embedding: index " + std::to_string(idx[k]) + " is out of range for weight " +
                              describe(weight) + " (expected 0 <= index < " + std::to_string(V) + ")");
    }
  }
  return gather_rows(weight, indices, pad, false);
}

}  // namespace functional
}  // namespace xgrad::nn
