// F::pad's reflect / replicate / circular modes, the padding layers and the convolutions'
// padding_mode (issue 23). Values against hand-written results and index loops written here,
// one check_op line per mode and rank (gradcheck + gradgradcheck in Float64, Float32
// agreement), node names, and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"
#include "text_checks.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using xgrad_test::check_op;
using X = const tensor_list&;

namespace {

Tensor R(const Shape& shape) { return randn(shape, kFloat64); }
Tensor V(std::vector<double> v, const Shape& shape) { return tensor(v).reshape(shape); }

void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  std::vector<double> v = t.contiguous().to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(tol));
}

// Where padded position o (of n + before + after) reads from, by walking: reflect bounces off
// the edges, replicate stops at them, circular steps around the ring.
std::int64_t source(const std::string& mode, std::int64_t n, std::int64_t before, std::int64_t o) {
  std::int64_t i = 0, dir = 1;
  std::int64_t steps = o - before;  // from input position 0
  if (mode == "circular") {
    while (steps < 0) steps += n;
    return steps % n;
  }
  if (steps < 0) {
    dir = -1;
    steps = -steps;
  }
  for (std::int64_t s = 0; s < steps; ++s) {
    if (mode == "replicate") {
      i = std::clamp<std::int64_t>(i + dir, 0, n - 1);
    } else {  // reflect
      if (i + dir < 0 || i + dir >= n) dir = -dir;
      i += dir;
    }
  }
  return i;
}

// The 2-D padding of a [B, H, W] input by loops over source().
std::vector<double> ref_pad2d(const Tensor& x, const std::vector<std::int64_t>& w, const std::string& mode) {
  const auto B = x.size(0), H = x.size(1), W = x.size(2);
  const auto Ho = H + w[2] + w[3], Wo = W + w[0] + w[1];
  auto xv = x.contiguous().to_vector<double>();
  std::vector<double> out;
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t i = 0; i < Ho; ++i)
      for (std::int64_t j = 0; j < Wo; ++j)
        out.push_back(xv[static_cast<std::size_t>((b * H + source(mode, H, w[2], i)) * W + source(mode, W, w[0], j))]);
  return out;
}

}  // namespace

TEST_CASE("F::pad 1-D modes on [1 2 3]") {
  Tensor x = V({1, 2, 3}, {1, 1, 3});
  check_close(F::pad(x, F::PadFuncOptions({2, 2}).mode(kReflect)), {3, 2, 1, 2, 3, 2, 1});
  check_close(F::pad(x, F::PadFuncOptions({2, 1}).mode(kReplicate)), {1, 1, 1, 2, 3, 3});
  check_close(F::pad(x, F::PadFuncOptions({1, 3}).mode(kCircular)), {3, 1, 2, 3, 1, 2, 3});
  check_close(F::pad(x, F::PadFuncOptions({1, 2}).value(7)), {7, 1, 2, 3, 7, 7});
  check_close(F::pad(x, {0, -1}, kReflect), {1, 2});  // negative widths crop
  CHECK(F::pad(x, {2, 2}, kReflect).shape() == Shape{1, 1, 7});
}

TEST_CASE("F::pad 2-D and 3-D modes match index loops") {
  manual_seed(31);
  for (const char* mode : {"reflect", "replicate", "circular"}) {
    const nn::PaddingMode m = std::string(mode) == "reflect"     ? kReflect
                              : std::string(mode) == "replicate" ? kReplicate
                                                                 : kCircular;
    for (const std::vector<std::int64_t>& w :
         {std::vector<std::int64_t>{1, 2, 3, 0}, {0, 0, 2, 2}, {2, -1, -1, 3}, {3, 3, 1, 1}}) {
      if (std::string(mode) == "reflect" && w[0] == 3) continue;  // needs width < size 4
      Tensor x = R({2, 3, 4, 4});
      Tensor y = F::pad(x, w, m);
      CHECK(y.shape() == Shape{2, 3, 4 + w[2] + w[3], 4 + w[0] + w[1]});
      check_close(y, ref_pad2d(x.reshape({6, 4, 4}), w, mode));
      check_close(F::pad(x[1], w, m), ref_pad2d(x[1], w, mode));  // unbatched [C, H, W]
    }
  }
  // 3-D: the depth dim pads like the others (a reflect of a [1, 1, 2, 1, 1] input by depth 1).
  Tensor z = V({1, 2}, {1, 1, 2, 1, 1});
  check_close(F::pad(z, {0, 0, 0, 0, 1, 1}, kReflect), {2, 1, 2, 1});
  check_close(F::pad(z, {0, 0, 0, 0, 2, 1}, kCircular), {1, 2, 1, 2, 1});
  check_close(F::pad(z, {1, 0, 0, 0, 0, 0}, kReplicate), {1, 1, 2, 2});
}

