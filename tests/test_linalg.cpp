// matmul, mm, dot and outer: values and gradients against a naive reference computed here,
// every torch.matmul shape case, strided operands, second derivatives and error messages.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// torch.matmul and its gradients, computed with plain loops in double. `w` is the upstream
// gradient (same size as the output); ga / gb have the operands' own shapes, batch
// broadcasting summed back.
struct Ref {
  Shape out_shape;
  std::vector<double> out, ga, gb;
};

Ref reference(const Tensor& a, const Tensor& b, const std::vector<double>& w = {}) {
  const std::int64_t k = a.size(-1);
  Shape ash = a.dim() == 1 ? Shape{1, k} : a.shape();
  Shape bsh = b.dim() == 1 ? Shape{k, 1} : b.shape();
  const std::int64_t m = ash[ash.size() - 2], n = bsh[bsh.size() - 1];
  Shape abatch(ash.begin(), ash.end() - 2), bbatch(bsh.begin(), bsh.end() - 2);
  const std::size_t nd = std::max(abatch.size(), bbatch.size());
  while (abatch.size() < nd) abatch.insert(abatch.begin(), 1);
  while (bbatch.size() < nd) bbatch.insert(bbatch.begin(), 1);
  Shape batch(nd, 1);
  std::int64_t nbatch = 1;
  for (std::size_t d = 0; d < nd; ++d) {
    batch[d] = std::max(abatch[d], bbatch[d]);
    nbatch *= batch[d];
  }
  Ref r;
  r.out_shape = batch;
  if (a.dim() >= 2) r.out_shape.push_back(m);
  if (b.dim() >= 2) r.out_shape.push_back(n);
  const std::vector<double> A = a.to_vector<double>(), B = b.to_vector<double>();
  r.out.assign(static_cast<std::size_t>(nbatch * m * n), 0.0);
  r.ga.assign(A.size(), 0.0);
  r.gb.assign(B.size(), 0.0);
  for (std::int64_t bi = 0; bi < nbatch; ++bi) {
    // the operands' own batch index: broadcast (size-1) dims stay at 0
    std::int64_t rem = bi, ia = 0, ib = 0, sa = 1, sb = 1;
    for (std::size_t d = nd; d-- > 0;) {
      const std::int64_t idx = rem % batch[d];
      rem /= batch[d];
      if (abatch[d] != 1) ia += idx * sa;
      if (bbatch[d] != 1) ib += idx * sb;
      sa *= abatch[d];
      sb *= bbatch[d];
    }
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        const auto o = static_cast<std::size_t>((bi * m + i) * n + j);
        for (std::int64_t p = 0; p < k; ++p) {
          const auto pa = static_cast<std::size_t>((ia * m + i) * k + p);
          const auto pb = static_cast<std::size_t>((ib * k + p) * n + j);
          r.out[o] += A[pa] * B[pb];
          if (!w.empty()) {
            r.ga[pa] += w[o] * B[pb];
            r.gb[pb] += w[o] * A[pa];
          }
        }
      }
    }
  }
  return r;
}

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 1e-4 : 1e-11;
}

void check_values(const Tensor& got, const std::vector<double>& want, double tolerance) {
  const std::vector<double> g = got.to_vector<double>();
  REQUIRE(g.size() == want.size());
  for (std::size_t i = 0; i < g.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(g[i] - want[i]) <= tolerance * (1 + std::abs(want[i])));
  }
}

template <class T>
Tensor rnd(const Shape& shape, bool requires_grad = false) {
  return randn(shape, TensorOptions(dtype_of<T>()).requires_grad(requires_grad));
}

