// Custom Functions: the LibTorch-shaped API and every error it reports.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;

namespace {

struct MulConstant : Function<MulConstant> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, double c) {
    ctx->saved_data["c"] = c;
    return x * c;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->saved_data["c"].toDouble(), Tensor()};
  }
};

// y = x * w + b with a hand-written backward that uses differentiable ops.
struct Affine : Function<Affine> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& w, const Tensor& b) {
    ctx->save_for_backward({x, w});
    return x * w + b;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto saved = ctx->get_saved_variables();
    tensor_list out(3);
    if (ctx->needs_input_grad(0)) out[0] = g[0] * saved[1];
    if (ctx->needs_input_grad(1)) out[1] = g[0] * saved[0];
    if (ctx->needs_input_grad(2)) out[2] = g[0];
    return out;
  }
};

struct Cube : Function<Cube> {  // saves its input; backward differentiable -> second order works
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    Tensor x = ctx->get_saved_variables()[0];
    return {g[0] * 3.0 * x * x};
  }
};

struct ExpSavingOutput : Function<ExpSavingOutput> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    Tensor y = exp(x);
    ctx->save_for_backward({y});
    return y;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) { return {g[0] * ctx->get_saved_variables()[0]}; }
};

struct TooFew : Function<TooFew> {
  static Tensor forward(AutogradContext*, const Tensor& x, double) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0]}; }
};
struct TooMany : Function<TooMany> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};
struct GradForConstant : Function<GradForConstant> {
  static Tensor forward(AutogradContext*, const Tensor& x, double) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};
struct WrongShape : Function<WrongShape> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
  static tensor_list backward(AutogradContext*, tensor_list) { return {ones({5}, kFloat64)}; }
};
struct BroadcastGrad : Function<BroadcastGrad> {  // returns a gradient that sums back to the input
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {ones({4, 3}, kFloat64) * g[0]}; }
};

struct SplitHalves : Function<SplitHalves> {  // two outputs, one marked non-differentiable
  static tensor_list forward(AutogradContext* ctx, const Tensor& x) {
    Tensor a = x * 2.0;
    Tensor flag = zeros({1}, kInt64);
    ctx->mark_non_differentiable({flag});
    return {a, flag};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};

struct AddInPlace : Function<AddInPlace> {
  static Tensor forward(AutogradContext* ctx, Tensor x, const Tensor& y) {
    x.add_(y);
    ctx->mark_dirty({x});
    return x;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0]}; }
};

struct SeesUndefined : Function<SeesUndefined> {
  static inline bool got_undefined = false;
  static tensor_list forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return {x * 1.0, x * 2.0};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    got_undefined = !g[1].defined();
    return {g[0]};
  }
};

struct SumList : Function<SumList> {  // a tensor_list argument: one gradient per element
  static Tensor forward(AutogradContext*, const tensor_list& xs, const std::string& tag) {
    CHECK(tag == "sum");
    return xs[0] + xs[1];
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0], g[0], Tensor()}; }
};
}  // namespace

TEST_CASE("the LibTorch example: MulConstant") {
  Tensor x = randn({2, 3}, TensorOptions().dtype(kFloat64).requires_grad(true));
  Tensor y = MulConstant::apply(x, 3.0);
  CHECK(y.grad_fn()->name() == "MulConstantBackward");
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>(6, 3.0));
}

TEST_CASE("forward runs with grad mode off; needs_input_grad follows the inputs") {
  Tensor x = tensor(std::vector<double>{2}).requires_grad_();
  Tensor w = tensor(std::vector<double>{5});  // no grad
  Tensor b = tensor(std::vector<double>{1}).requires_grad_();
  Tensor y = Affine::apply(x, w, b);
  CHECK(y.item<double>() == 11);
  y.backward();
  CHECK(x.grad().item<double>() == 5);
  CHECK(b.grad().item<double>() == 1);
  CHECK_FALSE(w.grad().defined());
}

TEST_CASE("custom Functions support create_graph (second derivatives)") {
  Tensor x = tensor(std::vector<double>{2}).requires_grad_();
  Tensor g = autograd::grad({Cube::apply(x)}, {x}, {}, std::nullopt, true)[0];
  CHECK(g.item<double>() == 12);
  CHECK(autograd::grad({g}, {x})[0].item<double>() == 12);
}

TEST_CASE("no graph is recorded when no input requires grad or under NoGradGuard") {
  Tensor x = ones({2}, kFloat64);
  CHECK_FALSE(MulConstant::apply(x, 2.0).requires_grad());
  Tensor z = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  NoGradGuard guard;
  CHECK_FALSE(MulConstant::apply(z, 2.0).requires_grad());
}

