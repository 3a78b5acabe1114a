// F::interpolate and nn::Upsample (issue 23): values against PyTorch's documented results and
// against naive references written here from PyTorch's source-index formulas, scale_factor vs
// recompute_scale_factor, grad_fn names, check_op (gradcheck + gradgradcheck in Float64,
// Float32 agreement) and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using Vec = std::vector<double>;
using xgrad_test::check_op;

namespace {

void check_values(const Tensor& t, const Vec& expected, double eps = 1e-12) {
  Vec v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

// Naive bilinear resampling of one [H, W] plane (Float64), PyTorch's formulas written out.
Vec naive_bilinear(const Vec& x, std::int64_t H, std::int64_t W, std::int64_t Ho, std::int64_t Wo, bool align,
                   double sh = 0, double sw = 0) {
  auto src = [&](std::int64_t dst, std::int64_t in, std::int64_t out, double scale) {
    if (in == out) return double(dst);
    if (align) return out > 1 ? double(in - 1) / double(out - 1) * double(dst) : 0.0;
    const double r = scale > 0 ? 1.0 / scale : double(in) / double(out);
    return std::max(r * (double(dst) + 0.5) - 0.5, 0.0);
  };
  Vec y;
  for (std::int64_t i = 0; i < Ho; ++i)
    for (std::int64_t j = 0; j < Wo; ++j) {
      const double fh = src(i, H, Ho, sh), fw = src(j, W, Wo, sw);
      const auto h0 = std::int64_t(std::floor(fh)), w0 = std::int64_t(std::floor(fw));
      const std::int64_t h1 = std::min(h0 + 1, H - 1), w1 = std::min(w0 + 1, W - 1);
      const double lh = fh - double(h0), lw = fw - double(w0);
      auto at = [&](std::int64_t h, std::int64_t w) { return x[std::size_t(h * W + w)]; };
      y.push_back((1 - lh) * ((1 - lw) * at(h0, w0) + lw * at(h0, w1)) +
                  lh * ((1 - lw) * at(h1, w0) + lw * at(h1, w1)));
    }
  return y;
}

}  // namespace

TEST_CASE("interpolate matches PyTorch's documented 2x results") {
  Tensor x = tensor(Vec{1, 2, 3, 4}, {1, 1, 2, 2});
  check_values(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2})),
               {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  check_values(F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}).mode(nn::kBilinear)),
               {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
  check_values(F::interpolate(x, F::InterpolateFuncOptions().size({4, 4}).mode(nn::kBilinear).align_corners(true)),
               {1, 4. / 3, 5. / 3, 2, 5. / 3, 2, 7. / 3, 8. / 3, 7. / 3, 8. / 3, 3, 10. / 3, 3, 10. / 3, 11. / 3, 4});
  // linear on [N, C, L]
  check_values(F::interpolate(tensor(Vec{1, 2}, {1, 1, 2}), F::InterpolateFuncOptions().size({4}).mode(nn::kLinear)),
               {1, 1.25, 1.75, 2});
}

TEST_CASE("interpolate bilinear matches the naive formula for many sizes, both align_corners") {
  manual_seed(6);
  for (auto [H, W, Ho, Wo] : std::vector<std::array<std::int64_t, 4>>{
           {3, 4, 7, 5}, {5, 5, 3, 2}, {4, 3, 4, 9}, {2, 6, 1, 1}, {6, 2, 11, 3}}) {
    Tensor x = randn({1, 1, H, W}, kFloat64);
    for (bool align : {false, true}) {
      auto o = F::InterpolateFuncOptions().size({Ho, Wo}).mode(nn::kBilinear).align_corners(align);
      check_values(F::interpolate(x, o), naive_bilinear(x.to_vector<double>(), H, W, Ho, Wo, align), 1e-10);
    }
  }
}

TEST_CASE("interpolate with a scale_factor uses it unless recompute_scale_factor") {
  // in 5, scale 1.7: out floor(8.5) = 8. The kernel's ratio is 1 / 1.7 (= 0.588), or 5 / 8 when
  // recomputed; nearest output 5 reads floor(5 * 0.588) = 2 or floor(5 * 0.625) = 3.
  Tensor x = arange(5, kFloat64).reshape({1, 1, 5});
  auto o = F::InterpolateFuncOptions().scale_factor({1.7});
  check_values(F::interpolate(x, o), {0, 0, 1, 1, 2, 2, 3, 4});
  check_values(F::interpolate(x, o.recompute_scale_factor(true)), {0, 0, 1, 1, 2, 3, 3, 4});
  // bilinear with a scale: the naive formula with the user's scale
  Tensor y = arange(12, kFloat64).reshape({1, 1, 3, 4});
  auto b = F::InterpolateFuncOptions().scale_factor({1.5, 2.3}).mode(nn::kBilinear);
  Tensor out = F::interpolate(y, b);
  CHECK(out.shape() == Shape{1, 1, 4, 9});
  check_values(out, naive_bilinear(y.to_vector<double>(), 3, 4, 4, 9, false, 1.5, 2.3), 1e-10);
  check_values(F::interpolate(y, b.recompute_scale_factor(true)),
               naive_bilinear(y.to_vector<double>(), 3, 4, 4, 9, false), 1e-10);
}

