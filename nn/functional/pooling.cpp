// max_pool2d and avg_pool2d. Both are linear in their input once the argmax is fixed, so each
// is a pair of recorded ops, each the other's backward, and can be differentiated to any order:
//   max pool: y = gather(x, argmax)          dy -> scatter(dy, argmax), and scatter <-> gather
//   avg pool: y = avg_pool(x)                dy -> avg_pool_backward(dy), and back again
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "pooling.hpp"

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

namespace {

// Input [N, C, H, W] read as P = N * C planes of H * W; output planes of Ho * Wo.
struct PoolGeometry {
  std::int64_t N = 0, C = 0, H = 0, W = 0, Ho = 0, Wo = 0;
  Size2 kernel, stride, padding, dilation{1};
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<std::int64_t> divisor_override;
  std::int64_t planes() const { return N * C; }
  Shape in_shape() const { return {N, C, H, W}; }
  Shape out_shape() const { return {N, C, Ho, Wo}; }
};

// PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the input
// or its left padding.
std::int64_t pooled_size(std::int64_t in, std::int64_t k, std::int64_t pad, std::int64_t stride, std::int64_t dil,
                         bool ceil_mode) {
  std::int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  std::int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

PoolGeometry make_pool_geometry(const Tensor& x, const char* op, Size2 kernel, Size2 stride, Size2 padding,
                                Size2 dilation, bool ceil_mode) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(op) + ": " + why + " (input " + describe(x) +
                                ", kernel_size=" + nn::to_string(kernel) + ", stride=" + nn::to_string(stride) +
                                ", padding=" + nn::to_string(padding) + ", dilation=" + nn::to_string(dilation) + ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (x.dim() != 4) fail("expected a 3-D (unbatched) or 4-D (batched) input");
  if (kernel.h < 1 || kernel.w < 1) fail("kernel_size must be positive");
  if (stride == Size2{0, 0}) stride = kernel;
  if (stride.h < 1 || stride.w < 1) fail("stride must be positive");
  if (dilation.h < 1 || dilation.w < 1) fail("dilation must be positive");
  if (padding.h < 0 || padding.w < 0 || padding.h > ((kernel.h - 1) * dilation.h + 1) / 2 ||
      padding.w > ((kernel.w - 1) * dilation.w + 1) / 2) {
    fail("padding must be non-negative and at most half of the effective kernel size");
  }
  PoolGeometry g;
  g.N = x.size(0), g.C = x.size(1), g.H = x.size(2), g.W = x.size(3);
  g.kernel = kernel, g.stride = stride, g.padding = padding, g.dilation = dilation, g.ceil_mode = ceil_mode;
  g.Ho = pooled_size(g.H, kernel.h, padding.h, stride.h, dilation.h, ceil_mode);
  g.Wo = pooled_size(g.W, kernel.w, padding.w, stride.w, dilation.w, ceil_mode);
  if (g.Ho < 1 || g.Wo < 1) {
    fail("the output size would be " + std::to_string(g.Ho) + " x " + std::to_string(g.Wo) + ", which is too small");
  }
  return g;
}

// Runs f on a batched view of x (unsqueezing an unbatched [C, H, W]) and undoes it.
template <class F>
Tensor with_batch_dim(const Tensor& input, const char* op, F&& f) {
  check_defined(input, op);
  if (input.dim() != 3) return f(input);
  return squeeze(f(unsqueeze(input, 0)), 0);
}

// ---- max pooling: argmax, then gather / scatter by plane index --------------------------------

Tensor plane_gather(const Tensor& src, const Tensor& index);
Tensor plane_scatter(const Tensor& grad, const Tensor& index, const Shape& src_shape);

struct MaxPool2DWithIndicesBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &index}});
  }
  Tensor index;  // Int64, no history: held directly
  Shape in_shape;
  tensor_list apply(tensor_list&& g) override {
    if (!index.defined()) return {Tensor()};  // released by a backward without retain_graph
    return {plane_scatter(g[0], index, in_shape)};
  }
  void release_variables() override { index = Tensor(); }
};

struct MaxPool2DWithIndicesBackwardBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &index}});
  }
  Tensor index;
  tensor_list apply(tensor_list&& g) override {
    if (!index.defined()) return {Tensor()};  // released by a backward without retain_graph
    return {plane_gather(g[0], index)};
  }
  void release_variables() override { index = Tensor(); }
};

struct MaxPool2DWithIndicesBackwardBackwardBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &index}});
  }
  Tensor index;
  Shape src_shape;
  tensor_list apply(tensor_list&& g) override {
    if (!index.defined()) return {Tensor()};  // released by a backward without retain_graph
    return {plane_scatter(g[0], index, src_shape)};
  }
  void release_variables() override { index = Tensor(); }
};

