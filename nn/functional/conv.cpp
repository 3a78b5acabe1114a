// conv2d as im2col + GEMM. The convolution, the gradient w.r.t. its input ("input_grad",
// a transposed convolution) and the gradient w.r.t. its weight ("weight_grad") are three
// recorded ops whose backwards are written with each other, so conv2d can be differentiated
// to any order:
//   y  = conv(x, w)          dy -> (input_grad(dy, w), weight_grad(dy, x))
//   gx = input_grad(gy, w)   dgx -> (conv(dgx, w), weight_grad(gy, dgx))
//   gw = weight_grad(gy, x)  dgw -> (conv(x, dgw), input_grad(gy, dgw))
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "conv.hpp"

namespace xgrad::nn {

std::string to_string(Size2 s) {
  std::ostringstream os;
  os << "(" << s.h << ", " << s.w << ")";
  return os.str();
}

namespace functional {

using namespace xgrad::autograd;

namespace {

struct ConvParams {
  Size2 stride, padding, dilation;
  std::int64_t groups = 1;
};

// Sizes of one convolution: input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw],
// output [N, Cout, Ho, Wo]; per group a GEMM of [cout_g, K] x [K, L].
struct Geometry {
  std::int64_t N, Cin, H, W, Cout, kh, kw, Ho, Wo;
  ConvParams p;
  std::int64_t cin_g() const { return Cin / p.groups; }
  std::int64_t cout_g() const { return Cout / p.groups; }
  std::int64_t K() const { return cin_g() * kh * kw; }
  std::int64_t L() const { return Ho * Wo; }
  // A 1x1 kernel with stride 1 and no padding reads the input as its own column matrix.
  bool direct() const {
    return kh == 1 && kw == 1 && p.stride.h == 1 && p.stride.w == 1 && p.padding.h == 0 && p.padding.w == 0;
  }
};

Geometry make_geometry(const Shape& in, const Shape& weight, const ConvParams& p) {
  Geometry g{in[0], in[1], in[2], in[3], weight[0], weight[2], weight[3], 0, 0, p};
  g.Ho = (g.H + 2 * p.padding.h - p.dilation.h * (g.kh - 1) - 1) / p.stride.h + 1;
  g.Wo = (g.W + 2 * p.padding.w - p.dilation.w * (g.kw - 1) - 1) / p.stride.w + 1;
  return g;
}

// The output positions o in [0, n_out) whose input o * stride + offset lies in [0, n_in).
std::pair<std::int64_t, std::int64_t> valid_range(std::int64_t n_out, std::int64_t n_in, std::int64_t stride,
                                                  std::int64_t offset) {
  auto ceil_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); };
  auto floor_div = [](std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  std::int64_t lo = std::max<std::int64_t>(0, ceil_div(-offset, stride));
  std::int64_t hi = std::min<std::int64_t>(n_out, floor_div(n_in - 1 - offset, stride) + 1);
  return {lo, std::max(lo, hi)};
}

// Visits each (row of the column matrix, output row oh) with the input row it reads (or -1 for
// padding) and the valid output-column range; shared by im2col and col2im.
template <class F>
void for_each_patch_row(const Geometry& g, F&& f) {
  const auto& p = g.p;
  for (std::int64_t c = 0; c < g.cin_g(); ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const std::int64_t row = (c * g.kh + i) * g.kw + j;
        const std::int64_t off_w = j * p.dilation.w - p.padding.w;
        auto [lo, hi] = valid_range(g.Wo, g.W, p.stride.w, off_w);
        for (std::int64_t oh = 0; oh < g.Ho; ++oh) {
          const std::int64_t ih = oh * p.stride.h - p.padding.h + i * p.dilation.h;
          f(c, row, oh, (ih >= 0 && ih < g.H) ? ih : -1, lo, hi, off_w);
        }
      }
}

// cols [K, L] <- patches of x [cin_g, H, W].
template <class T>
void im2col(const T* x, const Geometry& g, T* cols) {
  const std::int64_t L = g.L(), sw = g.p.stride.w;
  for_each_patch_row(g, [&](std::int64_t c, std::int64_t row, std::int64_t oh, std::int64_t ih, std::int64_t lo,
                            std::int64_t hi, std::int64_t off_w) {
    T* out = cols + row * L + oh * g.Wo;
    if (ih < 0) lo = hi = 0;                               // a padding row
    const std::int64_t at = (c * g.H + ih) * g.W + off_w;  // input index of output column 0
    // One loop, not fill / copy / fill: rows here are a few elements long, and the compiler
    // turns those into calls to memset and memmove that cost more than the copying itself.
    for (std::int64_t ow = 0; ow < g.Wo; ++ow) out[ow] = (ow >= lo && ow < hi) ? x[at + ow * sw] : T(0);
  });
}

// x [cin_g, H, W] += the patches in cols [K, L] (the adjoint of im2col).
template <class T>
void col2im(const T* cols, const Geometry& g, T* x) {
  const std::int64_t L = g.L(), sw = g.p.stride.w;
  for_each_patch_row(g, [&](std::int64_t c, std::int64_t row, std::int64_t oh, std::int64_t ih, std::int64_t lo,
                            std::int64_t hi, std::int64_t off_w) {
    if (ih < 0) return;
    const T* in = cols + row * L + oh * g.Wo;
    T* xr = x + (c * g.H + ih) * g.W;
    for (std::int64_t ow = lo; ow < hi; ++ow) xr[ow * sw + off_w] += in[ow];
  });
}

// Row-major C = op(A) op(B) + beta C. BLAS rejects empty operands (leading dimension 0), so
// those cases are handled here.
template <class T>
bool gemm_trivial(std::int64_t m, std::int64_t n, std::int64_t k, T beta, T* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return true;
  if (k != 0) return false;
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
  return true;
}
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a, std::int64_t lda,
          const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (gemm_trivial(m, n, k, beta, c, ldc)) return;
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const double* a, std::int64_t lda,
          const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  if (gemm_trivial(m, n, k, beta, c, ldc)) return;
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

// ---- kernels (contiguous operands of one float dtype) ---------------------------------------

template <class T>
void conv_kernel(const Geometry& g, const T* x, const T* w, const T* b, T* y) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g();
  if (b) {
    for (std::int64_t n = 0; n < g.N; ++n)
      for (std::int64_t co = 0; co < g.Cout; ++co) std::fill_n(y + (n * g.Cout + co) * L, L, b[co]);
  }
  std::vector<T> cols(g.direct() ? 0 : static_cast<std::size_t>(K * L));
  for (std::int64_t n = 0; n < g.N; ++n)
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr) {
      const T* xg = x + (n * g.Cin + gr * cig) * g.H * g.W;
      const T* c = xg;
      if (!g.direct()) {
        im2col(xg, g, cols.data());
        c = cols.data();
      }
      gemm(false, false, cog, L, K, w + gr * cog * K, K, c, L, b ? T(1) : T(0), y + (n * g.Cout + gr * cog) * L, L);
    }
}

