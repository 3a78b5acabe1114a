// gradcheck / gradgradcheck: correct backward passes pass, and each classic bug in a custom
// Function is caught and named (wrong sign, missing factor, forgotten grad_output, transposed,
// gradient for the wrong input, non-deterministic backward, backward that throws on undefined
// gradients). Every bug is checked in slow and fast mode, which must agree.
#include <doctest/doctest.h>

#include <cstring>
#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;
using autograd::gradcheck;
using autograd::gradcheck_report;
using autograd::GradcheckDiagnosis;
using autograd::GradcheckError;
using autograd::GradcheckFailure;
using autograd::GradcheckOptions;
using autograd::GradcheckResult;
using autograd::gradgradcheck;
using autograd::gradgradcheck_report;

namespace {

Tensor dvec(std::vector<double> v, const Shape& shape = {}) { return tensor(v, shape).requires_grad_(); }

const GradcheckOptions kQuiet = GradcheckOptions().raise_exception(false);
const GradcheckOptions kFast = kQuiet.fast_mode(true);

// ---- y = x^2 and its classic bugs -------------------------------------------------------------
struct Square : Function<Square> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * 2.0};
  }
};
struct SquareWrongSign : Function<SquareWrongSign> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * -2.0};
  }
};
struct SquareMissingFactor : Function<SquareMissingFactor> {  // forgot the 2 of d(x^2)/dx
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) { return {g[0] * ctx->get_saved_variables()[0]}; }
};
struct SquareForgotGradOutput : Function<SquareForgotGradOutput> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list) { return {ctx->get_saved_variables()[0] * 2.0}; }
};
struct SquareDisconnected : Function<SquareDisconnected> {  // backward gives no gradient at all
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * x; }
  static tensor_list backward(AutogradContext*, tensor_list) { return {Tensor()}; }
};
// Backward right up to a drift of 1e-10 per call: Jacobians match, but runs are not reentrant.
struct SquareNondeterministic : Function<SquareNondeterministic> {
  static inline int calls = 0;
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    ++calls;
    return {g[0] * ctx->get_saved_variables()[0] * (2.0 * (1 + 1e-10 * calls))};
  }
};
// First derivative right, but computed from a detached input: its own derivative is lost.
struct SquareNotTwiceDifferentiable : Function<SquareNotTwiceDifferentiable> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0].detach() * 2.0};
  }
};
// y = x^3 whose backward 3 x^2 g is written with one x detached: the second derivative is half.
struct CubeHalfSecondDerivative : Function<CubeHalfSecondDerivative> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    Tensor x = ctx->get_saved_variables()[0];
    return {g[0] * x * x.detach() * 3.0};
  }
};

// ---- two inputs: y = a * b, and a backward that swaps the gradients ---------------------------
struct Mul : Function<Mul> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[1], g[0] * s[0]};
  }
};
struct MulSwapped : Function<MulSwapped> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {g[0] * s[0], g[0] * s[1]};
  }
};

// ---- y = W x with W [n, n] and x [n] (written with broadcasting, no matmul) -------------------
Tensor matvec(const Tensor& w, const Tensor& x) { return (w * unsqueeze(x, 0)).sum({1}); }
struct MatVec : Function<MatVec> {
  static Tensor forward(AutogradContext* ctx, const Tensor& w, const Tensor& x) {
    ctx->save_for_backward({w, x});
    return matvec(w, x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {unsqueeze(g[0], 1) * unsqueeze(s[1], 0), (s[0] * unsqueeze(g[0], 1)).sum({0})};  // W^T g
  }
};
struct MatVecTransposed : Function<MatVecTransposed> {  // uses W g instead of W^T g
  static Tensor forward(AutogradContext* ctx, const Tensor& w, const Tensor& x) {
    ctx->save_for_backward({w, x});
    return matvec(w, x);
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    auto s = ctx->get_saved_variables();
    return {unsqueeze(g[0], 1) * unsqueeze(s[1], 0), matvec(s[0], g[0])};
  }
};
// y = X * C elementwise on square matrices, with a backward returning the gradient transposed.
struct ScaleTransposedGrad : Function<ScaleTransposedGrad> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& c) {
    ctx->save_for_backward({c});
    return x * c;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {transpose(g[0] * ctx->get_saved_variables()[0], 0, 1), Tensor()};
  }
};

