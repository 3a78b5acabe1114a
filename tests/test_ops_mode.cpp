// mode (issue 23): values and indices as LibTorch 1.13's CPU kernel gives them (smallest of tied
// values, last occurrence), dims and keepdim, the gradient to the returned index, check_op and
// errors.
#include <doctest/doctest.h>

#include <vector>

#include <xgrad/xgrad.hpp>
#include "harness.hpp"

using namespace xgrad;
using Vec = std::vector<double>;
using Idx = std::vector<std::int64_t>;
using xgrad_test::check_op;

TEST_CASE("mode: the most frequent value, the smallest of ties, its last occurrence (as LibTorch)") {
  auto [v1, i1] = mode(tensor(Vec{1, 2, 2, 3, 3}), 0);  // LibTorch: 2, index 2
  CHECK(v1.item<double>() == 2);
  CHECK(i1.item<std::int64_t>() == 2);
  auto [v2, i2] = mode(tensor(Vec{3, 1, 3, 1, 2}), 0);  // LibTorch: 1, index 3
  CHECK(v2.item<double>() == 1);
  CHECK(i2.item<std::int64_t>() == 3);
  auto [v3, i3] = mode(tensor(Vec{5, 5, 1, 2, 7, 7}, {2, 3}), 1, true);  // LibTorch: [5, 7], [1, 2]
  CHECK(v3.shape() == Shape{2, 1});
  CHECK(v3.to_vector<double>() == Vec{5, 7});
  CHECK(i3.to_vector<std::int64_t>() == Idx{1, 2});
  // along dim 0 of a [3, 2] (non-last dim), default keepdim false; Int64 input
  auto [v4, i4] = mode(tensor(std::vector<std::int64_t>{4, 1, 4, 9, 0, 9}, {3, 2}), 0);
  CHECK(v4.dtype() == kInt64);
  CHECK(v4.to_vector<std::int64_t>() == Idx{4, 9});
  CHECK(i4.to_vector<std::int64_t>() == Idx{1, 2});
  auto [v5, i5] = mode(tensor(Vec{1, 2, 3}), -1);  // all distinct: the smallest
  CHECK(v5.item<double>() == 1);
  CHECK(i5.item<std::int64_t>() == 0);
}

TEST_CASE("mode sends the gradient to the returned index, to second order") {
  Tensor x = tensor(Vec{2, 7, 2, 7, 7, 1}, {2, 3}).requires_grad_();
  auto [v, i] = mode(x, 1);  // rows [2, 7, 2] -> 2 at 2; [7, 7, 1] -> 7 at 1
  CHECK(v.grad_fn()->name() == "ModeBackward0");
  (v * tensor(Vec{10, 20})).sum().backward();
  CHECK(x.grad().to_vector<double>() == Vec{0, 0, 10, 0, 20, 0});
  // gradcheck needs distinct values: perturbing one of two tied values changes which value is
  // the mode. With distinct values the mode is each row's minimum (every run has length 1).
  manual_seed(13);
  Tensor r = randn({3, 4}, kFloat64);
  check_op("mode dim 1", [](const tensor_list& t) { return std::get<0>(mode(t[0], 1)); }, {r});
  check_op("mode dim 0 keepdim", [](const tensor_list& t) { return std::get<0>(mode(t[0], 0, true)); }, {r});
}

TEST_CASE("mode refuses an empty dim and Bool input") {
  CHECK_THROWS_WITH_AS(mode(zeros({2, 0}), 1), doctest::Contains("mode: cannot take the mode over dim 1 of size 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(mode(zeros({2, 3}, kBool), 1), doctest::Contains("Bool"), std::invalid_argument);
  CHECK_THROWS_AS(mode(zeros({2, 3}), 2), std::out_of_range);
}
