// The convolution family of issue 23: conv_transpose2d / 1d (F::, top-level, modules), conv1d,
// and "same" / "valid" padding. Values against direct loops written here (the definitions, not
// the library's im2col), one check_op line per op (gradcheck + gradgradcheck in Float64,
// Float32 agreement), shapes, initialisation and errors.
#include <doctest/doctest.h>

#include <cmath>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"
#include "text_checks.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using xgrad_test::check_op;
using X = const tensor_list&;

namespace {

Tensor R(const Shape& shape) { return randn(shape, kFloat64); }

void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-10) {
  std::vector<double> v = t.contiguous().to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
}

struct Geo2 {
  std::int64_t sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, groups = 1, dh = 1, dw = 1;
};

// The transposed convolution by its definition: every input element scatters its kernel-weighted
// copy into the output at ih * stride - padding + i * dilation.
std::vector<double> ref_conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, const Geo2& g) {
  const auto N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const auto cout_g = w.size(1), kh = w.size(2), kw = w.size(3), Cout = cout_g * g.groups, cin_g = Cin / g.groups;
  const auto Ho = (H - 1) * g.sh - 2 * g.ph + g.dh * (kh - 1) + g.oph + 1;
  const auto Wo = (W - 1) * g.sw - 2 * g.pw + g.dw * (kw - 1) + g.opw + 1;
  auto xv = x.contiguous().to_vector<double>(), wv = w.contiguous().to_vector<double>();
  std::vector<double> out(static_cast<std::size_t>(N * Cout * Ho * Wo), 0.0);
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t co = 0; co < Cout; ++co)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow)
          out[static_cast<std::size_t>(((n * Cout + co) * Ho + oh) * Wo + ow)] =
              b.defined() ? b.to_vector<double>()[static_cast<std::size_t>(co)] : 0.0;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t ci = 0; ci < Cin; ++ci)
      for (std::int64_t ih = 0; ih < H; ++ih)
        for (std::int64_t iw = 0; iw < W; ++iw)
          for (std::int64_t c = 0; c < cout_g; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const auto oh = ih * g.sh - g.ph + i * g.dh, ow = iw * g.sw - g.pw + j * g.dw;
                if (oh < 0 || oh >= Ho || ow < 0 || ow >= Wo) continue;
                const auto co = (ci / cin_g) * cout_g + c;
                out[static_cast<std::size_t>(((n * Cout + co) * Ho + oh) * Wo + ow)] +=
                    xv[static_cast<std::size_t>(((n * Cin + ci) * H + ih) * W + iw)] *
                    wv[static_cast<std::size_t>(((ci * cout_g + c) * kh + i) * kw + j)];
              }
  return out;
}

// Cross-correlation with (before, after) zero padding per dim, by its definition.
std::vector<double> ref_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, std::int64_t top, std::int64_t bottom,
                               std::int64_t left, std::int64_t right, std::int64_t dh = 1, std::int64_t dw = 1,
                               std::int64_t sh = 1, std::int64_t sw = 1, std::int64_t groups = 1) {
  const auto N = x.size(0), Cin = x.size(1), H = x.size(2), W = x.size(3);
  const auto Cout = w.size(0), kh = w.size(2), kw = w.size(3), cin_g = Cin / groups, cout_g = Cout / groups;
  const auto Ho = (H + top + bottom - dh * (kh - 1) - 1) / sh + 1, Wo = (W + left + right - dw * (kw - 1) - 1) / sw + 1;
  auto xv = x.contiguous().to_vector<double>(), wv = w.contiguous().to_vector<double>();
  std::vector<double> out;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t co = 0; co < Cout; ++co)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double s = b.defined() ? b.to_vector<double>()[static_cast<std::size_t>(co)] : 0.0;
          for (std::int64_t ci = 0; ci < cin_g; ++ci)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const auto ih = oh * sh - top + i * dh, iw = ow * sw - left + j * dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                s += xv[static_cast<std::size_t>(((n * Cin + (co / cout_g) * cin_g + ci) * H + ih) * W + iw)] *
                     wv[static_cast<std::size_t>(((co * cin_g + ci) * kh + i) * kw + j)];
              }
          out.push_back(s);
        }
  return out;
}

