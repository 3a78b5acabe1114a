// The node a failing check blames (GradcheckResult::failing_node): found on the failing pair's
// paths, by watching incoming gradients, or as the node that threw; named in the report and
// highlighted by to_dot(result) with no DotOptions.
#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

#include "render_checks.hpp"
#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::autograd;

namespace {

Tensor dvec(std::vector<double> v) { return tensor(v).requires_grad_(); }
const GradcheckOptions kQuiet = GradcheckOptions().raise_exception(false);

struct SquareWrongSign : Function<SquareWrongSign> {  // d(x^2) given as -2x
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * -2.0};
  }
};
struct SquareForgotGradOutput : Function<SquareForgotGradOutput> {  // right only for grad_output 1
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list) { return {ctx->get_saved_variables()[0] * 2.0}; }
};
struct SquareNondeterministic : Function<SquareNondeterministic> {  // drifts by 1e-10 a call
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
struct DoubleThrowsOnUndefined : Function<DoubleThrowsOnUndefined> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->set_materialize_grads(false);
    return x * 2.0;
  }
  static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0}; }
};

// A node written directly (not a custom Function): identity forward, half the gradient back.
struct HalfGradBackward final : Node {
  tensor_list apply(tensor_list&& g) override { return {g[0] * 0.5}; }
};
Tensor half_grad(const Tensor& x) {
  Tensor out = x.detach().clone();
  record<HalfGradBackward>({&x}, out);
  return out;
}

std::size_t count(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// The DOT line of the node labelled `name` (its box), or "".
std::string dot_line(const std::string& dot, const std::string& name) {
  const auto at = dot.find("[label=\"" + name);
  if (at == std::string::npos) return "";
  const auto begin = dot.rfind('\n', at) + 1;
  return dot.substr(begin, dot.find('\n', at) - begin);
}

}  // namespace

