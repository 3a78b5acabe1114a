// The backward engine: accumulation, retain_graph, create_graph, hooks, version counters,
// deep graphs and the absence of reference cycles.
#include <doctest/doctest.h>

#include <memory>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;

namespace {
Tensor dvec(std::vector<double> v) { return tensor(v); }
Tensor leaf(std::vector<double> v) { return tensor(v).requires_grad_(); }
}  // namespace

TEST_CASE("a tensor used twice gets the sum of both contributions") {
  Tensor x = leaf({3});
  Tensor y = x * x + x;  // dy/dx = 2x + 1
  y.backward();
  CHECK(x.grad().item<double>() == 7);
}

TEST_CASE("gradients accumulate across backward calls until zeroed") {
  Tensor x = leaf({1, 2});
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{6, 6});
  x.mutable_grad() = Tensor();
  (x * 3.0).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 3});
}

TEST_CASE("broadcast gradients are summed back to each input's shape") {
  Tensor a = tensor(std::vector<double>{1, 2, 3}, {3, 1}).requires_grad_();
  Tensor b = tensor(std::vector<double>{10, 20, 30, 40}, {1, 4}).requires_grad_();
  Tensor s = tensor(std::vector<double>{2}, {}).requires_grad_();
  Tensor y = (a * b + s).sum();
  y.backward();
  CHECK(a.grad().shape() == Shape{3, 1});
  CHECK(a.grad().to_vector<double>() == std::vector<double>{100, 100, 100});
  CHECK(b.grad().to_vector<double>() == std::vector<double>{6, 6, 6, 6});
  CHECK(s.grad().item<double>() == 12);
}

TEST_CASE("float32 and float64 inputs get gradients of their own dtype") {
  Tensor f = tensor(std::vector<float>{2}).requires_grad_();
  Tensor d = leaf({3});
  Tensor y = f * d;
  CHECK(y.dtype() == kFloat64);
  y.sum().backward();
  CHECK(f.grad().dtype() == kFloat32);
  CHECK(f.grad().item<float>() == 3.0f);
  CHECK(d.grad().item<double>() == 2.0);
}

TEST_CASE("non-leaf grads are kept only with retain_grad") {
  Tensor x = leaf({2});
  Tensor h = x * 3.0;
  Tensor k = x * 4.0;
  h.retain_grad();
  (h * k).sum().backward();
  CHECK(h.grad().item<double>() == 8);  // d(h k)/dh = k
  CHECK_FALSE(k.grad().defined());
  CHECK(x.grad().item<double>() == 48);  // 2 * 12 x
}

TEST_CASE("without retain_graph a second backward fails with a clear message") {
  Tensor x = leaf({2});
  Tensor y = (x * x).sum();
  y.backward();
  std::string msg = message_of([&] { y.backward(); });
  CHECK(contains(msg, "MulBackward0: "));  // the node whose saved tensors are gone
  CHECK(contains(msg, "backward through the graph a second time"));
  CHECK(contains(msg, "retain_graph=true"));

  Tensor z = (x * x).sum();
  z.backward(Tensor(), /*retain_graph=*/true);
  z.backward();
  CHECK(x.grad().item<double>() == 4 + 4 + 4);
}

