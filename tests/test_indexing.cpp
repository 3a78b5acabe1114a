// Shape and indexing ops: slice, narrow, select (views), index_select, gather, scatter_add,
// cat, stack, split, chunk and pad — values, view semantics, gradients and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// 0, 1, 2, ... in dtype T with the given shape.
template <class T>
Tensor seq(const Shape& shape, bool requires_grad = false) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<T> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), T(0));
  Tensor t = tensor(v, shape);
  if (requires_grad) t.requires_grad_();
  return t;
}

template <class T>
Tensor values_of(const std::vector<T>& v, const Shape& shape, bool requires_grad = false) {
  Tensor t = tensor(v, shape);
  if (requires_grad) t.requires_grad_();
  return t;
}

Tensor index_of(const std::vector<std::int64_t>& v, const Shape& shape = {}) { return tensor(v, shape); }

void check_values(const Tensor& t, const std::vector<double>& expected) {
  auto v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK_MESSAGE(v[i] == doctest::Approx(expected[i]), "at element " << i);
}

// f() must throw E, with a message that mentions every fragment.
template <class E, class F>
void check_throws(F&& f, std::initializer_list<const char*> fragments) {
  CHECK_THROWS_AS(f(), E);
  try {
    f();
  } catch (const E& e) {
    std::string msg = e.what();
    for (const char* frag : fragments) {
      CHECK_MESSAGE(msg.find(frag) != std::string::npos,
                    "message \"" << msg << "\" does not mention \"" << frag << "\"");
    }
  }
}

}  // namespace

// ---- slice / narrow -------------------------------------------------------------------------

TEST_CASE_TEMPLATE("slice follows Python slicing: negative bounds, clamping, steps", T, float, double) {
  Tensor x = seq<T>({10});
  check_values(slice(x, 0, 2, 8, 2), {2, 4, 6});
  check_values(slice(x, 0, 1, 8, 3), {1, 4, 7});
  check_values(slice(x, 0, -3, std::nullopt), {7, 8, 9});
  check_values(slice(x, 0, std::nullopt, -7), {0, 1, 2});
  check_values(slice(x, 0, -100, 100), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(slice(x, 0, 5, 2).sizes() == Shape{0});  // end before start: empty
  CHECK(slice(x, 0, 20, 30).sizes() == Shape{0});

  Tensor m = seq<T>({3, 4});
  Tensor cols = slice(m, -1, 1, 3);
  CHECK(cols.sizes() == Shape{3, 2});
  CHECK_FALSE(cols.is_contiguous());
  check_values(cols, {1, 2, 5, 6, 9, 10});
  check_values(m.slice(0, 1, std::nullopt), {4, 5, 6, 7, 8, 9, 10, 11});
  // slicing a transposed (non-contiguous) view honours its strides
  check_values(slice(m.t(), 0, 1, 4, 2), {1, 5, 9, 3, 7, 11});
}

TEST_CASE("slice and narrow are views: writes show through and versions are shared") {
  Tensor x = seq<float>({6});
  Tensor s = slice(x, 0, 1, 6, 2);
  s.fill_(-1);
  check_values(x, {0, -1, 2, -1, 4, -1});
  CHECK(s._version() == x._version());
  Tensor n = x.narrow(0, 2, 2);
  n.mul_(10.0);
  check_values(x, {0, -1, 20, -10, 4, -1});
  CHECK(n._version() == x._version());
}

TEST_CASE_TEMPLATE("slice backward puts the gradient at the sliced positions", T, float, double) {
  Tensor x = seq<T>({6}, true);
  Tensor w = values_of<T>({10, 20, 30}, {3});
  Tensor y = slice(x, 0, 0, std::nullopt, 2);
  CHECK(y.grad_fn()->name() == "SliceBackward0");
  (y * w).sum().backward();
  CHECK(x.grad().dtype() == x.dtype());
  check_values(x.grad(), {10, 0, 20, 0, 30, 0});

  Tensor m = seq<T>({2, 3}, true);
  (m.slice(1, 1, std::nullopt) * values_of<T>({1, 2, 3, 4}, {2, 2})).sum().backward();
  check_values(m.grad(), {0, 1, 2, 0, 3, 4});
}

TEST_CASE_TEMPLATE("second derivative through slice", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3, 4}, {4}, true);
  Tensor s = slice(x, 0, 1, 3);
  Tensor y = (s * s * s).sum();  // sum of x^3 over x[1:3]
  Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  check_values(g, {0, 12, 27, 0});  // 3 x^2
  CHECK(g.grad_fn()->name() == "SliceBackwardBackward0");
  Tensor h = autograd::grad({g.sum()}, {x})[0];
  check_values(h, {0, 12, 18, 0});  // 6 x
}