template <class T>
void input_grad_kernel(const Geometry& g, const T* gy, const T* w, T* gx) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g();
  std::vector<T> cols(g.direct() ? 0 : static_cast<std::size_t>(K * L));
  for (std::int64_t n = 0; n < g.N; ++n)
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr) {
      const T* gyg = gy + (n * g.Cout + gr * cog) * L;
      T* gxg = gx + (n * g.Cin + gr * cig) * g.H * g.W;
      if (g.direct()) {
        gemm(true, false, K, L, cog, w + gr * cog * K, K, gyg, L, T(0), gxg, L);
      } else {
        gemm(true, false, K, L, cog, w + gr * cog * K, K, gyg, L, T(0), cols.data(), L);
        col2im(cols.data(), g, gxg);
      }
    }
}

template <class T>
void weight_grad_kernel(const Geometry& g, const T* gy, const T* x, T* gw) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g();
  std::vector<T> cols(g.direct() ? 0 : static_cast<std::size_t>(K * L));
  for (std::int64_t n = 0; n < g.N; ++n)
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr) {
      const T* xg = x + (n * g.Cin + gr * cig) * g.H * g.W;
      const T* c = xg;
      if (!g.direct()) {
        im2col(xg, g, cols.data());
        c = cols.data();
      }
      gemm(false, true, cog, K, L, gy + (n * g.Cout + gr * cog) * L, L, c, L, T(1), gw + gr * cog * K, K);
    }
}

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.impl()->template data_as<T>() : nullptr;
}

// ---- the three recorded ops -----------------------------------------------------------------

Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p);
Tensor input_grad_op(const Tensor& gy, const Tensor& w, const Shape& in_shape, const ConvParams& p);
Tensor weight_grad_op(const Tensor& gy, const Tensor& x, const Shape& w_shape, const ConvParams& p);

struct ConvolutionBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"input", &x}, {"weight", &w}});
  }
  SavedVariable x, w;
  Shape x_shape, w_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? input_grad_op(g[0], w.unpack(), x_shape, p) : Tensor(),
            should_compute_output(1) ? weight_grad_op(g[0], x.unpack(), w_shape, p) : Tensor(),
            should_compute_output(2) ? sum(g[0], {0, 2, 3}) : Tensor()};
  }
  void release_variables() override {
    x.reset();
    w.reset();
  }
};

struct ConvolutionBackwardInputBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"grad_output", &gy}, {"weight", &w}});
  }
  SavedVariable gy, w;
  Shape w_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? conv_op(g[0], w.unpack(), Tensor(), p) : Tensor(),
            should_compute_output(1) ? weight_grad_op(gy.unpack(), g[0], w_shape, p) : Tensor()};
  }
  void release_variables() override {
    gy.reset();
    w.reset();
  }
};

struct ConvolutionBackwardWeightBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"grad_output", &gy}, {"input", &x}});
  }
  SavedVariable gy, x;
  Shape x_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? conv_op(x.unpack(), g[0], Tensor(), p) : Tensor(),
            should_compute_output(1) ? input_grad_op(gy.unpack(), g[0], x_shape, p) : Tensor()};
  }
  void release_variables() override {
    gy.reset();
    x.reset();
  }
};

