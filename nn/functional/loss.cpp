// Elementwise losses: regression losses composed from ops, and the two binary cross entropies
// as fused nodes (their backward is finite where composing log and clamp would give NaN,
// e.g. at probabilities of exactly 0 or 1). Their backwards switch to differentiable ops
// under create_graph so second derivatives are exact.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "../../autograd/op_support.hpp"
#include "loss.hpp"
#include "loss_support.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

using loss_support::check_pair;
using loss_support::reduce;

// `t` broadcast to `shape` as a contiguous constant (no history), or undefined.
Tensor expanded_constant(const Tensor& t, const Shape& shape, Dtype dtype, const char* op, const char* what) {
  if (!t.defined()) return t;
  Shape b;
  try {
    b = broadcast_shapes(t.shape(), shape, op);
  } catch (const std::invalid_argument&) {
  }
  if (b != shape) {
    throw std::invalid_argument(std::string(op) + ": " + what + " " + describe(t) +
                                " cannot be broadcast to the input shape " + shape_str(shape));
  }
  NoGradGuard guard;
  return copy_as(expand(t.detach(), shape), dtype);
}

// ---- binary_cross_entropy -------------------------------------------------------------------
struct BinaryCrossEntropyBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &x}, {"target", &t}, {"weight", &w}});
  }
  SavedVariable x, t;
  Tensor w;  // expanded weight or undefined
  tensor_list apply(tensor_list&& grads) override {
    Tensor xv = x.unpack(), tv = t.unpack(), g = grads[0];
    if (w.defined()) g = g * w;
    if (autograd::GradMode::is_enabled()) {
      Tensor gx = should_compute_output(0) ? g * (xv - tv) / clamp(rsub(xv, 1.0) * xv, 1e-12) : Tensor();
      Tensor gt =
          should_compute_output(1) ? g * (clamp(log(rsub(xv, 1.0)), -100.0) - clamp(log(xv), -100.0)) : Tensor();
      return {gx, gt};
    }
    g = g.contiguous();
    Tensor gx = empty_tensor(xv.shape(), xv.dtype(), "binary_cross_entropy backward");
    Tensor gt = empty_tensor(xv.shape(), xv.dtype(), "binary_cross_entropy backward");
    dispatch_float(xv.dtype(), "binary_cross_entropy backward", [&](auto tag) {
      using T = decltype(tag);
      const T *px = ptr_or_null<T>(xv), *pt = ptr_or_null<T>(tv), *pg = ptr_or_null<T>(g);
      T *pgx = gx.impl()->template data_as<T>(), *pgt = gt.impl()->template data_as<T>();
      for (std::int64_t i = 0; i < xv.numel(); ++i) {
        pgx[i] = pg[i] * (px[i] - pt[i]) / std::max<T>((1 - px[i]) * px[i], T(1e-12));
        pgt[i] = pg[i] * (std::max<T>(std::log1p(-px[i]), -100) - std::max<T>(std::log(px[i]), -100));
      }
    });
    return {should_compute_output(0) ? gx : Tensor(), should_compute_output(1) ? gt : Tensor()};
  }
  void release_variables() override {
    x.reset();
    t.reset();
    w = Tensor();
  }
};

// ---- binary_cross_entropy_with_logits ---------------------------------------------------------
struct BinaryCrossEntropyWithLogitsBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &x}, {"target", &t}, {"weight", &w}, {"pos_weight", &pw}});
  }
  SavedVariable x, t;
  Tensor w, pw;  // expanded weight / pos_weight or undefined
  tensor_list apply(tensor_list&& grads) override {
    Tensor xv = x.unpack(), tv = t.unpack(), g = grads[0];
    if (w.defined()) g = g * w;
    if (autograd::GradMode::is_enabled()) {
      // d/dx = (1 - t) - lw sigmoid(-x), d/dt = -x + (pw - 1) softplus(-x), lw = 1 + (pw - 1) t.
      Tensor lw = pw.defined() ? (pw - 1.0) * tv + 1.0 : Tensor();
      Tensor sn = sigmoid(neg(xv));
      Tensor gx = should_compute_output(0) ? g * (rsub(tv, 1.0) - (lw.defined() ? lw * sn : sn)) : Tensor();
      Tensor gt;
      if (should_compute_output(1)) gt = g * (pw.defined() ? (pw - 1.0) * softplus(neg(xv)) - xv : neg(xv));
      return {gx, gt};
    }
    g = g.contiguous();
    Tensor gx = empty_tensor(xv.shape(), xv.dtype(), "binary_cross_entropy_with_logits backward");
    Tensor gt = empty_tensor(xv.shape(), xv.dtype(), "binary_cross_entropy_with_logits backward");
    dispatch_float(xv.dtype(), "binary_cross_entropy_with_logits backward", [&](auto tag) {
      using T = decltype(tag);
      const T *px = ptr_or_null<T>(xv), *pt = ptr_or_null<T>(tv), *pg = ptr_or_null<T>(g), *ppw = ptr_or_null<T>(pw);
      T *pgx = gx.impl()->template data_as<T>(), *pgt = gt.impl()->template data_as<T>();
      for (std::int64_t i = 0; i < xv.numel(); ++i) {
        const T xi = px[i], p1 = ppw ? ppw[i] - 1 : T(0);
        const T e = std::exp(-std::abs(xi));
        const T sig_neg = xi >= 0 ? e / (1 + e) : 1 / (1 + e);  // sigmoid(-x)
        const T softplus_neg = std::log1p(e) + std::max<T>(-xi, 0);
        pgx[i] = pg[i] * ((1 - pt[i]) - (1 + p1 * pt[i]) * sig_neg);
        pgt[i] = pg[i] * (p1 * softplus_neg - xi);
      }
    });
    return {should_compute_output(0) ? gx : Tensor(), should_compute_output(1) ? gt : Tensor()};
  }
  void release_variables() override {
    x.reset();
    t.reset();
    w = Tensor();
    pw = Tensor();
  }
};

}  // namespace