TEST_CASE_TEMPLATE("narrow takes length elements from start", T, float, double) {
  Tensor m = seq<T>({3, 4}, true);
  Tensor n = narrow(m, 1, -3, 2);  // a negative start counts from the end
  CHECK(n.sizes() == Shape{3, 2});
  check_values(n, {1, 2, 5, 6, 9, 10});
  CHECK(n.grad_fn()->name() == "SliceBackward0");
  check_values(m.narrow(0, 2, 1), {8, 9, 10, 11});
  CHECK(m.narrow(0, 3, 0).sizes() == Shape{0, 4});
  n.sum().backward();
  check_values(m.grad(), {0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0});
}

TEST_CASE("slice and narrow errors name the op and the shapes") {
  Tensor x = seq<float>({3, 4});
  check_throws<std::invalid_argument>([&] { slice(x, 0, 0, 2, 0); }, {"slice", "step", "Float32 [3, 4]"});
  check_throws<std::invalid_argument>([&] { slice(x, 0, 0, 2, -1); }, {"slice", "step"});
  check_throws<std::out_of_range>([&] { slice(x, 2, 0, 1); }, {"slice", "dimension 2", "[3, 4]"});
  check_throws<std::out_of_range>([&] { slice(scalar_tensor(1), 0, 0, 1); }, {"slice", "0-dim"});
  check_throws<std::out_of_range>([&] { narrow(x, 0, 4, 0); }, {"narrow", "start 4", "dimension 0", "[3, 4]"});
  check_throws<std::out_of_range>([&] { narrow(x, 1, -5, 1); }, {"narrow", "start -5"});
  check_throws<std::out_of_range>([&] { narrow(x, 1, 2, 3); },
                                  {"narrow", "start (2) + length (3)", "size 4", "[3, 4]"});
  check_throws<std::invalid_argument>([&] { narrow(x, 1, 0, -1); }, {"narrow", "length", "[3, 4]"});
  check_throws<std::out_of_range>([&] { narrow(x, -3, 0, 1); }, {"narrow", "dimension -3"});
  check_throws<std::invalid_argument>([&] { slice(Tensor(), 0, 0, 1); }, {"slice", "undefined"});
}

// ---- select -----------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("select picks one index and removes the dim", T, float, double) {
  Tensor m = seq<T>({2, 3});
  Tensor row = select(m, 0, 1);
  CHECK(row.sizes() == Shape{3});
  check_values(row, {3, 4, 5});
  Tensor col = m.select(1, -1);
  CHECK(col.sizes() == Shape{2});
  check_values(col, {2, 5});
  check_values(m[0], {0, 1, 2});
  Tensor e = select(seq<T>({3}), 0, 2);
  CHECK(e.dim() == 0);
  CHECK(e.item<double>() == 2);
  check_values(select(m.t(), 0, 1), {1, 4});  // a non-contiguous input
}

TEST_CASE("writes through a select are visible in the base and share its version counter") {
  Tensor m = seq<double>({2, 3});
  Tensor row = m.select(0, 1);
  auto before = m._version();
  row.fill_(7);
  check_values(m, {0, 1, 2, 7, 7, 7});
  CHECK(m._version() == before + 1);
  CHECK(row._version() == m._version());
  m.select(1, 0).add_(100.0);  // and the other way round: the earlier view sees base writes
  check_values(row, {107, 7, 7});
}

