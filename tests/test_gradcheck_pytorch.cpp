// gradcheck against PyTorch's verdicts on planted bugs (issue 16, items 12 to 16): a custom
// backward that cannot take undefined gradients is caught even with one output, a
// non-deterministic backward is reported before its Jacobian is compared, the call counts are
// exactly as documented, a NaN entry is the worst element, and a backward that throws is named.
#include <doctest/doctest.h>

#include <cmath>
#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;
using autograd::gradcheck;
using autograd::gradcheck_report;
using autograd::GradcheckFailure;
using autograd::GradcheckOptions;
using autograd::GradcheckResult;

namespace {

Tensor dvec(std::vector<double> v, const Shape& shape = {}) { return tensor(v, shape).requires_grad_(); }
const GradcheckOptions kQuiet = GradcheckOptions().raise_exception(false);

// y = 2x whose backward uses g[0] unchecked although it asked for unmaterialised gradients.
struct DoubleUnchecked : Function<DoubleUnchecked> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return x * 2.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};
// y = 2x whose backward, given no gradient, makes one up: ones instead of nothing.
struct DoubleInventsGrad : Function<DoubleInventsGrad> {
  static inline Shape shape;
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    shape = x.shape();
    return x * 2.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    return {g[0].defined() ? g[0] * 2.0 : ones(shape, kFloat64)};
  }
};
// y = x^2 with a factor 3 too many, and a backward that drifts by 1e-10 per call.
struct SquareWrongAndNondeterministic : Function<SquareWrongAndNondeterministic> {
  static inline int calls = 0;
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    ++calls;
    return {g[0] * ctx->get_saved_variables()[0] * (6.0 * (1 + 1e-10 * calls))};
  }
};
// Two outputs of one node, so that every backward call runs it once.
struct TwoWay : Function<TwoWay> {
  static inline int backward_calls = 0;
  static tensor_list forward(AutogradContext*, const Tensor& x, const Tensor& w) { return {x * 2.0, w * 3.0}; }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    ++backward_calls;
    return {g[0] * 2.0, g[1] * 3.0};
  }
};

struct SquareOff : Function<SquareOff> {  // 2.5 x instead of 2 x: fails in fast and slow mode
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * 2.5};
  }
};
// y = 2x for x <= 0 and NaN for x > 0, with the right backward: at x = 0 the numerical
// derivative is NaN and every other entry of the Jacobians agrees.
struct NanAboveZero : Function<NanAboveZero> {
  static Tensor forward(AutogradContext*, const Tensor& x) {
    std::vector<double> v = x.to_vector<double>();
    for (double& e : v) e = e > 0 ? std::nan("") : 2 * e;
    return tensor(v, x.shape());
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};
// A backward whose own op fails (a shape mismatch inside it).
struct Thrower : Function<Thrower> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 1.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] + ones({7}, kFloat64)}; }
};

}  // namespace

TEST_CASE("check_undefined_grad catches a single-output custom backward that mishandles undefined grads") {
  Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r =
      gradcheck_report([](const tensor_list& in) { return DoubleUnchecked::apply(in[0]); }, {x}, kQuiet);
  CHECK(r.failure == GradcheckFailure::UndefinedGradThrows);
  CHECK(contains(r.message, "Expected backward function to handle undefined output grads"));
  CHECK(gradcheck([](const tensor_list& in) { return DoubleUnchecked::apply(in[0]); }, {x},
                  GradcheckOptions().check_undefined_grad(false)));

  GradcheckResult n =
      gradcheck_report([](const tensor_list& in) { return DoubleInventsGrad::apply(in[0]); }, {x}, kQuiet);
  CHECK(n.failure == GradcheckFailure::UndefinedGradNonZero);
  CHECK(contains(n.message, "Expected all input grads to be undefined or zero"));
}

TEST_CASE("a non-deterministic backward is reported before its output's Jacobian is compared") {
  Tensor x = dvec({0.5, -1.5, 2});
  auto f = [](const tensor_list& in) { return SquareWrongAndNondeterministic::apply(in[0]); };
  for (bool fast : {false, true}) {
    GradcheckResult r = gradcheck_report(f, {x}, kQuiet.fast_mode(fast));
    CHECK(r.failure == GradcheckFailure::NonDeterministic);
    CHECK(contains(r.message, "Backward is not reentrant"));
    // PyTorch's "although the analytical gradient matches" would be false here: the note says so.
    CHECK_FALSE(contains(r.message, "although the analytical gradient matches"));
    CHECK(contains(r.message, "note: the analytical Jacobian of output 0 w.r.t. input 0 also differs"));
  }
  // Deterministic enough: the mismatch is the verdict.
  CHECK(gradcheck_report(f, {x}, kQuiet.nondet_tol(1e-6)).failure == GradcheckFailure::JacobianMismatch);
}

