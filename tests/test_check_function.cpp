// check_function: a correct function passes every stage, and each planted bug is caught by the
// stage made for it and named in the report -- a backward right only for contiguous inputs,
// one right only without broadcasting, one that breaks on zero-size inputs, one that ignores
// grad_output, one that keeps state between calls.
#include <doctest/doctest.h>

#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using autograd::AutogradContext;
using autograd::Function;
using testing::CheckOptions;
using testing::CheckResult;
using testing::StageStatus;

namespace {

// y = x^3. The backward reads x's memory as if it were contiguous: right for contiguous x only.
struct CubeRawMemory : Function<CubeRawMemory> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const Tensor x = ctx->get_saved_variables()[0];
    const double* raw = x.data_ptr<double>();  // the bug: ignores x.strides()
    std::vector<double> gv = g[0].to_vector<double>();
    for (std::size_t i = 0; i < gv.size(); ++i) gv[i] *= 3 * raw[i] * raw[i];
    return {tensor(gv, x.shape())};
  }
};

// y = a * b (broadcasting). The backward "reduces" a broadcast gradient by keeping its first
// rows instead of summing them: right only when no input was broadcast.
struct MulFirstRows : Function<MulFirstRows> {
  static Tensor forward(AutogradContext* ctx, const Tensor& a, const Tensor& b) {
    ctx->save_for_backward({a, b});
    return a * b;
  }
  static Tensor fit(const Tensor& g, const Tensor& like) {
    return g.shape() == like.shape() ? g : g.narrow(0, 0, like.size(0));  // the bug: not a sum
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const tensor_list s = ctx->get_saved_variables();
    return {fit(g[0] * s[1], s[0]), fit(g[0] * s[0], s[1])};
  }
};

// y = x^2. The backward takes a scale from x's first element: throws on zero-size inputs.
struct SquareFirstScale : Function<SquareFirstScale> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const Tensor x = ctx->get_saved_variables()[0];
    const double scale = std::abs(x.to_vector<double>().at(0)) + 1;  // the bug: assumes an element
    return {g[0] * x * (2 * scale) / scale};
  }
};

struct SquareIgnoresGradOutput : Function<SquareIgnoresGradOutput> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list) { return {ctx->get_saved_variables()[0] * 2.0}; }
};

// Off by a further 1e-3 relative on every call: keeps state between calls.
struct SquareDrifting : Function<SquareDrifting> {
  static inline int calls = 0;
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * (2.0 * (1 + 1e-3 * calls++))};
  }
};

const StageStatus kPass = StageStatus::Passed, kFail = StageStatus::Failed, kSkip = StageStatus::Skipped;

StageStatus status(const CheckResult& r, const std::string& stage) {
  const auto* s = r.stage(stage);
  REQUIRE_MESSAGE(s != nullptr, "no stage " << stage << " in\n" << r.report());
  return s->status;
}

}  // namespace

TEST_CASE("a correct function passes every stage, and the report lists them") {
  auto fn = [](const tensor_list& x) { return x[0] * x[1].exp() + x[0].sin(); };
  CheckResult r = testing::check_function(fn, {randn({3, 4}), randn({3, 4})}, CheckOptions().name("mul_exp"));
  INFO(r.report());
  CHECK(r.ok());
  for (const char* stage : {"gradcheck", "gradgradcheck", "undefined grad outputs", "zero grad outputs",
                            "non-contiguous inputs", "expanded inputs", "broadcast input 0", "broadcast input 1",
                            "float32 forward", "zero-size inputs", "backward twice"}) {
    CHECK_MESSAGE(status(r, stage) == kPass, stage);
  }
  CHECK(r.failed() == 0);
  CHECK(r.diagnosis().empty());
  CHECK(r.worst_error() < 1e-6);
  CHECK(contains(r.report(), "check_function mul_exp: passed"));
}

TEST_CASE("stages a function's shapes do not allow are skipped, with the reason") {
  auto mm = [](const tensor_list& x) { return x[0].matmul(x[1]); };
  CheckResult r = testing::check_function(mm, {randn({3, 4}), randn({4, 2})});
  INFO(r.report());
  CHECK(r.ok());
  // [1, 4] @ [4, 2] is a [1, 2]: a different output, not a broadcast.
  CHECK(status(r, "broadcast input 0") == kSkip);
  CHECK(contains(r.stage("broadcast input 0")->detail, "does not broadcast"));
  // [1, 2] as the right operand: matmul refuses it.
  CHECK(status(r, "broadcast input 1") == kSkip);
  CHECK(contains(r.stage("broadcast input 1")->detail, "refuses"));
  CHECK(contains(r.report(), "[skip] broadcast input 1: the function refuses input 1 as [1, 2]"));
  // [0, 4] @ [0, 2] does not fit: zero-size is skipped rather than failed.
  CHECK(status(r, "zero-size inputs") == kSkip);
}

