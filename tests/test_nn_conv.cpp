// Conv2d: hand-computed outputs, a direct-loop reference for every option, gradchecks to
// second order in Float64, default initialisation, and errors.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;
using autograd::gradcheck;
using autograd::gradgradcheck;

namespace {

void check_values(const Tensor& t, const std::vector<double>& expected, double eps = 1e-6) {
  std::vector<double> v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

// The definition of a grouped, strided, padded, dilated cross-correlation, as plain loops.
std::vector<double> reference_conv(const Tensor& x, const Tensor& w, const Tensor& b, const F::Conv2dFuncConfig& o) {
  const auto N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const auto Cout = w.size(0), kh = w.size(2), kw = w.size(3);
  const auto Ho = (H + 2 * o.padding.h - o.dilation.h * (kh - 1) - 1) / o.stride.h + 1;
  const auto Wo = (W + 2 * o.padding.w - o.dilation.w * (kw - 1) - 1) / o.stride.w + 1;
  const auto cin_g = Cin / o.groups, cout_g = Cout / o.groups;
  std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>();
  std::vector<double> bv =
      b.defined() ? b.to_vector<double>() : std::vector<double>(static_cast<std::size_t>(Cout), 0.0);
  std::vector<double> out;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t co = 0; co < Cout; ++co)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double s = bv[static_cast<std::size_t>(co)];
          const std::int64_t g = co / cout_g;
          for (std::int64_t ci = 0; ci < cin_g; ++ci)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * o.stride.h - o.padding.h + i * o.dilation.h;
                const std::int64_t iw = ow * o.stride.w - o.padding.w + j * o.dilation.w;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += xv[static_cast<std::size_t>(((n * Cin + g * cin_g + ci) * H + ih) * W + iw)] *
                     wv[static_cast<std::size_t>(((co * cin_g + ci) * kh + i) * kw + j)];
              }
          out.push_back(s);
        }
  return out;
}

}  // namespace

TEST_CASE("conv2d with a 2x2 kernel of ones sums each window") {
  Tensor x = arange(16, kFloat32).reshape({1, 1, 4, 4});
  Tensor w = ones({1, 1, 2, 2});
  Tensor y = F::conv2d(x, w);
  CHECK(y.shape() == Shape{1, 1, 3, 3});
  check_values(y, {10, 14, 18, 26, 30, 34, 42, 46, 50});
  check_values(F::conv2d(x, w, Tensor(), {.stride = 2}), {10, 18, 42, 50});
  // dilation 2: the taps are two apart, so y[i, j] = x[i, j] + x[i, j+2] + x[i+2, j] + x[i+2, j+2].
  check_values(F::conv2d(x, w, Tensor(), {.dilation = 2}), {20, 24, 36, 40});
  // bias is added to every output of its channel
  check_values(F::conv2d(x, w, tensor(std::vector<float>{-10}), {.stride = 2}), {0, 8, 32, 40});
}

TEST_CASE("conv2d padding adds zeros around the input") {
  Tensor x = tensor(std::vector<float>{1, 2, 3, 4}, {1, 1, 2, 2});
  Tensor y = F::conv2d(x, ones({1, 1, 3, 3}), Tensor(), {.padding = 1});
  CHECK(y.shape() == Shape{1, 1, 2, 2});
  check_values(y, {10, 10, 10, 10});
  // asymmetric padding (h, w)
  CHECK(F::conv2d(x, ones({1, 1, 1, 1}), Tensor(), {.padding = {1, 0}}).shape() == Shape{1, 1, 4, 2});
}

TEST_CASE("conv2d groups convolve each channel group separately") {
  Tensor x = cat({ones({1, 1, 2, 2}), full({1, 1, 2, 2}, 2.0)}, 1);
  Tensor w = tensor(std::vector<float>{3, 5}, {2, 1, 1, 1});
  Tensor y = F::conv2d(x, w, Tensor(), {.groups = 2});
  check_values(y, {3, 3, 3, 3, 10, 10, 10, 10});
}

TEST_CASE("conv2d matches the direct loops for every combination of options") {
  manual_seed(7);
  struct Case {
    Shape x, w;
    F::Conv2dFuncConfig o;
    bool bias;
  };
  std::vector<Case> cases = {
      {{2, 3, 5, 6}, {4, 3, 3, 3}, {}, true},
      {{2, 3, 7, 6}, {4, 3, 3, 2}, {.stride = {2, 1}, .padding = {1, 2}}, true},
      {{1, 4, 8, 8}, {6, 2, 3, 3}, {.stride = 2, .padding = 1, .dilation = 2, .groups = 2}, false},
      {{3, 4, 5, 5}, {4, 1, 2, 2}, {.groups = 4}, true},   // depthwise
      {{2, 5, 4, 3}, {3, 5, 1, 1}, {}, true},              // 1x1: the input is its own column matrix
      {{2, 2, 4, 4}, {2, 2, 1, 1}, {.stride = 2}, false},  // strided 1x1
  };
  for (const auto& c : cases) {
    for (Dtype dt : {kFloat32, kFloat64}) {
      Tensor x = randn(c.x, dt), w = randn(c.w, dt), b = c.bias ? randn({c.w[0]}, dt) : Tensor();
      Tensor y = F::conv2d(x, w, b, c.o);
      std::vector<double> ref = reference_conv(x, w, b, c.o);
      check_values(y, ref, dt == kFloat32 ? 1e-4 : 1e-10);
    }
  }
}