// Forward against the reference, then backward of sum(out * w) against the analytic
// gradients (g @ b^T and a^T @ g, with broadcast batch dims summed back).
template <class T>
void check_matmul(const Tensor& a, const Tensor& b) {
  CAPTURE(shape_str(a.shape()));
  CAPTURE(shape_str(b.shape()));
  Tensor out = matmul(a, b);
  Tensor w = rnd<T>(out.shape());
  Ref r = reference(a, b, w.to_vector<double>());
  CHECK(out.shape() == r.out_shape);
  CHECK(out.dtype() == dtype_of<T>());
  check_values(out, r.out, tol<T>());
  a.retain_grad();
  b.retain_grad();
  (out * w).sum().backward();
  REQUIRE(a.grad().defined());
  REQUIRE(b.grad().defined());
  CHECK(a.grad().shape() == a.shape());
  CHECK(b.grad().shape() == b.shape());
  check_values(a.grad(), r.ga, tol<T>());
  check_values(b.grad(), r.gb, tol<T>());
}

}  // namespace

TEST_CASE_TEMPLATE("matmul follows torch.matmul for every shape case", T, float, double) {
  manual_seed(1);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{4}, {4}},                 // dot -> scalar
      {{1}, {1}},                 // 1x1 dot
      {{3, 4}, {4}},              // matrix-vector -> [3]
      {{4}, {4, 5}},              // vector-matrix -> [5]
      {{3, 4}, {4, 5}},           // matrix-matrix
      {{1, 1}, {1, 1}},           // the 1x1 hot path
      {{1, 6}, {6, 1}},           // a row times a column
      {{1, 6}, {6, 5}},           // a row times a matrix
      {{33, 17}, {17, 29}},       // big enough for a real gemm
      {{2, 3, 4}, {2, 4, 5}},     // batched
      {{2, 3, 4}, {4, 5}},        // batched times a matrix: rows folded into one gemm
      {{3, 4}, {2, 4, 5}},        // matrix broadcast over b's batch
      {{2, 1, 3, 4}, {5, 4, 2}},  // batch dims broadcast to [2, 5]
      {{1, 3, 4}, {2, 1, 4, 5}},  // both broadcast
      {{2, 3, 4}, {4}},           // batched matrix-vector -> [2, 3]
      {{4}, {2, 4, 5}},           // vector times batched matrices -> [2, 5]
      {{2, 2, 1, 4}, {4, 1}},     // 1-row matrices in a batch
  };
  for (const auto& [sa, sb] : cases) check_matmul<T>(rnd<T>(sa, true), rnd<T>(sb, true));
}

TEST_CASE_TEMPLATE("matmul reads transposed and strided operands correctly", T, float, double) {
  manual_seed(2);
  Tensor a = rnd<T>({4, 3}, true), b = rnd<T>({5, 4}, true);
  SUBCASE("transposed views (BLAS transpose flags)") {
    check_matmul<T>(t(a), t(b));  // [3, 4] @ [4, 5]
    check_matmul<T>(t(a), rnd<T>({4, 2}, true));
    check_matmul<T>(rnd<T>({2, 4}, true), t(b));
  }
  SUBCASE("transposed batches") {
    Tensor x = rnd<T>({2, 4, 3}, true), y = rnd<T>({2, 5, 4}, true);
    check_matmul<T>(transpose(x, -1, -2), transpose(y, -1, -2));
    check_matmul<T>(transpose(x, -1, -2), rnd<T>({4}, true));
  }
  SUBCASE("rows with a gap between them (leading dimension > columns)") {
    auto x = [] { return permute(rnd<T>({3, 2, 4}, true), {1, 0, 2}); };  // [2, 3, 4], row stride 8
    CHECK_FALSE(x().is_contiguous());
    check_matmul<T>(x(), rnd<T>({4, 5}, true));
    check_matmul<T>(x(), rnd<T>({2, 4, 5}, true));
  }
  SUBCASE("neither dim unit-strided: copied first") {
    auto x = [] { return permute(rnd<T>({3, 4, 2}, true), {2, 0, 1}); };  // [2, 3, 4], strides [1, 8, 2]
    check_matmul<T>(x(), rnd<T>({4, 5}, true));
    check_matmul<T>(rnd<T>({5, 3}, true), x());
  }
  SUBCASE("expanded operands") {
    check_matmul<T>(expand(rnd<T>({4}, true), {3, 4}), rnd<T>({4, 2}, true));     // repeated rows
    check_matmul<T>(expand(rnd<T>({3, 1}, true), {3, 4}), rnd<T>({4, 2}, true));  // repeated columns
    check_matmul<T>(rnd<T>({3, 4}, true), expand(rnd<T>({4, 1}, true), {4, 6}));
    check_matmul<T>(expand(rnd<T>({1}, true), {4}), rnd<T>({4, 3}, true));              // stride-0 vector
    check_matmul<T>(expand(rnd<T>({3, 4}, true), {2, 3, 4}), rnd<T>({2, 4, 5}, true));  // expanded batch
  }
}