TEST_CASE("saving the output for backward leaks nothing and works") {
  std::weak_ptr<autograd::Node> node;
  Tensor x = tensor(std::vector<double>{0.0, 1.0}).requires_grad_();
  {
    Tensor y = ExpSavingOutput::apply(x);
    node = y.grad_fn();
    y.sum().backward();
  }
  CHECK(node.expired());
  CHECK(x.grad().at<double>({1}) == doctest::Approx(std::exp(1.0)));
}

TEST_CASE("saved tensors are version-checked and freed after backward") {
  Tensor x = tensor(std::vector<double>{2}).requires_grad_();
  Tensor h = x * 1.0;
  Tensor y = Cube::apply(h);
  {
    NoGradGuard guard;
    h.add_(1.0);
  }
  CHECK(contains(message_of([&] { y.backward(); }), "modified by an inplace operation"));
  Tensor y2 = Cube::apply(x);
  y2.backward();
  CHECK(contains(message_of([&] { y2.backward(); }), "second time"));
}

TEST_CASE("backward returning the wrong number of gradients names the Function") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  std::string few = message_of([&] { TooFew::apply(x, 1.0).sum().backward(); });
  CHECK(contains(few, "TooFew"));
  CHECK(contains(few, "expected 2"));
  CHECK(contains(few, "got 1"));
  std::string many = message_of([&] { TooMany::apply(x).sum().backward(); });
  CHECK(contains(many, "TooMany"));
  CHECK(contains(many, "got 2"));
}

TEST_CASE("a gradient for a non-tensor argument is an error") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  std::string msg = message_of([&] { GradForConstant::apply(x, 1.0).sum().backward(); });
  CHECK(contains(msg, "GradForConstant"));
  CHECK(contains(msg, "position 1"));
  CHECK(contains(msg, "not a tensor"));
}

TEST_CASE("a gradient of the wrong shape names the Function, position and shapes") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  std::string msg = message_of([&] { WrongShape::apply(x).sum().backward(); });
  CHECK(contains(msg, "WrongShape"));
  CHECK(contains(msg, "[5]"));
  CHECK(contains(msg, "[2]"));
  Tensor v = ones({3}, TensorOptions().dtype(kFloat64).requires_grad(true));
  BroadcastGrad::apply(v).sum().backward();  // [4, 3] sums back to [3]
  CHECK(v.grad().to_vector<double>() == std::vector<double>{4, 4, 4});
}

TEST_CASE("mark_non_differentiable outputs carry no gradient") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  auto outs = SplitHalves::apply(x);
  CHECK(outs[0].requires_grad());
  CHECK_FALSE(outs[1].requires_grad());
  outs[0].sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 2});
}

TEST_CASE("mark_dirty: an input modified in place takes the Function's history") {
  Tensor a = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  Tensor b = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  Tensor h = a * 2.0;
  std::uint32_t before = h._version();
  Tensor out = AddInPlace::apply(h, b);
  CHECK(out.is_same(h));
  CHECK(h._version() > before);
  CHECK(h.grad_fn()->name() == "AddInPlaceBackward");
  h.sum().backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{2, 2});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("set_materialize_grads(false) passes undefined gradients through") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  auto outs = SeesUndefined::apply(x);
  outs[0].sum().backward();
  CHECK(SeesUndefined::got_undefined);
  CHECK(x.grad().to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("tensor_list and string arguments") {
  Tensor a = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  Tensor b = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  SumList::apply(tensor_list{a, b}, std::string("sum")).sum().backward();
  CHECK(a.grad().to_vector<double>() == std::vector<double>{1, 1});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{1, 1});
}

TEST_CASE("IValue conversions say what went wrong") {
  autograd::IValue v(3.5);
  CHECK(v.toDouble() == 3.5);
  CHECK(autograd::IValue(std::int64_t{4}).toDouble() == 4.0);
  CHECK(autograd::IValue("name").toStringRef() == "name");
  CHECK(contains(message_of([&] { v.toTensor(); }), "expected a Tensor but the value holds a double"));
}

TEST_CASE("custom Functions work with hooks and anomaly mode") {
  Tensor x = ones({2}, TensorOptions().dtype(kFloat64).requires_grad(true));
  Tensor y = MulConstant::apply(x, 2.0);
  y.register_hook([](const Tensor& g) { return g * 5.0; });
  y.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{10, 10});
  autograd::DetectAnomalyGuard guard;
  std::string msg = message_of([&] { MulConstant::apply(x, std::nan("")); });
  CHECK(contains(msg, "MulConstantBackward"));
  CHECK(contains(msg, "non-finite"));
}
