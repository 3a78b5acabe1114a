// The bad-input table of issue 8: one test case per row. Each asserts the exception's exact
// type and that its message names the op and the offending shapes / dtypes / values, so a user
// can tell from the message alone what went wrong. Nothing here may crash, abort or leak.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// Runs f, which must throw exactly E (not a subclass standing in for it, nor a base class): the
// message must contain every one of `parts`.
template <class E, class F>
void expect_throw(F&& f, std::initializer_list<std::string> parts) {
  std::string what;
  bool thrown = false;
  try {
    f();
  } catch (const E& e) {
    thrown = true;
    what = e.what();
    CHECK_MESSAGE(typeid(e) == typeid(E),
                  "threw a subclass " << std::string(typeid(e).name()) << " of the expected type: " << what);
  } catch (const std::exception& e) {
    FAIL_CHECK("threw " << std::string(typeid(e).name()) << " instead of " << std::string(typeid(E).name()) << ": "
                        << std::string(e.what()));
    return;
  }
  REQUIRE_MESSAGE(thrown, "did not throw (expected " << std::string(typeid(E).name()) << ")");
  for (const std::string& p : parts)
    CHECK_MESSAGE(what.find(p) != std::string::npos, "'" << p << "' missing from: " << what);
}

Tensor f64(const Shape& s) { return ones(s, kFloat64); }
Tensor f32(const Shape& s) { return ones(s, kFloat32); }
Tensor leaf(const Shape& s) { return ones(s, TensorOptions(kFloat64).requires_grad(true)); }

}  // namespace

