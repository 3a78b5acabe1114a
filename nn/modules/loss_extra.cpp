// Distance and loss modules: each calls its F:: function with its options.
#include "loss_extra.hpp"

namespace xgrad::nn {

namespace F = functional;

Tensor CosineSimilarityImpl::forward(const Tensor& x1, const Tensor& x2) {
  return F::cosine_similarity(x1, x2, options);
}
Tensor PairwiseDistanceImpl::forward(const Tensor& x1, const Tensor& x2) {
  return F::pairwise_distance(x1, x2, options);
}

Tensor KLDivLossImpl::forward(const Tensor& input, const Tensor& target) { return F::kl_div(input, target, options); }
Tensor PoissonNLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::poisson_nll_loss(input, target, options);
}
Tensor HingeEmbeddingLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::hinge_embedding_loss(input, target, options);
}
Tensor SoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::soft_margin_loss(input, target, options);
}

MultiMarginLossImpl::MultiMarginLossImpl(const MultiMarginLossOptions& o) : Loss("MultiMarginLoss"), options(o) {
  options.weight(register_buffer("weight", o.weight()));
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multi_margin_loss(input, target, options);
}

Tensor GaussianNLLLossImpl::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return F::gaussian_nll_loss(input, target, var, options);
}
Tensor CosineEmbeddingLossImpl::forward(const Tensor& x1, const Tensor& x2, const Tensor& target) {
  return F::cosine_embedding_loss(x1, x2, target, options);
}
Tensor MarginRankingLossImpl::forward(const Tensor& x1, const Tensor& x2, const Tensor& target) {
  return F::margin_ranking_loss(x1, x2, target, options);
}
Tensor TripletMarginLossImpl::forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) {
  return F::triplet_margin_loss(anchor, positive, negative, options);
}

}  // namespace xgrad::nn
