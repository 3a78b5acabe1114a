// minimum / maximum / where (differentiable choices), the comparison family (Bool
// results, never differentiable), allclose and equal.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
Tensor leaf(const std::vector<double>& values, const Shape& shape = {}) {
  std::vector<T> v(values.begin(), values.end());
  return tensor(v, shape).requires_grad_();
}

template <class T>
Tensor values(const std::vector<double>& values, const Shape& shape = {}) {
  std::vector<T> v(values.begin(), values.end());
  return tensor(v, shape);
}

// Int64 results (maximum of Int64) as they are; comparisons' Bool results as 0 / 1.
std::vector<std::int64_t> ints(const Tensor& t) {
  REQUIRE((t.dtype() == kInt64 || t.dtype() == kBool));
  return t.to_vector<std::int64_t>();
}

using I = std::vector<std::int64_t>;
using D = std::vector<double>;

// Runs f, expecting std::invalid_argument whose message contains every one of `parts`.
template <class F>
void check_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    std::string msg = e.what();
    for (const char* p : parts) {
      INFO("message: " << msg << " should contain " << p);
      CHECK(msg.find(p) != std::string::npos);
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("maximum and minimum: values, ties split the gradient equally", T, float, double) {
  Tensor a = leaf<T>({1, 5, 3, -2});
  Tensor b = leaf<T>({4, 2, 3, -2});
  Tensor mx = maximum(a, b);
  Tensor mn = minimum(a, b);
  CHECK(mx.dtype() == dtype_of<T>());
  CHECK(mx.to_vector<double>() == D{4, 5, 3, -2});
  CHECK(mn.to_vector<double>() == D{1, 2, 3, -2});
  CHECK(mx.grad_fn()->name() == "MaximumBackward0");
  CHECK(mn.grad_fn()->name() == "MinimumBackward0");

  (mx + mn * 10.0).sum().backward();
  // maximum: a wins at 1, ties at 2 and 3 (half each); minimum likewise with weight 10.
  CHECK(a.grad().to_vector<double>() == D{10, 1, 5.5, 5.5});
  CHECK(b.grad().to_vector<double>() == D{1, 10, 5.5, 5.5});
}

TEST_CASE_TEMPLATE("maximum broadcasts and sums the gradient back to each shape", T, float, double) {
  Tensor a = leaf<T>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = leaf<T>({3, 0, 5});  // [3], broadcast over the rows
  Tensor m = maximum(a, b);
  REQUIRE(m.shape() == Shape{2, 3});
  CHECK(m.to_vector<double>() == D{3, 2, 5, 4, 5, 6});
  m.sum().backward();
  CHECK(a.grad().to_vector<double>() == D{0, 1, 0, 1, 1, 1});
  REQUIRE(b.grad().shape() == Shape{3});
  CHECK(b.grad().to_vector<double>() == D{1, 0, 1});

  Tensor c = leaf<T>({2}, {1, 1});
  Tensor m2 = minimum(a, c);
  CHECK(m2.to_vector<double>() == D{1, 2, 2, 2, 2, 2});
  m2.sum().backward();
  REQUIRE(c.grad().shape() == Shape{1, 1});
  CHECK(c.grad().item<double>() == 4.5);  // four wins and one tie
}

TEST_CASE("maximum and minimum propagate NaN from either side") {
  Tensor a = values<double>({kNaN, 1, kNaN});
  Tensor b = values<double>({1, kNaN, kNaN});
  for (double v : maximum(a, b).to_vector<double>()) CHECK(std::isnan(v));
  for (double v : minimum(a, b).to_vector<double>()) CHECK(std::isnan(v));
  // Also on the vectorised path (long contiguous operands) and with a scalar operand.
  Tensor big = values<double>(D(17, 1.0));
  Tensor nan_scalar = scalar_tensor(kNaN, kFloat64);
  for (double v : maximum(big, nan_scalar).to_vector<double>()) CHECK(std::isnan(v));
  for (double v : minimum(nan_scalar, big).to_vector<double>()) CHECK(std::isnan(v));
}

TEST_CASE("maximum keeps Int64 and promotes mixed dtypes") {
  Tensor i = tensor(std::vector<std::int64_t>{1, 7, -3});
  Tensor j = tensor(std::vector<std::int64_t>{2, 5, -3});
  CHECK(ints(maximum(i, j)) == I{2, 7, -3});
  CHECK(ints(minimum(i, j)) == I{1, 5, -3});
  Tensor f = values<float>({1.5, 6, -4});
  Tensor m = maximum(i, f);
  CHECK(m.dtype() == kFloat32);
  CHECK(m.to_vector<double>() == D{1.5, 7, -3});
  CHECK(maximum(f, values<double>({0, 0, 0})).dtype() == kFloat64);

  // Only the float operand receives a gradient.
  Tensor g = leaf<float>({1.5, 6, -4});
  minimum(i, g).sum().backward();
  CHECK(g.grad().to_vector<double>() == D{0, 1, 1});
}

TEST_CASE_TEMPLATE("where: three-way broadcasting, gradients masked to a and b", T, float, double) {
  Tensor cond = tensor(std::vector<std::int64_t>{1, 0, 1}, {3});
  Tensor a = leaf<T>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = leaf<T>({-1, -2}, {2, 1});
  Tensor w = where(cond, a, b);
  REQUIRE(w.shape() == Shape{2, 3});
  CHECK(w.to_vector<double>() == D{1, -1, 3, 4, -2, 6});
  CHECK(w.grad_fn()->name() == "WhereBackward0");
  (w * values<T>({1, 2, 3, 4, 5, 6}, {2, 3})).sum().backward();
  CHECK(a.grad().to_vector<double>() == D{1, 0, 3, 4, 0, 6});
  REQUIRE(b.grad().shape() == Shape{2, 1});
  CHECK(b.grad().to_vector<double>() == D{2, 5});
}

TEST_CASE("where: a condition of any dtype; nonzero (and NaN) is true; it gets no gradient") {
  Tensor a = values<double>({1, 2, 3, 4});
  Tensor b = values<double>({-1, -2, -3, -4});
  CHECK(where(values<double>({0.5, 0, -2, kNaN}), a, b).to_vector<double>() == D{1, -2, 3, 4});
  CHECK(where(values<float>({0, 1, 0, 1}), a, b).to_vector<double>() == D{-1, 2, -3, 4});
  // Long operands (the vectorised path) treat NaN as true too, and ne(NaN, NaN) is 1.
  Tensor nan_cond = values<double>({kNaN, 0, kNaN, 0, kNaN, 0, kNaN, 0, kNaN, 0, kNaN, 0, kNaN, 0, kNaN, 0});
  Tensor ones16 = values<double>(D(16, 1.0)), zeros16 = values<double>(D(16, 0.0));
  CHECK(where(nan_cond, ones16, zeros16).to_vector<double>() == D{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
  CHECK(ints(ne(nan_cond, nan_cond)) == I{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
  CHECK(ints(eq(nan_cond, nan_cond)) == I{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});

  Tensor c = leaf<double>({1, 0, 1, 0});
  Tensor x = leaf<double>({1, 2, 3, 4});
  where(c, x, b).sum().backward();
  CHECK(x.grad().to_vector<double>() == D{1, 0, 1, 0});
  CHECK(!c.grad().defined());

  // A scalar (0-d) branch broadcasts; mixed dtypes promote.
  Tensor z = where(gt(a, 2.0), a, scalar_tensor(0.0, kFloat32));
  CHECK(z.dtype() == kFloat64);
  CHECK(z.to_vector<double>() == D{0, 0, 3, 4});
}

TEST_CASE("where: the second derivative flows through the chosen branch") {
  Tensor x = leaf<double>({-2, 3});
  Tensor y = where(gt(x, 0.0), x * x * x, x * x).sum();
  Tensor g1 = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  CHECK(g1.to_vector<double>() == D{-4, 27});
  Tensor g2 = autograd::grad({g1.sum()}, {x})[0];
  CHECK(g2.to_vector<double>() == D{2, 18});
}

TEST_CASE("where names the op and all three shapes when they do not broadcast") {
  Tensor c = values<double>({1, 0}, {2});
  Tensor a = values<double>({1, 2, 3}, {3});
  Tensor b = values<double>({1}, {1});
  check_error([&] { where(c, a, b); }, {"where", "[2]", "[3]", "[1]", "Float64"});
}

TEST_CASE_TEMPLATE("comparisons between tensors give Bool with broadcasting", T, float, double) {
  Tensor a = values<T>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = values<T>({2, 2, 7});
  CHECK(eq(a, b).shape() == Shape{2, 3});
  CHECK(ints(eq(a, b)) == I{0, 1, 0, 0, 0, 0});
  CHECK(ints(ne(a, b)) == I{1, 0, 1, 1, 1, 1});
  CHECK(ints(lt(a, b)) == I{1, 0, 1, 0, 0, 1});
  CHECK(ints(le(a, b)) == I{1, 1, 1, 0, 0, 1});
  CHECK(ints(gt(a, b)) == I{0, 0, 0, 1, 1, 0});
  CHECK(ints(ge(a, b)) == I{0, 1, 0, 1, 1, 0});
  // The methods forward to the same functions.
  CHECK(ints(a.ge(b)) == ints(ge(a, b)));
}

TEST_CASE("comparisons promote dtypes and treat NaN as unequal to everything") {
  Tensor i = tensor(std::vector<std::int64_t>{1, 2, 3});
  Tensor f = values<float>({1.0, 2.5, 2.5});
  CHECK(ints(eq(i, f)) == I{1, 0, 0});
  CHECK(ints(lt(i, f)) == I{0, 1, 0});
  Tensor n = values<double>({kNaN, 1});
  CHECK(ints(eq(n, n)) == I{0, 1});
  CHECK(ints(ne(n, n)) == I{1, 0});
  CHECK(ints(lt(n, 2.0)) == I{0, 1});
  CHECK(ints(ge(n, 2.0)) == I{0, 0});
}

TEST_CASE("comparisons with a scalar: the scalar takes the tensor's dtype") {
  // 0.1 rounded to Float32 equals a Float32 0.1, as in PyTorch.
  Tensor f = values<float>({0.1, 0.2});
  CHECK(ints(eq(f, 0.1)) == I{1, 0});
  Tensor d = values<double>({0.1, 0.2});
  CHECK(ints(eq(d, 0.1)) == I{1, 0});
  CHECK(ints(gt(d, 0.15)) == I{0, 1});

  Tensor i = tensor(std::vector<std::int64_t>{0, 1, 2});
  CHECK(ints(le(i, 1.0)) == I{1, 1, 0});
  CHECK(ints(lt(i, 0.5)) == I{1, 0, 0});  // a fractional scalar compares in float
  CHECK(ints(ne(i, 1.0)) == I{1, 0, 1});
  CHECK(ints(ge(i, -std::numeric_limits<double>::infinity())) == I{1, 1, 1});
  CHECK(ints(eq(i, kNaN)) == I{0, 0, 0});
}

TEST_CASE("comparisons are never differentiable") {
  Tensor x = leaf<double>({1, 2});
  Tensor c = gt(x, 1.5);
  CHECK(!c.requires_grad());
  CHECK(!lt(x, x).requires_grad());
  CHECK(!maximum(x.detach(), x.detach()).requires_grad());
}

TEST_CASE("comparisons name the op, both shapes and dtypes when shapes do not broadcast") {
  Tensor a = values<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = values<double>({1, 2}, {2});
  check_error([&] { lt(a, b); }, {"lt", "[2, 3]", "[2]", "Float32", "Float64"});
  check_error([&] { maximum(a, b); }, {"maximum", "[2, 3]", "[2]"});
  check_error([&] { minimum(b, a); }, {"minimum", "[2, 3]", "[2]"});
  CHECK_THROWS_AS(eq(Tensor(), a), std::invalid_argument);
}

TEST_CASE_TEMPLATE("non-contiguous operands: transposed and expanded views", T, float, double) {
  Tensor a = leaf<T>({1, 5, 2, 6, 3, 7}, {2, 3});
  Tensor at = transpose(a, 0, 1);  // [3, 2] = {{1, 6}, {5, 3}, {2, 7}}
  REQUIRE(!at.is_contiguous());
  Tensor b = values<T>({4, 4, 4, 4, 4, 4}, {3, 2});
  CHECK(maximum(at, b).to_vector<double>() == D{4, 6, 5, 4, 4, 7});
  CHECK(ints(gt(at, b)) == I{0, 1, 1, 0, 0, 1});
  CHECK(ints(eq(at, 3.0)) == I{0, 0, 0, 1, 0, 0});
  Tensor e = expand(values<T>({0, 1}, {1, 2}), {3, 2});
  CHECK(where(e, at, b).to_vector<double>() == D{4, 6, 4, 3, 4, 7});
  maximum(at, b).sum().backward();
  CHECK(a.grad().to_vector<double>() == D{0, 1, 0, 1, 0, 1});
}

TEST_CASE("allclose: the tolerance formula, NaN, infinities and shapes") {
  Tensor a = values<double>({1, 2, 1000});
  CHECK(allclose(a, values<double>({1, 2, 1000})));
  CHECK(allclose(a, values<double>({1 + 1e-9, 2, 1000.005})));  // within atol + rtol |b|
  CHECK(!allclose(a, values<double>({1, 2, 1000.1})));
  CHECK(allclose(a, values<double>({1, 2, 1000.1}), /*rtol=*/1e-3));
  CHECK(!allclose(values<double>({0}), values<double>({1e-7})));
  CHECK(allclose(values<double>({0}), values<double>({1e-7}), 0, /*atol=*/1e-6));
  CHECK(!allclose(values<double>({kNaN}), values<double>({kNaN})));
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(allclose(values<double>({inf, -inf}), values<double>({inf, -inf})));
  CHECK(!allclose(values<double>({inf}), values<double>({-inf})));
  CHECK(!allclose(a, values<double>({1, 2, 1000}, {3, 1})));  // shapes differ
  CHECK(allclose(values<float>({0.5}), values<double>({0.5})));
  CHECK(allclose(transpose(values<double>({1, 2, 3, 4}, {2, 2}), 0, 1), values<double>({1, 3, 2, 4}, {2, 2})));
}

TEST_CASE("equal: same shape and identical values") {
  Tensor a = values<double>({1, 2, 3});
  CHECK(equal(a, values<double>({1, 2, 3})));
  CHECK(!equal(a, values<double>({1, 2, 3.0000001})));
  CHECK(!equal(a, values<double>({1, 2, 3}, {3, 1})));
  CHECK(!equal(values<double>({kNaN}), values<double>({kNaN})));
  CHECK(equal(tensor(std::vector<std::int64_t>{1, 2, 3}), a));
  CHECK(equal(values<double>({}, {0}), values<double>({}, {0})));
}

TEST_CASE("gradcheck and gradgradcheck: maximum, minimum and where away from ties") {
  // gradgradcheck differentiates the backward formulas, which are made of other ops (mul,
  // where); whether those accept absent gradients is their own tests' business.
  const auto composed = autograd::GradcheckOptions().check_undefined_grad(false);
  Tensor a = leaf<double>({1, 5, 3, -2, 0.5, 7}, {2, 3});
  Tensor b = leaf<double>({4, 2, 3.5});
  Tensor c = values<double>({1, 0, 1});
  auto mx = [](const tensor_list& in) { return maximum(in[0], in[1]); };
  auto mn = [](const tensor_list& in) { return minimum(in[0], in[1]); };
  auto wh = [&](const tensor_list& in) { return where(c, in[0], in[1]); };
  auto wh2 = [&](const tensor_list& in) { return where(c, in[0] * in[0], in[1] * 3.0); };
  CHECK(autograd::gradcheck(mx, {a, b}));
  CHECK(autograd::gradgradcheck(mx, {a, b}, composed));
  CHECK(autograd::gradcheck(mn, {a, b}));
  CHECK(autograd::gradcheck(wh, {a, b}));
  CHECK(autograd::gradgradcheck(wh2, {a, b}, composed));
}
