// Tensor manipulation ops of issue 23: flip, roll, repeat, repeat_interleave, tril / triu, bmm,
// batched matmul broadcasting, einsum, index_add, scatter and masked_select. Values against
// hand-computed results and loops, one check_op line per op (gradcheck + gradgradcheck in
// Float64, Float32 agreement), strided and broadcast inputs, and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"
#include "text_checks.hpp"

using namespace xgrad;
using xgrad_test::check_op;
using X = const tensor_list&;

namespace {

Tensor R(const Shape& shape) { return randn(shape, kFloat64); }
Tensor V(std::vector<double> v, const Shape& shape) { return tensor(v).reshape(shape); }
Tensor I(std::vector<std::int64_t> v, const Shape& shape = {}) { return tensor(v, shape); }
using Vec = std::vector<double>;
Tensor A6() { return V({1, 2, 3, 4, 5, 6}, {2, 3}); }

// Reference contraction by loops: out[i][k] = sum_j a[i][j] b[j][k] for 2-D a, b.
std::vector<double> matmul_ref(const Tensor& a, const Tensor& b) {
  auto av = a.contiguous().to_vector<double>(), bv = b.contiguous().to_vector<double>();
  const auto n = a.size(0), m = a.size(1), p = b.size(1);
  std::vector<double> out(static_cast<std::size_t>(n * p), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < p; ++k)
      for (std::int64_t j = 0; j < m; ++j)
        out[static_cast<std::size_t>(i * p + k)] +=
            av[static_cast<std::size_t>(i * m + j)] * bv[static_cast<std::size_t>(j * p + k)];
  return out;
}

void check_close(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  auto v = t.to_vector<double>();
  REQUIRE(v.size() == want.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(want[i]).epsilon(tol));
}

}  // namespace

TEST_CASE("flip and roll") {
  CHECK(flip(A6(), {1}).to_vector<double>() == Vec{3, 2, 1, 6, 5, 4});
  CHECK(flip(A6(), {0, -1}).to_vector<double>() == Vec{6, 5, 4, 3, 2, 1});
  CHECK(flip(A6().t(), {0}).to_vector<double>() == Vec{3, 6, 2, 5, 1, 4});
  CHECK(roll(A6(), {1}, {1}).to_vector<double>() == Vec{3, 1, 2, 6, 4, 5});
  CHECK(roll(A6(), {-1}, {1}).to_vector<double>() == Vec{2, 3, 1, 5, 6, 4});
  CHECK(roll(A6(), {2}).to_vector<double>() == Vec{5, 6, 1, 2, 3, 4});  // flattened
  CHECK(roll(A6(), {1, 4}, {0, 1}).to_vector<double>() == Vec{6, 4, 5, 3, 1, 2});
  CHECK(flip(R({2}).requires_grad_(), {0}).grad_fn()->name() == "FlipBackward0");
  CHECK(roll(R({2}).requires_grad_(), {1}, {0}).grad_fn()->name() == "RollBackward0");
  manual_seed(12);
  check_op("flip", [](X x) { return flip(x[0], {0, 2}); }, {R({2, 3, 4})});
  check_op("flip strided", [](X x) { return flip(x[0].t(), {1}); }, {R({3, 4})});
  check_op("roll", [](X x) { return roll(x[0], {1, -2}, {0, 1}); }, {R({3, 4})});
  check_op("roll flat", [](X x) { return roll(x[0], {5}); }, {R({3, 4})});
  CHECK_THROWS_AS(flip(A6(), {1, -1}), std::invalid_argument);
  CHECK_THROWS_AS(roll(A6(), {1, 2}, {0}), std::invalid_argument);
  CHECK_THROWS_AS(flip(A6(), {2}), std::out_of_range);
}