TEST_CASE("F::pad: gradcheck and gradgradcheck for every mode and rank") {
  manual_seed(32);
  for (auto m : {kReflect, kReplicate, kCircular}) {
    const std::string name = std::string("pad ") + nn::to_string(m);
    check_op(name + " 1d", [m](X t) { return F::pad(t[0], {2, 1}, m); }, {R({2, 3, 4})});
    check_op(name + " 2d", [m](X t) { return F::pad(t[0], {1, 2, 2, 0}, m); }, {R({1, 2, 3, 3})});
    check_op(name + " 2d cropping", [m](X t) { return F::pad(t[0], {-1, 2, 1, -1}, m); }, {R({2, 3, 3})});
    check_op(name + " 3d", [m](X t) { return F::pad(t[0], {1, 0, 0, 1, 1, 1}, m); }, {R({1, 1, 2, 3, 2})});
    check_op(name + " strided", [m](X t) { return F::pad(t[0].transpose(1, 2), {1, 1, 1, 1}, m); }, {R({2, 4, 3})});
  }
  // Replicate and circular at the limits (a whole extra copy of the dim).
  check_op("pad circular full", [](X t) { return F::pad(t[0], {3, 3}, kCircular); }, {R({1, 2, 3})});
  check_op("pad replicate size 1", [](X t) { return F::pad(t[0], {2, 3, 1, 0}, kReplicate); }, {R({1, 1, 1})});
}

TEST_CASE("F::pad names its nodes as PyTorch") {
  Tensor x = randn({1, 2, 3, 3}).requires_grad_();
  Tensor y = F::pad(x, {1, 1, 1, 1}, kReflect);
  CHECK(y.grad_fn()->name() == "ReflectionPad2dBackward0");
  CHECK(F::pad(x[0], {1, 1}, kReplicate).grad_fn()->name() == "ReplicationPad1dBackward0");
  CHECK(F::pad(x.unsqueeze(0), {1, 1, 1, 1, 1, 1}, kReplicate).grad_fn()->name() == "ReplicationPad3dBackward0");
  CHECK(F::pad(x[0], {1, 1}, kCircular).grad_fn()->name() == "CircularPad1dBackward0");
  Tensor g = autograd::grad({y}, {x}, {ones_like(y).requires_grad_()}, true, true)[0];
  CHECK(g.grad_fn()->name() == "ReflectionPad2dBackwardBackward0");
  // Each input element's gradient counts the output positions that read it.
  Tensor one = ones({1, 1, 3}).requires_grad_();
  F::pad(one, {2, 2}, kReflect).sum().backward();
  check_close(one.grad(), {2, 3, 2});  // [3 2 | 1 2 3 | 2 1]
}

TEST_CASE("F::pad errors name the mode, the widths and the input") {
  Tensor x = randn({1, 2, 3, 3});
  auto msg = message_of([&] { F::pad(x, {3, 0, 0, 0}, kReflect); });
  CHECK(contains(msg, "pad: reflect padding (3, 0) must be < the size of dim 3 (size 3)"));
  CHECK(contains(msg, "Float32 [1, 2, 3, 3]"));
  CHECK(contains(message_of([&] { F::pad(x[0], {4, 0}, kCircular); }), "wrap around more than once"));
  CHECK(contains(message_of([&] { F::pad(x, {1, 1, 1}, kReplicate); }), "2, 4 or 6 widths"));
  CHECK(contains(message_of([&] {
                   F::pad(x, {1, 1}, kReplicate);
                 }),
                 "padding 1 dims expects a 2-D (unbatched) or 3-D (batched) input"));
  CHECK(contains(message_of([&] { F::pad(randn({3}), {1, 1}, kReflect); }), "2-D (unbatched) or 3-D (batched)"));
  CHECK(contains(message_of([&] { F::pad(x[0], {-2, -2}, kReplicate); }), "output size of dim 2 (size 3) would be -1"));
  CHECK(contains(message_of([&] { F::pad(randn({2, 0, 3}), {1, 1, 1, 1}, kReplicate); }), "is empty"));
  CHECK(contains(message_of([&] { F::pad(x, {1, 1}, kZeros); }), "kConstant"));
  CHECK_THROWS_AS(F::pad(Tensor(), {1, 1}, kReflect), std::invalid_argument);
}

TEST_CASE("F::pad keeps Int64 values") {
  Tensor x = tensor(std::vector<std::int64_t>{4, 5, 6}).reshape({1, 3});
  Tensor y = F::pad(x, {1, 1}, kReflect);
  CHECK(y.dtype() == kInt64);
  CHECK(y.to_vector<std::int64_t>() == std::vector<std::int64_t>{5, 4, 5, 6, 5});
}

