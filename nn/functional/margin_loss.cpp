#include "margin_loss.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "distance.hpp"
#include "loss_support.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

using loss_support::reduce;

void check_float(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op, what);
  if (!t.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected a floating-point " + what + ", got " + describe(t));
  }
}

// A {-1, 1} target: a floating one as it is (differentiable where PyTorch's is, as in
// margin_ranking_loss and soft_margin_loss), an Int64 one as a constant of the input's dtype.
Tensor target_as(const Tensor& target, const Tensor& like, const char* op) {
  check_defined(target, op, "target");
  if (target.is_floating_point()) return target;
  if (target.dtype() != kInt64) {
    throw std::invalid_argument(std::string(op) + ": expected a floating-point or Int64 target, got " +
                                describe(target));
  }
  return copy_as(target, like.dtype());
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  if (input.shape() != target.shape()) {
    throw std::invalid_argument(std::string(op) + ": expected input and target of the same shape, got input " +
                                describe(input) + " and target " + describe(target));
  }
}

std::string shapes_of(const Tensor& a, const Tensor& b) { return describe(a) + " and " + describe(b); }

}  // namespace

namespace functional {

Tensor cosine_embedding_loss(const Tensor& x1, const Tensor& x2, const Tensor& target,
                             const CosineEmbeddingLossConfig& o) {
  const char* op = "cosine_embedding_loss";
  check_float(x1, op, "input1");
  check_float(x2, op, "input2");
  Tensor y = target_as(target, x1, op);
  const std::int64_t td = y.dim();
  if (td > 1) {
    throw std::invalid_argument(std::string(op) +
                                ": 0D or 1D target tensor expected, multi-target not supported (got " +
                                describe(target) + ")");
  }
  if (x1.dim() != td + 1 || x2.dim() != td + 1) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(td) + "D target tensor expects " +
                                std::to_string(td + 1) + "D input tensors, but found inputs " + shapes_of(x1, x2));
  }
  const Shape shape = broadcast_shapes(x1, x2, op);
  if (td == 1 && y.shape()[0] != shape[0]) {
    throw std::invalid_argument(std::string(op) + ": target " + describe(target) + " does not match the batch of " +
                                shapes_of(x1, x2));
  }
  Tensor prod = sum(x1 * x2, {td});
  Tensor mag1 = sum(x1 * x1, {td}) + 1e-12;
  Tensor mag2 = sum(x2 * x2, {td}) + 1e-12;
  Tensor cos = prod / sqrt(mag1 * mag2);
  Tensor zero = zeros_like(cos);
  Tensor pos = where(eq(y, 1.0), rsub(cos, 1.0), zero);
  Tensor neg = where(eq(y, -1.0), clamp(cos - o.margin, 0.0), zero);
  return reduce(pos + neg, o.reduction);
}

Tensor margin_ranking_loss(const Tensor& x1, const Tensor& x2, const Tensor& target, const MarginRankingLossConfig& o) {
  const char* op = "margin_ranking_loss";
  check_float(x1, op, "input1");
  check_float(x2, op, "input2");
  Tensor y = target_as(target, x1, op);
  if (x1.dim() != x2.dim() || x1.dim() != y.dim()) {
    throw std::invalid_argument(std::string(op) + ": all input tensors should have the same dimension, got input1 " +
                                describe(x1) + ", input2 " + describe(x2) + " and target " + describe(target));
  }
  return reduce(clamp(neg(y) * (x1 - x2) + o.margin, 0.0), o.reduction);
}

Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, const HingeEmbeddingLossConfig& o) {
  const char* op = "hinge_embedding_loss";
  check_float(input, op, "input");
  Tensor y = target_as(target, input, op);
  check_same_shape(input, y, op);
  Tensor zero = zeros_like(input);
  Tensor margin_part = where(ne(y, 1.0), clamp(rsub(input, o.margin), 0.0), zero);
  Tensor self_part = where(ne(y, -1.0), input, zero);
  return reduce(margin_part + self_part, o.reduction);
}

Tensor soft_margin_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const char* op = "soft_margin_loss";
  check_float(input, op, "input");
  Tensor y = target_as(target, input, op);
  check_same_shape(input, y, op);
  return reduce(log1p(exp(neg(input) * y)), reduction);
}

namespace {

// The constants of multi_margin_loss: a [N, C] mask that is 0 at each sample's target class
// and the per-sample weight [N, 1] (weight[y], or 1).
void multi_margin_constants(const std::vector<std::int64_t>& y, std::int64_t classes, const Tensor& weight, Dtype dtype,
                            Tensor& mask, Tensor& w) {
  const auto n = static_cast<std::int64_t>(y.size());
  std::vector<double> m(static_cast<std::size_t>(n * classes), 1.0), wv(y.size(), 1.0);
  const std::vector<double> weights =
      weight.defined() ? weight.to(kFloat64).to_vector<double>() : std::vector<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    const auto yi = y[static_cast<std::size_t>(i)];
    if (yi < 0 || yi >= classes) {
      throw std::out_of_range("multi_margin_loss: target " + std::to_string(yi) + " of sample " + std::to_string(i) +
                              " is out of range for " + std::to_string(classes) + " classes");
    }
    m[static_cast<std::size_t>(i * classes + yi)] = 0.0;
    if (!weights.empty()) wv[static_cast<std::size_t>(i)] = weights[static_cast<std::size_t>(yi)];
  }
  mask = tensor(m, {n, classes}).to(dtype);
  w = tensor(wv, {n, 1}).to(dtype);
}

}  // namespace