TEST_CASE("create_graph gives second derivatives: d2/dx2 x^3 = 6x") {
  Tensor x = leaf({2});
  Tensor y = x * x * x;
  Tensor g = autograd::grad({y}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  CHECK(g.item<double>() == 12);  // 3 x^2
  CHECK(g.requires_grad());
  Tensor gg = autograd::grad({g}, {x})[0];
  CHECK(gg.item<double>() == 12);  // 6 x
}

TEST_CASE("backward with create_graph leaves a differentiable .grad") {
  Tensor x = leaf({3});
  (x * x * x).backward(Tensor(), std::nullopt, /*create_graph=*/true);
  Tensor g = x.grad();
  CHECK(g.item<double>() == 27);
  CHECK(g.grad_fn() != nullptr);
  x.mutable_grad() = Tensor();
  g.backward();
  CHECK(x.grad().item<double>() == 18);
}

TEST_CASE("autograd::grad leaves .grad alone and checks unused inputs") {
  Tensor x = leaf({1}), y = leaf({2}), unused = leaf({5});
  Tensor out = x * y;
  auto gs = autograd::grad({out}, {x, y}, {}, true);
  CHECK(gs[0].item<double>() == 2);
  CHECK(gs[1].item<double>() == 1);
  CHECK_FALSE(x.grad().defined());
  std::string msg = message_of([&] { autograd::grad({out}, {unused}, {}, true); });
  CHECK(contains(msg, "allow_unused"));
  auto g2 = autograd::grad({out}, {x, unused}, {}, true, false, /*allow_unused=*/true);
  CHECK(g2[0].item<double>() == 2);
  CHECK_FALSE(g2[1].defined());
}

TEST_CASE("autograd::grad with respect to an intermediate tensor") {
  Tensor x = leaf({3});
  Tensor h = x * 2.0;
  Tensor y = h * h;
  CHECK(autograd::grad({y}, {h})[0].item<double>() == 12);
}

TEST_CASE("backward needs a gradient for non-scalar outputs") {
  Tensor x = tensor(std::vector<double>{1, 2}).requires_grad_();
  Tensor y = x * 2.0;
  std::string msg = message_of([&] { y.backward(); });
  CHECK(contains(msg, "scalar"));
  CHECK(contains(msg, "[2]"));
  y.backward(dvec({1, 10}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 20});
  CHECK_THROWS(y.backward(dvec({1, 2, 3})));
  CHECK(contains(message_of([&] { dvec({1}).backward(); }), "does not require grad"));
}

TEST_CASE("NoGradGuard records nothing") {
  Tensor x = leaf({1});
  Tensor y;
  {
    NoGradGuard guard;
    y = x * 2.0;
  }
  CHECK_FALSE(y.requires_grad());
  CHECK(y.grad_fn() == nullptr);
  CHECK((x * 2.0).requires_grad());
}

TEST_CASE("hooks see and may replace gradients") {
  Tensor x = leaf({1, 2});
  Tensor h = x * 3.0;
  Tensor seen;
  h.register_hook([&](const Tensor& g) {
    seen = g;
    return Tensor();
  });
  auto handle = x.register_hook([](const Tensor& g) { return g * 10.0; });
  h.sum().backward();
  CHECK(seen.to_vector<double>() == std::vector<double>{1, 1});
  CHECK(x.grad().to_vector<double>() == std::vector<double>{30, 30});
  x.remove_hook(handle);
  x.mutable_grad() = Tensor();
  (x * 3.0).sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{3, 3});
  CHECK_THROWS(dvec({1}).register_hook([](const Tensor& g) { return g; }));
}

TEST_CASE("a saved tensor modified in place is detected, naming the tensor and versions") {
  Tensor x = leaf({1, 2});
  Tensor a = x * 2.0;
  Tensor b = a * a;  // saves a
  a.mul_(3.0);       // a is a non-leaf: allowed, but b's saved copy is now stale
  std::string msg = message_of([&] { b.sum().backward(); });
  CHECK(contains(msg, "modified by an inplace operation"));
  CHECK(contains(msg, "Float64 [2]"));
  CHECK(contains(msg, "version 1"));
  CHECK(contains(msg, "expected version 0"));
}

TEST_CASE("in-place ops on non-leaves are differentiated through") {
  Tensor x = leaf({1, 2});
  Tensor a = x * 2.0;
  a.mul_(a);       // a = (2x)^2
  a.add_(x, 3.0);  // a = 4x^2 + 3x
  CHECK(a._version() == 2);
  a.sum().backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{11, 19});  // 8x + 3
}

TEST_CASE("in-place on a leaf that requires grad throws unless grad mode is off") {
  Tensor w = leaf({1, 2});
  std::string msg = message_of([&] { w.add_(1.0); });
  CHECK(contains(msg, "leaf"));
  CHECK(contains(msg, "add_"));
  {
    NoGradGuard guard;
    w.sub_(dvec({1, 1}), 0.5);
  }
  CHECK(w.to_vector<double>() == std::vector<double>{0.5, 1.5});
  CHECK(w._version() == 1);
}