TEST_CASE("interpolate nearest: PyTorch's index rule, nearest-exact and area") {
  Tensor x = arange(7, kFloat64).reshape({1, 1, 7});
  // downsampling 7 -> 3: src = floor(dst * 7 / 3) = 0, 2, 4
  check_values(F::interpolate(x, F::InterpolateFuncOptions().size({3})), {0, 2, 4});
  // nearest-exact: floor((dst + 0.5) * 7 / 3) = 1, 3, 5
  check_values(F::interpolate(x, F::InterpolateFuncOptions().size({3}).mode(nn::kNearestExact)), {1, 3, 5});
  // area = adaptive average pooling: bins [0, 3), [2, 5), [4, 7)
  check_values(F::interpolate(x, F::InterpolateFuncOptions().size({3}).mode(nn::kArea)), {1, 3, 5});
  Tensor img = arange(6, kFloat32).reshape({1, 1, 2, 3});
  check_values(F::interpolate(img, F::InterpolateFuncOptions().size({3, 2})), {0, 1, 0, 1, 3, 4});
}

TEST_CASE("interpolate gradients: named nodes, the transpose of the map, second order") {
  Tensor x = tensor(Vec{1, 2, 3, 4}, {1, 1, 2, 2}).requires_grad_();
  Tensor y = F::interpolate(x, F::InterpolateFuncOptions().scale_factor({2, 2}));
  CHECK(y.grad_fn()->name() == "UpsampleNearest2DBackward0");
  y.sum().backward();
  check_values(x.grad(), {4, 4, 4, 4});
  auto bil = F::InterpolateFuncOptions().size({3, 5}).mode(nn::kBilinear);
  CHECK(F::interpolate(x, bil).grad_fn()->name() == "UpsampleBilinear2DBackward0");
  Tensor l = tensor(Vec{1, 2, 3}, {1, 1, 3}).requires_grad_();
  CHECK(F::interpolate(l, F::InterpolateFuncOptions().size({5}).mode(nn::kLinear)).grad_fn()->name() ==
        "UpsampleLinear1DBackward0");
  CHECK(F::interpolate(l, F::InterpolateFuncOptions().size({5})).grad_fn()->name() == "UpsampleNearest1DBackward0");

  manual_seed(7);
  Tensor a = randn({2, 3, 4, 5}, kFloat64);
  for (bool align : {false, true}) {
    check_op(align ? "bilinear align_corners" : "bilinear",
             [align](const tensor_list& t) {
               return F::interpolate(t[0],
                                     F::InterpolateFuncOptions().size({7, 3}).mode(nn::kBilinear).align_corners(align));
             },
             {a});
  }
  check_op("bilinear scale_factor non-contiguous",
           [](const tensor_list& t) {
             return F::interpolate(t[0].transpose(2, 3),
                                   F::InterpolateFuncOptions().scale_factor({1.5, 2}).mode(nn::kBilinear));
           },
           {a});
  check_op("nearest 2d",
           [](const tensor_list& t) {
             return F::interpolate(t[0], F::InterpolateFuncOptions().size({7, 3}));
           },
           {a});
  check_op("nearest-exact 2d",
           [](const tensor_list& t) {
             return F::interpolate(t[0], F::InterpolateFuncOptions().scale_factor({0.5, 1.5}).mode(nn::kNearestExact));
           },
           {a});
  Tensor s = randn({2, 3, 5}, kFloat64);
  check_op("linear 1d",
           [](const tensor_list& t) {
             return F::interpolate(t[0], F::InterpolateFuncOptions().size({8}).mode(nn::kLinear));
           },
           {s});
  check_op("nearest 1d",
           [](const tensor_list& t) { return F::interpolate(t[0], F::InterpolateFuncOptions().scale_factor({2.5})); },
           {s});
}

TEST_CASE("Upsample module") {
  nn::Upsample up(nn::UpsampleOptions().scale_factor({2, 2}).mode(nn::kBilinear).align_corners(false));
  Tensor x = tensor(Vec{1, 2, 3, 4}, {1, 1, 2, 2});
  check_values(up(x), {1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4});
  CHECK(up->parameters().empty());
  nn::Upsample by_size(nn::UpsampleOptions().size({3, 3}));
  CHECK(by_size(x).shape() == Shape{1, 1, 3, 3});
  std::ostringstream os;
  os << *up;
  CHECK(os.str() == "Upsample(scale_factor=(2, 2), mode='bilinear')");
}

