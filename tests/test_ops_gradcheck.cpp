// Every built-in op of autograd/ops.hpp passes gradcheck and gradgradcheck in Float64 (slow and
// fast mode), and its Float32 forward matches the Float64 one: one check_op line per op or case.
// Inputs are chosen away from the points where an op is not differentiable: relu / abs /
// leaky_relu / sign away from 0, clamp away from its bounds, max / min / minimum / maximum
// without ties, log / sqrt / pow / div on positive or non-zero values.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"

using namespace xgrad;
using xgrad_test::check_op;
using X = const tensor_list&;

namespace {

Tensor R(const Shape& shape) { return randn(shape, kFloat64); }
// Uniform in [0.5, 1.5): inside the domain of log, sqrt, pow with a real exponent, 1 / x.
Tensor P(const Shape& shape) { return rand(shape, kFloat64) + 0.5; }
// Normal values pushed at least 0.2 away from 0 (kinks of relu, abs, sign, leaky_relu).
Tensor A(const Shape& shape) {
  auto v = randn(shape, kFloat64).to_vector<double>();
  for (double& x : v) x = x < 0 ? x - 0.2 : x + 0.2;
  return tensor(v).reshape(shape);
}
// Distinct values 0.3 apart in random order: no ties for max, min, argmax, sorting-like ops.
Tensor D(const Shape& shape, double shift = 0.0) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  auto perm = randperm(n).to_vector<std::int64_t>();
  std::vector<double> v;
  for (auto p : perm) v.push_back((static_cast<double>(p) - static_cast<double>(n) / 2) * 0.3 + 0.05 + shift);
  return tensor(v).reshape(shape);
}
Tensor I(std::vector<std::int64_t> v, const Shape& shape = {}) { return tensor(v, shape); }

}  // namespace

TEST_CASE("unary elementwise ops") {
  manual_seed(1);
  check_op("neg", [](X x) { return neg(x[0]); }, {R({3, 4})});
  check_op("exp", [](X x) { return exp(x[0]); }, {R({3, 4})});
  check_op("log", [](X x) { return log(x[0]); }, {P({3, 4})});
  check_op("log1p", [](X x) { return log1p(x[0]); }, {P({3, 4})});
  check_op("sqrt", [](X x) { return sqrt(x[0]); }, {P({3, 4})});
  check_op("abs", [](X x) { return abs(x[0]); }, {A({3, 4})});
  check_op("sin", [](X x) { return sin(x[0]); }, {R({3, 4})});
  check_op("cos", [](X x) { return cos(x[0]); }, {R({3, 4})});
  check_op("tanh", [](X x) { return tanh(x[0]); }, {R({3, 4})});
  check_op("sigmoid", [](X x) { return sigmoid(x[0]); }, {R({3, 4})});
  check_op("relu", [](X x) { return relu(x[0]); }, {A({3, 4})});
  check_op("leaky_relu", [](X x) { return leaky_relu(x[0]); }, {A({3, 4})});
  check_op("leaky_relu slope 0.2", [](X x) { return leaky_relu(x[0], 0.2); }, {A({3, 4})});
  check_op("gelu", [](X x) { return gelu(x[0]); }, {R({3, 4})});
  check_op("gelu tanh", [](X x) { return gelu(x[0], "tanh"); }, {R({3, 4})});
  check_op("softplus", [](X x) { return softplus(x[0]); }, {R({3, 4})});
  check_op("softplus beta 2", [](X x) { return softplus(x[0] * 3.0, 2.0, 5.0); }, {A({3, 4})});
  check_op("square", [](X x) { return square(x[0]); }, {R({3, 4})});
  check_op("sign", [](X x) { return sign(x[0]); }, {A({3, 4})});
  const Tensor c = tensor(std::vector<double>{-1.3, -0.8, -0.2, 0.1, 0.35, 0.9, 1.4, -0.05}, {2, 4});
  check_op("clamp", [](X x) { return clamp(x[0], -0.5, 0.6); }, {c});
  check_op("clamp min", [](X x) { return clamp(x[0], -0.5); }, {c});
  check_op("clamp max", [](X x) { return clamp(x[0], std::nullopt, 0.6); }, {c});
  check_op("pow scalar exponent", [](X x) { return pow(x[0], 2.5); }, {P({3, 4})});
  check_op("pow integer exponent", [](X x) { return pow(x[0], 3.0); }, {R({3, 4})});
  check_op("pow tensor exponent", [](X x) { return pow(x[0], x[1]); }, {P({3, 4}), R({3, 4})});
  check_op("pow tensor exponent broadcast", [](X x) { return pow(x[0], x[1]); }, {P({3, 4}), R({4})});
  check_op("pow scalar base", [](X x) { return pow(2.0, x[0]); }, {R({3, 4})});
  check_op("exp of a transposed view", [](X x) { return exp(t(x[0])); }, {R({3, 4})});
  check_op("tanh of an expanded view", [](X x) { return tanh(expand(x[0], {3, 4})); }, {R({1, 4})});
}