TEST_CASE("gradcheck counts its calls exactly as documented") {
  // x [3] and w [2, 2] require grad (N = 7 elements, D = 2 inputs); outputs [3] and [2, 2]
  // (M = 7 elements, K = 2 outputs).
  Tensor x = dvec({1, 2, 3}), w = dvec({1, 2, 3, 4}, {2, 2});
  Tensor k = tensor(std::vector<std::int64_t>{7});  // Int64: passed through, never perturbed
  int forward_calls = 0;
  auto f = [&](const tensor_list& in) {
    ++forward_calls;
    CHECK(in[2].item<std::int64_t>() == 7);
    return TwoWay::apply(in[0], in[1]);
  };
  const std::int64_t N = 7, D = 2, M = 7, K = 2, U = 1 + K;
  // The engine calls a custom Function's backward even when no gradient reaches it (as PyTorch
  // does), so each of the U undefined-gradient calls reaches TwoWay's backward.
  const std::int64_t reaching = U;

  GradcheckResult slow = gradcheck_report(f, {x, w, k});
  CHECK(slow.passed);
  CHECK(forward_calls == 1 + 2 * N);
  CHECK(slow.backward_calls == 2 * M + 1 + U);
  CHECK(TwoWay::backward_calls == 2 * M + 1 + reaching);
  CHECK(slow.forward_calls == forward_calls);

  forward_calls = 0;
  TwoWay::backward_calls = 0;
  GradcheckResult fast = gradcheck_report(f, {x, w, k}, GradcheckOptions().fast_mode(true));
  CHECK(fast.passed);
  CHECK(forward_calls == 1 + 2 * D);
  CHECK(fast.backward_calls == 2 * K + 1 + U);
  CHECK(TwoWay::backward_calls == 2 * K + 1 + reaching);
  CHECK(fast.forward_calls == forward_calls);

  forward_calls = 0;
  TwoWay::backward_calls = 0;
  CHECK(gradcheck(f, {x, w, k}, GradcheckOptions().check_undefined_grad(false)));
  CHECK(TwoWay::backward_calls == 2 * M + 1);
  CHECK(forward_calls == 1 + 2 * N);  // check_undefined_grad adds no call of fn

  forward_calls = 0;
  TwoWay::backward_calls = 0;
  GradcheckResult fast_off =
      gradcheck_report(f, {x, w, k}, GradcheckOptions().fast_mode(true).check_undefined_grad(false));
  CHECK(forward_calls == 1 + 2 * D);
  CHECK(fast_off.backward_calls == 2 * K + 1);
  CHECK(TwoWay::backward_calls == 2 * K + 1);
}

TEST_CASE("a failing fast-mode check costs the documented recomputation") {
  // A fast-mode failure is recomputed in slow mode: + 2N calls of fn, + numel(output) backwards.
  Tensor s = dvec({0.5, -1.5, 2});
  int calls = 0;
  auto g = [&](const tensor_list& in) {
    ++calls;
    return SquareOff::apply(in[0]);
  };
  GradcheckResult r = gradcheck_report(g, {s}, kQuiet.fast_mode(true));
  CHECK(r.failure == GradcheckFailure::JacobianMismatch);
  CHECK(calls == 1 + 2 * 1 + 2 * 3);
  CHECK(r.forward_calls == calls);
  CHECK(r.backward_calls == 2 * 1 + 3);
}

TEST_CASE("a NaN or Inf entry of a Jacobian is the worst element") {
  Tensor x = dvec({-1, 0, -2});
  GradcheckResult r = gradcheck_report([](const tensor_list& in) { return NanAboveZero::apply(in[0]); }, {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::JacobianMismatch);
  const auto* p = r.first_failure();
  REQUIRE(p);
  CHECK(p->worst_input_index == Shape{1});
  CHECK(p->worst_output_index == Shape{1});
  CHECK(std::isnan(p->worst_numerical));
  CHECK(std::isinf(p->max_abs_error));
  CHECK(contains(r.message, "worst element: d output 0[1] / d input 0[1]: numerical nan, analytical 2"));
  CHECK(contains(r.message, "not finite: a NaN or Inf entry is the worst element"));
}

TEST_CASE("a backward that throws inside gradcheck is named, with its place in the graph") {
  Tensor x = dvec({0.5, -1.5, 2});
  auto f = [](const tensor_list& in) { return Thrower::apply(in[0] * 2.0).sum(); };
  std::string msg;
  try {
    gradcheck(f, {x});
  } catch (const std::runtime_error& e) {
    msg = e.what();
  }
  CHECK(contains(msg, "backward threw while computing the analytical Jacobian of output 0"));
  CHECK(contains(msg, "in ThrowerBackward (node 2 of 3 on the paths from output 0 to input 0"));
  CAPTURE(msg);
  CHECK(contains(msg, "SumBackward0 -> [ThrowerBackward] -> MulBackward1"));
  CHECK(contains(msg, "[3]"));  // the op's own error, with the shapes
}
