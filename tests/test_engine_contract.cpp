// The engine's node contract (autograd/node.hpp) and what it refuses: a custom Function's
// backward runs even when no gradient reaches it (as in PyTorch), built-in nodes are skipped;
// a tensor hook may not change the gradient's shape or dtype; backward() on a tensor without
// history says what to do.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;

namespace {
Tensor leaf(std::vector<double> v) { return tensor(v).requires_grad_(); }

// Records what its backward received; returns 2 g (or an undefined gradient for an undefined g).
struct Recorder : Function<Recorder> {
  static inline int calls = 0;
  static inline bool got_defined = false;
  static inline std::vector<double> got;
  static Tensor forward(AutogradContext* ctx, const Tensor& x, bool materialize) {
    ctx->set_materialize_grads(materialize);
    return x * 2.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    ++calls;
    got_defined = g[0].defined();
    got = got_defined ? g[0].to_vector<double>() : std::vector<double>{};
    return {got_defined ? g[0] * 2.0 : Tensor(), Tensor()};
  }
};

// A built-in node between the Function and the root that passes on no gradient.
struct Blocker final : autograd::Node {
  tensor_list apply(tensor_list&&) override { return tensor_list(next_edges().size()); }
};
struct Sink final : autograd::Node {  // a built-in node that must not run without a gradient
  static inline int calls = 0;
  tensor_list apply(tensor_list&& g) override {
    ++calls;
    return {g[0]};
  }
};

// y = x passed through node N (recorded like an op), so that N's gradient can be cut.
template <class N>
Tensor through(const Tensor& x) {
  Tensor y = x.detach();
  autograd::record<N>({&x}, y);
  return y;
}
}  // namespace

TEST_CASE("a custom Function's backward runs when no gradient reaches it; built-in nodes do not") {
  for (bool materialize : {true, false}) {
    Recorder::calls = 0;
    Tensor x = leaf({1, 2, 3});
    Tensor y = through<Blocker>(Recorder::apply(x, materialize));
    Tensor z = (y * 1.0).sum();
    Tensor extra = (x * 0.0).sum();  // keeps x reachable through another path
    autograd::backward({z + extra});
    CHECK(Recorder::calls == 1);
    // With materialize_grads the undefined gradient arrives as zeros of the output's shape.
    CHECK(Recorder::got_defined == materialize);
    if (materialize) CHECK(Recorder::got == std::vector<double>{0, 0, 0});
    CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0, 0});
  }
  Sink::calls = 0;
  Tensor x = leaf({1, 2});
  Tensor y = through<Blocker>(through<Sink>(x));
  (y.sum() + (x * 0.0).sum()).backward();
  CHECK(Sink::calls == 0);
}

TEST_CASE("a tensor hook that changes the gradient's shape or dtype is refused, naming the tensor") {
  Tensor w = leaf({1, 2, 3, 4});
  w.register_hook([](const Tensor& g) { return g.sum(); });  // [4] -> []
  std::string msg = message_of([&] { (w * 2.0).sum().backward(); });
  CHECK(contains(msg, "has changed the size of value (was [4] got [])"));
  CHECK(contains(msg, "a leaf tensor (Float64 [4])"));
  CHECK_FALSE(w.grad().defined());  // the bad gradient never became .grad()

  Tensor v = leaf({1, 2});
  v.register_hook([](const Tensor& g) { return g.to(kFloat32); });
  msg = message_of([&] { (v * 2.0).sum().backward(); });
  CHECK(contains(msg, "has changed the type of value (was Float64 got Float32)"));

  Tensor a = leaf({1, 2, 3});
  Tensor h = a * 3.0;  // a non-leaf: its hook runs on MulBackward1 (tensor * scalar)
  h.register_hook([](const Tensor& g) { return cat({g, g}, 0); });
  msg = message_of([&] { h.sum().backward(); });
  CAPTURE(msg);
  CHECK(contains(msg, "has changed the size of value (was [3] got [6])"));
  CHECK(contains(msg, "output 0 of MulBackward1 (a non-leaf tensor)"));

  // A hook that keeps shape and dtype still replaces the gradient.
  Tensor b = leaf({1, 2});
  b.register_hook([](const Tensor& g) { return g * 10.0; });
  (b * 2.0).sum().backward();
  CHECK(b.grad().to_vector<double>() == std::vector<double>{20, 20});
}

TEST_CASE("backward on a tensor that does not require grad says what to do") {
  Tensor x = tensor(std::vector<double>{1, 2});
  std::string msg = message_of([&] { (x * 2.0).sum().backward(); });
  // PyTorch's sentence first, then the remedy.
  CHECK(contains(msg, "element 0 of tensors does not require grad and does not have a grad_fn. "));
  CHECK(contains(msg, "set requires_grad on the leaf tensors"));
  CHECK(contains(msg, "before the ops that compute it"));
}