TEST_CASE("in-place ops broadcast the other operand and refuse to grow self") {
  Tensor a = zeros({2, 3}, kFloat64);
  a.add_(tensor(std::vector<double>{1, 2, 3}));
  CHECK(a.to_vector<double>() == std::vector<double>{1, 2, 3, 1, 2, 3});
  CHECK_THROWS_AS(zeros({3}).add_(zeros({2, 3})), std::invalid_argument);
  CHECK_THROWS_AS(zeros({3}, kInt64).add_(ones({3}, kFloat32)), std::invalid_argument);
  Tensor c = zeros({2, 2});
  c.copy_(tensor(std::vector<double>{1, 2}));
  CHECK(c.to_vector<float>() == std::vector<float>{1, 2, 1, 2});
  c.fill_(4).clamp_(std::nullopt, 3.0);
  CHECK(c.to_vector<float>() == std::vector<float>{3, 3, 3, 3});
  c.zero_();
  CHECK(c.to_vector<float>() == std::vector<float>{0, 0, 0, 0});
}

TEST_CASE("a chain of 1,000,000 ops runs backward and is destroyed without recursion") {
  Tensor x = tensor(std::vector<float>{1.0f}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y * 1.0;
  y.backward();
  CHECK(x.grad().item<float>() == 1.0f);
  y = Tensor();  // frees a million nodes iteratively

  Tensor z = x;
  for (int i = 0; i < 1000000; ++i) z = z + 1.0;
  z = Tensor();  // destroyed without ever running backward
  CHECK(x.requires_grad());
}

TEST_CASE("a node that saves its own output makes no reference cycle") {
  std::weak_ptr<autograd::Node> node;
  std::weak_ptr<TensorImpl> out_impl;
  Tensor x = leaf({0.5});
  {
    Tensor y = exp(x);  // ExpBackward saves y
    node = y.grad_fn();
    out_impl = y.impl_ptr();
    CHECK_FALSE(node.expired());
  }
  CHECK(node.expired());
  CHECK(out_impl.expired());
}

TEST_CASE("graphs are freed when their outputs go away") {
  std::weak_ptr<autograd::Node> mul_node, acc_node;
  Tensor x = leaf({1});
  {
    Tensor h = x * 2.0;
    Tensor y = h * h;
    mul_node = h.grad_fn();
    acc_node = h.grad_fn()->next_edges()[0].function;
    y.backward();
  }
  CHECK(mul_node.expired());
  CHECK(acc_node.expired());
}

TEST_CASE("anomaly mode names the node whose backward produced NaN") {
  Tensor x = leaf({0.0});
  Tensor y = x / x;  // 0/0: forward NaN
  {
    autograd::DetectAnomalyGuard guard;
    std::string msg = message_of([&] { Tensor z = x / x; });
    CHECK(contains(msg, "DivBackward0"));
    CHECK(contains(msg, "non-finite"));
    Tensor ok = x * 1.0;
    std::string bmsg = message_of([&] { ok.backward(dvec({std::nan("")})); });
    CHECK(contains(bmsg, "MulBackward1"));
    CHECK(contains(bmsg, "nan"));
  }
  CHECK_NOTHROW(y.backward());  // outside anomaly mode NaNs flow silently, as in PyTorch
}

TEST_CASE("grad_fn names and is_leaf") {
  Tensor x = leaf({1});
  CHECK(x.is_leaf());
  Tensor y = x + x;
  CHECK_FALSE(y.is_leaf());
  CHECK(y.grad_fn()->name() == "AddBackward0");
  CHECK((x - x).grad_fn()->name() == "SubBackward0");
  CHECK((x * x).grad_fn()->name() == "MulBackward0");
  CHECK((x / x).grad_fn()->name() == "DivBackward0");
  CHECK((-x).grad_fn()->name() == "NegBackward0");
  CHECK(y.grad_fn()->next_edges()[0].function->name() == "AccumulateGrad");
}

TEST_CASE("scalar operators on either side") {
  Tensor x = leaf({2});
  Tensor y = 2.0 * x + 1.0 - x / 4.0 + (3.0 - x) + 8.0 / x;
  y.backward();
  // dy/dx = 2 - 1/4 - 1 - 8/x^2 = 0.75 - 2
  CHECK(x.grad().item<double>() == doctest::Approx(-1.25));
  CHECK(y.item<double>() == doctest::Approx(4 + 1 - 0.5 + 1 + 4));
}
