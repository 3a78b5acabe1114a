// MaxPool2d and AvgPool2d: hand-computed windows, PyTorch's output-size and divisor rules,
// gradient routing, gradchecks to second order in Float64, and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

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

}  // namespace

TEST_CASE("max_pool2d takes the maximum of each window and records where it was") {
  Tensor x = arange(16, kFloat32).reshape({1, 1, 4, 4});
  auto [y, idx] = F::max_pool2d_with_indices(x, 2);
  check_values(y, {5, 7, 13, 15});
  CHECK(idx.to_vector<std::int64_t>() == std::vector<std::int64_t>{5, 7, 13, 15});
  // overlapping windows (stride 1) and -inf padding
  check_values(F::max_pool2d(x, 3, {.stride = 1}), {10, 11, 14, 15});
  check_values(F::max_pool2d(x, 3, {.stride = 2, .padding = 1}), {5, 7, 13, 15});
  // dilation 2: taps two apart
  check_values(F::max_pool2d(x, 2, {.stride = 1, .dilation = 2}), {10, 11, 14, 15});
  CHECK(nn::MaxPool2d(2)(zeros({2, 3, 6, 5})).shape() == Shape{2, 3, 3, 2});
}

TEST_CASE("max_pool2d sends each window's gradient to its maximum only") {
  Tensor x = tensor(std::vector<double>{1, 9, 2, 3, 4, 5, 8, 7, 0, 1, 2, 3, 4, 5, 6, 7}, {1, 1, 4, 4}).requires_grad_();
  Tensor y = F::max_pool2d(x, 2);
  check_values(y, {9, 8, 5, 7});
  (y * tensor(std::vector<double>{1, 2, 3, 4}, {1, 1, 2, 2})).sum().backward();
  check_values(x.grad(), {0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 3, 0, 4});
}

TEST_CASE("max_pool2d ceil_mode keeps a last partial window only if it starts inside the input") {
  Tensor x = arange(25, kFloat64).reshape({1, 1, 5, 5});
  CHECK(F::max_pool2d(x, 2).shape() == Shape{1, 1, 2, 2});
  Tensor y = F::max_pool2d(x, 2, {.ceil_mode = true});
  CHECK(y.shape() == Shape{1, 1, 3, 3});
  check_values(y, {6, 8, 9, 16, 18, 19, 21, 23, 24});
  // 5 + 2*1 padding, k=2, s=2: rounding up gives 4 windows, but the 4th would start in the
  // right padding, so there are 3
  CHECK(F::max_pool2d(zeros({1, 1, 5, 5}), 2, {.padding = 1, .ceil_mode = true}).shape() == Shape{1, 1, 3, 3});
}

TEST_CASE("max_pool2d propagates NaN as the maximum") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = tensor(std::vector<double>{1, nan, 3, 2}, {1, 1, 2, 2});
  CHECK(std::isnan(F::max_pool2d(x, 2).item<double>()));
  // PyTorch's rule `v > best || isnan(v)`: each NaN replaces what came before, so the index is
  // the last NaN's.
  auto [y, idx] = F::max_pool2d_with_indices(tensor(std::vector<double>{nan, 5, nan, 2}, {1, 1, 2, 2}), 2);
  CHECK(std::isnan(y.item<double>()));
  CHECK(idx.item<std::int64_t>() == 2);
}

TEST_CASE("avg_pool2d averages each window with PyTorch's divisor rules") {
  Tensor x = arange(16, kFloat32).reshape({1, 1, 4, 4});
  check_values(F::avg_pool2d(x, 2), {2.5, 4.5, 10.5, 12.5});
  Tensor s = tensor(std::vector<float>{1, 2, 3, 4}, {1, 1, 2, 2});
  // padding 1, k 2, s 2: each window holds one real element and three padded zeros
  check_values(F::avg_pool2d(s, 2, {.padding = 1}), {0.25, 0.5, 0.75, 1.0});
  check_values(F::avg_pool2d(s, 2, {.padding = 1, .count_include_pad = false}), {1, 2, 3, 4});
  check_values(F::avg_pool2d(x, 2, {.divisor_override = 2}), {5, 9, 21, 25});
  // ceil_mode: the overhanging window divides by its size clipped to input + padding
  Tensor t = arange(9, kFloat64).reshape({1, 1, 3, 3});
  check_values(F::avg_pool2d(t, 2, {.ceil_mode = true}), {2, 3.5, 6.5, 8});
  CHECK(nn::AvgPool2d(3, {.stride = 1, .padding = 1})(zeros({2, 2, 5, 5})).shape() == Shape{2, 2, 5, 5});
}

TEST_CASE("avg_pool2d spreads each window's gradient evenly") {
  Tensor x = ones({1, 1, 4, 4}, kFloat64).requires_grad_();
  F::avg_pool2d(x, 2).sum().backward();
  check_values(x.grad(), std::vector<double>(16, 0.25));
  Tensor z = ones({1, 1, 3, 3}, kFloat64).requires_grad_();
  F::avg_pool2d(z, 2, {.stride = 1}).sum().backward();
  check_values(z.grad(), {0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25});
}