// ---- undefined output gradients ---------------------------------------------------------------
// Two outputs (2x, 3x); with materialize_grads off backward must cope with an absent gradient.
struct TwoOutputs : Function<TwoOutputs> {
  static tensor_list forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return {x * 2.0, x * 3.0};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    Tensor r;
    if (g[0].defined()) r = g[0] * 2.0;
    if (g[1].defined()) r = r.defined() ? r + g[1] * 3.0 : g[1] * 3.0;
    return {r};
  }
};
struct TwoOutputsThrowsOnUndefined : Function<TwoOutputsThrowsOnUndefined> {
  static tensor_list forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return {x * 2.0, x * 3.0};
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0 + g[1] * 3.0}; }
};
struct DoubleThrowsOnUndefined : Function<DoubleThrowsOnUndefined> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return x * 2.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};

struct SquareDoubled : Function<SquareDoubled> {  // an extra factor: 4 x g for x^2
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * 4.0};
  }
};

auto unary = [](auto fn) { return [fn](const tensor_list& in) { return fn(in[0]); }; };

}  // namespace

TEST_CASE("a correct custom Function passes gradcheck and gradgradcheck, in slow and fast mode") {
  Tensor x = dvec({0.5, -1.25, 2.0, 0.75});
  auto f = unary([](const Tensor& t) { return Square::apply(t); });
  CHECK(gradcheck(f, {x}));
  CHECK(gradcheck(f, {x}, GradcheckOptions().fast_mode(true)));
  CHECK(gradgradcheck(f, {x}));
  CHECK(gradgradcheck(f, {x}, GradcheckOptions().fast_mode(true)));
  Tensor a = dvec({1, 2, 3}), b = dvec({-0.5, 0.25, 4});
  auto mul = [](const tensor_list& in) { return Mul::apply(in[0], in[1]); };
  CHECK(gradcheck(mul, {a, b}));
  CHECK(gradgradcheck(mul, {a, b}));
  Tensor w = dvec({1, 2, -1, 0.5, 3, 1, -2, 0.25, 1.5}, {3, 3});
  auto mv = [](const tensor_list& in) { return MatVec::apply(in[0], in[1]); };
  CHECK(gradcheck(mv, {w, a}));
  CHECK(gradgradcheck(mv, {w, a}));
  CHECK(gradcheck([](const tensor_list& in) { return TwoOutputs::apply(in[0]); }, {x}));
}

TEST_CASE("the structured result holds both Jacobians in PyTorch's layout [input numel, output numel]") {
  // y = a * b for a [2, 1], b [3]: y [2, 3] with dy[i, j]/da[i] = b[j] and dy[i, j]/db[j] = a[i].
  Tensor a = dvec({2, -1}, {2, 1}), b = dvec({1, 3, 5});
  GradcheckResult r = gradcheck_report([](const tensor_list& in) { return in[0] * in[1]; }, {a, b});
  REQUIRE(r.passed);
  CHECK(r.failure == GradcheckFailure::None);
  CHECK(r.message.empty());
  REQUIRE(r.pairs.size() == 2);
  const auto* pa = r.pair(0, 0);
  const auto* pb = r.pair(0, 1);
  REQUIRE(pa);
  REQUIRE(pb);
  CHECK(pa->analytical.shape() == Shape{2, 6});
  CHECK(pa->numerical.dtype() == kFloat64);
  CHECK(pa->analytical.to_vector<double>() == std::vector<double>{1, 3, 5, 0, 0, 0, 0, 0, 0, 1, 3, 5});
  CHECK(pb->analytical.shape() == Shape{3, 6});
  CHECK(pb->analytical.to_vector<double>() ==
        std::vector<double>{2, 0, 0, -1, 0, 0, 0, 2, 0, 0, -1, 0, 0, 0, 2, 0, 0, -1});
  auto num = pb->numerical.to_vector<double>();
  auto ana = pb->analytical.to_vector<double>();
  for (std::size_t e = 0; e < num.size(); ++e) CHECK(num[e] == doctest::Approx(ana[e]).epsilon(1e-8));
  CHECK(pa->max_abs_error < 1e-8);
  CHECK(pa->failing == 0);
  CHECK(pa->total == 12);
  CHECK(r.pair(1, 0) == nullptr);
}