F::ConvTranspose2dFuncConfig cfg(const Geo2& g) {
  return {{g.sh, g.sw}, {g.ph, g.pw}, {g.oph, g.opw}, g.groups, {g.dh, g.dw}};
}

}  // namespace

TEST_CASE("conv_transpose2d of a single 1 places the kernel at stride offsets") {
  // x = [[1, 0], [0, 2]], w = ones(2, 2), stride 2: each input lands on its own 2x2 block.
  Tensor x = tensor(std::vector<double>{1, 0, 0, 2}).reshape({1, 1, 2, 2});
  Tensor y = F::conv_transpose2d(x, ones({1, 1, 2, 2}, kFloat64), Tensor(), {.stride = 2});
  CHECK(y.shape() == Shape{1, 1, 4, 4});
  check_close(y, {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 2});
  // stride 1: the 2x2 blocks overlap and add.
  check_close(F::conv_transpose2d(x, ones({1, 1, 2, 2}, kFloat64)), {1, 1, 0, 1, 3, 2, 0, 2, 2});
}

TEST_CASE("conv_transpose2d matches the scatter definition for every option") {
  manual_seed(11);
  const std::vector<std::pair<Geo2, Shape>> cases = {
      {{}, {2, 2, 3, 4}},
      {{.sh = 2, .sw = 3, .ph = 1, .pw = 0}, {1, 2, 4, 3}},
      {{.sh = 2, .sw = 2, .ph = 1, .pw = 1, .oph = 1, .opw = 0}, {2, 2, 3, 3}},
      {{.sh = 1, .sw = 2, .groups = 2, .dh = 2, .dw = 1}, {1, 4, 3, 3}},
      // output_padding >= stride is allowed when < dilation
      {{.sh = 1, .sw = 1, .ph = 1, .pw = 0, .oph = 1, .opw = 1, .dh = 2, .dw = 3}, {1, 2, 3, 3}},
      {{.sh = 3, .sw = 2, .ph = 2, .pw = 1, .oph = 2, .opw = 1, .groups = 2, .dh = 2, .dw = 2}, {2, 4, 2, 3}},
  };
  for (const auto& [g, xs] : cases) {
    Tensor x = R(xs), w = R({xs[1], 3, 2, 3}), b = R({3 * g.groups});
    Tensor y = F::conv_transpose2d(x, w, b, cfg(g));
    check_close(y, ref_conv_transpose2d(x, w, b, g));
    CHECK(y.size(2) == (xs[2] - 1) * g.sh - 2 * g.ph + g.dh * 1 + g.oph + 1);
    CHECK(y.size(3) == (xs[3] - 1) * g.sw - 2 * g.pw + g.dw * 2 + g.opw + 1);
    check_close(F::conv_transpose2d(x, w, Tensor(), cfg(g)), ref_conv_transpose2d(x, w, Tensor(), g));
  }
}

TEST_CASE("conv_transpose2d is conv2d's input gradient") {
  manual_seed(12);
  Tensor x = R({2, 3, 5, 6}).requires_grad_(), w = R({4, 3, 3, 2});
  Tensor y = F::conv2d(x, w, Tensor(), {.stride = 2, .padding = 1, .dilation = {1, 2}});
  Tensor gy = R(y.shape());
  Tensor gx = autograd::grad({y}, {x}, {gy})[0];
  // conv2d's output (3 x 3 from 5 x 6) maps back to 5 x 6 with output_padding (0, 1).
  Tensor t =
      F::conv_transpose2d(gy, w, Tensor(), {.stride = 2, .padding = 1, .output_padding = {0, 1}, .dilation = {1, 2}});
  check_close(t, gx.to_vector<double>());
}

