// Views and reshapes: reshape, view, flatten, transpose, t, permute, squeeze, unsqueeze and
// expand — values, shared storage, gradients and errors.
#include <doctest/doctest.h>

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
Tensor values_of(const std::vector<T>& v, const Shape& shape) {
  return tensor(v, shape);
}

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

// ---- reshape / view / flatten ------------------------------------------------------------------

TEST_CASE_TEMPLATE("reshape and view keep row-major order and infer one -1", T, float, double) {
  Tensor x = seq<T>({2, 3});
  Tensor r = reshape(x, {3, 2});
  CHECK(r.sizes() == Shape{3, 2});
  CHECK(r.strides() == Shape{2, 1});
  check_values(r, {0, 1, 2, 3, 4, 5});
  CHECK(x.view({-1}).sizes() == Shape{6});
  CHECK(x.reshape({3, -1}).sizes() == Shape{3, 2});
  CHECK(x.reshape({1, 6, 1}).sizes() == Shape{1, 6, 1});
  CHECK(reshape(seq<T>({1}), {}).dim() == 0);
  CHECK(reshape(zeros({0, 3}), {-1, 6}).sizes() == Shape{0, 6});
  // a non-contiguous input is copied into row-major order of its logical layout
  check_values(reshape(x.t(), {6}), {0, 3, 1, 4, 2, 5});
}

TEST_CASE("view shares storage; reshape of a non-contiguous tensor copies") {
  Tensor x = seq<float>({2, 3});
  Tensor v = x.view({3, 2});
  v.select(0, 0).fill_(-1);
  check_values(x, {-1, -1, 2, 3, 4, 5});
  CHECK(v._version() == x._version());

  Tensor c = reshape(x.t(), {6});
  c.fill_(0);
  check_values(x, {-1, -1, 2, 3, 4, 5});  // untouched: c is a copy
}

TEST_CASE_TEMPLATE("flatten merges a range of dims", T, float, double) {
  Tensor x = seq<T>({2, 3, 4});
  CHECK(flatten(x).sizes() == Shape{24});
  CHECK(x.flatten(1).sizes() == Shape{2, 12});
  CHECK(x.flatten(0, 1).sizes() == Shape{6, 4});
  CHECK(x.flatten(-2, -1).sizes() == Shape{2, 12});
  CHECK(x.flatten(1, 1).sizes() == Shape{2, 3, 4});
  CHECK(flatten(scalar_tensor(3)).sizes() == Shape{1});
  check_values(flatten(x.transpose(0, 2)).slice(0, 0, 4), {0, 12, 4, 16});
}

TEST_CASE_TEMPLATE("reshape, view and flatten backward reshape the gradient", T, float, double) {
  Tensor x = seq<T>({2, 3}, true);
  Tensor y = x.view({3, 2});
  CHECK(y.grad_fn()->name() == "ViewBackward0");
  (y * values_of<T>({1, 2, 3, 4, 5, 6}, {3, 2})).sum().backward();
  CHECK(x.grad().sizes() == Shape{2, 3});
  check_values(x.grad(), {1, 2, 3, 4, 5, 6});

  Tensor z = seq<T>({2, 3}, true);
  (flatten(z.t()) * values_of<T>({1, 2, 3, 4, 5, 6}, {6})).sum().backward();
  check_values(z.grad(), {1, 3, 5, 2, 4, 6});
}