TEST_CASE("an in-place write to a view of a tensor that requires grad is refused") {
  Tensor x = seq<float>({3}, true);
  Tensor v = x.select(0, 1);
  CHECK_THROWS_AS(v.fill_(1), std::runtime_error);
}

TEST_CASE_TEMPLATE("select backward and its second derivative", T, float, double) {
  Tensor m = values_of<T>({1, 2, 3, 4, 5, 6}, {2, 3}, true);
  Tensor c = select(m, 1, 2);  // {3, 6}
  CHECK(c.grad_fn()->name() == "SelectBackward0");
  Tensor y = (c * c).sum();
  Tensor g = autograd::grad({y}, {m}, {}, std::nullopt, true)[0];
  check_values(g, {0, 0, 6, 0, 0, 12});
  CHECK(g.grad_fn()->name() == "SelectBackwardBackward0");
  Tensor h = autograd::grad({(g * g).sum()}, {m})[0];  // d/dm sum(4 m^2) over the column = 8 m
  check_values(h, {0, 0, 24, 0, 0, 48});
}

TEST_CASE("select errors name the op, the index, the dim and its size") {
  Tensor m = seq<float>({2, 3});
  check_throws<std::out_of_range>([&] { select(m, 1, 3); }, {"select", "index 3", "dimension 1", "size 3", "[2, 3]"});
  check_throws<std::out_of_range>([&] { select(m, 0, -3); }, {"select", "index -3", "dimension 0", "size 2"});
  check_throws<std::out_of_range>([&] { select(m, 2, 0); }, {"select", "dimension 2"});
  check_throws<std::out_of_range>([&] { select(scalar_tensor(1), 0, 0); }, {"select", "0-dim"});
  check_throws<std::out_of_range>([&] { m[5]; }, {"select", "index 5"});
}

// ---- index_select -----------------------------------------------------------------------------

TEST_CASE_TEMPLATE("index_select picks rows or columns, repeated indices allowed", T, float, double) {
  Tensor m = seq<T>({3, 4});
  Tensor rows = index_select(m, 0, index_of({2, 0, 2}));
  CHECK(rows.sizes() == Shape{3, 4});
  check_values(rows, {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  Tensor cols = m.index_select(-1, index_of({3, 1}));
  CHECK(cols.sizes() == Shape{3, 2});
  check_values(cols, {3, 1, 7, 5, 11, 9});
  check_values(index_select(m.t(), 0, index_of({1})), {1, 5, 9});  // non-contiguous input
  CHECK(index_select(m, 0, index_of({})).sizes() == Shape{0, 4});
  Tensor one = index_select(m, 1, scalar_tensor(2, kInt64));  // 0-d index
  CHECK(one.sizes() == Shape{3, 1});
  check_values(index_select(seq<std::int64_t>({5}), 0, index_of({4, 4})), {4, 4});  // Int64 data
}

TEST_CASE_TEMPLATE("index_select backward accumulates repeated indices", T, float, double) {
  Tensor m = seq<T>({3, 2}, true);
  Tensor y = index_select(m, 0, index_of({0, 2, 0}));
  CHECK(y.grad_fn()->name() == "IndexSelectBackward0");
  (y * values_of<T>({1, 2, 3, 4, 5, 6}, {3, 2})).sum().backward();
  check_values(m.grad(), {1 + 5, 2 + 6, 0, 0, 3, 4});
}

TEST_CASE_TEMPLATE("second derivative through index_select", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3}, {3}, true);
  Tensor s = index_select(x, 0, index_of({2, 2, 0}));
  Tensor g = autograd::grad({(s * s).sum()}, {x}, {}, std::nullopt, true)[0];
  check_values(g, {2, 0, 12});  // 2 x times how often x was picked
  CHECK(g.grad_fn()->name() == "IndexAddBackward0");
  check_values(autograd::grad({g.sum()}, {x})[0], {2, 0, 4});
}

