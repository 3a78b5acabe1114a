// cross_entropy (fused log_softmax + nll, the training hot path) and nll_loss. Both view the
// input as [M rows, C classes] (moving the class dim last for [N, C, d1, ...] inputs).
//
// Per row, cross_entropy is L = -sum_c q_c (z_c - lse(z)) with q the (smoothed, weighted)
// target distribution, so dL/dz_c = p_c sum(q) - q_c with p = softmax(z): the backward needs
// only the logits, recomputed into probabilities row by row.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "loss.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

// input as [M, C] rows (contiguous) and the shape of the per-row loss.
struct Rows {
  Tensor rows;
  Shape batch_shape;
  std::int64_t M = 0, C = 0;
};

Rows to_rows(const Tensor& input) {
  Rows r;
  if (input.dim() == 1) {
    r.C = input.size(0);
    r.rows = reshape(input, {1, r.C});
  } else if (input.dim() == 2) {
    r.C = input.size(1);
    r.batch_shape = {input.size(0)};
    r.rows = input.contiguous();
  } else {
    r.C = input.size(1);
    Shape perm{0};
    r.batch_shape = {input.size(0)};
    for (std::int64_t d = 2; d < input.dim(); ++d) {
      perm.push_back(d);
      r.batch_shape.push_back(input.size(d));
    }
    perm.push_back(1);
    r.rows = reshape(permute(input, perm), {-1, r.C});
  }
  r.M = r.rows.size(0);
  return r;
}

Tensor from_rows(const Tensor& per_row, const Shape& batch_shape) { return reshape(per_row, batch_shape); }

// Class targets as a contiguous Int64 [M], checked against C and ignore_index.
Tensor class_targets(const Tensor& target, const Tensor& input, const Rows& r, std::int64_t ignore_index,
                     const char* op) {
  if (target.shape() != r.batch_shape) {
    throw std::invalid_argument(std::string(op) + ": expected class targets of shape " + shape_str(r.batch_shape) +
                                " for input " + describe(input) + ", got target " + describe(target));
  }
  Tensor t = copy_as(target, kInt64);
  const auto* p = t.impl()->data_as<std::int64_t>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (p[i] != ignore_index && (p[i] < 0 || p[i] >= r.C)) {
      throw std::out_of_range(std::string(op) + ": target " + std::to_string(p[i]) + " is out of bounds for " +
                              std::to_string(r.C) + " classes (input " + describe(input) + ")");
    }
  }
  return reshape(t, {r.M});
}

Tensor class_weight(const Tensor& weight, const Tensor& input, std::int64_t C, const char* op) {
  if (!weight.defined()) return weight;
  if (weight.dim() != 1 || weight.size(0) != C || !weight.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected a floating class weight of shape [" + std::to_string(C) +
                                "], got " + describe(weight) + " (input " + describe(input) + ")");
  }
  return copy_as(weight.detach(), input.dtype());
}

// ---- cross_entropy -----------------------------------------------------------------------------