TEST_CASE("conv_transpose2d: gradcheck and gradgradcheck") {
  manual_seed(13);
  check_op("conv_transpose2d", [](X t) { return F::conv_transpose2d(t[0], t[1], t[2]); },
           {R({2, 2, 3, 3}), R({2, 3, 2, 2}), R({3})});
  check_op("conv_transpose2d stride padding output_padding",
           [](X t) { return F::conv_transpose2d(t[0], t[1], t[2], {.stride = 2, .padding = 1, .output_padding = 1}); },
           {R({1, 2, 3, 2}), R({2, 2, 3, 3}), R({2})});
  check_op("conv_transpose2d groups dilation",
           [](X t) { return F::conv_transpose2d(t[0], t[1], Tensor(), {.groups = 2, .dilation = 2}); },
           {R({1, 4, 3, 3}), R({4, 1, 2, 2})});
  check_op("conv_transpose2d output_padding >= stride",
           [](X t) { return F::conv_transpose2d(t[0], t[1], Tensor(), {.output_padding = 1, .dilation = 2}); },
           {R({1, 1, 2, 3}), R({1, 2, 2, 2})});
  check_op("conv_transpose2d unbatched strided input",
           [](X t) {
             return F::conv_transpose2d(t[0].transpose(1, 2), t[1], Tensor(), {.stride = {2, 1}});
           },
           {R({2, 3, 4}), R({2, 1, 2, 3})});
}

TEST_CASE("conv_transpose2d spellings: builder, top level, unbatched") {
  manual_seed(14);
  Tensor x = R({1, 2, 3, 3}), w = R({2, 2, 3, 3}), b = R({2});
  Geo2 g{.sh = 2, .sw = 2, .ph = 1, .pw = 1, .oph = 1, .opw = 1};
  auto expected = ref_conv_transpose2d(x, w, b, g);
  check_close(F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().bias(b).stride(2).padding(1).output_padding(1)),
              expected);
  check_close(xgrad::conv_transpose2d(x, w, b, 2, 1, 1), expected);
  Tensor u = F::conv_transpose2d(x.squeeze(0), w, b, cfg(g));
  CHECK(u.shape() == Shape{2, 6, 6});
  check_close(u, expected);
}

TEST_CASE("conv_transpose2d errors name the op, the shapes and the options") {
  Tensor x = randn({1, 2, 3, 3}), w = randn({2, 3, 2, 2});
  auto msg = message_of([&] { F::conv_transpose2d(x, w, Tensor(), {.stride = 2, .output_padding = 2}); });
  CHECK(contains(msg, "conv_transpose2d"));
  CHECK(contains(msg, "output padding must be smaller than either stride or dilation"));
  CHECK(contains(msg, "Float32 [1, 2, 3, 3]"));
  msg = message_of([&] { F::conv_transpose2d(randn({1, 3, 3, 3}), w); });
  CHECK(contains(msg, "expected input with 2 channels"));
  CHECK(contains(msg, "weight Float32 [2, 3, 2, 2]"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x, w, randn({2})); }), "bias of shape [3]"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x, w.to(kFloat64)); }), "same dtype"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x, w, Tensor(), {.padding = 3}); }), "output size"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(randn({2, 3, 3}).flatten(), w); }), "3-D (unbatched)"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x, randn({2, 3, 2})); }), "4-D weight"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x, w, Tensor(), {.groups = 4}); }), "divisible by groups"));
  CHECK(contains(message_of([&] { F::conv_transpose2d(x.to(kInt64), w); }), "Float32 or Float64"));
  CHECK_THROWS_AS(F::conv_transpose2d(x, w, Tensor(), {.stride = 0}), std::invalid_argument);
  CHECK_THROWS_AS(F::conv_transpose2d(Tensor(), w), std::invalid_argument);
}

TEST_CASE("nn::ConvTranspose2d: shapes, initialisation, output_size, repr") {
  manual_seed(15);
  nn::ConvTranspose2d up(nn::ConvTranspose2dOptions(4, 6, 3).stride(2).padding(1).groups(2));
  CHECK(up->weight.shape() == Shape{4, 3, 3, 3});
  CHECK(up->bias.shape() == Shape{6});
  // PyTorch's fan_in for the transposed weight is its dim 1 times the kernel: 3 * 9 = 27.
  const double bound = 1.0 / std::sqrt(27.0);
  for (double v : up->bias.to_vector<double>()) CHECK(std::abs(v) <= bound);
  for (double v : up->weight.to_vector<double>()) CHECK(std::abs(v) <= bound);  // kaiming(a=sqrt 5): 1/sqrt(fan_in)
  Tensor x = randn({2, 4, 5, 5});
  CHECK(up(x).shape() == Shape{2, 6, 9, 9});
  CHECK(up->forward(x, std::vector<std::int64_t>{10, 10}).shape() == Shape{2, 6, 10, 10});
  CHECK(up->forward(x, std::vector<std::int64_t>{2, 6, 9, 10}).shape() == Shape{2, 6, 9, 10});
  auto msg = message_of([&] { up->forward(x, std::vector<std::int64_t>{11, 10}); });
  CHECK(contains(msg, "valid sizes range from 9 to 10"));
  CHECK(up->type_name() == "ConvTranspose2d");
  CHECK(contains(up->extra_repr(), "4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2"));
  CHECK_THROWS_AS(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(4, 6, 3).padding_mode(nn::kReflect)),
                  std::invalid_argument);
  CHECK_THROWS_AS(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(3, 6, 3).groups(2)), std::invalid_argument);
  nn::ConvTranspose2d plain(2, 3, {2, 1});
  CHECK(plain->weight.shape() == Shape{2, 3, 2, 1});
  CHECK(plain(randn({2, 4, 4})).shape() == Shape{3, 5, 4});
}