TEST_CASE("repeat and repeat_interleave") {
  Tensor x = V({1, 2, 3}, {3});
  CHECK(repeat(x, {2}).to_vector<double>() == Vec{1, 2, 3, 1, 2, 3});
  Tensor r = repeat(x, {2, 2});
  CHECK(r.shape() == Shape{2, 6});
  CHECK(r.to_vector<double>() == Vec{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3});
  CHECK(repeat(V({1, 2}, {2, 1}), {1, 2}).to_vector<double>() == Vec{1, 1, 2, 2});
  CHECK(repeat_interleave(x, 2).to_vector<double>() == Vec{1, 1, 2, 2, 3, 3});
  CHECK(repeat_interleave(x, I({1, 0, 2}), 0).to_vector<double>() == Vec{1, 3, 3});
  CHECK(repeat_interleave(A6(), 2, 0).to_vector<double>() == Vec{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6});
  Tensor xg = x.clone().requires_grad_();
  repeat(xg, {3, 2}).sum().backward();
  CHECK(xg.grad().to_vector<double>() == Vec{6, 6, 6});
  CHECK(repeat(R({2}).requires_grad_(), {2}).grad_fn()->name() == "RepeatBackward0");
  manual_seed(13);
  check_op("repeat", [](X a) { return repeat(a[0], {2, 1, 3}); }, {R({2, 3})});
  check_op("repeat strided", [](X a) { return repeat(a[0].t(), {2, 2}); }, {R({2, 3})});
  check_op("repeat_interleave", [](X a) { return repeat_interleave(a[0], 2, 1); }, {R({2, 3})});
  check_op("repeat_interleave tensor", [](X a) { return repeat_interleave(a[0], I({2, 0, 1}), -1); }, {R({2, 3})});
  CHECK_THROWS_AS(repeat(A6(), {2}), std::invalid_argument);
  CHECK_THROWS_AS(repeat_interleave(x, I({1, 2}), 0), std::invalid_argument);
}