struct CrossEntropyLossBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved(
        {{"self", &z}, {"target", &t}, {"target", &classes}, {"weight", &weight}, {"softmax", &probs}});
  }
  SavedVariable z, t;  // logits rows; probability targets (undefined for class targets)
  Tensor classes;      // Int64 [M] for class targets
  Tensor weight;       // [C] constant or undefined
  Tensor probs;        // softmax of the logits [M, C], from the forward
  std::vector<double> lse;
  double smoothing = 0, denom = 1;
  std::int64_t ignore_index = -100, M = 0, C = 0;
  Reduction reduction = Reduction::Mean;

  tensor_list apply(tensor_list&& grads) override {
    Tensor zv = z.unpack(), tv = t.unpack();
    if (autograd::GradMode::is_enabled()) return differentiable(grads[0], zv, tv);
    Tensor g = grads[0].contiguous();
    Tensor gz = should_compute_output(0) ? empty_tensor({M, C}, zv.dtype(), "cross_entropy backward") : Tensor();
    Tensor gt = should_compute_output(1) ? empty_tensor({M, C}, zv.dtype(), "cross_entropy backward") : Tensor();
    dispatch_float(zv.dtype(), "cross_entropy backward", [&](auto tag) {
      using T = decltype(tag);
      const T *pz = ptr_or_null<T>(zv), *pt = ptr_or_null<T>(tv), *pw = ptr_or_null<T>(weight), *pg = ptr_or_null<T>(g);
      const T* pp = ptr_or_null<T>(probs);
      const std::int64_t* py = classes.defined() ? classes.impl()->data_as<std::int64_t>() : nullptr;
      T* pgz = gz.defined() ? gz.impl()->template data_as<T>() : nullptr;
      T* pgt = gt.defined() ? gt.impl()->template data_as<T>() : nullptr;
      const double wsum = [&] {
        double s = 0;
        for (std::int64_t c = 0; c < C; ++c) s += pw ? pw[c] : 1.0;
        return s;
      }();
      const double eps_c = smoothing / static_cast<double>(C);
      for (std::int64_t i = 0; i < M; ++i) {
        const double s = reduction == Reduction::None ? pg[i] : reduction == Reduction::Mean ? pg[0] / denom : pg[0];
        const T *zr = pz + i * C, *pr = pp + i * C;
        const double l = lse[static_cast<std::size_t>(i)];
        if (py && py[i] == ignore_index) {
          if (pgz) std::fill_n(pgz + i * C, C, T(0));
          continue;
        }
        if (pgz) {
          T* out = pgz + i * C;
          if (py) {
            const double wy = pw ? pw[py[i]] : 1.0;
            const double Q = (1 - smoothing) * wy + eps_c * wsum;
            for (std::int64_t c = 0; c < C; ++c) {
              const double q = eps_c * (pw ? pw[c] : 1.0) + (c == py[i] ? (1 - smoothing) * wy : 0.0);
              out[c] = static_cast<T>(s * (pr[c] * Q - q));
            }
          } else {
            const T* tr = pt + i * C;
            double Q = 0;
            for (std::int64_t c = 0; c < C; ++c) Q += (pw ? pw[c] : 1.0) * ((1 - smoothing) * tr[c] + eps_c);
            for (std::int64_t c = 0; c < C; ++c) {
              const double q = (pw ? pw[c] : 1.0) * ((1 - smoothing) * tr[c] + eps_c);
              out[c] = static_cast<T>(s * (pr[c] * Q - q));
            }
          }
        }
        if (pgt) {
          for (std::int64_t c = 0; c < C; ++c) {
            pgt[i * C + c] = static_cast<T>(-s * (1 - smoothing) * (pw ? pw[c] : 1.0) * (zr[c] - l));
          }
        }
      }
    });
    return {gz, gt};
  }

  // The same gradients from differentiable ops (for create_graph).
  tensor_list differentiable(const Tensor& g, const Tensor& zv, const Tensor& tv) {
    Tensor logp = log_softmax(zv, 1);
    Tensor s = reduction == Reduction::None ? reshape(g, {M, 1}) : reduction == Reduction::Mean ? g / denom : g;
    Tensor q;
    if (classes.defined()) {
      q = class_distribution(zv.dtype());
    } else {
      q = tv * (1 - smoothing) + smoothing / static_cast<double>(C);
      if (weight.defined()) q = q * weight;
    }
    Tensor gz = should_compute_output(0) ? s * (exp(logp) * sum(q, {1}, true) - q) : Tensor();
    Tensor gt;
    if (should_compute_output(1)) gt = s * (weight.defined() ? logp * weight : logp) * (smoothing - 1);
    return {gz, gt};
  }

  // q [M, C] for class targets: (1 - s) w_y at the target plus s / C w_c everywhere; 0 rows
  // for ignored targets.
  Tensor class_distribution(Dtype dtype) const {
    Tensor q = zeros({M, C}, dtype);
    dispatch_float(dtype, "cross_entropy", [&](auto tag) {
      using T = decltype(tag);
      T* pq = q.impl()->template data_as<T>();
      const T* pw = ptr_or_null<T>(weight);
      const auto* py = classes.impl()->data_as<std::int64_t>();
      for (std::int64_t i = 0; i < M; ++i) {
        if (py[i] == ignore_index) continue;
        for (std::int64_t c = 0; c < C; ++c)
          pq[i * C + c] = static_cast<T>(smoothing / static_cast<double>(C) * (pw ? pw[c] : T(1)));
        pq[i * C + py[i]] += static_cast<T>((1 - smoothing) * (pw ? pw[py[i]] : T(1)));
      }
    });
    return q;
  }

  void release_variables() override {
    z.reset();
    t.reset();
    classes = Tensor();
    weight = Tensor();
    probs = Tensor();
    lse.clear();
  }
};

// ---- nll_loss: picks -w_y x_y per row; backward scatters -w_y s to column y -------------------

