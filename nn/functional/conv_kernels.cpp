// conv2d's kernels (see conv_kernels.hpp). Per chunk of m images, with NL = m * L:
//   forward      cols [K, NL] = im2col(x)          out [cog, NL] = w_g [cog, K] cols
//   weight grad  cols [K, NL] = im2col(x)          gw_g [cog, K] += gy_g [cog, NL] cols^T
//   input grad   cols [K, NL] = w_g^T gy_g         gx += col2im(cols)
// where gy_g and out are in the GEMM's [C, NL] layout (gathered from / scattered to [N, C, L]).
// A chunk of one image needs no gather or scatter: its [C, L] is the tensor's own.
#include "conv_kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <memory>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "../../autograd/blas_threads.hpp"
#include "../../autograd/kernels/parallel.hpp"
#include "../../autograd/ops.hpp"

namespace xgrad::nn::functional::conv_impl {

namespace {

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

// Stride 1 and as many output as input columns ("same" padding along the width, the usual 3x3
// padding-1 case): each patch row of the column matrix is the input plane shifted by a constant,
// so it is one block copy (or add), plus the few elements at the row ends that would wrap into
// the neighbouring row, which are zeros. Rows of 8-32 elements make one copy per output row cost
// ~9 instructions per element; the block copy costs under 1.
bool shifted_planes(const Geometry& g) { return g.p.stride.h == 1 && g.p.stride.w == 1 && g.Wo == g.W; }

// Calls f(c, row, [olo, ohi), [lo, hi), shift) for each row of the column matrix in the
// shifted_planes case: output rows [olo, ohi) and columns [lo, hi) read the input, at index
// (c H W) + output index + shift.
template <class F>
void for_each_shifted_plane(const Geometry& g, F&& f) {
  const auto& p = g.p;
  for (std::int64_t c = 0; c < g.cin_g(); ++c)
    for (std::int64_t i = 0; i < g.kh; ++i)
      for (std::int64_t j = 0; j < g.kw; ++j) {
        const std::int64_t off_h = i * p.dilation.h - p.padding.h, off_w = j * p.dilation.w - p.padding.w;
        auto [olo, ohi] = valid_range(g.Ho, g.H, 1, off_h);
        auto [lo, hi] = valid_range(g.Wo, g.W, 1, off_w);
        f(c, (c * g.kh + i) * g.kw + j, olo, ohi, lo, hi, off_h * g.W + off_w);
      }
}

// Zeros the elements of output rows [olo, ohi) outside columns [lo, hi) of one column-matrix row.
template <class T>
void zero_row_ends(T* out, const Geometry& g, std::int64_t olo, std::int64_t ohi, std::int64_t lo, std::int64_t hi) {
  for (std::int64_t oh = olo; oh < ohi; ++oh) {
    for (std::int64_t ow = 0; ow < lo; ++ow) out[oh * g.Wo + ow] = T(0);
    for (std::int64_t ow = hi; ow < g.Wo; ++ow) out[oh * g.Wo + ow] = T(0);
  }
}

// cols [K, L] (rows ld apart) <- patches of x [cin_g, H, W].
template <class T>
void im2col(const T* x, const Geometry& g, T* cols, std::int64_t ld) {
  const std::int64_t L = g.L(), sw = g.p.stride.w;
  if (shifted_planes(g)) {
    for_each_shifted_plane(g, [&](std::int64_t c, std::int64_t row, std::int64_t olo, std::int64_t ohi, std::int64_t lo,
                                  std::int64_t hi, std::int64_t shift) {
      T* out = cols + row * ld;
      if (lo >= hi) olo = ohi = 0;
      std::fill(out, out + olo * g.Wo, T(0));
      std::fill(out + ohi * g.Wo, out + L, T(0));
      if (olo >= ohi) return;
      // From column lo of row olo to column hi - 1 of row ohi - 1: inside x's plane c.
      const std::int64_t first = olo * g.Wo + lo, n = (ohi - 1) * g.Wo + hi - first;
      std::copy_n(x + c * g.H * g.W + first + shift, n, out + first);
      zero_row_ends(out, g, olo, ohi, lo, hi);
    });
    return;
  }
  for_each_patch_row(g, [&](std::int64_t c, std::int64_t row, std::int64_t oh, std::int64_t ih, std::int64_t lo,
                            std::int64_t hi, std::int64_t off_w) {
    T* out = cols + row * ld + oh * g.Wo;
    if (ih < 0) lo = hi = 0;                               // a padding row
    const std::int64_t at = (c * g.H + ih) * g.W + off_w;  // input index of output column 0
    // One loop, not fill / copy / fill: rows here are a few elements long, and the compiler
    // turns those into calls to memset and memmove that cost more than the copying itself.
    for (std::int64_t ow = 0; ow < g.Wo; ++ow) out[ow] = (ow >= lo && ow < hi) ? x[at + ow * sw] : T(0);
  });
}

// dst[k] += src[k], k < n (no overlap): vectorised, which the library's -O2 does not do for a
// loop of unknown length.
template <class T>
void add_to(T* __restrict dst, const T* __restrict src, std::int64_t n) {
  using B = xsimd::batch<T>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  std::int64_t k = 0;
  for (; k + W <= n; k += W) (B::load_unaligned(dst + k) + B::load_unaligned(src + k)).store_unaligned(dst + k);
  for (; k < n; ++k) dst[k] += src[k];
}

// x [cin_g, H, W] += the patches in cols [K, L] (rows ld apart; the adjoint of im2col). Zeros
// the wrapping elements of cols in the shifted_planes case (cols is scratch by then).
template <class T>
void col2im(T* cols, std::int64_t ld, const Geometry& g, T* x) {
  const std::int64_t sw = g.p.stride.w;
  if (shifted_planes(g)) {
    for_each_shifted_plane(g, [&](std::int64_t c, std::int64_t row, std::int64_t olo, std::int64_t ohi, std::int64_t lo,
                                  std::int64_t hi, std::int64_t shift) {
      if (olo >= ohi || lo >= hi) return;
      T* in = cols + row * ld;
      zero_row_ends(in, g, olo, ohi, lo, hi);
      const std::int64_t first = olo * g.Wo + lo, n = (ohi - 1) * g.Wo + hi - first;
      add_to(x + c * g.H * g.W + first + shift, in + first, n);
    });
    return;
  }
  for_each_patch_row(g, [&](std::int64_t c, std::int64_t row, std::int64_t oh, std::int64_t ih, std::int64_t lo,
                            std::int64_t hi, std::int64_t off_w) {
    if (ih < 0) return;
    const T* in = cols + row * ld + oh * g.Wo;
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
  use_blas_threads(static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k));
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const double* a, std::int64_t lda,
          const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  if (gemm_trivial(m, n, k, beta, c, ldc)) return;
  use_blas_threads(static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k));
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, static_cast<int>(m),
              static_cast<int>(n), static_cast<int>(k), 1.0, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta,
              c, static_cast<int>(ldc));
}

// Images per chunk: as many as fit kColumnBytes of columns (at least one).
template <class T>
std::int64_t chunk_images(const Geometry& g, std::int64_t column_bytes) {
  const std::int64_t per_image = std::max<std::int64_t>(1, g.p.groups * g.K() * g.L() * std::int64_t{sizeof(T)});
  return std::clamp<std::int64_t>(column_bytes / per_image, 1, std::max<std::int64_t>(g.N, 1));
}

// Uninitialised scratch (every element is written before it is read).
template <class T>
std::unique_ptr<T[]> scratch(std::int64_t n) {
  return std::unique_ptr<T[]>(new T[static_cast<std::size_t>(std::max<std::int64_t>(n, 1))]);
}

// cols (groups blocks of [K, NL]) <- im2col of images [n0, n0 + m).
template <class T>
void im2col_chunk(const Geometry& g, const T* x, std::int64_t n0, std::int64_t m, T* cols) {
  const std::int64_t K = g.K(), L = g.L(), NL = m * L, cig = g.cin_g(), HW = g.H * g.W;
  kernels::parallel_for(m, m * g.p.groups * K * L, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i)
      for (std::int64_t gr = 0; gr < g.p.groups; ++gr)
        im2col(x + ((n0 + i) * g.Cin + gr * cig) * HW, g, cols + gr * K * NL + i * L, NL);
  });
}