TEST_CASE("padding layers") {
  manual_seed(33);
  Tensor x = R({2, 3, 4, 5});
  nn::ReflectionPad2d rp(nn::ReflectionPad2dOptions({1, 2, 3, 0}));
  check_close(rp(x), ref_pad2d(x.reshape({6, 4, 5}), {1, 2, 3, 0}, "reflect"));
  CHECK(rp->type_name() == "ReflectionPad2d");
  CHECK(rp->extra_repr() == "(1, 2, 3, 0)");
  nn::ReplicationPad2d rep(2);
  check_close(rep(x), ref_pad2d(x.reshape({6, 4, 5}), {2, 2, 2, 2}, "replicate"));
  nn::ReflectionPad1d r1(2);
  check_close(r1(V({1, 2, 3}, {1, 3})), {3, 2, 1, 2, 3, 2, 1});
  nn::ReplicationPad1d p1(nn::ReplicationPad1dOptions({0, 2}));
  check_close(p1(V({1, 2, 3}, {1, 3})), {1, 2, 3, 3, 3});
  nn::CircularPad1d c1(1);
  check_close(c1(V({1, 2, 3}, {1, 3})), {3, 1, 2, 3, 1});
  nn::ZeroPad2d z(nn::ZeroPad2dOptions({1, 0, 0, 1}));
  check_close(z(V({1, 2, 3, 4}, {2, 2})), {0, 1, 2, 0, 3, 4, 0, 0, 0});
  nn::ConstantPad1d k(nn::ConstantPad1dOptions(1, 0.5));
  check_close(k(V({1, 2}, {1, 2})), {0.5, 1, 2, 0.5});
  CHECK(k->extra_repr() == "padding=(1, 1), value=0.5");
  nn::ConstantPad2d k2(nn::ConstantPad2dOptions({0, 1, 1, 0}, -1));
  check_close(k2(V({1, 2}, {1, 2})), {-1, -1, -1, 1, 2, -1});
  nn::ReplicationPad3d p3(1);
  CHECK(p3(randn({1, 2, 2, 2})).shape() == Shape{1, 4, 4, 4});
  CHECK_THROWS_AS(nn::ReflectionPad2d(nn::ReflectionPad2dOptions({1, 2})), std::invalid_argument);
  nn::Sequential seq(nn::ReflectionPad2d(1), nn::Conv2d(3, 2, 3));
  CHECK(seq->forward(x.to(kFloat32)).shape() == Shape{2, 2, 4, 5});
}

TEST_CASE("Conv2d / Conv1d padding_mode pads the input in that mode, then convolves") {
  manual_seed(34);
  Tensor x = randn({2, 2, 5, 4});
  for (auto m : {kReflect, kReplicate, kCircular}) {
    nn::Conv2d c(nn::Conv2dOptions(2, 3, 3).padding({1, 2}).padding_mode(m));
    Tensor expected = F::conv2d(F::pad(x, {2, 2, 1, 1}, m), c->weight, c->bias);
    Tensor y = c(x);
    CHECK(y.shape() == Shape{2, 3, 5, 6});
    check_close(y, expected.to_vector<double>(), 1e-6);
    CHECK(contains(c->extra_repr(), std::string("padding_mode=") + nn::to_string(m)));
    // "same" with an even kernel pads (1, 2) in the mode.
    nn::Conv2d s(nn::Conv2dOptions(2, 1, {4, 1}).padding(kSame).padding_mode(m));
    check_close(s(x), F::conv2d(F::pad(x, {0, 0, 1, 2}, m), s->weight, s->bias).to_vector<double>(), 1e-6);
    nn::Conv1d c1(nn::Conv1dOptions(2, 2, 3).padding(2).dilation(2).padding_mode(m));
    Tensor x1 = randn({1, 2, 6});
    check_close(c1(x1),
                F::conv1d(F::pad(x1, {2, 2}, m), c1->weight, F::Conv1dFuncOptions().bias(c1->bias).dilation(2))
                    .to_vector<double>(),
                1e-6);
  }
  check_op("conv2d of a circular pad",
           [](X t) {
             return F::conv2d(F::pad(t[0], {1, 1, 1, 1}, kCircular), t[1]);
           },
           {R({1, 1, 4, 4}), R({2, 1, 3, 3})});
  // Reflect needs padding < size: the error names pad and the sizes.
  nn::Conv2d r(nn::Conv2dOptions(1, 1, 3).padding(3).padding_mode(kReflect));
  CHECK(contains(message_of([&] { r(randn({1, 1, 3, 3})); }), "reflect padding (3, 3) must be < the size"));
  CHECK_THROWS_AS(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding_mode(kConstant)), std::invalid_argument);
}
