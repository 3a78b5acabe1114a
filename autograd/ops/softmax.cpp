// logsumexp, softmax and log_softmax, all stabilised by subtracting the maximum. softmax and
// log_softmax sit on the training hot path (classification losses): rows along a contiguous
// last dim run as xsimd loops, other layouts as strided scalar loops.
#include <cmath>
#include <limits>
#include <vector>

#include <xsimd/xsimd.hpp>

#include "../kernels/reduce_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

void check_float(const Tensor& x, const char* op) {
  check_defined(x, op);
  if (!x.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected a Float32 or Float64 tensor, got " + describe(x));
  }
}

// Largest non-NaN element of a row (-inf for an empty or all-NaN row). A NaN needs no special
// care: it reaches every output through the sum of exponentials.
template <class T>
T row_max(const T* x, std::int64_t len, std::int64_t step) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::int64_t k = 0; k < len; ++k) m = x[k * step] > m ? x[k * step] : m;
  return m;
}

// One contiguous row, in three vectorised passes: max, exp(x - max) stored and summed, then
// normalise. xsimd batches directly (not per-row xtensor expressions), so short rows such as
// 10 class logits pay no expression set-up.
template <class T>
void softmax_row_contiguous(const T* x, T* y, std::int64_t len, bool take_log) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  const std::int64_t vec_end = len - len % W;

  T m = -std::numeric_limits<T>::infinity();
  if (vec_end > 0) {
    B bm = B::load_unaligned(x);
    for (std::int64_t k = W; k < vec_end; k += W) bm = xsimd::max(bm, B::load_unaligned(x + k));
    alignas(64) T lanes[W];
    bm.store_aligned(lanes);
    for (T v : lanes) m = v > m ? v : m;
  }
  for (std::int64_t k = vec_end; k < len; ++k) m = x[k] > m ? x[k] : m;

  const B bmax(m);
  B bsum(T(0));
  for (std::int64_t k = 0; k < vec_end; k += W) {
    B e = xsimd::exp(B::load_unaligned(x + k) - bmax);
    e.store_unaligned(y + k);
    bsum += e;
  }
  T s = xsimd::hadd(bsum);
  for (std::int64_t k = vec_end; k < len; ++k) {
    y[k] = std::exp(x[k] - m);
    s += y[k];
  }

  if (take_log) {
    // (x - m) - log s, not x - (m + log s): m + log s would round away log s at large |m|.
    const T log_s = std::log(s);
    const B blog(log_s);
    for (std::int64_t k = 0; k < vec_end; k += W) ((B::load_unaligned(x + k) - bmax) - blog).store_unaligned(y + k);
    for (std::int64_t k = vec_end; k < len; ++k) y[k] = (x[k] - m) - log_s;
  } else {
    const T inv = T(1) / s;
    const B binv(inv);
    for (std::int64_t k = 0; k < vec_end; k += W) (B::load_unaligned(y + k) * binv).store_unaligned(y + k);
    for (std::int64_t k = vec_end; k < len; ++k) y[k] *= inv;
  }
}

template <class T>
void softmax_row_strided(const T* x, std::int64_t xs, T* y, std::int64_t ys, std::int64_t len, bool take_log) {
  const T m = row_max(x, len, xs);
  T s = 0;
  for (std::int64_t k = 0; k < len; ++k) {
    const T e = std::exp(x[k * xs] - m);
    y[k * ys] = e;
    s += e;
  }
  if (take_log) {
    const T log_s = std::log(s);
    for (std::int64_t k = 0; k < len; ++k) y[k * ys] = (x[k * xs] - m) - log_s;
  } else {
    const T inv = T(1) / s;
    for (std::int64_t k = 0; k < len; ++k) y[k * ys] *= inv;
  }
}

// softmax (or log_softmax) of x along the wrapped dim d, into a fresh contiguous tensor.
Tensor softmax_kernel(const Tensor& x, std::int64_t d, bool take_log, const char* op) {
  const TensorImpl& xi = *x.impl();
  Tensor out = empty_tensor(xi.shape, xi.dtype, op);
  const bool scalar = xi.shape.empty();
  const auto du = static_cast<std::size_t>(d);
  const std::int64_t len = scalar ? 1 : xi.shape[du];
  dispatch_float(xi.dtype, op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = xi.template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    if (xi.contiguous && (scalar || d == x.dim() - 1)) {
      const std::int64_t rows = len == 0 ? 0 : xi.numel / len;
      for (std::int64_t r = 0; r < rows; ++r) softmax_row_contiguous(px + r * len, po + r * len, len, take_log);
      return;
    }
    const Shape& os = out.strides();
    const std::int64_t xs = scalar ? 0 : xi.strides[du], ys = scalar ? 0 : os[du];
    Shape rows = xi.shape;
    if (!scalar) rows[du] = 1;
    for_each_offset(rows, &xi.strides, &os, nullptr, 0, 0, 0,
                    [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) {
                      softmax_row_strided(px + a, xs, po + o, ys, len, take_log);
                    });
  });
  return out;
}

}  // namespace