TEST_CASE("binary elementwise ops and broadcasting") {
  manual_seed(2);
  check_op("add", [](X x) { return add(x[0], x[1]); }, {R({3, 4}), R({3, 4})});
  check_op("add alpha", [](X x) { return add(x[0], x[1], 2.5); }, {R({3, 4}), R({3, 4})});
  check_op("sub", [](X x) { return sub(x[0], x[1]); }, {R({3, 4}), R({3, 4})});
  check_op("sub alpha", [](X x) { return sub(x[0], x[1], 0.5); }, {R({3, 4}), R({3, 4})});
  check_op("mul", [](X x) { return mul(x[0], x[1]); }, {R({3, 4}), R({3, 4})});
  check_op("div", [](X x) { return div(x[0], x[1]); }, {R({3, 4}), A({3, 4})});
  check_op("add scalar", [](X x) { return add(x[0], 1.5); }, {R({3, 4})});
  check_op("sub scalar", [](X x) { return sub(x[0], 1.5); }, {R({3, 4})});
  check_op("mul scalar", [](X x) { return mul(x[0], -2.5); }, {R({3, 4})});
  check_op("div scalar", [](X x) { return div(x[0], 4.0); }, {R({3, 4})});
  check_op("rsub", [](X x) { return rsub(x[0], 2.0); }, {R({3, 4})});
  check_op("rdiv", [](X x) { return rdiv(x[0], 2.0); }, {A({3, 4})});
  check_op("operators", [](X x) { return (-x[0] + x[1]) * x[0] - x[1] / 2.0 + 1.0 / x[1]; }, {R({3, 4}), A({3, 4})});
  check_op("minimum", [](X x) { return minimum(x[0], x[1]); }, {D({3, 4}), D({3, 4}, 0.1)});
  check_op("maximum", [](X x) { return maximum(x[0], x[1]); }, {D({3, 4}), D({3, 4}, 0.1)});
  check_op("maximum broadcast", [](X x) { return maximum(x[0], x[1]); }, {D({3, 4}), D({4}, 0.1)});
  const Tensor cond = I({1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1}, {3, 4});
  check_op("where", [](X x) { return where(x[0], x[1], x[2]); }, {cond, R({3, 4}), R({3, 4})});
  check_op("where broadcast", [](X x) { return where(x[0], x[1], x[2]); }, {cond, R({4}), R({3, 1})});
  check_op("add [3, 1] + [4]", [](X x) { return add(x[0], x[1]); }, {R({3, 1}), R({4})});
  check_op("mul [2, 3, 4] * [4]", [](X x) { return mul(x[0], x[1]); }, {R({2, 3, 4}), R({4})});
  check_op("div [2, 1, 4] / [3, 1]", [](X x) { return div(x[0], x[1]); }, {R({2, 1, 4}), A({3, 1})});
  check_op("mul by a 0-d tensor", [](X x) { return mul(x[0], x[1]); }, {R({3, 4}), R({})});
  check_op("sub [1, 4] - [3, 1] alpha", [](X x) { return sub(x[0], x[1], 3.0); }, {R({1, 4}), R({3, 1})});
}

TEST_CASE("comparisons: Int64 outputs, never differentiable") {
  manual_seed(3);
  const Tensor a = D({3, 4}), b = D({3, 4}, 0.1);
  check_op("eq", [](X x) { return eq(x[0], x[1]); }, {a, b});
  check_op("ne", [](X x) { return ne(x[0], x[1]); }, {a, b});
  check_op("lt", [](X x) { return lt(x[0], x[1]); }, {a, b});
  check_op("le", [](X x) { return le(x[0], x[1]); }, {a, b});
  check_op("gt", [](X x) { return gt(x[0], x[1]); }, {a, b});
  check_op("ge", [](X x) { return ge(x[0], x[1]); }, {a, b});
  check_op("eq scalar", [](X x) { return eq(x[0], 0.05); }, {a});
  check_op("ne scalar", [](X x) { return ne(x[0], 0.05); }, {a});
  check_op("lt scalar", [](X x) { return lt(x[0], 0.1); }, {a});
  check_op("le scalar", [](X x) { return le(x[0], 0.1); }, {a});
  check_op("gt scalar", [](X x) { return gt(x[0], 0.1); }, {a});
  check_op("ge scalar", [](X x) { return ge(x[0], 0.1); }, {a});
  check_op("mask times input", [](X x) { return gt(x[0], 0.1) * x[0]; }, {a});
}