TEST_CASE("a float index is the library's IndexError, in PyTorch's words") {
  Tensor m = seq<float>({3, 4});
  check_throws<IndexError>([&] { index_select(m, 0, tensor(std::vector<float>{0})); },
                           {"index_select(): Expected dtype int64 for index", "Float32 [1]"});
  check_throws<IndexError>([&] { m.index_select(0, scalar_tensor(1.0)); }, {"index_select(): Expected dtype int64"});
  check_throws<IndexError>([&] { gather(m, 0, zeros({1, 1})); }, {"gather(): Expected dtype int64 for index"});
}

TEST_CASE("index_select errors") {
  Tensor m = seq<float>({3, 4});
  check_throws<std::out_of_range>([&] { index_select(m, 0, tensor(std::vector<float>{0})); },
                                  {"index_select", "Int64", "Float32 [1]"});
  check_throws<std::out_of_range>(
      [&] {
        index_select(m, 0, index_of({1, 3}));
      },
      {"index_select", "index 3", "dimension 0", "size 3", "input Float32 [3, 4]"});
  check_throws<std::out_of_range>([&] { index_select(m, 1, index_of({-1})); },
                                  {"index_select", "index -1", "dimension 1", "size 4"});
  check_throws<std::invalid_argument>(
      [&] {
        index_select(m, 0, index_of({0, 1}, {1, 2}));
      },
      {"index_select", "Int64 [1, 2]", "Float32 [3, 4]"});
  check_throws<std::out_of_range>([&] { index_select(m, 2, index_of({0})); }, {"index_select", "dimension 2"});
}

// ---- gather / scatter_add ------------------------------------------------------------------

TEST_CASE_TEMPLATE("gather picks along dim as torch.gather", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3, 4}, {2, 2});
  check_values(gather(x, 1, index_of({0, 0, 1, 0}, {2, 2})), {1, 1, 4, 3});
  check_values(gather(x, 0, index_of({1, 0}, {1, 2})), {3, 2});
  // the index may be smaller than the input in the other dims
  Tensor big = seq<T>({3, 3});
  Tensor g = big.gather(0, index_of({2, 1}, {1, 2}));
  CHECK(g.sizes() == Shape{1, 2});
  check_values(g, {6, 4});
  check_values(gather(big.t(), 1, index_of({0, 2, 1}, {3, 1})), {0, 7, 5});  // non-contiguous input
  check_values(gather(seq<T>({4}), -1, index_of({3, 3, 0})), {3, 3, 0});
}

TEST_CASE_TEMPLATE("gather backward scatters the gradient, summing repeated indices", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3, 4}, {2, 2}, true);
  Tensor y = gather(x, 1, index_of({0, 0, 1, 0}, {2, 2}));
  CHECK(y.grad_fn()->name() == "GatherBackward0");
  (y * values_of<T>({10, 20, 30, 40}, {2, 2})).sum().backward();
  check_values(x.grad(), {30, 0, 40, 30});
}

TEST_CASE_TEMPLATE("second derivative through gather", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3, 4}, {2, 2}, true);
  Tensor s = gather(x, 1, index_of({0, 0, 1, 0}, {2, 2}));  // {1, 1, 4, 3}
  Tensor g = autograd::grad({(s * s * s).sum()}, {x}, {}, std::nullopt, true)[0];
  check_values(g, {6, 0, 27, 48});  // 3 x^2 per pick
  CHECK(g.grad_fn()->name() == "ScatterAddBackward0");
  Tensor h = autograd::grad({g.sum()}, {x})[0];
  check_values(h, {12, 0, 18, 24});  // 6 x per pick
}