// ---- softmax: d softmax = y (g - sum(g y, dim)) ---------------------------------------------
namespace {
struct SoftmaxBackward0 final : autograd::SavedOneNode {
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override {
    Tensor y = saved.unpack();
    return {y * (g[0] - sum(g[0] * y, {dim}, true))};
  }
};
}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) {
  check_float(x, "softmax");
  std::int64_t d = wrap_dim(dim, x.dim(), "softmax", x.shape());
  Tensor out = softmax_kernel(x, d, false, "softmax");
  if (auto n = record<SoftmaxBackward0>({&x}, out)) {
    n->saved = save(out, /*is_output=*/true);
    n->dim = d;
  }
  return out;
}

// ---- log_softmax: d log_softmax = g - exp(y) sum(g, dim) -------------------------------------
namespace {
struct LogSoftmaxBackward0 final : autograd::SavedOneNode {
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override { return {g[0] - exp(saved.unpack()) * sum(g[0], {dim}, true)}; }
};
}  // namespace

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  check_float(x, "log_softmax");
  std::int64_t d = wrap_dim(dim, x.dim(), "log_softmax", x.shape());
  Tensor out = softmax_kernel(x, d, true, "log_softmax");
  if (auto n = record<LogSoftmaxBackward0>({&x}, out)) {
    n->saved = save(out, /*is_output=*/true);
    n->dim = d;
  }
  return out;
}

// ---- logsumexp: d logsumexp = g exp(x - result) ------------------------------------------------
namespace {

// log(sum(exp(x))) over the masked dims. An infinite maximum is replaced by 0 before subtracting (as
// PyTorch does), so all -inf gives log(0) = -inf and any +inf gives +inf, never inf - inf.
template <class T>
void logsumexp_into(const TensorImpl& xi, const std::vector<bool>& mask, T* po, std::int64_t n_out) {
  const T* px = xi.template data_as<T>();
  auto finite_or_zero = [](T m) { return std::isinf(m) ? T(0) : m; };
  // Reduced dims form a suffix of a contiguous input: each output reads one contiguous row.
  std::size_t first = mask.size();
  while (first > 0 && mask[first - 1]) --first;
  bool suffix = xi.contiguous;
  for (std::size_t i = 0; i < first; ++i) suffix = suffix && !mask[i];
  if (suffix) {
    const std::int64_t len = n_out == 0 ? 0 : xi.numel / n_out;
    for (std::int64_t j = 0; j < n_out; ++j) {
      const T* row = px + j * len;
      T m = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < len; ++k) m = (row[k] > m || std::isnan(row[k])) ? row[k] : m;
      m = finite_or_zero(m);
      T s = 0;
      for (std::int64_t k = 0; k < len; ++k) s += std::exp(row[k] - m);
      po[j] = std::log(s) + m;
    }
    return;
  }
  Shape os = contiguous_strides(reduced_shape(xi.shape, mask, true));
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) os[i] = 0;
  std::vector<T> m(static_cast<std::size_t>(n_out), -std::numeric_limits<T>::infinity());
  std::vector<T> s(static_cast<std::size_t>(n_out), T(0));
  for_each_offset(xi.shape, &xi.strides, &os, nullptr, 0, 0, 0,
                  [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) {
                    if (px[a] > m[o] || std::isnan(px[a])) m[o] = px[a];
                  });
  for (T& v : m) v = finite_or_zero(v);
  for_each_offset(xi.shape, &xi.strides, &os, nullptr, 0, 0, 0,
                  [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) { s[o] += std::exp(px[a] - m[o]); });
  for (std::int64_t j = 0; j < n_out; ++j) po[j] = std::log(s[j]) + m[j];
}

struct LogsumexpBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  Shape keep_shape;
  tensor_list apply(tensor_list&& g) override {
    Tensor r = reshape(result.unpack(), keep_shape);
    return {reshape(g[0], keep_shape) * exp(self.unpack() - r)};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};
}  // namespace

Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim) {
  check_float(x, "logsumexp");
  auto mask = reduced_mask(x, dims, "logsumexp");
  Tensor out = empty_tensor(reduced_shape(x.shape(), mask, keepdim), x.dtype(), "logsumexp");
  dispatch_float(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    logsumexp_into<T>(*x.impl(), mask, out.impl()->template data_as<T>(), out.numel());
  });
  if (auto n = record<LogsumexpBackward0>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, /*is_output=*/true);
    n->keep_shape = reduced_shape(x.shape(), mask, true);
  }
  return out;
}

}  // namespace xgrad
