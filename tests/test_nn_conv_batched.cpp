// conv2d over a whole batch (one im2col and one GEMM per group for a chunk of images) against
// the same convolution run image by image, forward and both gradients, in Float64; the chunked
// path (column buffers smaller than the batch) against the unchunked one; empty batches.
#include <doctest/doctest.h>

#include <xgrad/nn/functional/conv_kernels.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;
namespace ci = xgrad::nn::functional::conv_impl;

namespace {

struct Case {
  Shape x, w;
  F::Conv2dFuncConfig o;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {{5, 3, 6, 7}, {4, 3, 3, 3}, {.padding = 1}},
      {{4, 4, 8, 7}, {6, 2, 3, 2}, {.stride = {2, 1}, .padding = {1, 2}, .dilation = {2, 1}, .groups = 2}},
      {{3, 4, 5, 5}, {4, 1, 2, 2}, {.groups = 4}},  // depthwise
      {{3, 5, 4, 3}, {3, 5, 1, 1}, {}},             // 1x1: the input is its own column matrix
      {{3, 2, 5, 4}, {4, 2, 1, 1}, {.stride = 2}},  // strided 1x1
      {{2, 6, 4, 4}, {6, 3, 1, 1}, {.groups = 2}},  // grouped 1x1
  };
  return all;
}

// Largest |a - b| over two tensors of the same shape.
double max_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  return a.numel() == 0 ? 0.0 : (a - b).abs().max().item<double>();
}

// y, dy/dx, dy/dw, dy/db for a fixed output gradient gy.
tensor_list run(const Tensor& x0, const Tensor& w0, const Tensor& b0, const Tensor& gy, const F::Conv2dFuncConfig& o) {
  Tensor x = x0.detach().requires_grad_(), w = w0.detach().requires_grad_(), b = b0.detach().requires_grad_();
  Tensor y = F::conv2d(x, w, b, o);
  (y * gy).sum().backward();
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

}  // namespace

TEST_CASE("conv2d on a batch equals conv2d image by image (Float64, within 1e-12)") {
  manual_seed(11);
  for (const auto& c : cases()) {
    Tensor x = randn(c.x, kFloat64), w = randn(c.w, kFloat64), b = randn({c.w[0]}, kFloat64);
    Tensor gy = randn(F::conv2d(x, w, b, c.o).shape(), kFloat64);
    tensor_list batched = run(x, w, b, gy, c.o);
    std::vector<Tensor> ys, gxs;
    Tensor gw = zeros_like(w), gb = zeros_like(b);
    for (std::int64_t n = 0; n < c.x[0]; ++n) {
      tensor_list one = run(x.narrow(0, n, 1), w, b, gy.narrow(0, n, 1), c.o);
      ys.push_back(one[0]);
      gxs.push_back(one[1]);
      gw = gw + one[2];
      gb = gb + one[3];
    }
    CHECK(max_diff(batched[0], cat(ys, 0)) <= 1e-12);
    CHECK(max_diff(batched[1], cat(gxs, 0)) <= 1e-12);
    CHECK(max_diff(batched[2], gw) <= 1e-12);
    CHECK(max_diff(batched[3], gb) <= 1e-12);
  }
}

TEST_CASE("conv2d kernels give the same result however the batch is chunked") {
  manual_seed(12);
  for (const auto& c : cases()) {
    Tensor x = randn(c.x, kFloat64), w = randn(c.w, kFloat64), b = randn({c.w[0]}, kFloat64);
    const ci::ConvParams p{c.o.stride, c.o.padding, c.o.dilation, c.o.groups};
    const ci::Geometry g = ci::make_geometry(x.shape(), w.shape(), p);
    Tensor gy = randn({g.N, g.Cout, g.Ho, g.Wo}, kFloat64);
    const auto* xp = x.impl()->data_as<double>();
    const auto* wp = w.impl()->data_as<double>();
    const auto* gyp = gy.impl()->data_as<double>();
    const std::int64_t per_image = g.p.groups * g.K() * g.L() * 8;
    tensor_list ref;
    // Whole batch; one image per chunk; two per chunk (a remainder for odd batches); the default.
    for (std::int64_t bytes : {std::int64_t{1} << 40, std::int64_t{1}, 2 * per_image, ci::column_bytes_bound()}) {
      CAPTURE(bytes);
      Tensor y = empty({g.N, g.Cout, g.Ho, g.Wo}, kFloat64), gx = zeros(x.shape(), kFloat64),
             gw = zeros(w.shape(), kFloat64);
      ci::conv_forward<double>(g, xp, wp, b.impl()->data_as<double>(), y.impl()->data_as<double>(), bytes);
      ci::conv_input_grad<double>(g, gyp, wp, gx.impl()->data_as<double>(), bytes);
      ci::conv_weight_grad<double>(g, gyp, xp, gw.impl()->data_as<double>(), bytes);
      if (ref.empty()) {
        ref = {y, gx, gw};
        continue;
      }
      CHECK(max_diff(y, ref[0]) <= 1e-12);
      CHECK(max_diff(gx, ref[1]) <= 1e-12);
      CHECK(max_diff(gw, ref[2]) <= 1e-12);
    }
  }
}

TEST_CASE("conv2d on an empty batch: an empty output, zero weight and bias gradients") {
  for (const auto& c : cases()) {
    Shape xs = c.x;
    xs[0] = 0;
    Tensor x = randn(xs, kFloat64).requires_grad_(), w = randn(c.w, kFloat64).requires_grad_(),
           b = randn({c.w[0]}, kFloat64).requires_grad_();
    Tensor y = F::conv2d(x, w, b, c.o);
    CHECK(y.size(0) == 0);
    CHECK(y.size(1) == c.w[0]);
    y.sum().backward();
    CHECK(x.grad().shape() == xs);
    CHECK(w.grad().abs().sum().item<double>() == 0.0);
    CHECK(b.grad().abs().sum().item<double>() == 0.0);
  }
}