TEST_CASE("conv_transpose1d and nn::ConvTranspose1d") {
  manual_seed(16);
  Tensor x = R({2, 2, 5}), w = R({2, 3, 3}), b = R({3});
  // The 1-D definition: y[n, co, o] += x[n, ci, l] w[ci, co, k] at o = 2 l - 1 + k.
  std::vector<double> expected(2 * 3 * 10, 0.0);
  auto xv = x.to_vector<double>(), wv = w.to_vector<double>(), bv = b.to_vector<double>();
  for (int n = 0; n < 2; ++n)
    for (int co = 0; co < 3; ++co)
      for (int o = 0; o < 10; ++o) expected[static_cast<std::size_t>((n * 3 + co) * 10 + o)] = bv[co];
  for (int n = 0; n < 2; ++n)
    for (int ci = 0; ci < 2; ++ci)
      for (int l = 0; l < 5; ++l)
        for (int co = 0; co < 3; ++co)
          for (int k = 0; k < 3; ++k) {
            const int o = 2 * l - 1 + k;
            if (o < 0 || o >= 10) continue;
            expected[static_cast<std::size_t>((n * 3 + co) * 10 + o)] +=
                xv[static_cast<std::size_t>((n * 2 + ci) * 5 + l)] *
                wv[static_cast<std::size_t>((ci * 3 + co) * 3 + k)];
          }
  auto o = F::ConvTranspose1dFuncOptions().bias(b).stride(2).padding(1).output_padding(1);
  check_close(F::conv_transpose1d(x, w, o), expected);
  check_close(xgrad::conv_transpose1d(x, w, b, 2, 1, 1), expected);
  CHECK(F::conv_transpose1d(x[0], w, o).shape() == Shape{3, 10});
  check_op("conv_transpose1d",
           [](X t) {
             return F::conv_transpose1d(t[0], t[1], F::ConvTranspose1dFuncOptions().bias(t[2]).stride(2).dilation(2));
           },
           {R({2, 2, 3}), R({2, 1, 2}), R({1})});
  nn::ConvTranspose1d m(nn::ConvTranspose1dOptions(2, 4, 3).stride(3));
  CHECK(m->weight.shape() == Shape{2, 4, 3});
  CHECK(m(randn({1, 2, 4})).shape() == Shape{1, 4, 12});
  CHECK(m->forward(randn({1, 2, 4}), std::vector<std::int64_t>{14}).shape() == Shape{1, 4, 14});
  CHECK(contains(message_of([&] { F::conv_transpose1d(randn({2, 5}), randn({2, 3, 3, 1})); }), "conv_transpose1d"));
}

