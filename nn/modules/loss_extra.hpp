// The distance and loss modules of PyTorch beyond loss.hpp's: CosineSimilarity,
// PairwiseDistance, KLDivLoss, PoissonNLLLoss, GaussianNLLLoss (forward(input, target, var)),
// CosineEmbeddingLoss and MarginRankingLoss (forward(x1, x2, target)), HingeEmbeddingLoss,
// SoftMarginLoss, MultiMarginLoss (its class weight a buffer, saved with the module) and
// TripletMarginLoss (forward(anchor, positive, negative)). Each holds LibTorch's builder as
// `options` and calls the F:: function of the same name, which states shapes and errors:
//   nn::TripletMarginLoss loss(nn::TripletMarginLossOptions().margin(0.5).swap(true));
//   nn::KLDivLoss kl(nn::KLDivLossOptions(nn::kBatchMean).log_target(true));
#pragma once
#include "../functional/distance.hpp"
#include "../functional/likelihood_loss.hpp"
#include "../functional/margin_loss.hpp"
#include "loss.hpp"

namespace xgrad::nn {

class CosineSimilarityImpl : public Module {
 public:
  explicit CosineSimilarityImpl(const CosineSimilarityOptions& options = {})
      : Module("CosineSimilarity"), options(options) {}
  Tensor forward(const Tensor& x1, const Tensor& x2);
  CosineSimilarityOptions options;
};
XGRAD_MODULE(CosineSimilarity);

class PairwiseDistanceImpl : public Module {
 public:
  explicit PairwiseDistanceImpl(const PairwiseDistanceOptions& options = {})
      : Module("PairwiseDistance"), options(options) {}
  Tensor forward(const Tensor& x1, const Tensor& x2);
  PairwiseDistanceOptions options;
};
XGRAD_MODULE(PairwiseDistance);

// A two-input loss whose only state is its options (Name(options), forward(input, target)).
#define XGRAD_OPTIONS_LOSS(Name)                                                              \
  class Name##Impl : public Loss {                                                            \
   public:                                                                                    \
    explicit Name##Impl(const Name##Options& options = {}) : Loss(#Name), options(options) {} \
    Tensor forward(const Tensor& input, const Tensor& target) override;                       \
    Name##Options options;                                                                    \
  };                                                                                          \
  XGRAD_MODULE(Name)

XGRAD_OPTIONS_LOSS(KLDivLoss);
XGRAD_OPTIONS_LOSS(PoissonNLLLoss);
XGRAD_OPTIONS_LOSS(HingeEmbeddingLoss);
XGRAD_OPTIONS_LOSS(SoftMarginLoss);
#undef XGRAD_OPTIONS_LOSS

class MultiMarginLossImpl : public Loss {
 public:
  // The weight (if any) becomes the buffer "weight".
  explicit MultiMarginLossImpl(const MultiMarginLossOptions& options = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  MultiMarginLossOptions options;
};
XGRAD_MODULE(MultiMarginLoss);

class GaussianNLLLossImpl : public Module {
 public:
  explicit GaussianNLLLossImpl(const GaussianNLLLossOptions& options = {})
      : Module("GaussianNLLLoss"), options(options) {}
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var);
  GaussianNLLLossOptions options;
};
XGRAD_MODULE(GaussianNLLLoss);

class CosineEmbeddingLossImpl : public Module {
 public:
  explicit CosineEmbeddingLossImpl(const CosineEmbeddingLossOptions& options = {})
      : Module("CosineEmbeddingLoss"), options(options) {}
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& target);
  CosineEmbeddingLossOptions options;
};
XGRAD_MODULE(CosineEmbeddingLoss);

class MarginRankingLossImpl : public Module {
 public:
  explicit MarginRankingLossImpl(const MarginRankingLossOptions& options = {})
      : Module("MarginRankingLoss"), options(options) {}
  Tensor forward(const Tensor& x1, const Tensor& x2, const Tensor& target);
  MarginRankingLossOptions options;
};
XGRAD_MODULE(MarginRankingLoss);

class TripletMarginLossImpl : public Module {
 public:
  explicit TripletMarginLossImpl(const TripletMarginLossOptions& options = {})
      : Module("TripletMarginLoss"), options(options) {}
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative);
  TripletMarginLossOptions options;
};
XGRAD_MODULE(TripletMarginLoss);

}  // namespace xgrad::nn