TEST_CASE_TEMPLATE("scatter_add adds src at the indexed positions of a copy", T, float, double) {
  Tensor self = zeros({3, 5}, dtype_of<T>());
  Tensor src = ones({2, 5}, dtype_of<T>());
  Tensor idx = index_of({0, 1, 2, 0, 0, 2, 0, 0, 1, 2}, {2, 5});
  Tensor out = scatter_add(self, 0, idx, src);
  check_values(out, {1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  check_values(self, std::vector<double>(15, 0.0));  // out of place
  // repeated indices along dim 1 accumulate
  check_values(seq<T>({1, 3}).scatter_add(1, index_of({2, 2, 0}, {1, 3}), values_of<T>({1, 2, 4}, {1, 3})), {4, 1, 5});
}

TEST_CASE_TEMPLATE("scatter_add backward: self gets g, src gets g gathered", T, float, double) {
  Tensor self = zeros({3, 2}, TensorOptions(dtype_of<T>()).requires_grad(true));
  Tensor src = values_of<T>({1, 2, 3, 4, 5, 6}, {3, 2}, true);
  Tensor idx = index_of({2, 0, 2}, {3, 1});  // smaller than src in dim 1: src[:, 1] is never used
  Tensor out = scatter_add(self, 0, idx, src);
  check_values(out, {3, 0, 0, 0, 1 + 5, 0});
  CHECK(out.grad_fn()->name() == "ScatterAddBackward0");
  Tensor w = values_of<T>({10, 20, 30, 40, 50, 60}, {3, 2});
  (out * w).sum().backward();
  check_values(self.grad(), {10, 20, 30, 40, 50, 60});
  CHECK(src.grad().sizes() == Shape{3, 2});
  check_values(src.grad(), {50, 0, 10, 0, 50, 0});
}

TEST_CASE("gather and scatter_add errors name the op, the index, the dim and the shapes") {
  Tensor x = seq<float>({2, 3});
  check_throws<std::out_of_range>(
      [&] {
        gather(x, 1, index_of({0, 3}, {1, 2}));
      },
      {"gather", "index 3", "dimension 1", "size 3", "input Float32 [2, 3]"});
  check_throws<std::out_of_range>(
      [&] {
        gather(x, 0, index_of({-1}, {1, 1}));
      },
      {"gather", "index -1", "dimension 0", "size 2"});
  check_throws<std::out_of_range>(
      [&] {
        gather(x, 0, tensor(std::vector<double>{0}, {1, 1}));
      },
      {"gather", "Int64", "Float64 [1, 1]"});
  check_throws<std::invalid_argument>(
      [&] {
        gather(x, 0, index_of({0, 0}));
      },
      {"gather", "number of dimensions", "Float32 [2, 3]", "Int64 [2]"});
  check_throws<std::invalid_argument>(
      [&] {
        gather(x, 0, index_of({0, 0, 0, 0}, {1, 4}));
      },
      {"gather", "dimension 1", "Float32 [2, 3]", "Int64 [1, 4]"});
  check_throws<std::out_of_range>([&] { gather(x, 2, index_of({0}, {1, 1})); }, {"gather", "dimension 2"});

  Tensor src = ones({2, 3});
  check_throws<std::out_of_range>(
      [&] {
        scatter_add(x, 0, index_of({0, 2}, {1, 2}), src);
      },
      {"scatter_add", "index 2", "dimension 0", "size 2"});
  check_throws<std::invalid_argument>(
      [&] {
        scatter_add(x, 0, index_of({0}, {1, 1}), ones({2, 3}, kFloat64));
      },
      {"scatter_add", "Float32 [2, 3]", "Float64 [2, 3]"});
  check_throws<std::invalid_argument>(
      [&] {
        scatter_add(x, 0, index_of({0, 0, 0, 0}, {2, 2}), ones({1, 3}));
      },
      {"scatter_add", "src", "Int64 [2, 2]", "Float32 [1, 3]"});
  check_throws<std::invalid_argument>(
      [&] {
        scatter_add(x, 0, index_of({0, 0, 0, 0}, {1, 4}), ones({1, 4}));
      },
      {"scatter_add", "input", "Int64 [1, 4]"});
  check_throws<std::out_of_range>(
      [&] {
        scatter_add(x, 0, tensor(std::vector<float>{0}, {1, 1}), src);
      },
      {"scatter_add", "Int64"});
}

// ---- cat / stack -------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("cat joins along an existing dim", T, float, double) {
  Tensor a = seq<T>({2, 2}), b = seq<T>({2, 1}) + 10.0;
  Tensor c = cat({a, b}, 1);
  CHECK(c.sizes() == Shape{2, 3});
  check_values(c, {0, 1, 10, 2, 3, 11});
  check_values(cat({a, a.t()}, -2), {0, 1, 2, 3, 0, 2, 1, 3});  // non-contiguous input
  check_values(cat({seq<T>({2})}), {0, 1});
  // a legacy 1-D empty tensor is skipped, whatever the others' shape (as PyTorch)
  CHECK(cat({a, empty({0}, dtype_of<T>()), a}, 0).sizes() == Shape{4, 2});
}

TEST_CASE("cat promotes dtypes and sends each input its slice of the gradient") {
  Tensor a = tensor(std::vector<float>{1, 2}).requires_grad_();
  Tensor b = tensor(std::vector<double>{3, 4, 5}).requires_grad_();
  Tensor i = tensor(std::vector<std::int64_t>{6});
  Tensor c = cat({a, i, b});
  CHECK(c.dtype() == kFloat64);
  check_values(c, {1, 2, 6, 3, 4, 5});
  CHECK(c.grad_fn()->name() == "CatBackward0");
  (c * tensor(std::vector<double>{1, 2, 3, 4, 5, 6})).sum().backward();
  CHECK(a.grad().dtype() == kFloat32);
  check_values(a.grad(), {1, 2});
  check_values(b.grad(), {4, 5, 6});
}

TEST_CASE_TEMPLATE("cat backward along dim 1 and through create_graph", T, float, double) {
  Tensor a = seq<T>({2, 2}, true), b = values_of<T>({7, 8}, {2, 1}, true);
  Tensor c = cat({a, b}, 1);
  Tensor y = (c * c).sum();
  auto g = autograd::grad({y}, {a, b}, {}, std::nullopt, true);
  check_values(g[0], {0, 2, 4, 6});
  check_values(g[1], {14, 16});
  check_values(autograd::grad({g[1].sum()}, {b})[0], {2, 2});
}

TEST_CASE_TEMPLATE("stack joins along a new dim", T, float, double) {
  Tensor a = values_of<T>({1, 2, 3}, {3}, true), b = values_of<T>({4, 5, 6}, {3}, true);
  Tensor s0 = stack({a, b});
  CHECK(s0.sizes() == Shape{2, 3});
  check_values(s0, {1, 2, 3, 4, 5, 6});
  Tensor s1 = stack({a, b}, -1);
  CHECK(s1.sizes() == Shape{3, 2});
  check_values(s1, {1, 4, 2, 5, 3, 6});
  CHECK(s1.grad_fn()->name() == "StackBackward0");
  (s1 * values_of<T>({1, 2, 3, 4, 5, 6}, {3, 2})).sum().backward();
  check_values(a.grad(), {1, 3, 5});
  check_values(b.grad(), {2, 4, 6});
  CHECK(stack({scalar_tensor(1), scalar_tensor(2)}).sizes() == Shape{2});
}

TEST_CASE("cat and stack errors name the op, the position and the shapes") {
  Tensor a = zeros({2, 3}), b = zeros({2, 4});
  check_throws<std::invalid_argument>([&] { cat({}); }, {"cat", "non-empty"});
  check_throws<std::invalid_argument>(
      [&] {
        cat({a, b}, 0);
      },
      {"cat", "position 1", "Float32 [2, 4]", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { cat({a, zeros({2})}, 0); }, {"cat", "position 1", "[2]"});
  check_throws<std::invalid_argument>([&] { cat({a, scalar_tensor(1)}); }, {"cat", "zero-dimensional", "position 1"});
  check_throws<std::invalid_argument>([&] { cat({a, Tensor()}); }, {"cat", "position 1", "undefined"});
  check_throws<std::out_of_range>([&] { cat({a, a}, 2); }, {"cat", "dimension 2", "[2, 3]"});
  check_throws<std::invalid_argument>([&] { stack({}); }, {"stack", "non-empty"});
  check_throws<std::invalid_argument>(
      [&] {
        stack({a, a, b});
      },
      {"stack", "position 2", "Float32 [2, 4]", "Float32 [2, 3]"});
  check_throws<std::out_of_range>([&] { stack({a, a}, 3); }, {"stack", "dimension 3"});
}

// ---- split / chunk -----------------------------------------------------------------------------

TEST_CASE_TEMPLATE("split and chunk return views of the pieces", T, float, double) {
  Tensor x = seq<T>({5, 2});
  auto parts = split(x, 2);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].sizes() == Shape{2, 2});
  CHECK(parts[2].sizes() == Shape{1, 2});
  check_values(parts[1], {4, 5, 6, 7});
  check_values(parts[2], {8, 9});
  auto cols = x.split(1, 1);
  REQUIRE(cols.size() == 2);
  check_values(cols[1], {1, 3, 5, 7, 9});
  CHECK(split(x, 10).size() == 1);

  auto ch = chunk(seq<T>({5}), 3);  // sizes 2, 2, 1 as torch.chunk
  REQUIRE(ch.size() == 3);
  check_values(ch[0], {0, 1});
  check_values(ch[2], {4});
  CHECK(chunk(seq<T>({6}), 4).size() == 3);  // ceil(6/4) = 2 per chunk: only 3 chunks
  CHECK(x.chunk(2, -1).size() == 2);
  auto none = chunk(empty({0}, dtype_of<T>()), 3);
  REQUIRE(none.size() == 1);
  CHECK(none[0].numel() == 0);

  parts[1].fill_(-1);  // views: the write shows in x
  check_values(select(x, 0, 2), {-1, -1});
  CHECK(parts[1]._version() == x._version());
}

