// Composed from differentiable ops, so first and second derivatives come from theirs.
#include "distance.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace detail {

Tensor vector_norm(const Tensor& x, double p, std::int64_t dim, bool keepdim) {
  if (p == 1) return sum(abs(x), {dim}, keepdim);
  Tensor s = p == 2 ? sum(x * x, {dim}, keepdim) : sum(pow(abs(x), p), {dim}, keepdim);
  // Where s is 0, the root's derivative is infinite: route those elements around it so that
  // their gradient is 0 (and not 0 * inf = NaN).
  Tensor zero = eq(s.detach(), 0.0);
  Tensor safe = where(zero, ones_like(s), s);
  return where(zero, zeros_like(s), p == 2 ? sqrt(safe) : pow(safe, 1.0 / p));
}

}  // namespace detail

namespace {

void check_floating(const Tensor& a, const Tensor& b, const char* op, const char* na, const char* nb) {
  check_defined(a, op, na);
  check_defined(b, op, nb);
  if (!a.is_floating_point() || !b.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected floating-point " + na + " and " + nb + ", got " +
                                describe(a) + " and " + describe(b));
  }
}

// n, clamped below at eps in value, with the gradient of n (PyTorch clamps outside autograd).
Tensor clamp_value_only(const Tensor& n, double eps) {
  Tensor nd = n.detach();
  return where(lt(nd, eps), (n - nd) + eps, n);
}

}  // namespace

namespace functional {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, const CosineSimilarityConfig& o) {
  const char* op = "cosine_similarity";
  check_floating(x1, x2, op, "x1", "x2");
  const Shape shape = broadcast_shapes(x1, x2, op);
  const auto ndim = static_cast<std::int64_t>(shape.size());
  if (ndim == 0) {
    throw std::invalid_argument(std::string(op) + ": expected inputs with at least one dimension, got " + describe(x1) +
                                " and " + describe(x2));
  }
  const std::int64_t dim = wrap_dim(o.dim, ndim, op, shape);
  Tensor a = x1.shape() == shape ? x1 : expand(x1, shape);
  Tensor b = x2.shape() == shape ? x2 : expand(x2, shape);
  Tensor na = clamp_value_only(detail::vector_norm(a, 2, dim, true), o.eps);
  Tensor nb = clamp_value_only(detail::vector_norm(b, 2, dim, true), o.eps);
  return sum((a / na) * (b / nb), {dim});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, const PairwiseDistanceConfig& o) {
  const char* op = "pairwise_distance";
  check_floating(x1, x2, op, "x1", "x2");
  if (!(o.p > 0) || !std::isfinite(o.p)) {
    throw std::invalid_argument(std::string(op) + ": p must be positive and finite, got " + std::to_string(o.p));
  }
  const Shape shape = broadcast_shapes(x1, x2, op);
  Tensor d = (x1 - x2) + o.eps;
  if (shape.empty()) return detail::vector_norm(reshape(d, {1}), o.p, 0, false).reshape({});
  return detail::vector_norm(d, o.p, static_cast<std::int64_t>(shape.size()) - 1, o.keepdim);
}

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, std::int64_t dim, double eps) {
  return nn::functional::cosine_similarity(x1, x2, {dim, eps});
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  return nn::functional::pairwise_distance(x1, x2, {p, eps, keepdim});
}

}  // namespace xgrad