// out[n, c, i, j] = src[n, c] at flat position index[n, c, i, j].
Tensor plane_gather(const Tensor& src_in, const Tensor& index) {
  Tensor src = src_in.contiguous();
  const std::int64_t P = index.size(0) * index.size(1), Lo = index.size(2) * index.size(3);
  const std::int64_t HW = src.size(2) * src.size(3);
  Tensor out = empty_tensor(index.shape(), src.dtype(), "max_pool2d");
  const auto* pi = index.impl()->data_as<std::int64_t>();
  dispatch_float(src.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t p = 0; p < P; ++p)
      for (std::int64_t l = 0; l < Lo; ++l) po[p * Lo + l] = ps[p * HW + pi[p * Lo + l]];
  });
  if (auto n = record<MaxPool2DWithIndicesBackwardBackwardBackward0>({&src}, out)) {
    n->index = index;
    n->src_shape = src.shape();
  }
  return out;
}

// out (src_shape, zeros) with grad[n, c, i, j] added at flat position index[n, c, i, j].
Tensor plane_scatter(const Tensor& grad_in, const Tensor& index, const Shape& src_shape) {
  Tensor grad = grad_in.contiguous();
  const std::int64_t P = index.size(0) * index.size(1), Lo = index.size(2) * index.size(3);
  const std::int64_t HW = src_shape[2] * src_shape[3];
  Tensor out = zeros(src_shape, grad.dtype());
  const auto* pi = index.impl()->data_as<std::int64_t>();
  dispatch_float(grad.dtype(), "max_pool2d backward", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = grad.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t p = 0; p < P; ++p)
      for (std::int64_t l = 0; l < Lo; ++l) po[p * HW + pi[p * Lo + l]] += pg[p * Lo + l];
  });
  if (auto n = record<MaxPool2DWithIndicesBackwardBackward0>({&grad}, out)) n->index = index;
  return out;
}

// Taps [lo, hi) of a kernel of k taps, dilation dil, starting at `start`, that fall in [0, size).
std::pair<std::int64_t, std::int64_t> valid_taps(std::int64_t start, std::int64_t k, std::int64_t dil,
                                                 std::int64_t size) {
  std::int64_t lo = 0, hi = k;
  while (lo < hi && start + lo * dil < 0) ++lo;
  while (hi > lo && start + (hi - 1) * dil >= size) --hi;
  return {lo, hi};
}

// The taps of each output row and column that fall inside the input (one range per row and per
// column, not a test per tap), and the output columns [full_lo, full_hi) whose windows are not
// clipped.
struct ClippedTaps {
  std::vector<std::pair<std::int64_t, std::int64_t>> rows, cols;
  std::int64_t full_lo = 0, full_hi = 0;
};

ClippedTaps clip_taps(const PoolGeometry& g) {
  ClippedTaps t;
  t.rows.resize(static_cast<std::size_t>(g.Ho));
  t.cols.resize(static_cast<std::size_t>(g.Wo));
  for (std::int64_t oh = 0; oh < g.Ho; ++oh)
    t.rows[static_cast<std::size_t>(oh)] = valid_taps(oh * g.stride.h - g.padding.h, g.kernel.h, g.dilation.h, g.H);
  t.full_lo = t.full_hi = g.Wo;
  for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
    const auto taps = valid_taps(ow * g.stride.w - g.padding.w, g.kernel.w, g.dilation.w, g.W);
    t.cols[static_cast<std::size_t>(ow)] = taps;
    if (taps.first == 0 && taps.second == g.kernel.w) {
      if (t.full_lo == g.Wo) t.full_lo = ow;
      t.full_hi = ow + 1;
    }
  }
  return t;
}

