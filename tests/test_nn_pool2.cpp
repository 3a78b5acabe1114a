// Adaptive pooling (issue 23): values against naive references written here with PyTorch's
// bins [floor(i * in / out), ceil((i + 1) * in / out)), indices, None sizes, unbatched inputs,
// the modules, check_op (gradcheck + gradgradcheck in Float64, Float32 agreement) and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
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

// Naive adaptive pooling of x [P, H, W] (row-major values) to [P, Ho, Wo]; max also gives indices.
struct Pooled {
  Vec values;
  std::vector<std::int64_t> indices;
};
Pooled naive_adaptive(const Vec& x, std::int64_t P, std::int64_t H, std::int64_t W, std::int64_t Ho, std::int64_t Wo,
                      bool max) {
  Pooled r;
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t i = 0; i < Ho; ++i)
      for (std::int64_t j = 0; j < Wo; ++j) {
        const auto h0 = static_cast<std::int64_t>(std::floor(double(i * H) / double(Ho)));
        const auto h1 = static_cast<std::int64_t>(std::ceil(double((i + 1) * H) / double(Ho)));
        const auto w0 = static_cast<std::int64_t>(std::floor(double(j * W) / double(Wo)));
        const auto w1 = static_cast<std::int64_t>(std::ceil(double((j + 1) * W) / double(Wo)));
        double acc = max ? -INFINITY : 0.0;
        std::int64_t at = -1;
        for (std::int64_t h = h0; h < h1; ++h)
          for (std::int64_t w = w0; w < w1; ++w) {
            const double v = x[static_cast<std::size_t>(p * H * W + h * W + w)];
            if (!max) acc += v;
            else if (v > acc) acc = v, at = h * W + w;
          }
        r.values.push_back(max ? acc : acc / double((h1 - h0) * (w1 - w0)));
        r.indices.push_back(at);
      }
  return r;
}

}  // namespace

TEST_CASE("adaptive_avg_pool2d and adaptive_max_pool2d match naive bins, overlapping or not") {
  manual_seed(3);
  for (auto [H, W, Ho, Wo] : std::vector<std::array<std::int64_t, 4>>{
           {6, 6, 3, 3}, {5, 7, 3, 4}, {4, 4, 4, 4}, {3, 5, 1, 1}, {3, 2, 5, 4}, {7, 3, 2, 3}}) {
    Tensor x = randn({2, 3, H, W}, kFloat64);
    const Vec xv = x.to_vector<double>();
    const Pooled avg = naive_adaptive(xv, 6, H, W, Ho, Wo, false);
    const Pooled mx = naive_adaptive(xv, 6, H, W, Ho, Wo, true);
    Tensor y = F::adaptive_avg_pool2d(x, {Ho, Wo});
    CHECK(y.shape() == Shape{2, 3, Ho, Wo});
    check_values(y, avg.values);
    auto [m, idx] = F::adaptive_max_pool2d_with_indices(x, {Ho, Wo});
    check_values(m, mx.values);
    CHECK(idx.to_vector<std::int64_t>() == mx.indices);
    check_values(F::adaptive_max_pool2d(x, {Ho, Wo}), mx.values);
  }
}

TEST_CASE("adaptive pooling 1-d matches naive bins") {
  manual_seed(4);
  Tensor x = randn({2, 3, 7}, kFloat64);
  const Vec xv = x.to_vector<double>();
  check_values(F::adaptive_avg_pool1d(x, 3), naive_adaptive(xv, 6, 1, 7, 1, 3, false).values);
  auto [m, idx] = F::adaptive_max_pool1d_with_indices(x, 4);
  const Pooled mx = naive_adaptive(xv, 6, 1, 7, 1, 4, true);
  check_values(m, mx.values);
  CHECK(idx.to_vector<std::int64_t>() == mx.indices);
  CHECK(F::adaptive_avg_pool1d(x.select(0, 1), 3).shape() == Shape{3, 3});  // unbatched [C, L]
  check_values(F::adaptive_avg_pool1d(x.select(0, 1), 3),
               F::adaptive_avg_pool1d(x, 3).select(0, 1).to_vector<double>());
}