TEST_CASE("conv1d matches its definition and is differentiable to second order") {
  manual_seed(17);
  Tensor x = R({2, 4, 9}), w = R({6, 2, 3}), b = R({6});
  auto fo = F::Conv1dFuncOptions().bias(b).stride(2).padding(1).dilation(2).groups(2);
  // conv1d is conv2d on height-1 data: the 2-D definition with kh = 1 is an independent reference.
  check_close(F::conv1d(x, w, fo), ref_conv2d(x.unsqueeze(2), w.unsqueeze(2), b, 0, 0, 1, 1, 1, 2, 1, 2, 2));
  check_close(xgrad::conv1d(x, w, b, 2, 1, 2, 2), F::conv1d(x, w, fo).to_vector<double>());
  CHECK(F::conv1d(x[0], w, fo).shape() == Shape{6, 4});
  check_op("conv1d", [](X t) { return F::conv1d(t[0], t[1], F::Conv1dFuncOptions().bias(t[2]).stride(2).padding(1)); },
           {R({2, 2, 7}), R({3, 2, 3}), R({3})});
  check_op("conv1d same", [](X t) { return F::conv1d(t[0], t[1], F::Conv1dFuncOptions().padding(kSame)); },
           {R({1, 2, 5}), R({2, 2, 4})});
  auto msg = message_of([&] { F::conv1d(randn({2, 3, 5}), randn({4, 2, 3})); });
  CHECK(contains(msg, "conv1d"));
  CHECK(contains(msg, "Float32 [2, 3, 5]"));
  CHECK(contains(message_of([&] { F::conv1d(randn({2, 3, 5, 1}), randn({4, 3, 3})); }), "3-D (batched) input"));
}

TEST_CASE("nn::Conv1d: shapes, initialisation and repr") {
  manual_seed(18);
  nn::Conv1d c(nn::Conv1dOptions(4, 8, 3).stride(2).padding(1));
  CHECK(c->weight.shape() == Shape{8, 4, 3});
  for (double v : c->bias.to_vector<double>()) CHECK(std::abs(v) <= 1.0 / std::sqrt(12.0));
  CHECK(c(randn({2, 4, 10})).shape() == Shape{2, 8, 5});
  CHECK(c->extra_repr() == "4, 8, kernel_size=(3,), stride=(2,), padding=(1,)");
  nn::Conv1d same(nn::Conv1dOptions(2, 2, 4).padding(kSame).dilation(3).bias(false));
  CHECK(same(randn({1, 2, 11})).shape() == Shape{1, 2, 11});
  CHECK(!same->bias.defined());
  CHECK_THROWS_AS(nn::Conv1d(nn::Conv1dOptions(2, 2, 3).padding(kSame).stride(2)), std::invalid_argument);
  CHECK_THROWS_AS(nn::Conv1d(3, 2, 0), std::invalid_argument);
}

TEST_CASE("conv2d padding kSame pads as PyTorch, odd extra at the bottom / right") {
  manual_seed(19);
  Tensor x = R({2, 2, 5, 6}), w = R({3, 2, 4, 3}), b = R({3});
  // kernel 4 (dilation 1): total 3 -> top 1, bottom 2; kernel 3 dilation 2: total 4 -> 2, 2.
  auto fo = F::Conv2dFuncOptions().bias(b).padding(kSame).dilation({1, 2});
  Tensor y = F::conv2d(x, w, fo);
  CHECK(y.shape() == Shape{2, 3, 5, 6});
  check_close(y, ref_conv2d(x, w, b, 1, 2, 2, 2, 1, 2));
  check_close(xgrad::conv2d(x, w, b, 1, kSame, {1, 2}), y.to_vector<double>());
  Tensor v = F::conv2d(x, w, F::Conv2dFuncOptions().padding(kValid));
  CHECK(v.shape() == Shape{2, 3, 2, 4});
  check_close(v, ref_conv2d(x, w, Tensor(), 0, 0, 0, 0));
  check_op("conv2d same even kernel",
           [](X t) { return F::conv2d(t[0], t[1], F::Conv2dFuncOptions().bias(t[2]).padding(kSame)); },
           {R({1, 2, 4, 3}), R({2, 2, 2, 4}), R({2})});
  auto msg = message_of([&] { F::conv2d(x, w, F::Conv2dFuncOptions().padding(kSame).stride(2)); });
  CHECK(contains(msg, "padding='same' is not supported for strided convolutions"));
  CHECK(contains(msg, "Float64 [2, 2, 5, 6]"));
}

TEST_CASE("nn::Conv2d with padding kSame / kValid") {
  manual_seed(20);
  nn::Conv2d c(nn::Conv2dOptions(2, 3, {2, 5}).padding(kSame));
  Tensor x = randn({1, 2, 6, 7});
  CHECK(c(x).shape() == Shape{1, 3, 6, 7});
  check_close(c(x), ref_conv2d(x, c->weight, c->bias, 0, 1, 2, 2), 1e-5);
  CHECK(contains(c->extra_repr(), "padding=same"));
  CHECK(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(kValid))(x).shape() == Shape{1, 3, 4, 5});
  CHECK_THROWS_AS(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(kSame).stride({1, 2})), std::invalid_argument);
}