TEST_CASE("mm of a transposed view gives the right product without making it contiguous") {
  manual_seed(3);
  Tensor a = randn({5, 3}), b = randn({5, 4}), c = randn({4, 3});
  Tensor at = a.t(), ct = c.t();
  // t() is a view: mm must read it through BLAS's transpose flag (a copy would be needed otherwise).
  CHECK(a.is_contiguous());
  CHECK_FALSE(at.is_contiguous());
  CHECK(at.strides() == Shape{1, 3});
  Tensor p = mm(at, b);  // [3, 5] @ [5, 4]
  check_values(p, reference(at, b).out, 1e-5);
  check_values(mm(b.t(), at.t()), reference(b.t(), a).out, 1e-5);
  check_values(mm(a, ct), reference(a, ct).out, 1e-5);
  CHECK(p.is_contiguous());
  CHECK(p.shape() == Shape{3, 4});
  CHECK_FALSE(at.is_contiguous());  // the operand was not replaced
}

TEST_CASE_TEMPLATE("mm, dot and outer", T, float, double) {
  manual_seed(4);
  SUBCASE("mm matches matmul on matrices") {
    Tensor a = rnd<T>({3, 4}, true), b = rnd<T>({4, 2}, true);
    Tensor out = mm(a, b);
    Ref r = reference(a, b, std::vector<double>(6, 1.0));
    check_values(out, r.out, tol<T>());
    out.sum().backward();
    check_values(a.grad(), r.ga, tol<T>());
    check_values(b.grad(), r.gb, tol<T>());
    CHECK(a.mm(b).grad_fn()->name() == "MmBackward0");
  }
  SUBCASE("dot: known values") {
    Tensor a = tensor(std::vector<T>{1, 2, 3}).requires_grad_(), b = tensor(std::vector<T>{4, -5, 6}).requires_grad_();
    Tensor d = dot(a, b);
    CHECK(d.dim() == 0);
    CHECK(d.item<double>() == 12.0);
    d.backward();
    CHECK(a.grad().template to_vector<T>() == std::vector<T>{4, -5, 6});
    CHECK(b.grad().template to_vector<T>() == std::vector<T>{1, 2, 3});
  }
  SUBCASE("outer: known values and gradients") {
    Tensor a = tensor(std::vector<T>{1, 2}).requires_grad_(), b = tensor(std::vector<T>{3, 4, 5}).requires_grad_();
    Tensor o = outer(a, b);
    CHECK(o.shape() == Shape{2, 3});
    CHECK(o.template to_vector<T>() == std::vector<T>{3, 4, 5, 6, 8, 10});
    Tensor w = tensor(std::vector<T>{1, 0, 2, 0, 1, 1}, {2, 3});
    (o * w).sum().backward();
    CHECK(a.grad().template to_vector<T>() == std::vector<T>{13, 9});    // w @ b
    CHECK(b.grad().template to_vector<T>() == std::vector<T>{1, 2, 4});  // a @ w
    CHECK(o.grad_fn()->name() == "OuterBackward0");
  }
  SUBCASE("outer of an expanded (stride 0) vector") {
    Tensor a = expand(rnd<T>({1}), {3});
    Tensor b = rnd<T>({2});
    Ref r = reference(unsqueeze(a, 1), unsqueeze(b, 0));
    check_values(outer(a, b), r.out, tol<T>());
  }
}