TEST_CASE("a wrong gradient inside a graph of built-in ops is blamed on the custom Function") {
  const Tensor x = dvec({0.5, -1.5, 2});
  const GradcheckResult r = gradcheck_report(
      [](const tensor_list& in) { return (SquareWrongSign::apply(in[0] * 3.0).exp() * 0.1).sum(); }, {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::JacobianMismatch);
  REQUIRE(r.failing_node);
  CHECK(r.failing_node_name == "SquareWrongSignBackward");
  CHECK(r.failing_node->name() == "SquareWrongSignBackward");
  CHECK(contains(r.failing_node_why, "the only custom Function on the paths from output 0 to input 0"));
  CHECK(contains(r.message, "failing node: SquareWrongSignBackward"));
  CHECK(r.suspects.empty());
  // to_dot(result): the graph of fn, the blamed node highlighted, the verdict as the title.
  const std::string dot = to_dot(r);
  CHECK(count(dot, "penwidth=3") == 1);
  CHECK(contains(dot_line(dot, "SquareWrongSignBackward"), "penwidth=3"));
  CHECK_FALSE(contains(dot_line(dot, "ExpBackward0"), "penwidth"));
  CHECK(contains(dot, "label=\"gradcheck failed: JacobianMismatch\\nfailing node: SquareWrongSignBackward"));
  CHECK(contains(dot_line(dot, "ExpBackward0"), "result: Float64 [3]"));  // saved tensors still listed
  // The picture names it too.
  CHECK(contains(r.to_svg(), "Failing node: SquareWrongSignBackward"));
  TempDir dir("blame_dot");
  write_dot(r, (dir.path / "g.dot").string());
  CHECK(file_size_or_zero(dir.path / "g.dot") == dot.size());
  if (have("dot")) CHECK(run("dot -Tsvg '" + (dir.path / "g.dot").string() + "' -o /dev/null") == 0);
}

TEST_CASE("the only node between the output and the input is blamed, custom or not") {
  const Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r = gradcheck_report([](const tensor_list& in) { return half_grad(in[0]); }, {x}, kQuiet);
  REQUIRE(r.failing_node);
  CHECK(r.failing_node_name == "HalfGradBackward");
  CHECK(contains(r.failing_node_why, "the only node on the paths from output 0 to input 0"));
  // Two plain nodes on the path: neither is a custom Function, so both are suspects.
  r = gradcheck_report([](const tensor_list& in) { return half_grad(in[0]) * 2.0; }, {x}, kQuiet);
  CHECK_FALSE(r.failing_node);
  CHECK(r.suspects.size() == 2);
  CHECK(contains(r.message, "failing node: not determined"));
  CHECK(contains(r.message, "suspects: MulBackward1, HalfGradBackward"));
  const std::string dot = to_dot(r);
  CHECK(count(dot, "style=\"filled,dashed\"") == 2);
  CHECK(count(dot, "penwidth=3") == 0);
  // Three custom Functions on the path (an odd number of sign flips: the result is wrong): all
  // three are suspects, the built-in node between them is not.
  r = gradcheck_report(
      [](const tensor_list& in) {
        return SquareWrongSign::apply(SquareWrongSign::apply(SquareWrongSign::apply(in[0]) * 0.5));
      },
      {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::JacobianMismatch);
  CHECK_FALSE(r.failing_node);
  CHECK(r.suspects.size() == 3);
  CHECK(contains(r.failing_node_why, "3 custom Functions on the paths from output 0 to input 0"));
}

TEST_CASE("a gradient not scaled by grad_output is traced to the node that made it non-zero") {
  // Right Jacobian (grad_output 1 reaches it), but with zero grad_outputs it still gives 2x.
  const Tensor x = dvec({0.5, -1.5, 2});
  const GradcheckResult r = gradcheck_report(
      [](const tensor_list& in) { return SquareForgotGradOutput::apply((in[0] * 1.0).sum()) * 1.0; }, {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::NotMultipliedByGradOutput);
  REQUIRE(r.failing_node);
  CHECK(r.failing_node_name == "SquareForgotGradOutputBackward");
  CHECK(contains(r.failing_node_why, "received only zero gradients but passed a non-zero gradient on"));
  CHECK(contains(r.message, "failing node: SquareForgotGradOutputBackward"));
  // The watch hooks are gone: the graph's nodes run no extra hooks afterwards.
  const Tensor y = SquareForgotGradOutput::apply((x * 1.0).sum()) * 1.0;
  CHECK(grad({y}, {x})[0].defined());
}

TEST_CASE("a non-deterministic backward and one that throws on undefined gradients name their node") {
  const Tensor x = dvec({0.5, -1.5, 2});
  GradcheckResult r =
      gradcheck_report([](const tensor_list& in) { return SquareNondeterministic::apply(in[0]) * 3.0; }, {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::NonDeterministic);
  REQUIRE(r.failing_node);
  CHECK(r.failing_node_name == "SquareNondeterministicBackward");
  r = gradcheck_report([](const tensor_list& in) { return DoubleThrowsOnUndefined::apply(in[0]) * 1.0; }, {x}, kQuiet);
  REQUIRE(r.failure == GradcheckFailure::UndefinedGradThrows);
  REQUIRE(r.failing_node);
  CHECK(r.failing_node_name == "DoubleThrowsOnUndefinedBackward");
  CHECK(contains(r.failing_node_why, "whose backward threw"));
  CHECK(contains(r.message, "failing node: DoubleThrowsOnUndefinedBackward"));
  CHECK(contains(dot_line(to_dot(r), "DoubleThrowsOnUndefinedBackward"), "penwidth=3"));
}

TEST_CASE("a passing check blames nothing; its graph is still drawn; an empty result has none") {
  const Tensor x = dvec({0.5, -1.5, 2});
  const GradcheckResult r = gradcheck_report([](const tensor_list& in) { return (in[0] * in[0]).sum(); }, {x});
  CHECK(r.passed);
  CHECK_FALSE(r.failing_node);
  CHECK(r.failing_node_name.empty());
  REQUIRE(r.graph.size() == 1);
  const std::string dot = to_dot(r);
  CHECK(contains(dot, "gradcheck passed"));
  CHECK(contains(dot, "MulBackward0"));
  CHECK(count(dot, "penwidth") == 0);
  CHECK_THROWS_AS(to_dot(GradcheckResult{}), std::invalid_argument);
}
