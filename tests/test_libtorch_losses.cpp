// The distance and loss modules of issue 23 (CosineSimilarity, PairwiseDistance, KLDivLoss,
// PoissonNLLLoss, GaussianNLLLoss, CosineEmbeddingLoss, MarginRankingLoss, HingeEmbeddingLoss,
// SoftMarginLoss, MultiMarginLoss, TripletMarginLoss) with LibTorch's option builders: each
// module's forward equals the F:: function with the same options (given as the builder, as
// F::XFuncOptions and as xgrad's Config struct), options round-trip, and the modules print as
// PyTorch's ("KLDivLoss()"). The losses' values and gradients are test_nn_loss2.cpp's.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

namespace {

bool same(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && allclose(a, b, 0, 0); }

template <class M>
std::string repr(const M& module) {
  std::ostringstream os;
  os << module;
  return os.str();
}

Tensor r(const Shape& s) { return randn(s, kFloat64); }
Tensor signs(std::int64_t n) { return where(randn({n}, kFloat64) > 0.0, 1.0, -1.0); }

}  // namespace

TEST_CASE("CosineSimilarity and PairwiseDistance modules equal F:: with the same options") {
  manual_seed(1);
  Tensor a = r({4, 5}), b = r({4, 5});
  nn::CosineSimilarity cs(nn::CosineSimilarityOptions().dim(0).eps(1e-6));
  CHECK(cs->options.dim() == 0);
  CHECK(cs->options.eps() == 1e-6);
  CHECK(same(cs(a, b), F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0).eps(1e-6))));
  CHECK(same(cs(a, b), F::cosine_similarity(a, b, {0, 1e-6})));
  CHECK(same(cs(a, b), xgrad::cosine_similarity(a, b, 0, 1e-6)));
  CHECK(cs(a, b).shape() == Shape{5});
  CHECK(repr(cs) == "CosineSimilarity()");
  nn::PairwiseDistance pd(nn::PairwiseDistanceOptions().p(1).keepdim(true));
  CHECK(same(pd(a, b), F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(1).keepdim(true))));
  CHECK(same(pd(a, b), xgrad::pairwise_distance(a, b, 1, 1e-6, true)));
  CHECK(pd(a, b).shape() == Shape{4, 1});
  CHECK(same(nn::PairwiseDistance()(a, b), F::pairwise_distance(a, b)));
}

TEST_CASE("KLDivLoss, PoissonNLLLoss, GaussianNLLLoss modules") {
  manual_seed(2);
  Tensor logp = log_softmax(r({3, 4}), 1), target = softmax(r({3, 4}), 1);
  nn::KLDivLoss kl{nn::KLDivLossOptions(nn::kBatchMean)};
  CHECK(same(kl(logp, target), F::kl_div(logp, target, F::KLDivFuncOptions(nn::kBatchMean))));
  CHECK(same(kl(logp, target), F::kl_div(logp, target, {nn::kBatchMean})));
  CHECK(same(kl(logp, target), F::kl_div(logp, target, nn::KLDivLossOptions().reduction(nn::kBatchMean))));
  CHECK(same(nn::KLDivLoss(xgrad::kSum)(logp, target), xgrad::kl_div(logp, target, xgrad::kSum)));
  nn::KLDivLoss klt(nn::KLDivLossOptions().log_target(true));
  CHECK(klt->options.log_target());
  CHECK(std::get<nn::Reduction>(klt->options.reduction()) == nn::kMean);
  CHECK(same(klt(logp, logp), F::kl_div(logp, logp, {nn::kMean, true})));
  CHECK(repr(kl) == "KLDivLoss()");

  Tensor rate = r({6}), counts = abs(r({6})) * 3;
  auto po = nn::PoissonNLLLossOptions().log_input(false).full(true).eps(1e-6).reduction(xgrad::kSum);
  nn::PoissonNLLLoss pl(po);
  CHECK(pl->options.full());
  Tensor pos = exp(rate);
  CHECK(same(pl(pos, counts), F::poisson_nll_loss(pos, counts, po)));
  CHECK(same(pl(pos, counts), xgrad::poisson_nll_loss(pos, counts, false, true, 1e-6, xgrad::kSum)));
  CHECK(same(nn::PoissonNLLLoss()(rate, counts), F::poisson_nll_loss(rate, counts)));

  Tensor mu = r({4, 2}), y = r({4, 2}), var = exp(r({4, 1}));
  auto go = nn::GaussianNLLLossOptions().full(true).eps(1e-3).reduction(xgrad::kNone);
  nn::GaussianNLLLoss gl(go);
  CHECK(gl->options.eps() == 1e-3);
  CHECK(same(gl(mu, y, var), F::gaussian_nll_loss(mu, y, var, F::GaussianNLLLossFuncOptions(go))));
  CHECK(same(gl(mu, y, var), F::gaussian_nll_loss(mu, y, var, {true, 1e-3, nn::kNone})));
  CHECK(gl(mu, y, var).shape() == Shape{4, 2});
}