TEST_CASE("reductions, over everything and over dims") {
  manual_seed(4);
  check_op("sum", [](X x) { return sum(x[0]); }, {R({3, 4})});
  check_op("sum dim 0", [](X x) { return sum(x[0], {0}); }, {R({3, 4})});
  check_op("sum dim 1 keepdim", [](X x) { return sum(x[0], {1}, true); }, {R({3, 4})});
  check_op("sum dims 0, 2", [](X x) { return sum(x[0], {0, 2}); }, {R({2, 3, 4})});
  check_op("sum dim -1", [](X x) { return sum(x[0], {-1}); }, {R({2, 3, 4})});
  check_op("mean", [](X x) { return mean(x[0]); }, {R({3, 4})});
  check_op("mean dim 1", [](X x) { return mean(x[0], {1}); }, {R({3, 4})});
  check_op("mean dims 0, 2 keepdim", [](X x) { return mean(x[0], {0, 2}, true); }, {R({2, 3, 4})});
  check_op("var", [](X x) { return var(x[0]); }, {R({3, 4})});
  check_op("var dim 1", [](X x) { return var(x[0], {1}); }, {R({3, 4})});
  check_op("var dim 0 correction 0 keepdim", [](X x) { return var(x[0], {0}, 0, true); }, {R({3, 4})});
  check_op("std", [](X x) { return xgrad::std(x[0]); }, {R({3, 4})});
  check_op("std dims 0, 2", [](X x) { return xgrad::std(x[0], {0, 2}); }, {R({2, 3, 4})});
  check_op("max", [](X x) { return max(x[0]); }, {D({3, 4})});
  check_op("min", [](X x) { return min(x[0]); }, {D({3, 4})});
  check_op("max dim 1 (values, indices)",
           [](X x) {
             auto [v, i] = max(x[0], 1);
             return tensor_list{v, i};
           },
           {D({3, 4})});
  check_op("min dim 0 keepdim",
           [](X x) {
             auto [v, i] = min(x[0], 0, true);
             return tensor_list{v, i};
           },
           {D({3, 4})});
  check_op("max dim -1 of 3-d", [](X x) { return std::get<0>(max(x[0], -1)); }, {D({2, 3, 4})});
  check_op("argmax", [](X x) { return argmax(x[0]); }, {D({3, 4})});
  check_op("argmax dim 1", [](X x) { return argmax(x[0], 1); }, {D({3, 4})});
  check_op("argmin", [](X x) { return argmin(x[0]); }, {D({3, 4})});
  check_op("argmin dim 0 keepdim", [](X x) { return argmin(x[0], 0, true); }, {D({3, 4})});
  check_op("logsumexp dim 1", [](X x) { return logsumexp(x[0], {1}); }, {R({3, 4})});
  check_op("logsumexp dims 0, 2 keepdim", [](X x) { return logsumexp(x[0], {0, 2}, true); }, {R({2, 3, 4})});
  check_op("softmax dim 1", [](X x) { return softmax(x[0], 1); }, {R({3, 4})});
  check_op("softmax dim 0", [](X x) { return softmax(x[0], 0); }, {R({3, 4})});
  check_op("softmax of a transposed view", [](X x) { return softmax(t(x[0]), -1); }, {R({3, 4})});
  check_op("log_softmax dim 1", [](X x) { return log_softmax(x[0], 1); }, {R({3, 4})});
  check_op("log_softmax dim 1 of 3-d", [](X x) { return log_softmax(x[0], 1); }, {R({2, 3, 4})});
  check_op("sum_to", [](X x) { return sum_to(x[0], {3, 1}); }, {R({2, 3, 4})});
}

TEST_CASE("linear algebra") {
  manual_seed(5);
  check_op("matmul 1-d . 1-d", [](X x) { return matmul(x[0], x[1]); }, {R({4}), R({4})});
  check_op("matmul 2-d . 2-d", [](X x) { return matmul(x[0], x[1]); }, {R({3, 4}), R({4, 2})});
  check_op("matmul 1-d . 2-d", [](X x) { return matmul(x[0], x[1]); }, {R({4}), R({4, 2})});
  check_op("matmul 2-d . 1-d", [](X x) { return matmul(x[0], x[1]); }, {R({3, 4}), R({4})});
  check_op("matmul batched", [](X x) { return matmul(x[0], x[1]); }, {R({2, 3, 4}), R({2, 4, 2})});
  check_op("matmul batched . 2-d", [](X x) { return matmul(x[0], x[1]); }, {R({2, 3, 4}), R({4, 2})});
  check_op("matmul broadcast batch", [](X x) { return matmul(x[0], x[1]); }, {R({2, 1, 3, 4}), R({3, 4, 2})});
  check_op("matmul with transposed operands", [](X x) { return matmul(t(x[0]), t(x[1])); }, {R({4, 3}), R({2, 4})});
  check_op("mm", [](X x) { return mm(x[0], x[1]); }, {R({3, 4}), R({4, 2})});
  check_op("mm transposed", [](X x) { return mm(x[0], x[1].t()); }, {R({3, 4}), R({2, 4})});
  check_op("outer", [](X x) { return outer(x[0], x[1]); }, {R({3}), R({4})});
  check_op("dot", [](X x) { return dot(x[0], x[1]); }, {R({5}), R({5})});
}