TEST_CASE("row: shape mismatch in every binary op") {
  const Tensor a = f64({2, 3}), b = f32({4});
  using BinOp = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<std::string, BinOp>> ops = {
      {"add", [](const Tensor& x, const Tensor& y) { return add(x, y); }},
      {"sub", [](const Tensor& x, const Tensor& y) { return sub(x, y); }},
      {"mul", [](const Tensor& x, const Tensor& y) { return mul(x, y); }},
      {"div", [](const Tensor& x, const Tensor& y) { return div(x, y); }},
      {"minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); }},
      {"maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); }},
      {"pow", [](const Tensor& x, const Tensor& y) { return pow(x, y); }},
      {"eq", [](const Tensor& x, const Tensor& y) { return eq(x, y); }},
      {"ne", [](const Tensor& x, const Tensor& y) { return ne(x, y); }},
      {"lt", [](const Tensor& x, const Tensor& y) { return lt(x, y); }},
      {"le", [](const Tensor& x, const Tensor& y) { return le(x, y); }},
      {"gt", [](const Tensor& x, const Tensor& y) { return gt(x, y); }},
      {"ge", [](const Tensor& x, const Tensor& y) { return ge(x, y); }},
  };
  for (const auto& entry : ops) {  // no structured binding: clang 14 cannot capture one
    const auto& name = entry.first;
    const auto& op = entry.second;
    CAPTURE(name);
    expect_throw<std::invalid_argument>([&] { op(a, b); }, {name, "[2, 3]", "[4]", "Float64", "Float32"});
  }
  // The operators and the in-place forms name their op too.
  expect_throw<std::invalid_argument>([&] { (void)(a + b); }, {"add", "[2, 3]", "[4]"});
  expect_throw<std::invalid_argument>([&] { (void)(a * b); }, {"mul", "[2, 3]", "[4]"});
  Tensor c = f64({2, 3});
  expect_throw<std::invalid_argument>([&] { c.add_(b); }, {"add_", "[2, 3]", "[4]"});
  expect_throw<std::invalid_argument>([&] { c.mul_(b); }, {"mul_", "[2, 3]", "[4]"});
  // where has three operands.
  expect_throw<std::invalid_argument>([&] { where(gt(a, 0.0), a, b); }, {"where", "[2, 3]", "[4]"});
}

TEST_CASE("row: shape mismatch in matmul, mm, dot and outer") {
  expect_throw<std::invalid_argument>(
      [] {
        matmul(f64({2, 3}), f64({4, 5}));
      },
      {"matmul", "[2, 3]", "[4, 5]", "3 != 4"});
  expect_throw<std::invalid_argument>([] { matmul(f64({3}), f64({4})); }, {"matmul", "[3]", "[4]"});
  expect_throw<std::invalid_argument>(
      [] {
        matmul(f64({2, 2, 3}), f64({3, 3, 1}));
      },
      {"matmul", "[2, 2, 3]", "[3, 3, 1]"});
  expect_throw<std::invalid_argument>([] { matmul(scalar_tensor(1.0, kFloat64), f64({3})); }, {"matmul", "[]", "[3]"});
  expect_throw<std::invalid_argument>(
      [] {
        matmul(ones({2, 2}, kInt64), f64({2, 2}));
      },
      {"matmul", "Int64", "Float64"});
  expect_throw<std::invalid_argument>([] { mm(f64({2, 3}), f64({2, 3})); }, {"mm", "[2, 3]"});
  expect_throw<std::invalid_argument>([] { mm(f64({2, 3, 1}), f64({1, 3})); }, {"mm", "[2, 3, 1]", "[1, 3]"});
  expect_throw<std::invalid_argument>([] { dot(f64({3}), f64({4})); }, {"dot", "[3]", "[4]"});
  expect_throw<std::invalid_argument>([] { outer(f64({3, 1}), f64({4})); }, {"outer", "[3, 1]", "[4]"});
  expect_throw<std::invalid_argument>([] { nn::Linear(3, 2)->forward(f32({5, 4})); }, {"[5, 4]", "[2, 3]"});
}

TEST_CASE("row: broadcasting that cannot broadcast") {
  expect_throw<std::invalid_argument>([] { expand(f64({2, 3}), {2, 4}); }, {"expand", "3", "4", "[2, 4]"});
  expect_throw<std::invalid_argument>([] { broadcast_to(f64({3}), {2}); }, {"[3]", "[2]"});
  expect_throw<std::invalid_argument>([] { expand(f64({2, 3}), {3}); }, {"expand", "[3]"});
  // Through the broadcast itself: the dim that disagrees is named.
  expect_throw<std::invalid_argument>(
      [] {
        add(f64({2, 1, 3}), f64({4, 2}));
      },
      {"add", "[2, 1, 3]", "[4, 2]", "3 vs 2"});
  // In place, the result of broadcasting must keep the destination's shape.
  Tensor dst = f64({3});
  expect_throw<std::invalid_argument>([&] { dst.add_(f64({2, 3})); }, {"add_", "[3]", "[2, 3]"});
  expect_throw<std::invalid_argument>([] { sum_to(f64({2, 3}), {4}); }, {"sum_to", "[2, 3]", "[4]"});
}

TEST_CASE("row: reduction over a dim out of range") {
  const Tensor x = f64({2, 3});
  using Red = std::function<void()>;
  const std::vector<std::pair<std::string, Red>> ops = {
      {"sum", [&] { sum(x, {2}); }},
      {"mean", [&] { mean(x, {-3}); }},
      {"var", [&] { var(x, {5}); }},
      {"std", [&] { xgrad::std(x, {2}); }},
      {"max", [&] { max(x, 2); }},
      {"min", [&] { min(x, -3); }},
      {"argmax", [&] { argmax(x, 2); }},
      {"argmin", [&] { argmin(x, 2); }},
      {"logsumexp", [&] { logsumexp(x, {2}); }},
      {"softmax", [&] { softmax(x, 2); }},
      {"log_softmax", [&] { log_softmax(x, -3); }},
  };
  for (const auto& entry : ops) {  // no structured binding: clang 14 cannot capture one
    const auto& name = entry.first;
    const auto& op = entry.second;
    CAPTURE(name);
    expect_throw<std::out_of_range>(op, {name, "out of range", "[2, 3]"});
  }
  // The bad dim's value and the allowed range are named.
  expect_throw<std::out_of_range>([&] { sum(x, {2}); }, {"sum", "2", "[-2, 1]"});
  // A dim listed twice is a different error.
  expect_throw<std::invalid_argument>([&] { sum(x, {1, -1}); }, {"sum", "multiple times"});
}

TEST_CASE("row: negative or zero sizes") {
  expect_throw<std::invalid_argument>([] { zeros({2, -3}); }, {"zeros", "-3", "[2, -3]"});
  expect_throw<std::invalid_argument>([] { ones({-1}); }, {"ones", "-1"});
  expect_throw<std::invalid_argument>([] { empty({-2}); }, {"empty", "-2"});
  expect_throw<std::invalid_argument>([] { randn({3, -1}); }, {"randn", "-1"});
  expect_throw<std::invalid_argument>([] { full({-4}, 1.0); }, {"full", "-4"});
  expect_throw<std::invalid_argument>([] { reshape(f64({2, 3}), {-2, 3}); }, {"reshape", "-2"});
  expect_throw<std::invalid_argument>([] { reshape(f64({2, 3}), {-1, -1}); }, {"reshape", "[-1, -1]"});
  expect_throw<std::invalid_argument>([] { reshape(f64({2, 3}), {4, 2}); }, {"reshape", "[4, 2]", "[2, 3]"});
  expect_throw<std::invalid_argument>([] { view(f64({2, 3}), {0, 6}); }, {"view", "[0, 6]", "[2, 3]"});
  expect_throw<std::invalid_argument>([] { expand(f64({1, 3}), {-2, 3}); }, {"expand", "-2"});
  expect_throw<std::invalid_argument>([] { split(f64({4}), 0); }, {"split", "0"});
  expect_throw<std::invalid_argument>([] { chunk(f64({4}), 0); }, {"chunk", "0"});
  expect_throw<std::invalid_argument>([] { narrow(f64({4}), 0, 1, -1); }, {"narrow", "-1"});
  expect_throw<std::invalid_argument>([] { slice(f64({4}), 0, 0, 4, 0); }, {"slice", "step", "0"});
  expect_throw<std::invalid_argument>([] { eye(-1); }, {"eye", "-1"});
  expect_throw<std::invalid_argument>([] { randperm(-3); }, {"randperm", "-3"});
  expect_throw<std::invalid_argument>([] { linspace(0, 1, -2); }, {"linspace", "-2"});
  expect_throw<std::invalid_argument>([] { nn::Linear(-1, 3); }, {"Linear", "-1"});
  // Zero sizes are legal (empty tensors), as in PyTorch: they must work, not throw.
  CHECK(zeros({0, 3}).numel() == 0);
  CHECK(sum(zeros({0, 3}, kFloat64)).item<double>() == 0.0);
  CHECK(reshape(zeros({0, 3}), {3, 0, 5}).sizes() == Shape{3, 0, 5});
}

TEST_CASE("row: index out of range in select, index_select and gather") {
  const Tensor x = f64({2, 3});
  expect_throw<std::out_of_range>([&] { select(x, 1, 3); }, {"select", "3", "[2, 3]"});
  expect_throw<std::out_of_range>([&] { select(x, 0, -3); }, {"select", "-3"});
  expect_throw<std::out_of_range>([&] { select(x, 2, 0); }, {"select", "2", "[2, 3]"});
  expect_throw<std::out_of_range>([&] { (void)x[5]; }, {"select", "5"});
  const Tensor bad = tensor(std::vector<std::int64_t>{0, 7});
  expect_throw<std::out_of_range>([&] { index_select(x, 1, bad); }, {"index_select", "7", "3"});
  expect_throw<std::out_of_range>([&] { index_select(x, 0, tensor(std::vector<std::int64_t>{-1})); },
                                  {"index_select", "-1"});
  expect_throw<std::out_of_range>(
      [&] {
        gather(x, 1, tensor(std::vector<std::int64_t>{0, 3, 1, 2}, {2, 2}));
      },
      {"gather", "index 3", "dimension 1", "size 3"});
  expect_throw<std::out_of_range>(
      [&] {
        scatter_add(x, 0, tensor(std::vector<std::int64_t>{2}, {1, 1}), f64({1, 1}));
      },
      {"scatter_add", "2"});
  // Wrong index dtype is named too, as the library's IndexError (issue 16 item 20).
  expect_throw<IndexError>([&] { index_select(x, 0, f64({1})); }, {"index_select", "Float64"});
  expect_throw<std::out_of_range>([&] { x.at<double>({0, 3}); }, {"at", "3"});
}

TEST_CASE("row: an Int64 tensor asked to require grad") {
  expect_throw<std::invalid_argument>([] { ones({2}, kInt64).requires_grad_(); }, {"requires_grad", "Int64"});
  expect_throw<std::invalid_argument>([] { zeros({2}, TensorOptions(kInt64).requires_grad(true)); }, {"Int64"});
  expect_throw<std::invalid_argument>([] { arange(3).set_requires_grad(true); }, {"Int64"});
}

TEST_CASE("row: backward on a non-scalar without grad_output") {
  Tensor x = leaf({2, 3});
  Tensor y = x * 2.0;
  expect_throw<std::runtime_error>([&] { y.backward(); }, {"backward", "scalar", "[2, 3]"});
  expect_throw<std::runtime_error>([&] { autograd::grad({y}, {x}); }, {"grad", "scalar", "[2, 3]"});
  // A grad_output of the wrong shape is named with both shapes.
  expect_throw<std::runtime_error>([&] { y.backward(f64({3, 2})); }, {"backward", "[3, 2]", "[2, 3]"});
  // A tensor that does not require grad has no graph to go back through.
  expect_throw<std::runtime_error>([] { f64({1}).backward(); }, {"backward", "does not require grad"});
}

TEST_CASE("row: backward twice through a freed graph") {
  Tensor x = leaf({3});
  Tensor y = (x * x).sum();
  y.backward();
  // Unlike PyTorch's, the message names the node whose saved tensors are gone. The type derives
  // from std::runtime_error, PyTorch's RuntimeError.
  expect_throw<autograd::SavedTensorsFreedError>([&] { y.backward(); },
                                                 {"MulBackward0", "backward", "second time", "retain_graph=true"});
  // With retain_graph the second one is fine and accumulates.
  Tensor z = (x * x).sum();
  z.backward({}, true);
  CHECK_NOTHROW(z.backward());
}

TEST_CASE("row: grad of a tensor not in the graph (allow_unused)") {
  Tensor x = leaf({2}), unused = leaf({4, 1});
  Tensor y = (x * 3.0).sum();
  expect_throw<std::runtime_error>(
      [&] {
        autograd::grad({y}, {x, unused}, {}, true);
      },
      {"autograd::grad", "input 1", "[4, 1]", "allow_unused"});
  tensor_list g = autograd::grad({y}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  CHECK(g[0].defined());
  CHECK_FALSE(g[1].defined());
  // An input that does not require grad at all is a different mistake.
  expect_throw<std::runtime_error>([&] { autograd::grad({y}, {f64({2})}, {}, true); },
                                   {"autograd::grad", "input 0", "does not require grad"});
}

namespace {
// Custom Functions whose backward is wrong in the ways users get it wrong.
struct TooFew : autograd::Function<TooFew> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& a, const Tensor& b) { return a * b; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list g) { return {g[0]}; }
};
struct TooMany : autograd::Function<TooMany> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& a) { return a * 2.0; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list g) { return {g[0] * 2.0, g[0]}; }
};
struct WrongShape : autograd::Function<WrongShape> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& a) { return a.sum(); }
  static tensor_list backward(autograd::AutogradContext*, tensor_list) { return {ones({3, 2}, kFloat64)}; }
};
struct GradForConstant : autograd::Function<GradForConstant> {
  static Tensor forward(autograd::AutogradContext*, const Tensor& a, double c) { return a * c; }
  static tensor_list backward(autograd::AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};
}  // namespace