// [m, C, L] (images n0.. of t [N, C, L]) <-> [C, m * L]; add (may be null) is added per channel.
template <class T>
void to_gemm_layout(const T* t, std::int64_t C, std::int64_t L, std::int64_t n0, std::int64_t m, T* out) {
  kernels::parallel_for(m, m * C * L, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i)
      for (std::int64_t c = 0; c < C; ++c) std::copy_n(t + ((n0 + i) * C + c) * L, L, out + c * m * L + i * L);
  });
}
template <class T>
void from_gemm_layout(const T* in, const T* add, std::int64_t C, std::int64_t L, std::int64_t n0, std::int64_t m,
                      T* t) {
  kernels::parallel_for(m, m * C * L, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i)
      for (std::int64_t c = 0; c < C; ++c) {
        const T* src = in + c * m * L + i * L;
        T* dst = t + ((n0 + i) * C + c) * L;
        const T a = add ? add[c] : T(0);
        for (std::int64_t l = 0; l < L; ++l) dst[l] = src[l] + a;
      }
  });
}

}  // namespace

std::int64_t column_bytes_bound() {
  // The threads a large GEMM gets (autograd/blas_threads.hpp); OpenBLAS's current count is
  // whatever the last call needed.
  const std::int64_t t = std::clamp(get_num_threads(), 1, 8);
  return kColumnBytes * t * t;
}