TEST_CASE_TEMPLATE("split backward gives unused pieces a zero gradient", T, float, double) {
  Tensor x = seq<T>({5}, true);
  auto parts = split(x, 2);
  CHECK(parts[0].grad_fn()->name() == "SplitBackward0");
  CHECK(parts[0].grad_fn() == parts[2].grad_fn());
  CHECK(parts[2].output_nr() == 2);
  (parts[0] * values_of<T>({1, 2}, {2}) + 0.0).sum().add(parts[2].sum() * 3.0).backward();
  check_values(x.grad(), {1, 2, 0, 0, 3});

  Tensor m = seq<T>({2, 4}, true);
  auto halves = chunk(m, 2, 1);
  Tensor y = (halves[1] * halves[1]).sum();
  Tensor g = autograd::grad({y}, {m}, {}, std::nullopt, true)[0];
  check_values(g, {0, 0, 4, 6, 0, 0, 12, 14});
  check_values(autograd::grad({g.sum()}, {m})[0], {0, 0, 2, 2, 0, 0, 2, 2});
}

TEST_CASE("split and chunk errors") {
  Tensor x = seq<float>({4, 2});
  check_throws<std::invalid_argument>([&] { split(x, 0); }, {"split", "split_size", "Float32 [4, 2]"});
  check_throws<std::invalid_argument>([&] { split(x, -1); }, {"split", "-1", "Float32 [4, 2]"});
  check_throws<std::invalid_argument>([&] { split(scalar_tensor(1), 1); }, {"split", "1-dimensional"});
  check_throws<std::out_of_range>([&] { split(x, 1, 2); }, {"split", "dimension 2", "[4, 2]"});
  check_throws<std::invalid_argument>([&] { chunk(x, 0); }, {"chunk", "chunks", "Float32 [4, 2]"});
  check_throws<std::out_of_range>([&] { chunk(x, 2, -3); }, {"chunk", "dimension -3"});
}