TEST_CASE("margin and embedding loss modules") {
  manual_seed(3);
  Tensor x1 = r({5, 3}), x2 = r({5, 3}), y = signs(5);
  nn::CosineEmbeddingLoss ce(nn::CosineEmbeddingLossOptions().margin(0.2).reduction(xgrad::kSum));
  CHECK(ce->options.margin() == 0.2);
  CHECK(same(ce(x1, x2, y), F::cosine_embedding_loss(x1, x2, y, {0.2, nn::kSum})));
  CHECK(same(ce(x1, x2, y), xgrad::cosine_embedding_loss(x1, x2, y, 0.2, xgrad::kSum)));
  Tensor s1 = r({5}), s2 = r({5});
  nn::MarginRankingLoss mr(nn::MarginRankingLossOptions().margin(0.5));
  CHECK(same(mr(s1, s2, y), F::margin_ranking_loss(s1, s2, y, F::MarginRankingLossFuncOptions().margin(0.5))));
  nn::HingeEmbeddingLoss he(nn::HingeEmbeddingLossOptions().margin(2).reduction(xgrad::kNone));
  CHECK(same(he(s1, y), F::hinge_embedding_loss(s1, y, {2, nn::kNone})));
  nn::SoftMarginLoss sm(xgrad::kSum);
  CHECK(sm->options.reduction() == nn::kSum);
  CHECK(same(sm(s1, y), F::soft_margin_loss(s1, y, F::SoftMarginLossFuncOptions(xgrad::kSum))));
  CHECK(same(sm(s1, y), F::soft_margin_loss(s1, y, xgrad::kSum)));
  CHECK(repr(sm) == "SoftMarginLoss()");

  Tensor logits = r({5, 4}), cls = randint(0, 4, {5}), w = abs(r({4}));
  auto mo = nn::MultiMarginLossOptions().p(2).margin(0.7).weight(w);
  nn::MultiMarginLoss mm(mo);
  CHECK(mm->named_buffers().keys() == std::vector<std::string>{"weight"});
  CHECK(same(mm(logits, cls), F::multi_margin_loss(logits, cls, mo)));
  CHECK(same(mm(logits, cls), xgrad::multi_margin_loss(logits, cls, 2, 0.7, w)));
  CHECK(nn::MultiMarginLoss()->named_buffers().size() == 0);

  Tensor an = r({5, 3}), po = r({5, 3}), ne = r({5, 3});
  auto to = nn::TripletMarginLossOptions().margin(0.3).p(1).swap(true).reduction(xgrad::kNone);
  nn::TripletMarginLoss tl(to);
  CHECK(tl->options.swap());
  CHECK(same(tl(an, po, ne), F::triplet_margin_loss(an, po, ne, F::TripletMarginLossFuncOptions(to))));
  CHECK(same(tl(an, po, ne), xgrad::triplet_margin_loss(an, po, ne, 0.3, 1, 1e-6, true, xgrad::kNone)));
  CHECK(repr(tl) == "TripletMarginLoss()");
}

TEST_CASE("loss modules train: gradients reach the inputs through the module") {
  manual_seed(4);
  Tensor an = r({4, 3}).requires_grad_(), po = r({4, 3}), ne = r({4, 3});
  nn::TripletMarginLoss tl;
  tl(an, po, ne).backward();
  CHECK(an.grad().defined());
  Tensor mu = r({4}).requires_grad_(), var = exp(r({4})).requires_grad_();
  nn::GaussianNLLLoss()(mu, r({4}), var).backward();
  CHECK(var.grad().defined());
}