template <class T>
void conv_forward(const Geometry& g, const T* x, const T* w, const T* b, T* y, std::int64_t column_bytes) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g(), nb = chunk_images<T>(g, column_bytes);
  auto cols = scratch<T>(g.direct() && nb == 1 ? 0 : g.p.groups * K * nb * L);
  auto out = scratch<T>(nb == 1 ? 0 : g.Cout * nb * L);
  for (std::int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const std::int64_t m = std::min(nb, g.N - n0), NL = m * L;
    const T* c = x + n0 * g.Cin * g.H * g.W;  // a 1x1 kernel's columns, for one image
    if (!(g.direct() && m == 1)) {
      im2col_chunk(g, x, n0, m, cols.get());
      c = cols.get();
    }
    // One image: the GEMM writes y itself, on top of the bias. Several: [Cout, NL], then y.
    T* dst = m == 1 ? y + n0 * g.Cout * L : out.get();
    if (m == 1 && b) {
      for (std::int64_t co = 0; co < g.Cout; ++co) std::fill_n(dst + co * L, L, b[co]);
    }
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr) {
      const T* cg = (g.direct() && m == 1) ? c + gr * cig * L : c + gr * K * NL;
      gemm(false, false, cog, NL, K, w + gr * cog * K, K, cg, NL, m == 1 && b ? T(1) : T(0), dst + gr * cog * NL, NL);
    }
    if (m > 1) from_gemm_layout(out.get(), b, g.Cout, L, n0, m, y);
  }
}

template <class T>
void conv_input_grad(const Geometry& g, const T* gy, const T* w, T* gx, std::int64_t column_bytes) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g(), nb = chunk_images<T>(g, column_bytes);
  const std::int64_t HW = g.H * g.W;
  auto cols = scratch<T>(g.direct() && nb == 1 ? 0 : g.p.groups * K * nb * L);
  auto gyc = scratch<T>(nb == 1 ? 0 : g.Cout * nb * L);
  for (std::int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const std::int64_t m = std::min(nb, g.N - n0), NL = m * L;
    const T* gys = gy + n0 * g.Cout * L;
    if (m > 1) {
      to_gemm_layout(gy, g.Cout, L, n0, m, gyc.get());
      gys = gyc.get();
    }
    if (g.direct() && m == 1) {  // the GEMM writes gx itself (a 1x1 kernel's col2im is a copy)
      for (std::int64_t gr = 0; gr < g.p.groups; ++gr)
        gemm(true, false, K, L, cog, w + gr * cog * K, K, gys + gr * cog * L, L, T(0),
             gx + (n0 * g.Cin + gr * cig) * HW, L);
      continue;
    }
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr)
      gemm(true, false, K, NL, cog, w + gr * cog * K, K, gys + gr * cog * NL, NL, T(0), cols.get() + gr * K * NL, NL);
    kernels::parallel_for(m, m * g.p.groups * K * L, [&](std::int64_t i0, std::int64_t i1) {
      for (std::int64_t i = i0; i < i1; ++i)
        for (std::int64_t gr = 0; gr < g.p.groups; ++gr)
          col2im(cols.get() + gr * K * NL + i * L, NL, g, gx + ((n0 + i) * g.Cin + gr * cig) * HW);
    });
  }
}

template <class T>
void conv_weight_grad(const Geometry& g, const T* gy, const T* x, T* gw, std::int64_t column_bytes) {
  const std::int64_t K = g.K(), L = g.L(), cog = g.cout_g(), cig = g.cin_g(), nb = chunk_images<T>(g, column_bytes);
  auto cols = scratch<T>(g.direct() && nb == 1 ? 0 : g.p.groups * K * nb * L);
  auto gyc = scratch<T>(nb == 1 ? 0 : g.Cout * nb * L);
  for (std::int64_t n0 = 0; n0 < g.N; n0 += nb) {
    const std::int64_t m = std::min(nb, g.N - n0), NL = m * L;
    const T* gys = gy + n0 * g.Cout * L;
    if (m > 1) {
      to_gemm_layout(gy, g.Cout, L, n0, m, gyc.get());
      gys = gyc.get();
    }
    const T* c = x + n0 * g.Cin * g.H * g.W;
    if (!(g.direct() && m == 1)) {
      im2col_chunk(g, x, n0, m, cols.get());
      c = cols.get();
    }
    for (std::int64_t gr = 0; gr < g.p.groups; ++gr) {
      const T* cg = (g.direct() && m == 1) ? c + gr * cig * L : c + gr * K * NL;
      gemm(false, true, cog, K, NL, gys + gr * cog * NL, NL, cg, NL, T(1), gw + gr * cog * K, K);
    }
  }
}

template void conv_forward<float>(const Geometry&, const float*, const float*, const float*, float*, std::int64_t);
template void conv_forward<double>(const Geometry&, const double*, const double*, const double*, double*, std::int64_t);
template void conv_input_grad<float>(const Geometry&, const float*, const float*, float*, std::int64_t);
template void conv_input_grad<double>(const Geometry&, const double*, const double*, double*, std::int64_t);
template void conv_weight_grad<float>(const Geometry&, const float*, const float*, float*, std::int64_t);
template void conv_weight_grad<double>(const Geometry&, const double*, const double*, double*, std::int64_t);

}  // namespace xgrad::nn::functional::conv_impl