TEST_CASE("adaptive pooling: a None size keeps the input's, unbatched inputs, hand values") {
  Tensor x = arange(20, kFloat64).reshape({1, 4, 5});  // unbatched [C=1, 4, 5]
  CHECK(F::adaptive_avg_pool2d(x, {std::nullopt, 2}).shape() == Shape{1, 4, 2});
  CHECK(F::adaptive_max_pool2d(x, {2, std::nullopt}).shape() == Shape{1, 2, 5});
  // width 5 -> 2 bins: [0, 3) and [2, 5): row 0 gives means 1 and 3
  check_values(F::adaptive_avg_pool2d(x, {4, 2}).select(1, 0), {1, 3});
  check_values(F::adaptive_avg_pool2d(x, 1), {9.5});
  auto [m, idx] = F::adaptive_max_pool2d_with_indices(x, 1);
  CHECK(idx.shape() == Shape{1, 1, 1});
  CHECK(idx.item<std::int64_t>() == 19);
  CHECK(F::adaptive_avg_pool2d(zeros({2, 3, 4, 4}), {0, 2}).shape() == Shape{2, 3, 0, 2});
  // LibTorch's spellings
  CHECK(F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({2, 2})).shape() == Shape{1, 2, 2});
  CHECK(F::adaptive_max_pool1d(zeros({2, 9}), F::AdaptiveMaxPool1dFuncOptions(3)).shape() == Shape{2, 3});
}

TEST_CASE("adaptive_max_pool2d: first maximum wins, NaN is the maximum, gradient to the argmax") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto [y, idx] = F::adaptive_max_pool2d_with_indices(tensor(Vec{3, 3, 1, 2}, {1, 1, 2, 2}), 1);
  CHECK(idx.item<std::int64_t>() == 0);
  auto [yn, in] = F::adaptive_max_pool2d_with_indices(tensor(Vec{1, nan, 5, 2}, {1, 1, 2, 2}), 1);
  CHECK(std::isnan(yn.item<double>()));
  CHECK(in.item<std::int64_t>() == 1);
  Tensor x = tensor(Vec{1, 9, 2, 3, 4, 5, 8, 7, 0}, {1, 1, 3, 3}).requires_grad_();
  Tensor out = F::adaptive_max_pool2d(x, 2);  // bins rows/cols [0, 2) and [1, 3)
  check_values(out, {9, 9, 8, 7});
  CHECK(out.grad_fn()->name() == "AdaptiveMaxPool2DBackward0");
  out.sum().backward();
  check_values(x.grad(), {0, 2, 0, 0, 0, 0, 1, 1, 0});
  CHECK(F::adaptive_avg_pool2d(x, 2).grad_fn()->name() == "AdaptiveAvgPool2DBackward0");
  CHECK(F::adaptive_avg_pool1d(x.flatten(2), 2).grad_fn()->name() == "AdaptiveAvgPool1DBackward0");
  CHECK(F::adaptive_max_pool1d(x.flatten(2), 2).grad_fn()->name() == "AdaptiveMaxPool1DBackward0");
}

TEST_CASE("adaptive pooling gradchecks to second order (check_op)") {
  manual_seed(5);
  Tensor x = randn({2, 3, 5, 7}, kFloat64);  // random: no ties within a bin
  check_op("adaptive_avg_pool2d 3x4", [](const tensor_list& t) { return F::adaptive_avg_pool2d(t[0], {3, 4}); }, {x});
  check_op("adaptive_avg_pool2d upsampling 7x9",
           [](const tensor_list& t) {
             return F::adaptive_avg_pool2d(t[0], {7, 9});
           },
           {x});
  check_op("adaptive_avg_pool2d non-contiguous",
           [](const tensor_list& t) {
             return F::adaptive_avg_pool2d(t[0].transpose(2, 3), {2, 3});
           },
           {x});
  check_op("adaptive_max_pool2d 3x4", [](const tensor_list& t) { return F::adaptive_max_pool2d(t[0], {3, 4}); }, {x});
  check_op("adaptive_max_pool2d non-contiguous",
           [](const tensor_list& t) {
             return F::adaptive_max_pool2d(t[0].transpose(2, 3), {2, std::nullopt});
           },
           {x});
  Tensor s = randn({2, 3, 7}, kFloat64);
  check_op("adaptive_avg_pool1d", [](const tensor_list& t) { return F::adaptive_avg_pool1d(t[0], 3); }, {s});
  check_op("adaptive_max_pool1d", [](const tensor_list& t) { return F::adaptive_max_pool1d(t[0], 3); }, {s});
  check_op("adaptive_max_pool1d unbatched", [](const tensor_list& t) { return F::adaptive_max_pool1d(t[0], 2); },
           {randn({3, 5}, kFloat64)});
}