// As in PyTorch, taps are visited row-major and a tap replaces the running maximum if it is
// greater or NaN, so the first maximum wins and so does the last NaN. Windows wholly inside the
// input (all but a border, if any) take a fast path: `v > m` picks the maximum and its index
// with selects, not branches (on random input it is a coin flip, and mispredicting it made this
// kernel the largest cost of a small CNN step). A row whose fast windows hold a NaN is redone
// by the exact scan, which also serves the clipped border windows. KH and KW, when not 0, fix
// the common kernel sizes at compile time so the tap loops unroll.
template <class T, int KH, int KW>
[[gnu::noinline]] void max_pool_kernel(const PoolGeometry& g, const ClippedTaps& taps, const T* x, T* y,
                                       std::int64_t* idx) {
  // Locals, not g's fields: as far as the compiler knows, stores through y and idx may alias g.
  const std::int64_t kh = KH ? KH : g.kernel.h, kw = KW ? KW : g.kernel.w;
  const std::int64_t H = g.H, W = g.W, Ho = g.Ho, Wo = g.Wo;
  const std::int64_t sh = g.stride.h, sw = g.stride.w, ph = g.padding.h, pw = g.padding.w;
  const std::int64_t dh = g.dilation.h, dw = g.dilation.w;
  const std::int64_t P = g.planes(), HW = H * W, Lo = Ho * Wo;
  const std::int64_t full_lo = taps.full_lo, full_hi = taps.full_hi;
  const bool all_cols_full = full_lo == 0 && full_hi == Wo;
  const auto* rows = taps.rows.data();
  const auto* cols = taps.cols.data();
  for (std::int64_t p = 0; p < P; ++p) {
    const T* xp = x + p * HW;
    for (std::int64_t oh = 0; oh < Ho; ++oh) {
      T* yr = y + p * Lo + oh * Wo;
      std::int64_t* ir = idx + p * Lo + oh * Wo;
      const std::int64_t h0 = oh * sh - ph;
      const auto [i_lo, i_hi] = rows[oh];
      const bool rows_full = i_lo == 0 && i_hi == kh;
      bool nan = false;
      if (rows_full) {
        for (std::int64_t ow = full_lo; ow < full_hi; ++ow) {
          const std::int64_t origin = h0 * W + ow * sw - pw;
          T m = -std::numeric_limits<T>::infinity();
          std::int64_t best = origin;  // all taps -inf: the first
          T sum = 0;                   // NaN if a tap is (or if +inf meets -inf: then the exact scan runs for nothing)
          for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t at = origin + i * dh * W + j * dw;
              const T v = xp[at];
              // A mask, not `v > m ? at : best`, which GCC compiles to a branch.
              const std::int64_t hit = -static_cast<std::int64_t>(v > m);
              best = (at & hit) | (best & ~hit);
              m = v > m ? v : m;
              sum += v;
            }
          nan |= sum != sum;
          yr[ow] = m;
          ir[ow] = best;
        }
      }
      if (rows_full && !nan && all_cols_full) continue;
      for (std::int64_t ow = 0; ow < Wo; ++ow) {
        if (rows_full && !nan && ow >= full_lo && ow < full_hi) continue;
        const auto [j_lo, j_hi] = cols[ow];
        const std::int64_t origin = h0 * W + ow * sw - pw;  // tap (0, 0), maybe outside the plane
        T m = -std::numeric_limits<T>::infinity();
        std::int64_t best = -1;  // no tap inside the input
        if (i_lo < i_hi && j_lo < j_hi) best = origin + i_lo * dh * W + j_lo * dw;
        for (std::int64_t i = i_lo; i < i_hi; ++i)
          for (std::int64_t j = j_lo; j < j_hi; ++j) {
            const std::int64_t at = origin + i * dh * W + j * dw;
            if (xp[at] > m || xp[at] != xp[at]) m = xp[at], best = at;
          }
        yr[ow] = m;
        ir[ow] = best;
      }
    }
  }
}

template <class T>
void max_pool(const PoolGeometry& g, const T* x, T* y, std::int64_t* idx) {
  const ClippedTaps taps = clip_taps(g);
  auto kernel = g.kernel == Size2{2, 2}   ? max_pool_kernel<T, 2, 2>
                : g.kernel == Size2{3, 3} ? max_pool_kernel<T, 3, 3>
                                          : max_pool_kernel<T, 0, 0>;
  kernel(g, taps, x, y, idx);
}

// ---- average pooling --------------------------------------------------------------------------

// The clipped window of output (oh, ow) and its divisor, by PyTorch's rules; false if empty.
struct Window {
  std::int64_t h0, h1, w0, w1;
  double divisor;
};
Window avg_window(const PoolGeometry& g, std::int64_t oh, std::int64_t ow) {
  std::int64_t h0 = oh * g.stride.h - g.padding.h, w0 = ow * g.stride.w - g.padding.w;
  std::int64_t h1 = std::min(h0 + g.kernel.h, g.H + g.padding.h), w1 = std::min(w0 + g.kernel.w, g.W + g.padding.w);
  const std::int64_t padded_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<std::int64_t>(h0, 0), w0 = std::max<std::int64_t>(w0, 0);
  h1 = std::min(h1, g.H), w1 = std::min(w1, g.W);
  std::int64_t d = g.divisor_override ? *g.divisor_override : g.count_include_pad ? padded_size : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, static_cast<double>(d)};
}

template <class T>
void avg_pool_kernel(const PoolGeometry& g, const T* x, T* y) {
  const std::int64_t HW = g.H * g.W, Lo = g.Ho * g.Wo;
  for (std::int64_t p = 0; p < g.planes(); ++p)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh)
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        Window win = avg_window(g, oh, ow);
        T s = 0;
        for (std::int64_t ih = win.h0; ih < win.h1; ++ih)
          for (std::int64_t iw = win.w0; iw < win.w1; ++iw) s += x[p * HW + ih * g.W + iw];
        y[p * Lo + oh * g.Wo + ow] = (win.h0 < win.h1 && win.w0 < win.w1) ? static_cast<T>(s / win.divisor) : T(0);
      }
}