// ---- pad ---------------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("pad adds constant borders from the last dim, negative widths crop", T, float, double) {
  Tensor v = values_of<T>({1, 2, 3}, {3});
  check_values(pad(v, {1, 2}, 9), {9, 1, 2, 3, 9, 9});
  check_values(pad(v, {-1, 1}), {2, 3, 0});
  CHECK(pad(v, {-3, 0}).sizes() == Shape{0});
  check_values(pad(v, {-5, 4}, 7), {7, 7});  // nothing of v survives

  Tensor m = seq<T>({2, 2});
  Tensor p = pad(m, {1, 0, 0, 1}, -1);  // last dim: 1 before; first dim: 1 after
  CHECK(p.sizes() == Shape{3, 3});
  check_values(p, {-1, 0, 1, -1, 2, 3, -1, -1, -1});
  check_values(pad(m.t(), {0, 1}), {0, 2, 0, 1, 3, 0});  // non-contiguous input
  CHECK(pad(m, {}).sizes() == Shape{2, 2});
  check_values(pad(seq<std::int64_t>({2}), {1, 1}, 5), {5, 0, 1, 5});
}

TEST_CASE_TEMPLATE("pad backward slices the gradient back", T, float, double) {
  Tensor x = values_of<T>({1, 2, 3, 4}, {2, 2}, true);
  Tensor p = pad(x, {1, -1});  // [[0, 1], [0, 3]]: column 1 of x is cropped
  check_values(p, {0, 1, 0, 3});
  CHECK(p.grad_fn()->name() == "ConstantPadNdBackward0");
  (p * values_of<T>({10, 20, 30, 40}, {2, 2})).sum().backward();
  check_values(x.grad(), {20, 0, 40, 0});

  Tensor y = values_of<T>({1, 2}, {2}, true);
  Tensor g = autograd::grad({(pad(y, {2, 1}) * pad(y, {2, 1})).sum()}, {y}, {}, std::nullopt, true)[0];
  check_values(g, {2, 4});
  check_values(autograd::grad({g.sum()}, {y})[0], {2, 2});
}