TEST_CASE("shape and indexing ops") {
  manual_seed(6);
  check_op("reshape", [](X x) { return reshape(x[0], {4, -1}); }, {R({2, 3, 2})});
  check_op("reshape of a transposed view (copies)", [](X x) { return reshape(t(x[0]), {12}); }, {R({3, 4})});
  check_op("view", [](X x) { return view(x[0], {2, 6}); }, {R({3, 4})});
  check_op("flatten", [](X x) { return flatten(x[0], 1); }, {R({2, 3, 2})});
  check_op("transpose", [](X x) { return transpose(x[0], 0, 2); }, {R({2, 3, 4})});
  check_op("t", [](X x) { return t(x[0]); }, {R({3, 4})});
  check_op("permute", [](X x) { return permute(x[0], {2, 0, 1}); }, {R({2, 3, 4})});
  check_op("squeeze", [](X x) { return squeeze(x[0]); }, {R({3, 1, 4, 1})});
  check_op("squeeze dim", [](X x) { return squeeze(x[0], 1); }, {R({3, 1, 4})});
  check_op("unsqueeze", [](X x) { return unsqueeze(x[0], -1); }, {R({3, 4})});
  check_op("expand", [](X x) { return expand(x[0], {2, 3, 4}); }, {R({3, 1})});
  check_op("broadcast_to", [](X x) { return broadcast_to(x[0], {3, 4}); }, {R({4})});
  check_op("cat dim 0", [](X x) { return cat({x[0], x[1]}, 0); }, {R({2, 3}), R({1, 3})});
  check_op("cat dim 1", [](X x) { return cat({x[0], x[1], x[0]}, 1); }, {R({2, 3}), R({2, 2})});
  check_op("stack", [](X x) { return stack({x[0], x[1]}, 1); }, {R({2, 3}), R({2, 3})});
  check_op("split", [](X x) { return split(x[0], 2, 1); }, {R({3, 5})});
  check_op("chunk", [](X x) { return chunk(x[0], 2, 0); }, {R({5, 2})});
  check_op("narrow", [](X x) { return narrow(x[0], 1, 1, 2); }, {R({3, 4})});
  check_op("slice step 2", [](X x) { return slice(x[0], 1, 0, std::nullopt, 2); }, {R({3, 5})});
  check_op("slice negative bounds", [](X x) { return slice(x[0], 0, -2, std::nullopt); }, {R({4, 3})});
  check_op("select", [](X x) { return select(x[0], 1, 2); }, {R({3, 4})});
  check_op("operator[]", [](X x) { return x[0][1]; }, {R({3, 4})});
  check_op("index_select (repeated index)", [](X x) { return index_select(x[0], 0, x[1]); }, {R({4, 3}), I({3, 0, 3})});
  check_op("gather", [](X x) { return gather(x[0], 1, x[1]); }, {R({3, 4}), I({0, 3, 3, 1, 2, 0}, {3, 2})});
  check_op("scatter_add", [](X x) { return scatter_add(x[0], 1, x[1], x[2]); },
           {R({3, 4}), I({0, 3, 3, 1, 2, 0}, {3, 2}), R({3, 2})});
  check_op("pad last dim", [](X x) { return pad(x[0], {1, 2}); }, {R({3, 4})});
  check_op("pad two dims with a value", [](X x) { return pad(x[0], {1, 0, 0, 2}, 0.5); }, {R({3, 4})});
  check_op("clone", [](X x) { return x[0].clone(); }, {R({3, 4})});
  check_op("contiguous of a transposed view", [](X x) { return t(x[0]).contiguous(); }, {R({3, 4})});
}

TEST_CASE("compositions: a small network and a loss") {
  manual_seed(7);
  check_op("linear + tanh + softmax", [](X x) { return softmax(tanh(matmul(x[0], t(x[1])) + x[2]), -1); },
           {R({2, 3}), R({4, 3}), R({4})});
  check_op("mean squared error", [](X x) { return mean(square(x[0] - x[1])); }, {R({3, 4}), R({3, 4})});
  check_op("cross entropy from log_softmax and gather",
           [](X x) { return -mean(gather(log_softmax(x[0], 1), 1, x[1])); }, {R({3, 4}), I({1, 0, 3}, {3, 1})});
}