TEST_CASE("pooling gradchecks in Float64, to second order, over its options") {
  manual_seed(12);
  Tensor x = randn({2, 3, 6, 5}, kFloat64).requires_grad_();  // random values: no ties in a window
  std::vector<F::MaxPool2dConfig> max_opts = {
      {}, {.stride = 1}, {.stride = {2, 1}, .padding = 1}, {.stride = 1, .dilation = 2}, {.ceil_mode = true}};
  for (const auto& o : max_opts) {
    auto fn = [&](const tensor_list& in) { return F::max_pool2d(in[0], {3, 2}, o); };
    CHECK(gradcheck(fn, {x}));
    CHECK(gradgradcheck(fn, {x}));
  }
  std::vector<F::AvgPool2dConfig> avg_opts = {{},
                                              {.stride = 1, .padding = 1},
                                              {.padding = 1, .count_include_pad = false},
                                              {.stride = 2, .ceil_mode = true},
                                              {.divisor_override = 3}};
  for (const auto& o : avg_opts) {
    auto fn = [&](const tensor_list& in) { return F::avg_pool2d(in[0], {3, 2}, o); };
    CHECK(gradcheck(fn, {x}));
    CHECK(gradgradcheck(fn, {x}));
  }
}

TEST_CASE("pooling accepts an unbatched [C, H, W] input") {
  Tensor x = randn({3, 4, 4});
  CHECK(F::max_pool2d(x, 2).shape() == Shape{3, 2, 2});
  auto [y, idx] = F::max_pool2d_with_indices(x, 2);
  CHECK(idx.shape() == Shape{3, 2, 2});
  CHECK(allclose(F::avg_pool2d(x, 2), F::avg_pool2d(x.unsqueeze(0), 2).squeeze(0)));
}

TEST_CASE("pooling errors name the op and the input") {
  auto expect = [](auto&& f, const std::string& op, const std::string& what) {
    try {
      f();
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& e) {
      std::string msg = e.what();
      CHECK_MESSAGE(msg.find(op) != std::string::npos, msg);
      CHECK_MESSAGE(msg.find(what) != std::string::npos, msg);
    }
  };
  expect([] { F::max_pool2d(zeros({1, 1, 4, 4}), 2, {.padding = 2}); }, "max_pool2d", "padding");
  expect([] { F::max_pool2d(zeros({1, 1, 1, 1}), 2); }, "max_pool2d", "Float32 [1, 1, 1, 1]");
  expect([] { F::avg_pool2d(zeros({4, 4}), 2); }, "avg_pool2d", "[4, 4]");
  expect([] { F::avg_pool2d(zeros({1, 1, 4, 4}), 2, {.divisor_override = 0}); }, "avg_pool2d", "divisor_override");
  expect([] { F::max_pool2d(zeros({1, 1, 4, 4}, kInt64), 2); }, "max_pool2d", "Int64");
}

// Brute force by the definition (row-major taps, first maximum wins, -inf outside), for every
// geometry the kernel treats differently: fixed 2x2 and 3x3, other sizes, padding, dilation,
// ceil_mode, and ties on integer-valued data.
TEST_CASE("max_pool2d values and indices match a brute-force reference on many geometries") {
  manual_seed(5);
  struct Case {
    nn::Size2 k;
    F::MaxPool2dConfig o;
  };
  const Case cases[] = {{{2, 2}, {}},
                        {{3, 3}, {.stride = 1, .padding = 1}},
                        {{3, 3}, {.stride = 2, .ceil_mode = true}},
                        {{2, 3}, {.stride = {1, 2}, .padding = {1, 1}}},
                        {{3, 2}, {.stride = 1, .dilation = 2}},
                        {{2, 2}, {.stride = 1, .padding = 1, .ceil_mode = true}},
                        {{4, 4}, {.stride = 3, .padding = 2}}};
  for (const Case& c : cases) {
    Tensor x = randint(0, 4, {2, 3, 7, 6}).to(kFloat64);  // many ties
    auto [y, idx] = F::max_pool2d_with_indices(x, c.k, c.o);
    const auto xv = x.to_vector<double>();
    const auto yv = y.to_vector<double>();
    const auto iv = idx.to_vector<std::int64_t>();
    const std::int64_t Ho = y.size(2), Wo = y.size(3);
    const nn::Size2 s = c.o.stride == nn::Size2{0, 0} ? c.k : c.o.stride;
    for (std::int64_t p = 0; p < 6; ++p)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double best = -std::numeric_limits<double>::infinity();
          std::int64_t at = -1;
          for (std::int64_t i = 0; i < c.k.h; ++i)
            for (std::int64_t j = 0; j < c.k.w; ++j) {
              const std::int64_t h = oh * s.h - c.o.padding.h + i * c.o.dilation.h;
              const std::int64_t w = ow * s.w - c.o.padding.w + j * c.o.dilation.w;
              if (h < 0 || h >= 7 || w < 0 || w >= 6) continue;
              const double v = xv[static_cast<std::size_t>(p * 42 + h * 6 + w)];
              if (at < 0 || v > best) best = v, at = h * 6 + w;
            }
          const auto o = static_cast<std::size_t>((p * Ho + oh) * Wo + ow);
          CAPTURE(c.k.h);
          CAPTURE(c.k.w);
          CAPTURE(o);
          CHECK(yv[o] == best);
          CHECK(iv[o] == at);
        }
  }
}