template <class T>
void avg_pool_backward_kernel(const PoolGeometry& g, const T* gy, T* gx) {
  const std::int64_t HW = g.H * g.W, Lo = g.Ho * g.Wo;
  for (std::int64_t p = 0; p < g.planes(); ++p)
    for (std::int64_t oh = 0; oh < g.Ho; ++oh)
      for (std::int64_t ow = 0; ow < g.Wo; ++ow) {
        Window win = avg_window(g, oh, ow);
        const T v = static_cast<T>(gy[p * Lo + oh * g.Wo + ow] / win.divisor);
        for (std::int64_t ih = win.h0; ih < win.h1; ++ih)
          for (std::int64_t iw = win.w0; iw < win.w1; ++iw) gx[p * HW + ih * g.W + iw] += v;
      }
}

Tensor avg_pool_op(const Tensor& x, const PoolGeometry& g);
Tensor avg_pool_backward_op(const Tensor& gy, const PoolGeometry& g);

struct AvgPool2DBackward0 final : Node {
  PoolGeometry g;
  tensor_list apply(tensor_list&& grads) override { return {avg_pool_backward_op(grads[0], g)}; }
};

struct AvgPool2DBackwardBackward0 final : Node {
  PoolGeometry g;
  tensor_list apply(tensor_list&& grads) override { return {avg_pool_op(grads[0], g)}; }
};

Tensor avg_pool_op(const Tensor& x_in, const PoolGeometry& g) {
  Tensor x = x_in.contiguous();
  Tensor y = empty_tensor(g.out_shape(), x.dtype(), "avg_pool2d");
  dispatch_float(x.dtype(), "avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_kernel<T>(g, x.impl()->template data_as<T>(), y.impl()->template data_as<T>());
  });
  if (auto n = record<AvgPool2DBackward0>({&x}, y)) n->g = g;
  return y;
}

Tensor avg_pool_backward_op(const Tensor& gy_in, const PoolGeometry& g) {
  Tensor gy = gy_in.contiguous();
  Tensor gx = zeros(g.in_shape(), gy.dtype());
  dispatch_float(gy.dtype(), "avg_pool2d backward", [&](auto tag) {
    using T = decltype(tag);
    avg_pool_backward_kernel<T>(g, gy.impl()->template data_as<T>(), gx.impl()->template data_as<T>());
  });
  if (auto n = record<AvgPool2DBackwardBackward0>({&gy}, gx)) n->g = g;
  return gx;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel_size, const MaxPool2dConfig& o) {
  Tensor indices;
  Tensor out = with_batch_dim(input, "max_pool2d", [&](const Tensor& x_in) {
    PoolGeometry g = make_pool_geometry(x_in, "max_pool2d", kernel_size, o.stride, o.padding, o.dilation, o.ceil_mode);
    Tensor x = x_in.contiguous();
    Tensor y = empty_tensor(g.out_shape(), x.dtype(), "max_pool2d");
    indices = empty_tensor(g.out_shape(), kInt64, "max_pool2d");
    dispatch_float(x.dtype(), "max_pool2d", [&](auto tag) {
      using T = decltype(tag);
      max_pool<T>(g, x.impl()->template data_as<T>(), y.impl()->template data_as<T>(),
                  indices.impl()->data_as<std::int64_t>());
    });
    if (auto n = record<MaxPool2DWithIndicesBackward0>({&x}, y)) {
      n->index = indices;
      n->in_shape = x.shape();
    }
    return y;
  });
  if (input.dim() == 3) indices = squeeze(indices, 0);
  return {out, indices};
}

Tensor max_pool2d(const Tensor& input, Size2 kernel_size, const MaxPool2dConfig& options) {
  return std::get<0>(max_pool2d_with_indices(input, kernel_size, options));
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel_size, const AvgPool2dConfig& o) {
  return with_batch_dim(input, "avg_pool2d", [&](const Tensor& x) {
    PoolGeometry g = make_pool_geometry(x, "avg_pool2d", kernel_size, o.stride, o.padding, 1, o.ceil_mode);
    if (o.divisor_override && *o.divisor_override == 0) {
      throw std::invalid_argument("avg_pool2d: divisor_override must be non-zero (input " + describe(x) + ")");
    }
    g.count_include_pad = o.count_include_pad;
    g.divisor_override = o.divisor_override;
    return avg_pool_op(x, g);
  });
}

}  // namespace xgrad::nn::functional