TEST_CASE("a backward right only for contiguous inputs fails the non-contiguous stage only") {
  auto fn = [](const tensor_list& x) { return CubeRawMemory::apply(x[0]); };
  CheckResult r =
      testing::check_function(fn, {randn({4, 3})}, CheckOptions().name("cube").second_order(false).expanded(false));
  INFO(r.report());
  CHECK_FALSE(r.ok());
  CHECK(status(r, "gradcheck") == kPass);
  CHECK(status(r, "non-contiguous inputs") == kFail);
  CHECK(r.failed() == 1);
  CHECK(contains(r.report(), "[FAIL] non-contiguous inputs: "));
  CHECK(contains(r.stage("non-contiguous inputs")->detail, "the same values in non-contiguous memory"));
  CHECK(contains(r.report(), "Jacobian mismatch for output 0 with respect to input 0"));
  CHECK(contains(r.diagnosis(), "non-contiguous inputs: "));
  REQUIRE(r.first_failed_gradcheck() != nullptr);
  CHECK(r.worst_error() > 0.01);
}

TEST_CASE("a backward right only without broadcasting fails the broadcast stages only") {
  auto fn = [](const tensor_list& x) { return MulFirstRows::apply(x[0], x[1]); };
  CheckResult r = testing::check_function(fn, {randn({3, 4}), randn({3, 4})}, CheckOptions().name("mul_rows"));
  INFO(r.report());
  CHECK_FALSE(r.ok());
  for (const char* stage : {"gradcheck", "gradgradcheck", "non-contiguous inputs", "expanded inputs", "float32 forward",
                            "zero-size inputs", "backward twice"}) {
    CHECK_MESSAGE(status(r, stage) == kPass, stage);
  }
  CHECK(status(r, "broadcast input 1") == kFail);
  CHECK(contains(r.report(), "[FAIL] broadcast input 1: "));
  CHECK(contains(r.report(), "input 1 broadcast from [1, 4] to [3, 4] inside the function fails"));
  const auto* p = r.stage("broadcast input 1")->gradcheck.first_failure();
  REQUIRE(p != nullptr);
  CHECK(p->input == 1);
}

TEST_CASE("a backward that breaks on zero-size inputs fails the zero-size stage only") {
  auto fn = [](const tensor_list& x) { return SquareFirstScale::apply(x[0]); };
  CheckResult r = testing::check_function(fn, {randn({3, 2})}, CheckOptions().name("square_scaled"));
  INFO(r.report());
  CHECK(status(r, "gradcheck") == kPass);
  CHECK(status(r, "non-contiguous inputs") == kPass);
  CHECK(status(r, "zero-size inputs") == kFail);
  CHECK(r.failed() == 1);
  CHECK(contains(r.report(), "[FAIL] zero-size inputs: backward threw on inputs with a leading dimension 0"));
}

TEST_CASE("ignored grad_output and a backward that keeps state are named by their stages") {
  auto scalar = [](const tensor_list& x) { return SquareIgnoresGradOutput::apply(x[0]).sum(); };
  CheckResult z = testing::check_function(scalar, {randn({3})}, CheckOptions().second_order(false));
  INFO(z.report());
  CHECK(status(z, "gradcheck") == kPass);
  CHECK(status(z, "zero grad outputs") == kFail);
  CHECK(contains(z.report(), "backward not multiplied by grad_output"));

  SquareDrifting::calls = 0;
  auto drift = [](const tensor_list& x) { return SquareDrifting::apply(x[0]); };
  CheckResult d = testing::check_function(
      drift, {randn({3})}, CheckOptions().second_order(false).non_contiguous(false).expanded(false).broadcast(false));
  CHECK(status(d, "backward twice") == kFail);
  CHECK(contains(d.stage("backward twice")->detail, "different gradients"));
}

TEST_CASE("an exception from the function fails the stages it breaks, and no input is refused") {
  auto throws = [](const tensor_list& x) -> Tensor {
    if (!x[0].is_contiguous()) throw std::runtime_error("needs contiguous input");
    return x[0] * 2.0;
  };
  CheckResult r = testing::check_function(throws, {randn({2, 3})});
  CHECK(status(r, "gradcheck") == kPass);
  CHECK(status(r, "non-contiguous inputs") == kFail);
  CHECK(contains(r.stage("non-contiguous inputs")->detail, "needs contiguous input"));
  CHECK_THROWS_AS(testing::check_function(throws, {}), std::invalid_argument);
}