TEST_CASE("adaptive pooling modules") {
  nn::AdaptiveAvgPool2d gap(1);
  CHECK(gap(ones({2, 4, 3, 3})).shape() == Shape{2, 4, 1, 1});
  nn::AdaptiveAvgPool2d p2(nn::AdaptiveAvgPool2dOptions({3, 2}));
  CHECK(p2(ones({2, 4, 7, 7})).shape() == Shape{2, 4, 3, 2});
  nn::AdaptiveMaxPool2d m2({std::nullopt, 2});
  CHECK(m2(ones({2, 4, 7, 6})).shape() == Shape{2, 4, 7, 2});
  auto [v, i] = m2->forward_with_indices(ones({2, 4, 7, 6}));
  CHECK(i.dtype() == kInt64);
  CHECK(nn::AdaptiveAvgPool1d(3)(ones({2, 7})).shape() == Shape{2, 3});
  CHECK(nn::AdaptiveMaxPool1d(nn::AdaptiveMaxPool1dOptions(2))(ones({1, 2, 7})).shape() == Shape{1, 2, 2});
  std::ostringstream os;
  os << *m2;
  CHECK(os.str().find("AdaptiveMaxPool2d(output_size=(None, 2))") != std::string::npos);
  CHECK(m2->parameters().empty());
}

TEST_CASE("adaptive pooling refuses bad inputs, naming the op, shapes and dtypes") {
  CHECK_THROWS_WITH_AS(
      F::adaptive_avg_pool2d(zeros({2, 3, 4}, kInt64), 2),
      doctest::Contains("adaptive_avg_pool2d: input must be Float32 or Float64 (input Int64 [2, 3, 4]"),
      std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::adaptive_max_pool2d(zeros({4, 4}), 2), doctest::Contains("3-D (unbatched) or 4-D"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::adaptive_avg_pool1d(zeros({2, 3, 4, 5}), 2),
                       doctest::Contains("adaptive_avg_pool1d: expected a 2-D (unbatched) or 3-D"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::adaptive_max_pool2d(zeros({2, 3, 0, 4}), 2), doctest::Contains("non-zero sizes"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::adaptive_avg_pool2d(zeros({2, 3, 4, 4}), {-1, 2}), doctest::Contains("output_size=(-1, 2)"),
                       std::invalid_argument);
  CHECK_NOTHROW(F::adaptive_max_pool2d(zeros({0, 3, 4, 4}), 2));  // an empty batch is fine
}

TEST_CASE("adaptive pooling agrees with LibTorch 1.13 (values printed by it, 4 decimals)") {
  Tensor z = arange(35, kFloat64).reshape({1, 1, 5, 7}).sin();
  check_values(F::adaptive_avg_pool2d(z, {3, 4}),
               {0.6220, 0.4582, -0.6092, -0.3387, 0.6858, -0.1669, -0.4354, 0.4442, 0.1088, -0.6361, 0.1453, 0.8120},
               2e-4);
  auto [m, i] = F::adaptive_max_pool2d_with_indices(z, {3, 4});
  check_values(m, {0.9894, 0.9894, 0.1411, 0.4202, 0.9906, 0.9894, 0.7626, 0.9564, 0.8367, -0.0089, 0.9999, 0.9999},
               2e-3);
  CHECK(i.to_vector<std::int64_t>() == std::vector<std::int64_t>{8, 8, 3, 13, 14, 8, 26, 27, 21, 22, 33, 33});
}
