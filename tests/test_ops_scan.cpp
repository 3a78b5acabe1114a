// Products, scans, multi-dim extrema, sorting and selection (issue 23): values against plain
// loops, gradients with zeros and ties as PyTorch's, one check_op line per op (gradcheck +
// gradgradcheck in Float64, Float32 agreement), strided inputs and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"
#include "text_checks.hpp"

using namespace xgrad;
using xgrad_test::check_op;
using X = const tensor_list&;

namespace {

Tensor R(const Shape& shape) { return randn(shape, kFloat64); }
// Distinct values 0.3 apart in random order (no ties), optionally shifted.
Tensor D(const Shape& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  auto perm = randperm(n).to_vector<std::int64_t>();
  std::vector<double> v;
  for (auto p : perm) v.push_back((static_cast<double>(p) - static_cast<double>(n) / 2) * 0.3 + 0.05);
  return tensor(v).reshape(shape);
}
Tensor V(std::vector<double> v, const Shape& shape = {}) {
  return shape.empty() ? tensor(v) : tensor(v).reshape(shape);
}
std::vector<double> grad_of(const std::function<Tensor(const Tensor&)>& f, const Tensor& x0) {
  Tensor x = x0.clone().requires_grad_();
  f(x).sum().backward();
  return x.grad().to_vector<double>();
}
using Vec = std::vector<double>;
using IVec = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("prod: values, dims and gradients with zeros") {
  Tensor x = V({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(prod(x).item<double>() == 720);
  CHECK(prod(x, 1).to_vector<double>() == Vec{6, 120});
  CHECK(prod(x, 0, true).shape() == Shape{1, 3});
  CHECK(prod(x, -2).to_vector<double>() == Vec{4, 10, 18});
  CHECK(prod(tensor(IVec{2, 3, 4})).dtype() == kInt64);
  CHECK(prod(tensor(IVec{2, 3, 4})).item<std::int64_t>() == 24);
  // One zero: it gets the product of the others; two zeros: all zero (no NaN from y / x).
  CHECK(grad_of([](const Tensor& t) { return prod(t); }, V({2, 0, 3})) == Vec{0, 6, 0});
  CHECK(grad_of([](const Tensor& t) { return prod(t); }, V({2, 0, 0})) == Vec{0, 0, 0});
  CHECK(grad_of([](const Tensor& t) { return prod(t, 1); }, V({2, 0, 3, 1, 2, 3}, {2, 3})) == Vec{0, 6, 0, 6, 3, 2});
  CHECK(prod(R({3}).requires_grad_()).grad_fn()->name() == "ProdBackward0");
  CHECK(prod(R({3}).requires_grad_(), 0).grad_fn()->name() == "ProdBackward1");
  manual_seed(7);
  check_op("prod", [](X v) { return prod(v[0]); }, {R({2, 3})});
  check_op("prod dim", [](X v) { return prod(v[0], 1); }, {R({3, 4})});
  check_op("prod dim keepdim strided", [](X v) { return prod(v[0].t(), 0, true); }, {R({3, 4})});
  check_op("prod one zero", [](X v) { return prod(v[0]); }, {V({1.5, 0, -2, 0.5})});
  check_op("prod two zeros", [](X v) { return prod(v[0], 1); }, {V({1.5, 0, -2, 0, 0.5, 2}, {2, 3})});
  CHECK_THROWS_AS(prod(x, 2), std::out_of_range);
}

TEST_CASE("cumsum and cumprod: values, zeros and gradients") {
  Tensor x = V({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(cumsum(x, 1).to_vector<double>() == Vec{1, 3, 6, 4, 9, 15});
  CHECK(cumsum(x, 0).to_vector<double>() == Vec{1, 2, 3, 5, 7, 9});
  CHECK(cumprod(x, 1).to_vector<double>() == Vec{1, 2, 6, 4, 20, 120});
  CHECK(cumsum(tensor(IVec{1, 2}), 0).dtype() == kInt64);
  // d/dx_i sum_j cumsum_j = number of j >= i.
  CHECK(grad_of([](const Tensor& t) { return cumsum(t, 0); }, V({1, 1, 1})) == Vec{3, 2, 1});
  // cumprod of [2, 0, 3]: y = [2, 0, 0]; d sum y = [1 + 0 + 0, 2 + 2*3, 0].
  CHECK(grad_of([](const Tensor& t) { return cumprod(t, 0); }, V({2, 0, 3})) == Vec{1, 8, 0});
  CHECK(grad_of([](const Tensor& t) { return cumprod(t, 0); }, V({0, 0, 3})) == Vec{1, 0, 0});
  CHECK(cumsum(R({3}).requires_grad_(), 0).grad_fn()->name() == "CumsumBackward0");
  CHECK(cumprod(R({3}).requires_grad_(), 0).grad_fn()->name() == "CumprodBackward0");
  manual_seed(8);
  check_op("cumsum", [](X v) { return cumsum(v[0], 1); }, {R({3, 4})});
  check_op("cumsum dim 0 strided", [](X v) { return cumsum(v[0].t(), 0); }, {R({3, 4})});
  check_op("cumprod", [](X v) { return cumprod(v[0], -1); }, {R({3, 4})});
  // With zeros the first derivative is exact; the second is not yet (after a row's first zero the
  // gradient is the constant 0, whose derivative with respect to that zero is not): first order only.
  xgrad_test::OpCheckOptions first_order;
  first_order.second_order = false;
  check_op(
      "cumprod zeros", [](X v) { return cumprod(v[0], 1); },
      {V({1.5, 0, -2, 0.7, 0, 0.5, 0, 2, -1, 1.1, 0.9, 1.2}, {3, 4})}, first_order);
  CHECK_THROWS_AS(cumsum(x, 3), std::out_of_range);
}

TEST_CASE("amax / amin over several dims split the gradient among ties") {
  Tensor x = V({1, 3, 3, 2, 0, 5, 5, -1}, {2, 2, 2});
  CHECK(amax(x).item<double>() == 5);
  CHECK(amax(x, {0, 2}).to_vector<double>() == Vec{5, 5});
  CHECK(amin(x, {-1}, true).shape() == Shape{2, 2, 1});
  CHECK(amin(x, {-1}).to_vector<double>() == Vec{1, 2, 0, -1});
  CHECK(grad_of([](const Tensor& t) { return amax(t); }, x) == Vec{0, 0, 0, 0, 0, 0.5, 0.5, 0});
  CHECK(grad_of([](const Tensor& t) { return amax(t, {1, 2}); }, x) == Vec{0, 0.5, 0.5, 0, 0, 0.5, 0.5, 0});
  CHECK(amax(R({3}).requires_grad_()).grad_fn()->name() == "AmaxBackward0");
  manual_seed(9);
  check_op("amax dims", [](X v) { return amax(v[0], {0, 2}); }, {D({3, 2, 4})});
  check_op("amin keepdim", [](X v) { return amin(v[0], {1}, true); }, {D({3, 4})});
  check_op("amax all strided", [](X v) { return amax(v[0].t()); }, {D({3, 4})});
  CHECK_THROWS_AS(amax(zeros({2, 0}), {1}), std::invalid_argument);
  CHECK(contains(message_of([] { amax(zeros({2, 0}), {1}); }), "amax"));
}

TEST_CASE("sort, argsort and topk") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = V({3, 1, 2, 1});
  auto [v, i] = sort(x);
  CHECK(v.to_vector<double>() == Vec{1, 1, 2, 3});
  CHECK(i.to_vector<std::int64_t>() == IVec{1, 3, 2, 0});  // stable: the first 1 first
  CHECK(i.dtype() == kInt64);
  auto [vd, id] = sort(x, 0, true);
  CHECK(vd.to_vector<double>() == Vec{3, 2, 1, 1});
  CHECK(id.to_vector<std::int64_t>() == IVec{0, 2, 1, 3});
  CHECK(argsort(V({2, nan, 1})).to_vector<std::int64_t>() == IVec{2, 0, 1});  // NaN last
  auto [vs, is] = sort(x, std::optional<bool>(true), 0, false);
  CHECK(is.to_vector<std::int64_t>() == IVec{1, 3, 2, 0});
  Tensor m = V({5, 1, 4, 2, 8, 3}, {2, 3});
  auto [s0, i0] = sort(m, 0);
  CHECK(s0.to_vector<double>() == Vec{2, 1, 3, 5, 8, 4});
  CHECK(i0.to_vector<std::int64_t>() == IVec{1, 0, 1, 0, 1, 0});
  auto [tv, ti] = topk(m, 2, 1);
  CHECK(tv.to_vector<double>() == Vec{5, 4, 8, 3});
  CHECK(ti.to_vector<std::int64_t>() == IVec{0, 2, 1, 2});
  auto [bv, bi] = topk(m, 1, 1, false);
  CHECK(bv.to_vector<double>() == Vec{1, 2});
  // Gradients go back to the selected places.
  CHECK(grad_of([](const Tensor& t) { return std::get<0>(topk(t, 2, 1)) * V({1, 10}); }, m) == Vec{1, 0, 10, 0, 1, 10});
  CHECK(std::get<0>(sort(R({3}).requires_grad_())).grad_fn()->name() == "SortBackward0");
  CHECK(std::get<0>(topk(R({3}).requires_grad_(), 1)).grad_fn()->name() == "TopkBackward0");
  manual_seed(10);
  check_op("sort", [](X a) { return std::get<0>(sort(a[0], 1)); }, {D({3, 4})});
  check_op("sort descending dim 0 strided", [](X a) { return std::get<0>(sort(a[0].t(), 0, true)); }, {D({3, 4})});
  check_op("topk", [](X a) { return std::get<0>(topk(a[0], 2, -1)); }, {D({3, 4})});
  check_op("topk smallest dim 0", [](X a) { return std::get<0>(topk(a[0], 2, 0, false)); }, {D({3, 4})});
  CHECK_THROWS_AS(topk(m, 4, 1), std::invalid_argument);
  CHECK(contains(message_of([&] { topk(m, 4, 1); }), "topk: k (4)"));
  CHECK_THROWS_AS(sort(m, 2), std::out_of_range);
}

TEST_CASE("median: lower median, NaN, gradients") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(median(V({3, 1, 2, 4})).item<double>() == 2);  // lower of 2 and 3
  CHECK(std::isnan(median(V({3, nan, 2})).item<double>()));
  Tensor m = V({5, 1, 4, 2, 8, 3}, {2, 3});
  auto [v, i] = median(m, 1);
  CHECK(v.to_vector<double>() == Vec{4, 3});
  CHECK(i.to_vector<std::int64_t>() == IVec{2, 2});
  auto [vk, ik] = median(m, 0, true);
  CHECK(vk.shape() == Shape{1, 3});
  CHECK(vk.to_vector<double>() == Vec{2, 1, 3});
  auto [vn, in] = median(V({1, nan, 3, nan}, {1, 4}), 1);
  CHECK(std::isnan(vn.item<double>()));
  CHECK(in.item<std::int64_t>() == 1);  // the first NaN
  // The whole-tensor median splits its gradient among equal elements.
  CHECK(grad_of([](const Tensor& t) { return median(t); }, V({2, 1, 2, 5})) == Vec{0.5, 0, 0.5, 0});
  CHECK(grad_of([](const Tensor& t) { return std::get<0>(median(t, 1)); }, m) == Vec{0, 0, 1, 0, 0, 1});
  manual_seed(11);
  check_op("median", [](X a) { return median(a[0]); }, {D({3, 5})});
  check_op("median dim", [](X a) { return std::get<0>(median(a[0], 1)); }, {D({3, 4})});
  check_op("median dim keepdim strided", [](X a) { return std::get<0>(median(a[0].t(), 1, true)); }, {D({3, 4})});
  CHECK_THROWS_AS(median(zeros({0})), std::invalid_argument);
}