TEST_CASE("pad errors") {
  Tensor m = zeros({2, 3});
  check_throws<std::invalid_argument>([&] { pad(m, {1}); }, {"pad", "[1]", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { pad(m, {1, 1, 1, 1, 1, 1}); }, {"pad", "3 dims", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { pad(m, {-2, -2}); }, {"pad", "negative size", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { pad(zeros({2}, kInt64), {1, 1}, std::nan("")); }, {"pad", "Int64 [2]"});
}

// ---- edge cases ---------------------------------------------------------------------------------

TEST_CASE("an index modified in place after the forward is caught by backward") {
  Tensor x = seq<float>({3}, true);
  Tensor idx = index_of({0, 2});
  Tensor y = gather(x, 0, idx);
  Tensor z = index_select(x, 0, idx);
  idx.fill_(1);
  check_throws<std::runtime_error>([&] { y.sum().backward(); }, {"modified by an inplace operation", "Int64 [2]"});
  check_throws<std::runtime_error>([&] { z.sum().backward(); }, {"modified by an inplace operation"});
}

TEST_CASE("0-dim inputs and indices behave as in PyTorch") {
  Tensor s = scalar_tensor(5, TensorOptions(kFloat64).requires_grad(true));
  Tensor picked = index_select(s, 0, index_of({0}));
  CHECK(picked.dim() == 0);
  CHECK(picked.item<double>() == 5);
  Tensor g = gather(s, 0, scalar_tensor(0, kInt64));
  CHECK(g.dim() == 0);
  (picked * 2.0 + g * 3.0).backward();
  CHECK(s.grad().item<double>() == 5);
  check_throws<std::out_of_range>([&] { gather(s, 0, scalar_tensor(1, kInt64)); }, {"gather", "index 1", "size 1"});
  check_throws<std::invalid_argument>([&] { index_select(s, 0, index_of({0, 0})); }, {"index_select", "0-dim"});
  // a 0-d index against a 1-d src: the unused src entries get zero gradient
  Tensor src = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor out = scatter_add(zeros({2}, kFloat64), 0, scalar_tensor(1, kInt64), src);
  check_values(out, {0, 1});
  out.sum().backward();
  check_values(src.grad(), {1, 0, 0});
}

TEST_CASE("empty selections and empty pieces") {
  Tensor x = seq<double>({3, 2}, true);
  Tensor none = index_select(x, 0, index_of({}));
  CHECK(none.sizes() == Shape{0, 2});
  Tensor g = gather(x, 1, tensor(std::vector<std::int64_t>{}, {0, 2}));
  CHECK(g.sizes() == Shape{0, 2});
  (none.sum() + g.sum() + slice(x, 0, 2, 2).sum()).backward();
  check_values(x.grad(), std::vector<double>(6, 0.0));
  CHECK(cat({empty({0}), empty({0})}).sizes() == Shape{0});
}