Tensor multi_margin_loss(const Tensor& input, const Tensor& target, const MultiMarginLossConfig& o) {
  const char* op = "multi_margin_loss";
  check_float(input, op, "input");
  check_defined(target, op, "target");
  if (o.p != 1 && o.p != 2) {
    throw std::invalid_argument(std::string(op) + ": only p == 1 and p == 2 supported, got " + std::to_string(o.p));
  }
  const std::int64_t nd = input.dim();
  if (nd > 2 || (nd >= 1 && input.shape().back() == 0)) {
    throw std::invalid_argument(std::string(op) +
                                ": expected a non-empty vector or matrix with optional 0-dim batch size, got " +
                                describe(input));
  }
  const std::int64_t frames = nd <= 1 ? 1 : input.shape()[0];
  const std::int64_t classes = nd == 0 ? 1 : input.shape().back();
  if (target.dtype() != kInt64 || target.dim() > 1 || target.numel() != frames) {
    throw std::invalid_argument(std::string(op) + ": expected an Int64 target of " + std::to_string(frames) +
                                " class indices, got " + describe(target) + " for input " + describe(input));
  }
  if (o.weight.defined() && (!o.weight.is_floating_point() || o.weight.dim() > 1 || o.weight.numel() != classes)) {
    throw std::invalid_argument(std::string(op) + ": inconsistent weight " + describe(o.weight) + ", expected " +
                                std::to_string(classes) + " floating-point values");
  }
  Tensor mask, w;
  multi_margin_constants(target.to_vector<std::int64_t>(), classes, o.weight, input.dtype(), mask, w);
  Tensor x = reshape(input, {frames, classes});
  Tensor xt = gather(x, 1, reshape(target.detach(), {frames, 1}));
  Tensor h = relu(rsub(xt, o.margin) + x);  // z > 0 strictly, as PyTorch: relu's gradient is 0 at 0
  if (o.p == 2) h = h * h;
  Tensor per_sample = sum(h * mask * w, {1}) / static_cast<double>(classes);
  if (o.reduction == kNone) return target.dim() == 0 ? reshape(per_sample, {}) : per_sample;
  return reduce(per_sample, o.reduction);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           const TripletMarginLossConfig& o) {
  const char* op = "triplet_margin_loss";
  check_float(anchor, op, "anchor");
  check_float(positive, op, "positive");
  check_float(negative, op, "negative");
  if (anchor.dim() != positive.dim() || anchor.dim() != negative.dim()) {
    throw std::invalid_argument(std::string(op) +
                                ": the anchor, positive and negative tensors are expected to have the same number "
                                "of dimensions, got anchor " +
                                describe(anchor) + ", positive " + describe(positive) + " and negative " +
                                describe(negative));
  }
  const PairwiseDistanceConfig d{o.p, o.eps, false};
  Tensor dist_pos = pairwise_distance(anchor, positive, d);
  Tensor dist_neg = pairwise_distance(anchor, negative, d);
  if (o.swap) dist_neg = minimum(dist_neg, pairwise_distance(positive, negative, d));
  return reduce(clamp(dist_pos - dist_neg + o.margin, 0.0), o.reduction);
}

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {

namespace F = nn::functional;

Tensor cosine_embedding_loss(const Tensor& x1, const Tensor& x2, const Tensor& target, double margin,
                             nn::Reduction reduction) {
  return F::cosine_embedding_loss(x1, x2, target, {margin, reduction});
}
Tensor margin_ranking_loss(const Tensor& x1, const Tensor& x2, const Tensor& target, double margin,
                           nn::Reduction reduction) {
  return F::margin_ranking_loss(x1, x2, target, {margin, reduction});
}
Tensor hinge_embedding_loss(const Tensor& input, const Tensor& target, double margin, nn::Reduction reduction) {
  return F::hinge_embedding_loss(input, target, {margin, reduction});
}
Tensor soft_margin_loss(const Tensor& input, const Tensor& target, nn::Reduction reduction) {
  return F::soft_margin_loss(input, target, reduction);
}
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, std::int64_t p, double margin, const Tensor& weight,
                         nn::Reduction reduction) {
  return F::multi_margin_loss(input, target, {p, margin, weight, reduction});
}
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin,
                           double p, double eps, bool swap, nn::Reduction reduction) {
  return F::triplet_margin_loss(anchor, positive, negative, {margin, p, eps, swap, reduction});
}

}  // namespace xgrad