namespace functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair(input, target, "mse_loss");
  Tensor d = input - target;
  return reduce(d * d, reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_pair(input, target, "l1_loss");
  return reduce(abs(input - target), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  check_pair(input, target, "huber_loss");
  if (!(delta > 0)) throw std::invalid_argument("huber_loss: delta must be positive, got " + std::to_string(delta));
  Tensor d = input - target, ad = abs(d);
  return reduce(where(lt(ad, delta), 0.5 * d * d, delta * (ad - 0.5 * delta)), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  check_pair(input, target, "smooth_l1_loss");
  if (!(beta >= 0))
    throw std::invalid_argument("smooth_l1_loss: beta must be non-negative, got " + std::to_string(beta));
  if (beta == 0) return l1_loss(input, target, reduction);
  Tensor d = input - target, ad = abs(d);
  return reduce(where(lt(ad, beta), (0.5 / beta) * d * d, ad - 0.5 * beta), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  check_pair(input, target, "binary_cross_entropy");
  const Dtype dt = promote_types(input.dtype(), target.dtype());
  Tensor x = as_dtype(input, dt).contiguous(), t = as_dtype(target, dt).contiguous();
  Tensor w = expanded_constant(weight, x.shape(), dt, "binary_cross_entropy", "weight");
  Tensor out = empty_tensor(x.shape(), dt, "binary_cross_entropy");
  dispatch_float(dt, "binary_cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const T *px = ptr_or_null<T>(x), *pt = ptr_or_null<T>(t), *pw = ptr_or_null<T>(w);
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      if (!(px[i] >= 0 && px[i] <= 1)) {
        throw std::invalid_argument("binary_cross_entropy: all elements of the input should be between 0 and 1, got " +
                                    std::to_string(px[i]) + " (input " + describe(input) + ")");
      }
      const T l = -(pt[i] * std::max<T>(std::log(px[i]), -100) + (1 - pt[i]) * std::max<T>(std::log1p(-px[i]), -100));
      po[i] = pw ? pw[i] * l : l;
    }
  });
  if (auto n = record<BinaryCrossEntropyBackward0>({&x, &t}, out)) {
    n->x = save(x);
    n->t = save(t);
    n->w = w;
  }
  return reduce(out, reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const BCEWithLogitsOptions& o) {
  check_pair(input, target, "binary_cross_entropy_with_logits");
  const Dtype dt = promote_types(input.dtype(), target.dtype());
  Tensor x = as_dtype(input, dt).contiguous(), t = as_dtype(target, dt).contiguous();
  Tensor w = expanded_constant(o.weight, x.shape(), dt, "binary_cross_entropy_with_logits", "weight");
  Tensor pw = expanded_constant(o.pos_weight, x.shape(), dt, "binary_cross_entropy_with_logits", "pos_weight");
  Tensor out = empty_tensor(x.shape(), dt, "binary_cross_entropy_with_logits");
  dispatch_float(dt, "binary_cross_entropy_with_logits", [&](auto tag) {
    using T = decltype(tag);
    const T *px = ptr_or_null<T>(x), *pt = ptr_or_null<T>(t), *pwt = ptr_or_null<T>(w), *ppw = ptr_or_null<T>(pw);
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const T xi = px[i];
      const T softplus_neg = std::log1p(std::exp(-std::abs(xi))) + std::max<T>(-xi, 0);  // log(1 + exp(-x)), stably
      const T lw = ppw ? 1 + (ppw[i] - 1) * pt[i] : T(1);
      const T l = (1 - pt[i]) * xi + lw * softplus_neg;
      po[i] = pwt ? pwt[i] * l : l;
    }
  });
  if (auto n = record<BinaryCrossEntropyWithLogitsBackward0>({&x, &t}, out)) {
    n->x = save(x);
    n->t = save(t);
    n->w = w;
    n->pw = pw;
  }
  return reduce(out, o.reduction);
}

}  // namespace functional
}  // namespace xgrad::nn