struct NllLossBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"coef", &coef}});
  }
  Tensor coef;  // [M, C]: -w_y / denom at (i, y_i), else 0
  std::int64_t M = 0;
  Reduction reduction = Reduction::Mean;
  tensor_list apply(tensor_list&& grads) override {
    Tensor s = reduction == Reduction::None ? reshape(grads[0], {M, 1}) : grads[0];
    return {s * coef};  // linear in the gradient: differentiable as it stands
  }
  void release_variables() override { coef = Tensor(); }
};

// ---- cross_entropy's forward, in steps -----------------------------------------------------------

// Refuses what cross_entropy cannot take, naming the input and the target.
void check_cross_entropy_args(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  check_defined(input, "cross_entropy", "input");
  check_defined(target, "cross_entropy", "target");
  if (!input.is_floating_point() || input.dim() < 1) {
    throw std::invalid_argument(
        "cross_entropy: expected a floating-point input [N, C], [C] or [N, C, d1, ...], got input " + describe(input) +
        " and target " + describe(target));
  }
  if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1)) {
    throw std::invalid_argument("cross_entropy: label_smoothing must be between 0 and 1, got " +
                                std::to_string(o.label_smoothing));
  }
  if (target.is_floating_point() && (target.shape() != input.shape() || target.dtype() != input.dtype())) {
    throw std::invalid_argument("cross_entropy: probability targets must have the input's shape and dtype, got input " +
                                describe(input) + " and target " + describe(target));
  }
}

// The target as rows: probabilities [M, C] or Int64 classes [M] (the other undefined), and the
// class weights [C] in the input's dtype (undefined: all 1).
struct CrossEntropyTargets {
  Tensor soft_targets, classes, weight;
};

// What the forward computes and the backward reuses.
struct CrossEntropyForward {
  Tensor per_row;               // the loss of each row [M]
  Tensor probs;                 // softmax of each row [M, C]
  std::vector<double> lse;      // log-sum-exp of each row
  double total = 0, denom = 0;  // sum of the row losses; the divisor of Mean
};

// pp = exp(z - max of its row) for z [M, C], in one vectorised pass; returns each row's maximum.
template <class T>
std::vector<T> shifted_exp_rows(const T* pz, T* pp, std::int64_t M, std::int64_t C) {
  std::vector<T> row_max(static_cast<std::size_t>(M));
  for (std::int64_t i = 0; i < M; ++i) {
    const T* zr = pz + i * C;
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t c = 0; c < C; ++c) m = std::max(m, zr[c]);
    row_max[static_cast<std::size_t>(i)] = m;
    for (std::int64_t c = 0; c < C; ++c) pp[i * C + c] = zr[c] - m;
  }
  auto all = flat(pp, M * C);
  xt::noalias(all) = xt::exp(all);
  return row_max;
}

// Per row of z [M, C]: the softmax, the log-sum-exp and the loss -sum_c q_c (z_c - lse).
CrossEntropyForward cross_entropy_rows(const Tensor& z, const CrossEntropyTargets& t, const CrossEntropyOptions& o,
                                       std::int64_t M, std::int64_t C) {
  const char* op = "cross_entropy";
  const bool prob = t.soft_targets.defined();
  const double sm = o.label_smoothing, eps_c = sm / static_cast<double>(C);
  CrossEntropyForward f;
  f.lse.resize(static_cast<std::size_t>(M));
  f.per_row = empty_tensor({M}, z.dtype(), op);
  f.probs = empty_tensor({M, C}, z.dtype(), op);
  f.denom = prob ? static_cast<double>(M) : 0.0;
  dispatch_float(z.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T *pz = ptr_or_null<T>(z), *pt = ptr_or_null<T>(t.soft_targets), *pw = ptr_or_null<T>(t.weight);
    const std::int64_t* py = prob ? nullptr : t.classes.impl()->data_as<std::int64_t>();
    T *out = f.per_row.impl()->template data_as<T>(), *pp = f.probs.impl()->template data_as<T>();
    const std::vector<T> row_max = shifted_exp_rows(pz, pp, M, C);
    for (std::int64_t i = 0; i < M; ++i) {
      const T* zr = pz + i * C;
      T* pr = pp + i * C;
      double se = 0;
      for (std::int64_t c = 0; c < C; ++c) se += pr[c];
      const double m = row_max[static_cast<std::size_t>(i)];
      const double l = std::isinf(m) ? m : m + std::log(se);
      f.lse[static_cast<std::size_t>(i)] = l;
      const T inv = static_cast<T>(1.0 / se);
      for (std::int64_t c = 0; c < C; ++c) pr[c] *= inv;
      double loss = 0;
      if (prob) {
        for (std::int64_t c = 0; c < C; ++c)
          loss -= (pw ? pw[c] : 1.0) * ((1 - sm) * pt[i * C + c] + eps_c) * (zr[c] - l);
      } else if (py[i] != o.ignore_index) {
        const double wy = pw ? pw[py[i]] : 1.0;
        loss = -(1 - sm) * wy * (zr[py[i]] - l);
        if (sm > 0) {
          for (std::int64_t c = 0; c < C; ++c) loss -= eps_c * (pw ? pw[c] : 1.0) * (zr[c] - l);
        }
        f.denom += wy;
      }
      out[i] = static_cast<T>(loss);
      f.total += loss;
    }
  });
  return f;
}

