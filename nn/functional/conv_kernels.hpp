// The arithmetic of conv2d (used by nn/functional/conv.cpp): im2col over a chunk of the batch
// into one column matrix per group, ONE GEMM per group and chunk, and the copies that move
// between the GEMM's [C, N*L] layout and the tensors' [N, C, L]. The copies (im2col, col2im,
// gathers and scatters) run over images on the threads of set_num_threads when large enough;
// the GEMMs are called from the calling thread, so that OpenBLAS threads them itself and is
// never called from two threads at once. Column buffers are bounded (kColumnBytes).
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"
#include "size2.hpp"

namespace xgrad::nn::functional::conv_impl {

struct ConvParams {
  Size2 stride, padding, dilation;
  std::int64_t groups = 1;
};

// Sizes of one convolution: input [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw],
// output [N, Cout, Ho, Wo]; per group a GEMM of [cout_g, K] x [K, N*L].
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

inline Geometry make_geometry(const Shape& in, const Shape& weight, const ConvParams& p) {
  Geometry g{in[0], in[1], in[2], in[3], weight[0], weight[2], weight[3], 0, 0, p};
  g.Ho = (g.H + 2 * p.padding.h - p.dilation.h * (g.kh - 1) - 1) / p.stride.h + 1;
  g.Wo = (g.W + 2 * p.padding.w - p.dilation.w * (g.kw - 1) - 1) / p.stride.w + 1;
  return g;
}

// The most memory the column matrix of one chunk of images may take, per OpenBLAS thread
// squared (at least one image is taken per chunk, however large): small enough that im2col's
// output is still in the core's L2 cache when the GEMM reads it, and, with several threads,
// large enough that each of OpenBLAS's threads gets as much of the GEMM as one thread alone
// (fewer synchronisations). conv_cifar's kernels (callgrind-checked, CPU time, 1 thread): one
// GEMM for the whole batch (19 MB of columns) 69-76 ms, 1 MB chunks 38-43 ms, 256 KB 33-37 ms,
// the GEMMs alone 31-34 ms. The forward and the backward also take a [Cout, chunk * L] buffer.
// Tests pass other bounds to run the chunked paths.
inline constexpr std::int64_t kColumnBytes = std::int64_t{256} << 10;
std::int64_t column_bytes_bound();  // kColumnBytes x (OpenBLAS threads)^2

// Kernels on contiguous operands of one float dtype (float or double), Ho, Wo >= 1.
// Cost: O(N Cout K L) in the GEMMs, O(N groups K L) for im2col / col2im.
// y [N, Cout, Ho, Wo] = conv(x, w) + b (b may be null).
template <class T>
void conv_forward(const Geometry& g, const T* x, const T* w, const T* b, T* y,
                  std::int64_t column_bytes = column_bytes_bound());
// gx [N, Cin, H, W] = the gradient of conv w.r.t. x for the output gradient gy; gx must be zeros.
template <class T>
void conv_input_grad(const Geometry& g, const T* gy, const T* w, T* gx,
                     std::int64_t column_bytes = column_bytes_bound());
// gw [Cout, Cin/groups, kh, kw] += the gradient of conv w.r.t. w for the output gradient gy.
template <class T>
void conv_weight_grad(const Geometry& g, const T* gy, const T* x, T* gw,
                      std::int64_t column_bytes = column_bytes_bound());

}  // namespace xgrad::nn::functional::conv_impl