TEST_CASE("reshape, view and flatten errors name the op and the shapes") {
  Tensor x = seq<float>({2, 3});
  check_throws<std::invalid_argument>([&] { view(x, {4, 2}); }, {"view", "[4, 2]", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { reshape(x, {4, -1}); }, {"[4, -1]", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { reshape(x, {-1, -1}); }, {"only one dimension", "[-1, -1]"});
  check_throws<std::invalid_argument>([&] { reshape(x, {-2, 3}); }, {"invalid size -2"});
  check_throws<std::invalid_argument>([&] { x.t().view({6}); },
                                      {"view", "not contiguous", "Float32 [3, 2]", "reshape"});
  check_throws<std::invalid_argument>(
      [&] {
        flatten(seq<float>({2, 3, 4}), 2, 1);
      },
      {"flatten", "start_dim 2", "end_dim 1"});
  check_throws<std::out_of_range>([&] { flatten(x, 0, 2); }, {"flatten", "dimension 2", "[2, 3]"});
  check_throws<std::invalid_argument>([&] { reshape(Tensor(), {1}); }, {"reshape", "undefined"});
}

// ---- transpose / t / permute ------------------------------------------------------------------

TEST_CASE_TEMPLATE("transpose, t and permute reorder dims without copying", T, float, double) {
  Tensor x = seq<T>({2, 3, 4});
  Tensor p = permute(x, {2, 0, 1});
  CHECK(p.sizes() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK_FALSE(p.is_contiguous());
  CHECK(p.at<double>({3, 1, 2}) == x.at<double>({1, 2, 3}));
  Tensor tr = x.transpose(0, -1);
  CHECK(tr.sizes() == Shape{4, 3, 2});
  CHECK(tr.at<double>({1, 2, 0}) == x.at<double>({0, 2, 1}));
  CHECK(x.permute({-3, -2, -1}).is_contiguous());

  Tensor m = seq<T>({2, 3});
  check_values(m.t(), {0, 3, 1, 4, 2, 5});
  check_values(m.t().t(), {0, 1, 2, 3, 4, 5});
  CHECK(t(seq<T>({3})).sizes() == Shape{3});  // <= 1-D: unchanged
  CHECK(t(scalar_tensor(1)).dim() == 0);
}

TEST_CASE("transposed views write through to the base") {
  Tensor m = seq<double>({2, 3});
  Tensor mt = m.t();
  mt.select(0, 2).fill_(9);  // column 2 of m
  check_values(m, {0, 1, 9, 3, 4, 9});
  CHECK(mt._version() == m._version());
}

TEST_CASE_TEMPLATE("permute and transpose backward apply the inverse permutation", T, float, double) {
  Tensor x = seq<T>({2, 3}, true);
  Tensor y = x.t();
  CHECK(y.grad_fn()->name() == "PermuteBackward0");
  (y * values_of<T>({1, 2, 3, 4, 5, 6}, {3, 2})).sum().backward();
  check_values(x.grad(), {1, 3, 5, 2, 4, 6});

  Tensor z = seq<T>({2, 1, 3}, true);
  Tensor w = seq<T>({3, 2, 1});
  Tensor pz = permute(z, {2, 0, 1});
  Tensor g = autograd::grad({(pz * pz * w).sum()}, {z}, {}, std::nullopt, true)[0];
  CHECK(g.sizes() == Shape{2, 1, 3});
  // d/dz of w'[z] z^2 with w' = w permuted back: 2 z w'
  check_values(g, {0, 2 * 1 * 2, 2 * 2 * 4, 2 * 3 * 1, 2 * 4 * 3, 2 * 5 * 5});
  check_values(autograd::grad({g.sum()}, {z})[0], {0, 4, 8, 2, 6, 10});
}

TEST_CASE("transpose, t and permute errors") {
  Tensor x = seq<float>({2, 3, 4});
  check_throws<std::invalid_argument>([&] { t(x); }, {"t", "Float32 [2, 3, 4]"});
  check_throws<std::invalid_argument>([&] { permute(x, {0, 1}); }, {"permute", "[0, 1]", "Float32 [2, 3, 4]"});
  check_throws<std::invalid_argument>([&] { permute(x, {0, 1, 1}); }, {"permute", "repeated", "[0, 1, 1]"});
  check_throws<std::out_of_range>([&] { permute(x, {0, 1, 3}); }, {"permute", "dimension 3", "[2, 3, 4]"});
  check_throws<std::out_of_range>([&] { transpose(x, 0, -4); }, {"transpose", "dimension -4", "[2, 3, 4]"});
}

// ---- squeeze / unsqueeze -----------------------------------------------------------------------

TEST_CASE_TEMPLATE("squeeze removes size-1 dims, unsqueeze inserts one", T, float, double) {
  Tensor x = seq<T>({1, 3, 1, 2});
  CHECK(squeeze(x).sizes() == Shape{3, 2});
  CHECK(x.squeeze(0).sizes() == Shape{3, 1, 2});
  CHECK(x.squeeze(-2).sizes() == Shape{1, 3, 2});
  CHECK(x.squeeze(1).sizes() == Shape{1, 3, 1, 2});  // not size 1: unchanged
  check_values(squeeze(x), {0, 1, 2, 3, 4, 5});
  Tensor v = seq<T>({3});
  CHECK(unsqueeze(v, 0).sizes() == Shape{1, 3});
  CHECK(v.unsqueeze(1).sizes() == Shape{3, 1});
  CHECK(v.unsqueeze(-1).sizes() == Shape{3, 1});
  CHECK(unsqueeze(scalar_tensor(2), 0).sizes() == Shape{1});
  CHECK(squeeze(ones({1, 1})).dim() == 0);
  CHECK(squeeze(scalar_tensor(2), 0).dim() == 0);
}

TEST_CASE("squeeze and unsqueeze share storage with their input") {
  Tensor x = zeros({1, 3});
  x.squeeze().fill_(4);
  check_values(x, {4, 4, 4});
  Tensor y = zeros({2, 3});
  Tensor u = y.t().unsqueeze(0);  // a non-contiguous input stays a view too
  CHECK(u.sizes() == Shape{1, 3, 2});
  u.select(0, 0).select(0, 1).fill_(5);
  check_values(y, {0, 5, 0, 0, 5, 0});
}

TEST_CASE_TEMPLATE("squeeze and unsqueeze backward restore the input's shape", T, float, double) {
  Tensor x = seq<T>({1, 3}, true);
  (squeeze(x) * values_of<T>({1, 2, 3}, {3})).sum().backward();
  CHECK(x.grad().sizes() == Shape{1, 3});
  check_values(x.grad(), {1, 2, 3});
  Tensor y = seq<T>({3}, true);
  (unsqueeze(y, 1) * values_of<T>({4, 5, 6}, {3, 1})).sum().backward();
  CHECK(y.grad().sizes() == Shape{3});
  check_values(y.grad(), {4, 5, 6});
}

TEST_CASE("squeeze and unsqueeze errors") {
  Tensor x = zeros({2, 3});
  check_throws<std::out_of_range>([&] { squeeze(x, 2); }, {"squeeze", "dimension 2", "[2, 3]"});
  check_throws<std::out_of_range>([&] { unsqueeze(x, 3); }, {"unsqueeze", "dimension 3", "[2, 3]"});
  check_throws<std::out_of_range>([&] { unsqueeze(x, -4); }, {"unsqueeze", "dimension -4"});
}

// ---- expand ------------------------------------------------------------------------------------

TEST_CASE_TEMPLATE("expand broadcasts with stride 0", T, float, double) {
  Tensor col = values_of<T>({1, 2}, {2, 1});
  Tensor e = expand(col, {2, 3});
  CHECK(e.sizes() == Shape{2, 3});
  CHECK(e.strides()[1] == 0);
  check_values(e, {1, 1, 1, 2, 2, 2});
  Tensor lead = col.expand({4, -1, 2});
  CHECK(lead.sizes() == Shape{4, 2, 2});
  CHECK(lead.strides()[0] == 0);
  CHECK(expand(scalar_tensor(7), {2, 2}).to_vector<double>() == std::vector<double>(4, 7.0));
  CHECK(broadcast_to(col, {3, 2, 2}).sizes() == Shape{3, 2, 2});
  CHECK(col.expand_as(zeros({2, 5})).sizes() == Shape{2, 5});
  CHECK(expand(col, {2, 0}).numel() == 0);
}

TEST_CASE("an expanded view aliases its input") {
  Tensor row = zeros({1, 3});
  Tensor e = row.expand({4, 3});
  row.select(1, 1).fill_(8);
  check_values(e.select(0, 3), {0, 8, 0});
}

TEST_CASE_TEMPLATE("expand backward sums the gradient over the broadcast dims", T, float, double) {
  Tensor col = values_of<T>({1, 2}, {2, 1}).requires_grad_();
  Tensor e = expand(col, {3, 2, 4});
  CHECK(e.grad_fn()->name() == "ExpandBackward0");
  Tensor y = (e * e).sum();
  Tensor g = autograd::grad({y}, {col}, {}, std::nullopt, true)[0];
  CHECK(g.sizes() == Shape{2, 1});
  check_values(g, {2 * 12 * 1.0, 2 * 12 * 2.0});  // 12 copies of 2 x
  check_values(autograd::grad({g.sum()}, {col})[0], {24, 24});
}

TEST_CASE("expand errors name the op and the shapes") {
  Tensor x = zeros({2, 3});
  check_throws<std::invalid_argument>([&] { expand(x, {3}); }, {"expand", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { expand(x, {4, 3}); }, {"expand", "(4)", "(2)", "[4, 3]", "Float32 [2, 3]"});
  check_throws<std::invalid_argument>([&] { expand(x, {-1, 2, 3}); }, {"expand", "-1", "[-1, 2, 3]"});
}