// Makes `out`, the loss of rows z, the output of a CrossEntropyLossBackward0 that keeps what
// the forward computed.
void record_cross_entropy(Tensor& out, const Tensor& z, const CrossEntropyTargets& t, CrossEntropyForward&& f,
                          const CrossEntropyOptions& o, std::int64_t M, std::int64_t C) {
  if (auto n = record<CrossEntropyLossBackward0>({&z, &t.soft_targets}, out)) {
    n->z = save(z);
    if (t.soft_targets.defined()) n->t = save(t.soft_targets);
    n->classes = t.classes;
    n->weight = t.weight;
    n->probs = std::move(f.probs);
    n->lse = std::move(f.lse);
    n->smoothing = o.label_smoothing;
    n->denom = f.denom;
    n->ignore_index = o.ignore_index;
    n->M = M;
    n->C = C;
    n->reduction = o.reduction;
  }
}

}  // namespace

namespace functional {

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  check_cross_entropy_args(input, target, o);
  const Rows r = to_rows(input);
  CrossEntropyTargets t;
  if (target.is_floating_point()) t.soft_targets = to_rows(target).rows;
  else t.classes = class_targets(target, input, r, o.ignore_index, "cross_entropy");
  t.weight = class_weight(o.weight, input, r.C, "cross_entropy");
  CrossEntropyForward f = cross_entropy_rows(r.rows, t, o, r.M, r.C);
  Tensor out = o.reduction == Reduction::None
                   ? f.per_row
                   : scalar_tensor(o.reduction == Reduction::Mean ? f.total / f.denom : f.total, input.dtype());
  record_cross_entropy(out, r.rows, t, std::move(f), o, r.M, r.C);
  return o.reduction == Reduction::None ? from_rows(out, r.batch_shape) : out;
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossConfig& o) {
  const char* op = "nll_loss";
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  if (!input.is_floating_point() || input.dim() < 1) {
    throw std::invalid_argument(
        "nll_loss: expected floating-point log-probabilities [N, C], [C] or [N, C, d1, ...], got input " +
        describe(input) + " and target " + describe(target));
  }
  Rows r = to_rows(input);
  Tensor classes = class_targets(target, input, r, o.ignore_index, op);
  Tensor weight = class_weight(o.weight, input, r.C, op);
  const std::int64_t M = r.M, C = r.C;
  Tensor per_row = empty_tensor({M}, input.dtype(), op);
  Tensor coef = zeros({M, C}, input.dtype());
  double denom = 0, total = 0;
  dispatch_float(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T *px = ptr_or_null<T>(r.rows), *pw = ptr_or_null<T>(weight);
    const auto* py = classes.impl()->data_as<std::int64_t>();
    T *out = per_row.impl()->template data_as<T>(), *pc = coef.impl()->template data_as<T>();
    for (std::int64_t i = 0; i < M; ++i) {
      if (py[i] == o.ignore_index) {
        out[i] = 0;
        continue;
      }
      const double wy = pw ? pw[py[i]] : 1.0;
      out[i] = static_cast<T>(-wy * px[i * C + py[i]]);
      pc[i * C + py[i]] = static_cast<T>(-wy);
      total += out[i];
      denom += wy;
    }
  });
  Tensor out;
  if (o.reduction == Reduction::None) out = per_row;
  else out = scalar_tensor(o.reduction == Reduction::Mean ? total / denom : total, input.dtype());
  if (o.reduction == Reduction::Mean) coef.div_(denom);
  if (auto n = record<NllLossBackward0>({&r.rows}, out)) {
    n->coef = coef;
    n->M = M;
    n->reduction = o.reduction;
  }
  return o.reduction == Reduction::None ? from_rows(out, r.batch_shape) : out;
}

}  // namespace functional
}  // namespace xgrad::nn