TEST_CASE("matmul names its backward as PyTorch does for each case") {
  Tensor m = randn({2, 3}, TensorOptions().requires_grad(true)), v = randn({3}, TensorOptions().requires_grad(true));
  CHECK(matmul(v, v).grad_fn()->name() == "DotBackward0");
  CHECK(matmul(m, v).grad_fn()->name() == "MvBackward0");
  CHECK(matmul(m, t(m)).grad_fn()->name() == "MmBackward0");
  CHECK(matmul(randn({4, 2, 3}), v).grad_fn()->name() == "MatmulBackward0");
  CHECK(dot(v, v).grad_fn()->name() == "DotBackward0");
}

TEST_CASE("mixed Float32 and Float64 operands promote; each gradient keeps its operand's dtype") {
  Tensor a = tensor(std::vector<float>{1, 2, 3, 4}, {2, 2}).requires_grad_();
  Tensor b = tensor(std::vector<double>{1, 0, 0.5, 1}, {2, 2}).requires_grad_();
  Tensor out = matmul(a, b);
  CHECK(out.dtype() == kFloat64);
  CHECK(out.to_vector<double>() == std::vector<double>{2, 2, 5, 4});
  out.sum().backward();
  CHECK(a.grad().dtype() == kFloat32);
  CHECK(b.grad().dtype() == kFloat64);
  CHECK(a.grad().to_vector<float>() == std::vector<float>{1, 1.5f, 1, 1.5f});  // ones @ b^T
  CHECK(b.grad().to_vector<double>() == std::vector<double>{4, 4, 6, 6});      // a^T @ ones
}

TEST_CASE("only the operands that require grad get a gradient") {
  Tensor a = randn({3, 4}, TensorOptions().requires_grad(true)), b = randn({4, 2});
  matmul(a, b).sum().backward();
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
  NoGradGuard guard;
  CHECK(matmul(a, b).grad_fn() == nullptr);
}

TEST_CASE("empty dimensions") {
  Tensor z = matmul(ones({2, 0}), ones({0, 3}));  // an empty sum is 0
  CHECK(z.shape() == Shape{2, 3});
  CHECK(z.to_vector<double>() == std::vector<double>(6, 0.0));
  CHECK(matmul(ones({0, 3}), ones({3, 2})).shape() == Shape{0, 2});
  CHECK(matmul(ones({2, 0, 3}), ones({3})).shape() == Shape{2, 0});
  CHECK(dot(ones({0}), ones({0})).item<double>() == 0.0);
}