Tensor conv_op(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const ConvParams& p) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous(), b = b_in.defined() ? b_in.contiguous() : b_in;
  Geometry g = make_geometry(x.shape(), w.shape(), p);
  Tensor y = empty_tensor({g.N, g.Cout, g.Ho, g.Wo}, x.dtype(), "conv2d");
  dispatch_float(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    conv_kernel<T>(g, ptr<T>(x), ptr<T>(w), ptr<T>(b), y.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackward0>({&x, &w, &b}, y)) {
    if (n->should_compute_output(1)) n->x = save(x);
    if (n->should_compute_output(0)) n->w = save(w);
    n->x_shape = x.shape();
    n->w_shape = w.shape();
    n->p = p;
  }
  return y;
}

Tensor input_grad_op(const Tensor& gy_in, const Tensor& w_in, const Shape& in_shape, const ConvParams& p) {
  Tensor gy = gy_in.contiguous().to(w_in.dtype()), w = w_in.contiguous();
  Geometry g = make_geometry(in_shape, w.shape(), p);
  Tensor gx = zeros(in_shape, w.dtype());
  dispatch_float(w.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    input_grad_kernel<T>(g, ptr<T>(gy), ptr<T>(w), gx.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackwardInputBackward0>({&gy, &w}, gx)) {
    if (n->should_compute_output(1)) n->gy = save(gy);
    if (n->should_compute_output(0)) n->w = save(w);
    n->w_shape = w.shape();
    n->p = p;
  }
  return gx;
}

Tensor weight_grad_op(const Tensor& gy_in, const Tensor& x_in, const Shape& w_shape, const ConvParams& p) {
  Tensor gy = gy_in.contiguous().to(x_in.dtype()), x = x_in.contiguous();
  Geometry g = make_geometry(x.shape(), w_shape, p);
  Tensor gw = zeros(w_shape, x.dtype());
  dispatch_float(x.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    weight_grad_kernel<T>(g, ptr<T>(gy), ptr<T>(x), gw.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackwardWeightBackward0>({&gy, &x}, gw)) {
    if (n->should_compute_output(1)) n->gy = save(gy);
    if (n->should_compute_output(0)) n->x = save(x);
    n->x_shape = x.shape();
    n->p = p;
  }
  return gw;
}

std::string sizes_str(const char* what, Size2 s) { return std::string(what) + "=" + nn::to_string(s); }

void check_conv_args(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_defined(x, "conv2d", "input");
  check_defined(w, "conv2d", "weight");
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("conv2d: " + why + " (input " + describe(x) + ", weight " + describe(w) +
                                (b.defined() ? ", bias " + describe(b) : std::string()) + ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (w.dtype() != x.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail("input, weight and bias must have the same dtype");
  if (x.dim() != 4) fail("expected a 3-D (unbatched) or 4-D (batched) input");
  if (w.dim() != 4) fail("expected a 4-D weight [out_channels, in_channels / groups, kH, kW]");
  if (p.groups < 1) fail("groups must be positive, got " + std::to_string(p.groups));
  if (p.stride.h < 1 || p.stride.w < 1) fail("stride must be positive, got " + sizes_str("stride", p.stride));
  if (p.dilation.h < 1 || p.dilation.w < 1) fail("dilation must be positive, got " + sizes_str("dilation", p.dilation));
  if (p.padding.h < 0 || p.padding.w < 0) fail("padding must be non-negative, got " + sizes_str("padding", p.padding));
  if (w.size(0) % p.groups != 0) fail("out_channels must be divisible by groups=" + std::to_string(p.groups));
  if (x.size(1) != w.size(1) * p.groups) {
    fail("expected input with " + std::to_string(w.size(1) * p.groups) + " channels (weight in_channels " +
         std::to_string(w.size(1)) + " x groups " + std::to_string(p.groups) + "), got " + std::to_string(x.size(1)));
  }
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0)))
    fail("expected a bias of shape [" + std::to_string(w.size(0)) + "]");
  Geometry g = make_geometry(x.shape(), w.shape(), p);
  const std::int64_t eh = p.dilation.h * (w.size(2) - 1) + 1, ew = p.dilation.w * (w.size(3) - 1) + 1;
  if (g.Ho < 1 || g.Wo < 1 || x.size(2) + 2 * p.padding.h < eh || x.size(3) + 2 * p.padding.w < ew) {
    fail("the padded input (" + std::to_string(x.size(2) + 2 * p.padding.h) + " x " +
         std::to_string(x.size(3) + 2 * p.padding.w) + ") is smaller than the dilated kernel (" + std::to_string(eh) +
         " x " + std::to_string(ew) + ")");
  }
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dFuncConfig& o) {
  check_defined(input, "conv2d", "input");
  const bool unbatched = input.dim() == 3;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  ConvParams p{o.stride, o.padding, o.dilation, o.groups};
  check_conv_args(x, weight, bias, p);
  Tensor y = conv_op(x, weight, bias, p);
  return unbatched ? squeeze(y, 0) : y;
}

}  // namespace functional
}  // namespace xgrad::nn