TEST_CASE("tril and triu") {
  Tensor m = V({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  CHECK(tril(m).to_vector<double>() == Vec{1, 0, 0, 4, 5, 0, 7, 8, 9});
  CHECK(triu(m).to_vector<double>() == Vec{1, 2, 3, 0, 5, 6, 0, 0, 9});
  CHECK(tril(m, -1).to_vector<double>() == Vec{0, 0, 0, 4, 0, 0, 7, 8, 0});
  CHECK(triu(m, 1).to_vector<double>() == Vec{0, 2, 3, 0, 0, 6, 0, 0, 0});
  CHECK(tril(A6(), 1).to_vector<double>() == Vec{1, 2, 0, 4, 5, 6});
  Tensor inf = V({1, INFINITY, NAN, 2}, {2, 2});
  CHECK(tril(inf).to_vector<double>()[1] == 0);  // not inf * 0
  CHECK(tril(R({2, 2}).requires_grad_()).grad_fn()->name() == "TrilBackward0");
  manual_seed(14);
  check_op("tril batched", [](X a) { return tril(a[0], 1); }, {R({2, 3, 4})});
  check_op("triu strided", [](X a) { return triu(a[0].t(), -1); }, {R({3, 4})});
  CHECK_THROWS_AS(tril(R({3})), std::invalid_argument);
}

TEST_CASE("bmm and batched matmul broadcasting") {
  manual_seed(15);
  Tensor a = R({2, 3, 4}), b = R({2, 4, 5});
  Tensor c = bmm(a, b);
  CHECK(c.shape() == Shape{2, 3, 5});
  check_close(c[1], matmul_ref(a[1], b[1]));
  // matmul broadcasts batch dims: [2, 1, 3, 4] @ [5, 4, 2] -> [2, 5, 3, 2].
  Tensor p = R({2, 1, 3, 4}), q = R({5, 4, 2});
  Tensor pq = matmul(p, q);
  CHECK(pq.shape() == Shape{2, 5, 3, 2});
  check_close(pq[1][3], matmul_ref(p[1][0], q[3]));
  check_op("bmm", [](X v) { return bmm(v[0], v[1]); }, {R({2, 3, 4}), R({2, 4, 2})});
  check_op("bmm strided", [](X v) { return bmm(v[0].transpose(1, 2), v[1]); }, {R({2, 4, 3}), R({2, 4, 2})});
  check_op("matmul broadcast batch", [](X v) { return matmul(v[0], v[1]); }, {R({2, 1, 3, 4}), R({3, 4, 2})});
  CHECK_THROWS_AS(bmm(R({2, 3, 4}), R({3, 4, 5})), std::invalid_argument);
  CHECK_THROWS_AS(bmm(R({3, 4}), R({4, 5})), std::invalid_argument);
}

TEST_CASE("einsum") {
  manual_seed(16);
  Tensor a = R({3, 4}), b = R({4, 5}), v = R({4});
  check_close(einsum("ij,jk->ik", {a, b}), matmul_ref(a, b));
  check_close(einsum("ij,jk", {a, b}), matmul_ref(a, b));  // implicit output: i, k
  check_close(einsum("ij->ji", {a}), a.t().contiguous().to_vector<double>());
  check_close(einsum("ij->", {a}), {sum(a).item<double>()});
  check_close(einsum("ij->j", {a}), sum(a, {0}).to_vector<double>());
  check_close(einsum("ij,j->i", {a, v}), matmul_ref(a, v.reshape({4, 1})));
  check_close(einsum("i,j->ij", {v, v}), matmul_ref(v.reshape({4, 1}), v.reshape({1, 4})));
  check_close(einsum("i,i->", {v, v}), {sum(v * v).item<double>()});
  Tensor ba = R({2, 3, 4}), bb = R({2, 4, 5});
  Tensor bc = einsum("bij,bjk->bik", {ba, bb});
  check_close(bc[1], matmul_ref(ba[1], bb[1]));
  check_close(einsum("...ij,...jk->...ik", {ba, bb}), bc.to_vector<double>());
  check_close(einsum("bij,bjk->bki", {ba, bb}), bc.transpose(1, 2).contiguous().to_vector<double>());
  // An index summed in one operand only: sum_j a_ij times sum_k c_k.
  Tensor cv = R({5});
  check_close(einsum("ij,k->i", {a, cv}), (sum(a, {1}) * sum(cv)).to_vector<double>());
  check_op("einsum matmul", [](X t) { return einsum("ij,jk->ik", {t[0], t[1]}); }, {R({3, 4}), R({4, 2})});
  check_op("einsum batched", [](X t) { return einsum("bij,bkj->bik", {t[0], t[1]}); }, {R({2, 3, 4}), R({2, 2, 4})});
  check_op("einsum ellipsis", [](X t) { return einsum("...i,...i->...", {t[0], t[1]}); }, {R({2, 3}), R({3})});
  check_op("einsum outer", [](X t) { return einsum("i,j->ji", {t[0], t[1]}); }, {R({3}), R({2})});
  check_op("einsum reduce", [](X t) { return einsum("ijk->ki", {t[0]}); }, {R({2, 3, 4})});
  CHECK(contains(message_of([&] { einsum("ii->i", {R({3, 3})}); }), "repeated within one operand"));
  CHECK_THROWS_AS(einsum("ij,jk->ik", {a, a}), std::invalid_argument);  // j: 4 vs 3
  CHECK_THROWS_AS(einsum("ij->ik", {a}), std::invalid_argument);
  CHECK_THROWS_AS(einsum("ijk", {a}), std::invalid_argument);
  CHECK_THROWS_AS(einsum("ij,jk", {a}), std::invalid_argument);
  CHECK_THROWS_AS(einsum("i1", {v}), std::invalid_argument);
}

TEST_CASE("index_add, scatter and masked_select") {
  Tensor x = V({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor src = V({10, 20, 30, 40}, {2, 2});
  CHECK(index_add(x, 0, I({2, 0}, {2}), src).to_vector<double>() == Vec{31, 42, 3, 4, 15, 26});
  CHECK(index_add(x, 0, I({1, 1}, {2}), src, 0.5).to_vector<double>() == Vec{1, 2, 23, 34, 5, 6});
  CHECK(index_add(x, 1, I({1}, {1}), V({1, 1, 1}, {3, 1})).to_vector<double>() == Vec{1, 3, 3, 5, 5, 7});
  Tensor idx = I({1, 0, 2, 1}, {2, 2});
  CHECK(scatter(x, 0, idx, src).to_vector<double>() == Vec{1, 20, 10, 40, 30, 6});
  CHECK(scatter(x, 1, I({1, 0}, {2, 1}), src).to_vector<double>() == Vec{1, 10, 30, 4, 5, 6});
  CHECK(scatter(x, 0, idx, -1.0).to_vector<double>() == Vec{1, -1, -1, -1, -1, 6});
  Tensor mask = gt(x, 3.5);  // Int64 today; a Bool mask works the same
  CHECK(masked_select(x, mask).to_vector<double>() == Vec{4, 5, 6});
  CHECK(masked_select(x, I({1, 0})).to_vector<double>() == Vec{1, 3, 5});  // broadcast mask
  // Gradients.
  Tensor xg = x.clone().requires_grad_(), sg = src.clone().requires_grad_();
  (scatter(xg, 0, idx, sg) * V({1, 2, 3, 4, 5, 6}, {3, 2})).sum().backward();
  CHECK(xg.grad().to_vector<double>() == Vec{1, 0, 0, 0, 0, 6});
  CHECK(sg.grad().to_vector<double>() == Vec{3, 2, 5, 4});
  Tensor xm = x.clone().requires_grad_();
  masked_select(xm, mask).sum().backward();
  CHECK(xm.grad().to_vector<double>() == Vec{0, 0, 0, 1, 1, 1});
  CHECK(scatter(R({2}).requires_grad_(), 0, I({0}, {1}), 1.0).grad_fn()->name() == "ScatterBackward1");
  CHECK(masked_select(R({2}).requires_grad_(), I({1, 0})).grad_fn()->name() == "MaskedSelectBackward0");
  CHECK(index_add(R({2}).requires_grad_(), 0, I({0}, {1}), R({1})).grad_fn()->name() == "IndexAddBackward0");
  manual_seed(17);
  check_op("index_add", [](X t) { return index_add(t[0], 0, I({2, 0, 2}, {3}), t[1], 1.5); }, {R({3, 2}), R({3, 2})});
  check_op("index_add dim 1 strided", [](X t) { return index_add(t[0].t(), 1, I({1}, {1}), t[1]); },
           {R({2, 3}), R({3, 1})});
  check_op("scatter", [](X t) { return scatter(t[0], 1, I({2, 0, 1, 2}, {2, 2}), t[1]); }, {R({2, 3}), R({2, 3})});
  check_op("scatter value", [](X t) { return scatter(t[0], 0, I({1, 0}, {1, 2}), 0.5); }, {R({2, 2})});
  check_op("masked_select", [](X t) { return masked_select(t[0], I({1, 0, 1, 1, 0, 0}, {2, 3})); }, {R({2, 3})});
  check_op("masked_select broadcast", [](X t) { return masked_select(t[0], I({1, 0, 1}, {3})); }, {R({2, 3})});
  CHECK_THROWS_AS(index_add(x, 0, I({3}, {1}), V({1, 1}, {1, 2})), std::out_of_range);
  CHECK_THROWS_AS(index_add(x, 0, I({0}, {1}), V({1, 1, 1}, {1, 3})), std::invalid_argument);
  CHECK_THROWS_AS(scatter(x, 0, I({5}, {1, 1}), 1.0), std::out_of_range);
  CHECK_THROWS_AS(scatter(x, 0, I({0}, {1}), 1.0), std::invalid_argument);  // dims differ
  CHECK_THROWS_AS(masked_select(x, I({1, 0, 1})), std::invalid_argument);
}
