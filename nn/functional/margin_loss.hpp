// Margin and embedding losses with PyTorch's semantics: cosine_embedding_loss,
// margin_ranking_loss, hinge_embedding_loss, soft_margin_loss, multi_margin_loss and
// triplet_margin_loss. Composed from differentiable ops: first and second derivatives in every
// floating input, floating targets included (Int64 targets and multi_margin's weight are
// constants). Bad shapes or dtypes throw std::invalid_argument naming the loss, the shapes and
// the dtypes. Targets in {-1, 1} may be floating or Int64.
#pragma once
#include <cstdint>

#include "loss.hpp"

namespace xgrad::nn {

struct CosineEmbeddingLossConfig {
  double margin = 0.0;
  Reduction reduction = kMean;
};

struct MarginRankingLossConfig {
  double margin = 0.0;
  Reduction reduction = kMean;
};

struct HingeEmbeddingLossConfig {
  double margin = 1.0;
  Reduction reduction = kMean;
};

struct MultiMarginLossConfig {
  std::int64_t p = 1;  // 1 or 2
  double margin = 1.0;
  Tensor weight = Tensor();  // [C], weight[y] scales sample's loss (optional)
  Reduction reduction = kMean;
};

struct TripletMarginLossConfig {
  double margin = 1.0;
  double p = 2;  // the norm of pairwise_distance
  double eps = 1e-6;
  bool swap = false;  // use min(d(a, n), d(p, n)) as the negative distance
  Reduction reduction = kMean;
};

// LibTorch's builders (the modules take them; F:: takes them as XFuncOptions); each converts
// to the Config above.
struct CosineEmbeddingLossOptions {
  XGRAD_ARG(double, margin, 0.0)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator CosineEmbeddingLossConfig() const { return {margin_, reduction_}; }  // NOLINT: F:: takes either
};
struct MarginRankingLossOptions {
  XGRAD_ARG(double, margin, 0.0)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator MarginRankingLossConfig() const { return {margin_, reduction_}; }  // NOLINT
};
struct HingeEmbeddingLossOptions {
  XGRAD_ARG(double, margin, 1.0)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator HingeEmbeddingLossConfig() const { return {margin_, reduction_}; }  // NOLINT
};
struct SoftMarginLossOptions {
  SoftMarginLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Reduction, reduction, {})
};
struct MultiMarginLossOptions {
  XGRAD_ARG(std::int64_t, p, 1)
  XGRAD_ARG(double, margin, 1.0)
  XGRAD_ARG(Tensor, weight, Tensor())
  XGRAD_ARG(Reduction, reduction, kMean)
  operator MultiMarginLossConfig() const { return {p_, margin_, weight_, reduction_}; }  // NOLINT
};
struct TripletMarginLossOptions {
  XGRAD_ARG(double, margin, 1.0)
  XGRAD_ARG(double, p, 2.0)
  XGRAD_ARG(double, eps, 1e-6)
  XGRAD_ARG(bool, swap, false)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator TripletMarginLossConfig() const { return {margin_, p_, eps_, swap_, reduction_}; }  // NOLINT
};

namespace functional {

using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using HingeEmbeddingLossFuncOptions = HingeEmbeddingLossOptions;
using SoftMarginLossFuncOptions = SoftMarginLossOptions;
using MultiMarginLossFuncOptions = MultiMarginLossOptions;
using TripletMarginLossFuncOptions = TripletMarginLossOptions;

// x1, x2 [N, D] with target [N] (or [D] with a 0-dim target): with
// cos = sum(x1 x2) / sqrt((sum(x1^2) + 1e-12)(sum(x2^2) + 1e-12)) along D, the loss is 1 - cos
// where y == 1, max(0, cos - margin) where y == -1, 0 for other targets.
Tensor cosine_embedding_loss(const Tensor& x1, const Tensor& x2, const Tensor& target,
                             const CosineEmbeddingLossConfig& options = {});

// max(0, -y (x1 - x2) + margin); x1, x2, target of the same number of dimensions, broadcast.
Tensor margin_ranking_loss(const Tensor& x1, const Tensor& x2, const Tensor& target,
                           const MarginRankingLossConfig& options = {});

// x where y == 1, max(0, margin - x) where y == -1 (the sum of both for other targets, as
// PyTorch); input and target of the same shape.
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossConfig& options = {});

// log(1 + exp(-y x)) (computed as PyTorch: log1p(exp(-y x)), which overflows to inf for
// -y x > ~709 in Float64); input and target of the same shape.
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
inline Tensor soft_margin_loss(const Tensor& input, const Tensor& target, const SoftMarginLossOptions& o) {
  return soft_margin_loss(input, target, o.reduction());
}

// Multi-class hinge loss: input [N, C] (or [C], or 0-dim), Int64 target [N] (or [] / [1])
// of class indices in [0, C) (std::out_of_range otherwise):
//   loss_n = sum_{i != y_n} w[y_n] max(0, margin - x[n, y_n] + x[n, i])^p / C
// Mean divides by N. With kNone the result is [N] ([] for a 0-dim target).
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossConfig& options = {});

// max(0, margin + d(a, p) - d(a, n)) with d = pairwise_distance(., ., p, eps) along the last
// dimension; swap replaces d(a, n) by min(d(a, n), d(p, n)). anchor, positive, negative of the
// same number of dimensions ([N, D] or [D]), broadcast.
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossConfig& options = {});

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {
// LibTorch's top-level spellings (torch::cosine_embedding_loss, ...), ATen's argument order.
Tensor cosine_embedding_loss(const Tensor& x1, const Tensor& x2, const Tensor& target, double margin = 0.0,
                             nn::Reduction reduction = nn::kMean);
Tensor margin_ranking_loss(const Tensor& x1, const Tensor& x2, const Tensor& target, double margin = 0.0,
                           nn::Reduction reduction = nn::kMean);
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin = 1.0,
                            nn::Reduction reduction = nn::kMean);
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, nn::Reduction reduction = nn::kMean);
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, std::int64_t p = 1, double margin = 1.0,
                         const Tensor& weight = Tensor(), nn::Reduction reduction = nn::kMean);
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin = 1.0,
                           double p = 2, double eps = 1e-6, bool swap = false, nn::Reduction reduction = nn::kMean);
}  // namespace xgrad