TEST_CASE_TEMPLATE("second derivatives: Hessian-vector product of sum((A x)^2)", T, float, double) {
  manual_seed(5);
  // f = |A x|^2: grad_x = 2 A^T A x, H v = 2 A^T A v, and d(grad_x . v)/dA = 2 (A v x^T + A x v^T).
  Tensor A = rnd<T>({3, 4}, true), x = rnd<T>({4}, true), v = rnd<T>({4});
  Tensor y = matmul(A, x);
  Tensor f = (y * y).sum();
  Tensor gx = autograd::grad({f}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  Tensor AtA = matmul(t(A), A).detach();
  check_values(gx, (matmul(AtA, x) * 2.0).to_vector<double>(), tol<T>());
  tensor_list hv = autograd::grad({dot(gx, v)}, {x, A});
  check_values(hv[0], (matmul(AtA, v) * 2.0).to_vector<double>(), tol<T>());
  Tensor Ad = A.detach(), xd = x.detach();
  Tensor want = (outer(matmul(Ad, v), xd) + outer(matmul(Ad, xd), v)) * 2.0;
  check_values(hv[1], want.to_vector<double>(), tol<T>());
}

TEST_CASE_TEMPLATE("second derivatives through batched matmul", T, float, double) {
  manual_seed(6);
  // f = sum_b |A_b x|^2 with A batched [2, 3, 4]: H v = 2 sum_b A_b^T A_b v.
  Tensor A = rnd<T>({2, 3, 4}), x = rnd<T>({4}, true), v = rnd<T>({4});
  Tensor y = matmul(A, x);
  Tensor gx = autograd::grad({(y * y).sum()}, {x}, {}, std::nullopt, true)[0];
  Tensor hv = autograd::grad({dot(gx, v)}, {x})[0];
  Tensor AtA = matmul(transpose(A, -1, -2), A).sum({0});
  check_values(hv, (matmul(AtA, v) * 2.0).to_vector<double>(), tol<T>());
  // and with the matrix as the differentiated operand: f = |X B|^2, d/dX = 2 X B B^T
  Tensor X = rnd<T>({2, 3, 4}, true), B = rnd<T>({4, 5}), V = rnd<T>({2, 3, 4});
  Tensor z = matmul(X, B);
  Tensor gX = autograd::grad({(z * z).sum()}, {X}, {}, std::nullopt, true)[0];
  Tensor hV = autograd::grad({(gX * V).sum()}, {X})[0];
  check_values(hV, (matmul(V, matmul(B, t(B))) * 2.0).to_vector<double>(), tol<T>());
}

namespace {
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no std::invalid_argument thrown)";
}
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("errors name the op, the shapes and the dtypes") {
  SUBCASE("inner dimensions must agree") {
    CHECK_THROWS_AS(matmul(ones({2, 3}), ones({4, 5})), std::invalid_argument);
    CHECK(error_of([] {
            matmul(ones({2, 3}), ones({4, 5}));
          }) ==
          "matmul: shapes [2, 3] and [4, 5] cannot be multiplied (3 != 4; operands Float32 [2, 3] and Float32 [4, 5])");
    CHECK(error_of([] { matmul(ones({3}, TensorOptions(kFloat64)), ones({4}, TensorOptions(kFloat64))); }) ==
          "matmul: shapes [3] and [4] cannot be multiplied (3 != 4; operands Float64 [3] and Float64 [4])");
    CHECK(error_of([] {
            matmul(ones({2, 2, 3}), ones({2}));
          }) ==
          "matmul: shapes [2, 2, 3] and [2] cannot be multiplied (3 != 2; operands Float32 [2, 2, 3] and Float32 [2])");
    CHECK(error_of([] {
            mm(ones({2, 3}), ones({2, 3}));
          }) ==
          "mm: shapes [2, 3] and [2, 3] cannot be multiplied (3 != 2; operands Float32 [2, 3] and Float32 [2, 3])");
  }
  SUBCASE("Int64 operands") {
    std::string e = error_of([] { matmul(ones({2, 3}, kInt64), ones({3, 4})); });
    CHECK(has(e, "matmul"));
    CHECK(has(e, "Int64 [2, 3]"));
    CHECK(has(e, "Float32 [3, 4]"));
    CHECK(has(error_of([] { dot(ones({3}), ones({3}, kInt64)); }), "dot"));
    CHECK(has(error_of([] { outer(ones({3}, kInt64), ones({3})); }), "outer"));
    CHECK(has(error_of([] { mm(ones({3, 3}, kInt64), ones({3, 3}, kInt64)); }), "mm: expected Float32 or Float64"));
  }
  SUBCASE("batch dimensions must broadcast") {
    std::string e = error_of([] { matmul(ones({2, 3, 4}), ones({3, 4, 5})); });
    CHECK(has(e, "matmul"));
    CHECK(has(e, "Float32 [2, 3, 4]"));
    CHECK(has(e, "Float32 [3, 4, 5]"));
  }
  SUBCASE("wrong ranks") {
    CHECK(has(error_of([] { matmul(scalar_tensor(1), ones({3})); }),
              "matmul: both operands must be at least 1-D, got Float32 []"));
    CHECK(has(error_of([] {
                mm(ones({3}), ones({3, 2}));
              }),
              "mm: expected two 2-D operands, got Float32 [3] and Float32 [3, 2]"));
    CHECK(has(error_of([] { dot(ones({3}), ones({4})); }),
              "dot: expected two 1-D operands of the same length, got Float32 [3] and Float32 [4]"));
    CHECK(has(error_of([] { dot(ones({1, 3}), ones({3})); }), "Float32 [1, 3]"));
    CHECK(has(error_of([] {
                outer(ones({2, 2}), ones({3}));
              }),
              "outer: expected two 1-D operands, got Float32 [2, 2] and Float32 [3]"));
    CHECK_THROWS_AS(matmul(Tensor(), ones({3})), std::invalid_argument);
  }
}