TEST_CASE("row: custom Function returning too few, too many or wrongly shaped gradients") {
  Tensor a = leaf({2, 3}), b = leaf({2, 3});
  expect_throw<std::runtime_error>([&] { TooFew::apply(a, b).sum().backward(); },
                                   {"TooFew", "incorrect number of gradients", "2", "1"});
  expect_throw<std::runtime_error>([&] { TooMany::apply(a).sum().backward(); },
                                   {"TooMany", "incorrect number of gradients", "1", "2"});
  expect_throw<std::runtime_error>([&] { WrongShape::apply(a).backward(); }, {"WrongShape", "[3, 2]", "[2, 3]"});
  expect_throw<std::runtime_error>([&] { GradForConstant::apply(a, 2.0).sum().backward(); },
                                   {"GradForConstant", "1", "not a tensor"});
}

TEST_CASE("row: optimizer given a non-leaf or a parameter twice") {
  Tensor w = leaf({3, 2});
  Tensor nonleaf = w * 2.0;
  expect_throw<std::invalid_argument>([&] { optim::SGD({nonleaf}, optim::SGDOptions(0.1)); },
                                      {"SGD", "non-leaf", "parameter 0", "[3, 2]", "MulBackward"});
  expect_throw<std::invalid_argument>(
      [&] {
        optim::Adam({w, w}, optim::AdamOptions(0.1));
      },
      {"Adam", "parameter 1", "more than once", "[3, 2]"});
  optim::SGD sgd({w}, optim::SGDOptions(0.1));
  expect_throw<std::invalid_argument>([&] { sgd.add_param_group({{w}}); },
                                      {"SGD", "more than one parameter group", "[3, 2]"});
  expect_throw<std::invalid_argument>([&] { optim::SGD({ones({2}, kInt64)}, optim::SGDOptions(0.1)); },
                                      {"SGD", "Int64"});
  expect_throw<std::invalid_argument>([&] { optim::SGD(std::vector<Tensor>{}, optim::SGDOptions(0.1)); },
                                      {"SGD", "empty"});
}