TEST_CASE("interpolate refuses bad arguments, naming the op, shapes and dtypes") {
  Tensor x = zeros({1, 2, 3, 4});
  using O = F::InterpolateFuncOptions;
  CHECK_THROWS_WITH_AS(F::interpolate(x, O()), doctest::Contains("either size or scale_factor should be defined"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(x, O().size({2, 2}).scale_factor({2, 2})),
                       doctest::Contains("only one of size or scale_factor"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(x, O().size({2})),
                       doctest::Contains("(input Float32 [1, 2, 3, 4], mode=nearest, size=[2])"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(x, O().size({2, 2}).mode(nn::kLinear)),
                       doctest::Contains("Got 4D input, but linear mode needs 3D input"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(zeros({1, 2, 3}), O().size({2}).mode(nn::kBilinear)),
                       doctest::Contains("Got 3D input, but bilinear mode needs 4D input"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(x, O().size({2, 2}).align_corners(true)),
                       doctest::Contains("align_corners option can only be set"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(x, O().scale_factor({0.1, 1})),
                       doctest::Contains("sizes should be greater than 0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(zeros({1, 2, 3}, kInt64), O().size({2})),
                       doctest::Contains("input must be Float32 or Float64"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::interpolate(zeros({2, 3}), O().size({2})), doctest::Contains("expected a 3-D"),
                       std::invalid_argument);
}

TEST_CASE("interpolate agrees with LibTorch 1.13 (values printed by it, 4 decimals)") {
  Tensor y = arange(12, kFloat64).reshape({1, 1, 3, 4});
  const Vec bil = {0,      0.1522, 0.5870, 1.0217, 1.4565, 1.8913, 2.3261, 2.7609, 3.0000, 2.0000, 2.1522,  2.5870,
                   3.0217, 3.4565, 3.8913, 4.3261, 4.7609, 5.0000, 4.6667, 4.8188, 5.2536, 5.6884, 6.1232,  6.5580,
                   6.9928, 7.4275, 7.6667, 7.3333, 7.4855, 7.9203, 8.3551, 8.7899, 9.2246, 9.6594, 10.0942, 10.3333};
  auto o = F::InterpolateFuncOptions().scale_factor({1.5, 2.3}).mode(nn::kBilinear).align_corners(false);
  for (Dtype dt : {kFloat64, kFloat32}) {
    const Vec v = F::interpolate(y.to(dt), o).to_vector<double>();
    REQUIRE(v.size() == bil.size());
    for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(bil[i]).epsilon(1e-4));
  }
  const Vec bila = {0,      0.7500, 1.5000, 2.2500, 3.0000, 1.3333, 2.0833, 2.8333, 3.5833, 4.3333,
                    2.6667, 3.4167, 4.1667, 4.9167, 5.6667, 4.0000, 4.7500, 5.5000, 6.2500, 7.0000};
  auto a = F::InterpolateFuncOptions().size({7, 5}).mode(nn::kBilinear).align_corners(true);
  const Vec v = F::interpolate(y, a).to_vector<double>();
  for (std::size_t i = 0; i < bila.size(); ++i) CHECK(v[i] == doctest::Approx(bila[i]).epsilon(1e-4));
}

TEST_CASE("LibTorch's top-level spellings") {
  Tensor x = arange(12, kFloat64).reshape({1, 1, 3, 4});
  auto o = F::InterpolateFuncOptions().scale_factor({1.5, 2.3}).mode(nn::kBilinear).align_corners(false);
  CHECK(allclose(xgrad::upsample_bilinear2d(x, {4, 9}, false, 1.5, 2.3), F::interpolate(x, o)));
  CHECK(allclose(xgrad::upsample_nearest2d(x, {5, 5}), F::interpolate(x, F::InterpolateFuncOptions().size({5, 5}))));
  Tensor l = arange(5, kFloat64).reshape({1, 1, 5});
  CHECK(xgrad::upsample_nearest1d(l, {8}, 1.7).to_vector<double>() == Vec{0, 0, 1, 1, 2, 2, 3, 4});
  CHECK(xgrad::upsample_linear1d(l, {9}, true).to_vector<double>() == Vec{0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4});
  auto [v, i] = xgrad::adaptive_max_pool2d(x, {1, 2});
  CHECK(v.to_vector<double>() == Vec{9, 11});
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{9, 11});
  CHECK(allclose(xgrad::adaptive_avg_pool2d(x, 1), x.mean().reshape({1, 1, 1, 1})));
  Tensor g = randn({2, 4, 3}, kFloat64);
  CHECK(allclose(xgrad::group_norm(g, 2), F::group_norm(g, 2)));
  CHECK(allclose(xgrad::instance_norm(g, {}, {}, {}, {}, true, 0.1, 1e-5, false), F::instance_norm(g)));
}
