// Distances between vectors along a dimension: cosine_similarity and pairwise_distance, with
// PyTorch's semantics (torch.nn.functional and LibTorch's top-level torch:: spellings). Both
// broadcast x1 against x2 and are differentiable in both.
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn {

struct CosineSimilarityConfig {
  std::int64_t dim = 1;  // of the broadcast shape; negative counts from the end
  double eps = 1e-8;
};

struct PairwiseDistanceConfig {
  double p = 2;  // the norm's order, > 0 and finite
  double eps = 1e-6;
  bool keepdim = false;
};

// LibTorch's builders (the modules CosineSimilarity / PairwiseDistance take them, F:: takes
// them as XFuncOptions); each converts to the Config above.
struct CosineSimilarityOptions {
  XGRAD_ARG(std::int64_t, dim, 1)
  XGRAD_ARG(double, eps, 1e-8)
  operator CosineSimilarityConfig() const { return {dim_, eps_}; }  // NOLINT: F:: takes either
};
struct PairwiseDistanceOptions {
  XGRAD_ARG(double, p, 2.0)
  XGRAD_ARG(double, eps, 1e-6)
  XGRAD_ARG(bool, keepdim, false)
  operator PairwiseDistanceConfig() const { return {p_, eps_, keepdim_}; }  // NOLINT: F:: takes either
};

namespace functional {

using CosineSimilarityFuncOptions = CosineSimilarityOptions;
using PairwiseDistanceFuncOptions = PairwiseDistanceOptions;

// sum_dim(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)), the norms taken along `dim` of the
// broadcast shape, which the result drops. As PyTorch (since 1.12), each vector is divided by
// its own clamped norm, so the result stays in [-1, 1]; and, as PyTorch, the clamp passes the
// gradient through unchanged (it is applied outside autograd), so below eps the gradient is
// that of x / ||x|| with ||x|| replaced by eps in value only. A zero vector has similarity 0
// and a finite gradient. Throws std::invalid_argument for non-floating or unbroadcastable
// inputs, std::out_of_range for a bad dim. Cost: a few passes over the broadcast shape.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, const CosineSimilarityConfig& options = {});

// ||x1 - x2 + eps||_p along the last dimension of the broadcast shape (kept as size 1 with
// keepdim). The norm's gradient is 0 where the norm is 0, as PyTorch's.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, const PairwiseDistanceConfig& options = {});

}  // namespace functional

namespace detail {
// ||x||_p along `dim` (p > 0 finite), with gradient 0 at a zero vector (PyTorch's norm backward).
Tensor vector_norm(const Tensor& x, double p, std::int64_t dim, bool keepdim);
}  // namespace detail

}  // namespace xgrad::nn

namespace xgrad {
// LibTorch's top-level spellings (torch::cosine_similarity, torch::pairwise_distance).
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim = 1, double eps = 1e-8);
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2, double eps = 1e-6, bool keepdim = false);
}  // namespace xgrad