TEST_CASE("inputs are restored bit for bit, even when fn throws, and keep their version") {
  Tensor base = dvec({0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, {2, 3});
  Tensor xt;
  {
    NoGradGuard ng;
    xt = transpose(base.detach(), 0, 1);  // non-contiguous view [3, 2]
  }
  xt.requires_grad_();
  const auto before = base.to_vector<double>();
  const auto version = xt._version();
  CHECK(gradcheck([](const tensor_list& in) { return in[0] * in[0]; }, {xt}));
  CHECK(base.to_vector<double>() == before);
  CHECK(xt._version() == version);

  int calls = 0;
  auto throws_midway = [&](const tensor_list& in) {
    if (++calls == 4) throw std::runtime_error("fn failed on call 4");
    return in[0] * 2.0;
  };
  Tensor y = dvec({0.1, 0.2, 0.3});
  std::vector<unsigned char> bits(3 * sizeof(double));
  std::memcpy(bits.data(), y.data_ptr<double>(), bits.size());
  CHECK_THROWS_WITH_AS(gradcheck(throws_midway, {y}), "fn failed on call 4", std::runtime_error);
  CHECK(std::memcmp(bits.data(), y.data_ptr<double>(), bits.size()) == 0);
}

TEST_CASE("bad inputs are refused: nothing requires grad, overlapping memory") {
  auto f = [](const tensor_list& in) { return in[0] * 2.0; };
  Tensor plain = tensor(std::vector<double>{1, 2});
  CHECK_THROWS_AS(gradcheck(f, {plain}), std::invalid_argument);
  std::string msg;
  try {
    gradcheck(f, {plain});
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  CHECK(contains(msg, "at least one input tensor to require gradient"));

  Tensor row = dvec({1, 2, 3}, {1, 3});
  Tensor expanded = expand(row.detach(), {4, 3}).requires_grad_();
  try {
    gradcheck(f, {expanded});
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    msg = e.what();
  }
  CHECK(contains(msg, "input 0 (Float64 [4, 3], strides [0, 1])"));
  CHECK(contains(msg, "overlapping memory"));
  CHECK(contains(msg, ".contiguous()"));
  CHECK(gradcheck(f, {expanded.detach().contiguous().requires_grad_()}));
}

TEST_CASE("raise_exception: a failure throws GradcheckError, or returns false") {
  Tensor x = dvec({0.5, -1.5, 2});
  auto f = unary([](const Tensor& t) { return SquareWrongSign::apply(t); });
  CHECK_THROWS_AS(gradcheck(f, {x}), GradcheckError);
  try {
    gradcheck(f, {x});
  } catch (const GradcheckError& e) {
    CHECK(std::string(e.what()).rfind("Jacobian mismatch for output 0 with respect to input 0", 0) == 0);
  }
  CHECK_FALSE(gradcheck(f, {x}, kQuiet));
}

// Runs the same check in slow and fast mode; both must fail the same way.
template <class F>
GradcheckResult both_modes(const F& f, const tensor_list& in, GradcheckFailure failure,
                           GradcheckDiagnosis diagnosis = GradcheckDiagnosis::None) {
  GradcheckResult slow = gradcheck_report(f, in, kQuiet);
  GradcheckResult fast = gradcheck_report(f, in, kFast);
  CHECK_FALSE(slow.passed);
  CHECK_FALSE(fast.passed);
  CHECK(slow.failure == failure);
  CHECK(fast.failure == failure);
  if (failure == GradcheckFailure::JacobianMismatch) {
    REQUIRE(slow.first_failure());
    REQUIRE(fast.first_failure());
    CHECK(slow.first_failure()->diagnosis == diagnosis);
    CHECK(fast.first_failure()->diagnosis == diagnosis);
    CHECK(contains(fast.message, "fast mode: v^T J u numerical"));
  }
  return slow;
}

TEST_CASE("wrong sign is caught and named") {
  GradcheckResult r =
      both_modes(unary([](const Tensor& t) { return SquareWrongSign::apply(t); }), {dvec({0.5, -1.5, 2})},
                 GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::WrongSign);
  CHECK(r.first_failure()->factor == -1);
  CHECK(contains(r.message, "wrong sign"));
  CHECK(contains(r.message, "SquareWrongSignBackward"));
  // Full report: worst element, counts, both Jacobians printed (3 x 3 is small).
  CHECK(contains(r.message, "worst element: d output 0[2] / d input 0[2]: numerical 4, analytical -4"));
  CHECK(contains(r.message, "failing elements: 3 of 9"));
  CHECK(contains(r.message, "numerical:\n"));
  CHECK(contains(r.message, "analytical (* = outside the tolerance):\n"));
  CHECK(contains(r.message, "-4*"));
}

TEST_CASE("a missing or extra constant factor is caught and k is reported") {
  GradcheckResult r =
      both_modes(unary([](const Tensor& t) { return SquareMissingFactor::apply(t); }), {dvec({0.5, -1.5, 2})},
                 GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::ConstantFactor);
  CHECK(r.first_failure()->factor == doctest::Approx(0.5));
  CHECK(contains(r.message, "k = 0.5 (= 1/2)"));
  GradcheckResult r2 =
      gradcheck_report(unary([](const Tensor& t) { return SquareDoubled::apply(t); }), {dvec({0.5, -1.5, 2})}, kQuiet);
  CHECK(r2.first_failure()->diagnosis == GradcheckDiagnosis::ConstantFactor);
  CHECK(contains(r2.message, "k = 2 "));
}

TEST_CASE("a backward that is not connected (all-zero analytical Jacobian) is caught") {
  GradcheckResult r =
      both_modes(unary([](const Tensor& t) { return SquareDisconnected::apply(t); }), {dvec({0.5, -1.5, 2})},
                 GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::AnalyticalZero);
  CHECK(contains(r.message, "not connected"));
  // A function cut from the graph by detach() inside: no path from the output to the input.
  Tensor a = dvec({1, 2}), b = dvec({3, 4});
  GradcheckResult cut = gradcheck_report([](const tensor_list& in) { return in[0] * in[1].detach(); }, {a, b}, kQuiet);
  CHECK(cut.failure == GradcheckFailure::JacobianMismatch);
  REQUIRE(cut.first_failure());
  CHECK(cut.first_failure()->input == 1);
  CHECK(cut.first_failure()->diagnosis == GradcheckDiagnosis::AnalyticalZero);
  CHECK(contains(cut.message, "no path in the graph"));
}

TEST_CASE("transposed: the Jacobian, the gradient of a matrix input") {
  Tensor w = dvec({1, 2, -1, 0.5, 3, 1, -2, 0.25, 1.5}, {3, 3});
  Tensor x = dvec({1, -2, 0.5});
  GradcheckResult r =
      both_modes([](const tensor_list& in) { return tensor_list{MatVecTransposed::apply(in[0], in[1])}; }, {w, x},
                 GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::Transposed);
  CHECK(r.first_failure()->input == 1);
  CHECK(contains(r.message, "the analytical Jacobian is the numerical one transposed"));

  Tensor m = dvec({1, 2, 3, 4}, {2, 2});
  Tensor c = tensor(std::vector<double>{0.5, -1, 2, 3}, {2, 2});
  GradcheckResult r2 =
      both_modes([](const tensor_list& in) { return tensor_list{ScaleTransposedGrad::apply(in[0], in[1])}; }, {m, c},
                 GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::Transposed);
  CHECK(contains(r2.message, "the gradient w.r.t. input 0 [2, 2] is the transpose of the right one"));
}

TEST_CASE("a gradient returned for the wrong input is caught") {
  Tensor a = dvec({1, 2, 3}), b = dvec({-0.5, 0.25, 4});
  GradcheckResult r = both_modes([](const tensor_list& in) { return tensor_list{MulSwapped::apply(in[0], in[1])}; },
                                 {a, b}, GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::WrongInput);
  CHECK(contains(r.message, "gradient for the wrong input"));
  CHECK(contains(r.message, "equals the numerical gradient w.r.t. input 1"));
}

TEST_CASE("a backward that forgets grad_output is caught") {
  // Vector output: each output element gives the same gradient (the Jacobian check names it).
  both_modes(unary([](const Tensor& t) { return SquareForgotGradOutput::apply(t); }), {dvec({0.5, -1.5, 2})},
             GradcheckFailure::JacobianMismatch, GradcheckDiagnosis::IgnoresGradOutput);
  // Scalar output: the Jacobian is right for grad_output = 1; zero grad_outputs expose it.
  GradcheckResult r = both_modes(unary([](const Tensor& t) { return SquareForgotGradOutput::apply(t.sum()); }),
                                 {dvec({0.5, -1.5, 2})}, GradcheckFailure::NotMultipliedByGradOutput);
  CHECK(contains(r.message, "backward not multiplied by grad_output"));
}

TEST_CASE("a non-deterministic backward is caught unless nondet_tol allows it") {
  auto f = unary([](const Tensor& t) { return SquareNondeterministic::apply(t); });
  Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r = both_modes(f, {x}, GradcheckFailure::NonDeterministic);
  CHECK(contains(r.message, "Backward is not reentrant"));
  CHECK(contains(r.message, "The tolerance for nondeterminism was 0"));
  CHECK(gradcheck(f, {x}, GradcheckOptions().nondet_tol(1e-6)));
  CHECK(gradcheck(f, {x}, GradcheckOptions().nondet_tol(1e-6).fast_mode(true)));
}

TEST_CASE("a backward that throws on undefined output gradients is caught") {
  // Two outputs: the Jacobian of one is computed with the other's gradient undefined (as PyTorch
  // does), which is where such a backward first fails.
  Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r = both_modes([](const tensor_list& in) { return TwoOutputsThrowsOnUndefined::apply(in[0]); }, {x},
                                 GradcheckFailure::UndefinedGradThrows);
  CHECK(contains(r.message, "Expected backward function to handle undefined output grads"));
  CHECK(contains(r.message, "with the gradients of output(s) 1 undefined"));
  CHECK(contains(r.message, "undefined tensor"));  // the original error is quoted
  CHECK(contains(r.message, "With zero gradients for output(s) 1 it succeeds"));
  // A single-output Function sees undefined gradients too (the engine calls a custom backward
  // that receives none, as PyTorch does), so the same backward is caught there.
  CHECK(
      gradcheck_report(unary([](const Tensor& t) { return DoubleThrowsOnUndefined::apply(t); }), {x}, kQuiet).failure ==
      GradcheckFailure::UndefinedGradThrows);
  // A backward that throws whatever it gets is not a gradient mismatch: the error propagates.
  struct AlwaysThrows : Function<AlwaysThrows> {
    static tensor_list forward(AutogradContext*, const Tensor& t) { return {t * 2.0, t * 3.0}; }
    static tensor_list backward(AutogradContext*, tensor_list) { throw std::runtime_error("backward is broken"); }
  };
  CHECK_THROWS_WITH_AS(gradcheck([](const tensor_list& in) { return AlwaysThrows::apply(in[0]); }, {x}),
                       doctest::Contains("backward is broken"), std::runtime_error);
}

TEST_CASE("outputs that are not differentiable must not vary; their form must not change under perturbation") {
  Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r = gradcheck_report([](const tensor_list& in) { return in[0].detach() * 2.0; }, {x}, kQuiet);
  CHECK(r.failure == GradcheckFailure::NonZeroWithoutDifferentiableOutputs);
  CHECK(contains(r.message, "Numerical gradient for function expected to be zero"));
  CHECK(gradcheck([](const tensor_list& in) { return in[0].detach().to(kInt64); }, {x}));

  const double s0 = 1.0;  // = sum(x): below it fn returns a scalar, above it a vector
  auto changing = [s0](const tensor_list& in) {
    return in[0].sum().item<double>() > s0 ? in[0] * 2.0 : (in[0] * 2.0).sum();
  };
  GradcheckResult c = gradcheck_report(changing, {x}, kQuiet);
  CHECK(c.failure == GradcheckFailure::OutputChangedUnderPerturbation);
  CHECK(contains(c.message, "when input 0 was perturbed at element [0]"));
}

TEST_CASE("float32: the warning is given, and the noisy numerical gradient is why the check runs in float64") {
  auto f = [](const tensor_list& in) { return exp(in[0]) * in[0]; };
  Tensor x32 = tensor(std::vector<float>{0.3f, 1.1f, -0.7f, 2.0f}).requires_grad_();
  GradcheckResult r = gradcheck_report(f, {x32}, kQuiet);
  REQUIRE(r.warnings.size() == 1);
  CHECK(contains(r.warnings[0], "input 0 (Float32 [4]) requires grad and is not Float64"));
  CHECK_FALSE(r.passed);  // central differences of float32 values keep ~1 significant digit
  CHECK(r.failure == GradcheckFailure::JacobianMismatch);
  Tensor x64 = x32.detach().to(kFloat64).requires_grad_();
  GradcheckResult r64 = gradcheck_report(f, {x64}, kQuiet);
  CHECK(r64.passed);
  CHECK(r64.warnings.empty());
}

TEST_CASE("fast mode leaves the user's random state alone and agrees with slow mode on correct functions") {
  manual_seed(42);
  Tensor expected = randn({4}, kFloat64);
  manual_seed(42);
  Tensor a = dvec({0.3, -1.2, 0.8, 2.5}, {2, 2}), b = dvec({1.5, -0.5});
  auto f = [](const tensor_list& in) { return tensor_list{tanh(in[0] * in[1]), exp(in[1]).sum()}; };
  CHECK(gradcheck(f, {a, b}, GradcheckOptions().fast_mode(true).seed(7)));
  CHECK(gradcheck(f, {a, b}));
  CHECK(gradgradcheck(f, {a, b}));
  CHECK(gradgradcheck(f, {a, b}, GradcheckOptions().fast_mode(true)));
  CHECK(equal(randn({4}, kFloat64), expected));
}

TEST_CASE("a large failing Jacobian is summarised rather than printed") {
  manual_seed(1);
  Tensor x = randn({30}, kFloat64).requires_grad_();
  GradcheckResult r =
      gradcheck_report(unary([](const Tensor& t) { return SquareMissingFactor::apply(t); }), {x}, kQuiet);
  CHECK(contains(r.message, "numerical: 30 x 30 (too large to print)"));
  CHECK(contains(r.message, "the 10 largest failing differences"));
  CHECK(contains(r.message, "failing elements: 30 of 900"));
}

TEST_CASE("gradgradcheck catches a backward that is right but not differentiable, or wrong to second order") {
  Tensor x = dvec({0.5, -1.5, 2});
  auto f = unary([](const Tensor& t) { return SquareNotTwiceDifferentiable::apply(t); });
  CHECK(gradcheck(f, {x}));
  GradcheckResult r = gradgradcheck_report(f, {x}, {}, kQuiet);
  CHECK(r.failure == GradcheckFailure::JacobianMismatch);
  REQUIRE(r.first_failure());
  CHECK(r.first_failure()->input == 0);  // d(gradient)/dx is missing; d(gradient)/d(grad_output) is right
  CHECK(r.first_failure()->diagnosis == GradcheckDiagnosis::AnalyticalZero);
  CHECK(contains(r.message, "gradgradcheck: the function checked is"));

  auto cube = unary([](const Tensor& t) { return CubeHalfSecondDerivative::apply(t); });
  CHECK(gradcheck(cube, {x}));
  GradcheckResult c = gradgradcheck_report(cube, {x}, GradcheckOptions().raise_exception(false));
  REQUIRE(c.first_failure());
  CHECK(c.first_failure()->diagnosis == GradcheckDiagnosis::ConstantFactor);
  CHECK(c.first_failure()->factor == doctest::Approx(0.5));
  GradcheckResult cf = gradgradcheck_report(cube, {x}, kFast);
  CHECK(cf.failure == GradcheckFailure::JacobianMismatch);
  CHECK(cf.first_failure()->diagnosis == GradcheckDiagnosis::ConstantFactor);
}

TEST_CASE("gradgradcheck takes explicit grad_outputs and checks they fit") {
  Tensor x = dvec({0.5, -1.5, 2});
  auto f = unary([](const Tensor& t) { return Square::apply(t); });
  Tensor go = dvec({1, -1, 0.5});
  CHECK(gradgradcheck(f, {x}, {go}));
  CHECK(gradgradcheck(f, {x}, GradcheckOptions().gen_non_contig_grad_outputs(true)));
  CHECK_THROWS_AS(gradgradcheck(f, {x}, {dvec({1, 2})}), std::invalid_argument);
  CHECK_THROWS_AS(gradgradcheck(f, {x}, {go, go}), std::invalid_argument);
}

TEST_CASE("gradcheck works under a NoGradGuard and with fn returning a tensor_list") {
  Tensor x = dvec({0.5, -1.5, 2});
  NoGradGuard ng;
  CHECK(gradcheck([](const tensor_list& in) { return tensor_list{in[0] * 3.0, exp(in[0])}; }, {x}));
}

TEST_CASE("built-in ops pass with the default options, undefined output gradients included") {
  // gradcheck's last stage hands each output an undefined gradient; a custom Function returning
  // Tensor() for an input made by a built-in op does the same in ordinary use.
  Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r = gradcheck_report([](const tensor_list& in) { return exp(in[0]) * in[0] * 2.0; }, {x}, kQuiet);
  CHECK_MESSAGE(r.passed, r.message);
  GradcheckResult gg = gradgradcheck_report(unary([](const Tensor& t) { return Square::apply(t); }), {x}, kQuiet);
  CHECK_MESSAGE(gg.passed, gg.message);
}