TEST_CASE("conv2d accepts non-contiguous inputs and an unbatched [C, H, W] input") {
  Tensor x = randn({1, 3, 5, 4});
  Tensor w = randn({2, 3, 2, 2});
  Tensor xt = x.transpose(2, 3).contiguous().transpose(2, 3);  // same values, strided
  CHECK_FALSE(xt.is_contiguous());
  CHECK(allclose(F::conv2d(xt, w), F::conv2d(x, w)));
  Tensor y = F::conv2d(x.squeeze(0), w);
  CHECK(y.shape() == Shape{2, 4, 3});
  CHECK(allclose(y, F::conv2d(x, w).squeeze(0)));
}

TEST_CASE("conv2d gradchecks in Float64 with stride, padding, dilation and groups") {
  manual_seed(8);
  Tensor x = randn({2, 4, 5, 6}, kFloat64).requires_grad_();
  Tensor w = randn({4, 2, 3, 2}, kFloat64).requires_grad_();
  Tensor b = randn({4}, kFloat64).requires_grad_();
  F::Conv2dFuncConfig o{.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2};
  auto fn = [&](const tensor_list& in) { return F::conv2d(in[0], in[1], in[2], o); };
  CHECK(gradcheck(fn, {x, w, b}));
  // The backward is itself made of differentiable ops: second derivatives are exact.
  CHECK(gradgradcheck(fn, {x, w, b}));
  // A plain 3x3 "same" convolution and a 1x1 one.
  auto same = [](const tensor_list& in) { return F::conv2d(in[0], in[1], Tensor(), {.padding = 1}); };
  CHECK(gradcheck(same,
                  {randn({1, 2, 4, 4}, kFloat64).requires_grad_(), randn({3, 2, 3, 3}, kFloat64).requires_grad_()}));
  auto pointwise = [](const tensor_list& in) { return F::conv2d(in[0], in[1]); };
  tensor_list pw_in = {randn({2, 3, 3, 3}, kFloat64).requires_grad_(), randn({2, 3, 1, 1}, kFloat64).requires_grad_()};
  CHECK(gradcheck(pointwise, pw_in));
  CHECK(gradgradcheck(pointwise, pw_in));
}

TEST_CASE("Conv2d module: shapes, PyTorch's default init bounds, and a gradcheck") {
  manual_seed(9);
  nn::Conv2d conv(4, 6, {3, 2}, {.stride = 2, .padding = 1, .groups = 2});
  CHECK(conv->weight.shape() == Shape{6, 2, 3, 2});
  CHECK(conv->bias.shape() == Shape{6});
  const double bound = 1.0 / std::sqrt(2.0 * 3 * 2);  // 1/sqrt(fan_in), fan_in = in/groups * kH * kW
  for (double v : conv->weight.to_vector<double>()) CHECK(std::abs(v) <= bound);
  for (double v : conv->bias.to_vector<double>()) CHECK(std::abs(v) <= bound);
  CHECK(conv(zeros({2, 4, 7, 7})).shape() == Shape{2, 6, 4, 4});
  conv->to(kFloat64);
  Tensor x = randn({1, 4, 5, 5}, kFloat64).requires_grad_();
  CHECK(gradcheck([&](const tensor_list& in) { return conv(in[0]); }, {x}));
  CHECK_THROWS_AS(nn::Conv2d(3, 4, 3, {.groups = 2}), std::invalid_argument);
}

TEST_CASE("conv2d errors name the op and the shapes") {
  auto expect = [](auto&& f, const std::string& what) {
    try {
      f();
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
      std::string msg = e.what();
      CHECK_MESSAGE(msg.find("conv2d") != std::string::npos, msg);
      CHECK_MESSAGE(msg.find(what) != std::string::npos, msg);
    }
  };
  expect([] { F::conv2d(zeros({1, 3, 5, 5}), zeros({2, 4, 3, 3})); }, "Float32 [1, 3, 5, 5]");
  expect([] { F::conv2d(zeros({1, 3, 2, 2}), zeros({2, 3, 3, 3})); }, "smaller than the dilated kernel");
  expect([] { F::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}, kFloat64)); }, "Float64 [2, 3, 3, 3]");
  expect([] { F::conv2d(zeros({3, 5}), zeros({2, 3, 3, 3})); }, "[3, 5]");
  expect([] { F::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), zeros({3})); }, "bias Float32 [3]");
  expect([] { F::conv2d(zeros({1, 3, 5, 5}), zeros({2, 3, 3, 3}), Tensor(), {.stride = 0}); }, "stride");
}
