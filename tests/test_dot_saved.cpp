// Every built-in node lists the tensors it saved for backward (Node::saved_tensors), under
// PyTorch's names, so autograd::to_dot shows what each node holds: a representative set of ops,
// from elementwise math to convolutions and losses.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::autograd;
namespace F = xgrad::nn::functional;

namespace {

Tensor leaf(const Shape& shape) { return randn(shape, TensorOptions(kFloat64)).requires_grad_(); }

// "name dtype shape" of each saved tensor of y's grad_fn, joined by "; ".
std::string saved_of(const Tensor& y) {
  REQUIRE(y.grad_fn());
  std::string s;
  for (const SavedTensorInfo& i : y.grad_fn()->saved_tensors()) {
    s += (s.empty() ? "" : "; ") + i.name + " " + dtype_name(i.dtype) + " " + shape_str(i.shape);
  }
  return s;
}

}  // namespace

TEST_CASE("elementwise, reduction and selection nodes list their saved tensors") {
  const Tensor a = leaf({2, 3}), b = leaf({2, 3});
  CHECK(saved_of(a / b) == "self Float64 [2, 3]; other Float64 [2, 3]");
  CHECK(saved_of(pow(a.abs() + 1.0, b)) == "self Float64 [2, 3]; exponent Float64 [2, 3]; result Float64 [2, 3]");
  CHECK(saved_of(exp(a)) == "result Float64 [2, 3]");  // saves its own output
  CHECK(saved_of(sin(a)) == "self Float64 [2, 3]");
  CHECK(saved_of(maximum(a, b)) == "self Float64 [2, 3]; other Float64 [2, 3]");
  CHECK(saved_of(clamp(a, std::optional<Tensor>(b), std::optional<Tensor>(b + 1.0))) ==
        "self Float64 [2, 3]; min Float64 [2, 3]; max Float64 [2, 3]");
  CHECK(saved_of(cumprod(a, 1)) == "self Float64 [2, 3]; result Float64 [2, 3]");
  CHECK(saved_of(logsumexp(a, {1})) == "self Float64 [2, 3]; result Float64 [2]");
  CHECK(saved_of(xgrad::std(a)) == "self Float64 [2, 3]; result Float64 []");
  CHECK(saved_of(max(a)) == "self Float64 [2, 3]; result Float64 []");
  CHECK(saved_of(amax(a, {1})) == "self Float64 [2, 3]; result Float64 [2]");
  CHECK(saved_of(median(a)) == "self Float64 [2, 3]; result Float64 []");
  CHECK(saved_of(std::get<0>(sort(a, 1))) == "indices Int64 [2, 3]");
  CHECK(saved_of(outer(leaf({2}), leaf({3}))) == "self Float64 [2]; vec2 Float64 [3]");
  const Tensor mask = a > 0.0;
  CHECK(saved_of(masked_fill(a, mask, 0.0)) == "mask Bool [2, 3]");
  CHECK(contains(saved_of(masked_select(a, mask)), "positions Int64"));
  const Tensor index = tensor(std::vector<std::int64_t>{1, 0}, {2});
  CHECK(saved_of(index_select(a, 0, index)) == "index Int64 [2]");
  CHECK(saved_of(gather(a, 1, tensor(std::vector<std::int64_t>{0, 2}, {2, 1}))) == "index Int64 [2, 1]");
  CHECK(saved_of(where(mask, a, b)) == "condition Bool [2, 3]");
  // Nodes that need no tensor for backward list none.
  CHECK(saved_of(a + b).empty());
  CHECK(saved_of(a.sum()).empty());
}

TEST_CASE("nn::functional nodes list their saved tensors") {
  const Tensor x = leaf({2, 3, 5, 5}), w = leaf({4, 3, 3, 3});
  CHECK(saved_of(F::conv2d(x, w)) == "input Float64 [2, 3, 5, 5]; weight Float64 [4, 3, 3, 3]");
  CHECK(saved_of(F::linear(leaf({2, 3}), leaf({4, 3}))) == "self Float64 [2, 3]; mat2 Float64 [4, 3]");
  CHECK(saved_of(F::batch_norm(x, Tensor(), Tensor(), leaf({3}), leaf({3}), true)) ==
        "input Float64 [2, 3, 5, 5]; weight Float64 [3]; save_mean Float64 [3]; save_invstd Float64 [3]");
  CHECK(saved_of(F::layer_norm(leaf({2, 6}), {6}, leaf({6}))) ==
        "input Float64 [2, 6]; weight Float64 [6]; mean Float64 [2]; rstd Float64 [2]");
  CHECK(saved_of(F::max_pool2d(x, {2, 2})) == "indices Int64 [2, 3, 2, 2]");
  const Tensor classes = tensor(std::vector<std::int64_t>{1, 0}, {2});
  CHECK(contains(saved_of(F::cross_entropy(leaf({2, 3}), classes)), "self Float64 [2, 3]; target Int64 [2]"));
  CHECK(saved_of(F::nll_loss(leaf({2, 3}), classes)) == "coef Float64 [2, 3]");
  CHECK(saved_of(F::embedding(classes, leaf({4, 3}))) == "indices Int64 [2]");
  const Tensor p = sigmoid(leaf({4})), t = tensor(std::vector<double>{0, 1, 1, 0});
  // kNone: with a reduction the loss's grad_fn is the reduction's node.
  CHECK(saved_of(F::binary_cross_entropy(p, t, Tensor(), kNone)) == "self Float64 [4]; target Float64 [4]");
}

TEST_CASE("to_dot shows the saved tensors of every node of a small network") {
  const Tensor x = leaf({2, 3, 5, 5}), w = leaf({4, 3, 3, 3});
  const Tensor y = F::max_pool2d(relu(F::conv2d(x, w)), {2, 2}).logsumexp({1, 2, 3}).sum();
  const std::string dot = to_dot(y);
  CHECK(contains(dot, "ConvolutionBackward0\\ninput: Float64 [2, 3, 5, 5]\\nweight: Float64 [4, 3, 3, 3]"));
  CHECK(contains(dot, "ReluBackward0\\nresult: Float64 [2, 4, 3, 3]"));
  CHECK(contains(dot, "MaxPool2DWithIndicesBackward0\\nindices: Int64 [2, 4, 1, 1]"));
  CHECK(contains(dot, "LogsumexpBackward0\\nself: Float64 [2, 4, 1, 1]\\nresult: Float64 [2]"));
  y.backward();  // frees what the nodes saved
  const std::string after = to_dot(y);
  CHECK(contains(after, "ConvolutionBackward0\\ninput: (freed)\\nweight: (freed)"));
  CHECK_FALSE(contains(after, "indices: Int64"));  // held directly: dropped, not described
}