TEST_CASE("conv3d matches its definition; nn::Conv3d") {
  manual_seed(21);
  Tensor x = R({2, 4, 5, 4, 6}), w = R({2, 2, 3, 2, 3}), b = R({2});
  const std::int64_t sd = 2, pd = 1, dd = 1, sh = 1, ph = 0, dh = 2, sw = 2, pw = 1, dw = 1;
  auto fo = F::Conv3dFuncOptions().bias(b).stride({sd, sh, sw}).padding({pd, ph, pw}).dilation({dd, dh, dw}).groups(2);
  Tensor y = F::conv3d(x, w, fo);
  const std::int64_t Do = (5 + 2 * pd - dd * 2 - 1) / sd + 1, Ho = (4 + 2 * ph - dh * 1 - 1) / sh + 1,
                     Wo = (6 + 2 * pw - dw * 2 - 1) / sw + 1;
  CHECK(y.shape() == Shape{2, 2, Do, Ho, Wo});
  // The definition, with groups of 2 input channels per output channel.
  auto xv = x.to_vector<double>(), wv = w.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> expected;
  for (std::int64_t n = 0; n < 2; ++n)
    for (std::int64_t co = 0; co < 2; ++co)
      for (std::int64_t od = 0; od < Do; ++od)
        for (std::int64_t oh = 0; oh < Ho; ++oh)
          for (std::int64_t ow = 0; ow < Wo; ++ow) {
            double s = bv[static_cast<std::size_t>(co)];
            for (std::int64_t ci = 0; ci < 2; ++ci)
              for (std::int64_t a = 0; a < 3; ++a)
                for (std::int64_t i = 0; i < 2; ++i)
                  for (std::int64_t j = 0; j < 3; ++j) {
                    const auto id = od * sd - pd + a * dd, ih = oh * sh - ph + i * dh, iw = ow * sw - pw + j * dw;
                    if (id < 0 || id >= 5 || ih < 0 || ih >= 4 || iw < 0 || iw >= 6) continue;
                    s += xv[static_cast<std::size_t>((((n * 4 + co * 2 + ci) * 5 + id) * 4 + ih) * 6 + iw)] *
                         wv[static_cast<std::size_t>((((co * 2 + ci) * 3 + a) * 2 + i) * 3 + j)];
                  }
            expected.push_back(s);
          }
  check_close(y, expected);
  check_close(xgrad::conv3d(x, w, b, {sd, sh, sw}, {pd, ph, pw}, {dd, dh, dw}, 2), expected);
  CHECK(F::conv3d(x[0], w, fo).shape() == Shape{2, Do, Ho, Wo});
  check_op("conv3d",
           [](X t) {
             return F::conv3d(t[0], t[1], F::Conv3dFuncOptions().bias(t[2]).stride({2, 1, 1}).padding(1));
           },
           {R({1, 2, 3, 3, 2}), R({2, 2, 2, 2, 1}), R({2})});
  auto msg = message_of([&] { F::conv3d(x, R({2, 3, 3, 2, 3})); });
  CHECK(contains(msg, "conv3d: expected input with 3 channels, got 4"));
  CHECK(contains(msg, "Float64 [2, 4, 5, 4, 6]"));
  CHECK(contains(message_of([&] { F::conv3d(x, w, F::Conv3dFuncOptions().groups(2).padding(-1)); }), "non-negative"));
  nn::Conv3d m(nn::Conv3dOptions(4, 6, {3, 1, 2}).stride(2).groups(2));
  CHECK(m->weight.shape() == Shape{6, 2, 3, 1, 2});
  for (double v : m->bias.to_vector<double>()) CHECK(std::abs(v) <= 1.0 / std::sqrt(12.0));
  CHECK(m(randn({1, 4, 5, 3, 4})).shape() == Shape{1, 6, 2, 2, 2});
  CHECK(m->extra_repr() == "4, 6, kernel_size=(3, 1, 2), stride=(2, 2, 2), groups=2");
}