TEST_CASE("row: loading weights of the wrong shape") {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("xgrad_bad_input_" + std::to_string(::getpid()) + ".safetensors"))
          .string();
  nn::Linear small(3, 2), big(4, 2);
  nn::save(small, path);
  const Tensor before = big->weight.detach().clone();
  expect_throw<nn::ShapeMismatchError>([&] { nn::load(big, path); }, {path, "weight", "[2, 3]", "[2, 4]"});
  CHECK(equal(big->weight, before));  // a failed load changes nothing
  // A dtype mismatch is its own error type.
  nn::Linear small64(3, 2);
  small64->to(kFloat64);
  nn::save(small64, path);
  expect_throw<nn::DtypeMismatchError>([&] { nn::load(small, path); }, {path, "weight", "Float64", "Float32"});
  // A missing file names the path.
  std::remove(path.c_str());
  expect_throw<nn::FileError>([&] { nn::load(small, path); }, {path, "cannot open"});
}

TEST_CASE("row: a tensor with more elements than fit in memory") {
  const std::int64_t big = std::int64_t{1} << 40;
  // Addressable but too large to allocate: a clear length_error, not std::bad_alloc.
  expect_throw<std::length_error>(
      [&] {
        zeros({big, 1024});
      },
      {"zeros", "cannot allocate", "Float32", "[1099511627776, 1024]"});
  expect_throw<std::length_error>([&] { empty({big}, kFloat64); }, {"empty", "[1099511627776]"});
  // The element count itself overflows int64: named, not wrapped around.
  expect_throw<std::length_error>([&] { ones({big, big, big}); }, {"ones", "more elements than can be addressed"});
  expect_throw<std::length_error>([&] { randn({std::numeric_limits<std::int64_t>::max(), 2}); }, {"randn"});
  // Ops whose result would be too big fail the same way.
  Tensor row = f32({1, 1});
  expect_throw<std::length_error>(
      [&] {
        expand(row, {big, big}).contiguous();
      },
      {"expand", "[1099511627776, 1099511627776]"});
  expect_throw<std::length_error>([&] { outer(expand(f64({1}), {big}), expand(f64({1}), {big})); }, {"outer"});
}
