// gradcheck's picture (GradcheckResult::to_svg / to_html / write_*) and the backward graph as
// DOT (autograd::to_dot): planted bugs mark exactly the cells they break, the documents parse in
// real renderers (rsvg-convert, Graphviz's dot), labels cannot inject markup.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <utility>

#include <xgrad/xgrad.hpp>

#include "render_checks.hpp"
#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::autograd;
namespace fs = std::filesystem;

namespace {

using Cell = std::pair<std::int64_t, std::int64_t>;
using Cells = std::set<Cell>;

Tensor dvec(std::vector<double> v, const Shape& shape = {}) { return tensor(v, shape).requires_grad_(); }
const GradcheckOptions kQuiet = GradcheckOptions().raise_exception(false);

// ---- planted bugs -----------------------------------------------------------------------------
struct SquareWrongSign : Function<SquareWrongSign> {  // d(x^2) given as -2x
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * -2.0};
  }
};
struct SquareMissingFactor : Function<SquareMissingFactor> {  // d(x^2) given as x
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) { return {g[0] * ctx->get_saved_variables()[0]}; }
};
// y = X * C on a square matrix; backward returns the gradient transposed.
struct ScaleTransposedGrad : Function<ScaleTransposedGrad> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& c) {
    ctx->save_for_backward({c});
    return x * c;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {transpose(g[0] * ctx->get_saved_variables()[0], 0, 1), Tensor()};
  }
};
// y = 3 x on a vector; backward shifts the gradient by one element (off by one).
struct TripleShifted : Function<TripleShifted> {
  static Tensor forward(AutogradContext*, const Tensor& x) { return x * 3.0; }
  static tensor_list backward(AutogradContext*, tensor_list g) {
    const std::int64_t n = g[0].size(0);
    return {cat({g[0].slice(0, 1, n), g[0].slice(0, 0, 1)}, 0) * 3.0};
  }
};

// The cells the SVG marks, per pair: (data-r, data-c) of every rect of class "bad".
std::map<std::size_t, Cells> marked(const std::string& svg) {
  static const std::regex re(R"re(class="bad" data-pair="(\d+)" data-r="(\d+)" data-c="(\d+)")re");
  std::map<std::size_t, Cells> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it) {
    out[std::stoul((*it)[1])].insert({std::stoll((*it)[2]), std::stoll((*it)[3])});
  }
  return out;
}

Cells diagonal(std::int64_t n) {
  Cells c;
  for (std::int64_t i = 0; i < n; ++i) c.insert({i, i});
  return c;
}

GradcheckResult check_unary(Tensor (*apply)(const Tensor&), const Tensor& x) {
  return gradcheck_report([apply](const tensor_list& in) { return apply(in[0]); }, {x}, kQuiet);
}

}  // namespace

TEST_CASE("a wrong sign and a missing factor mark the diagonal, and only the diagonal") {
  const Tensor x = dvec({0.5, -1.5, 2, 1});
  for (auto apply : {+[](const Tensor& t) { return SquareWrongSign::apply(t); },
                     +[](const Tensor& t) { return SquareMissingFactor::apply(t); }}) {
    const GradcheckResult r = check_unary(apply, x);
    REQUIRE_FALSE(r.passed);
    const std::string svg = r.to_svg();
    const auto m = marked(svg);
    REQUIRE(m.count(0) == 1);
    CHECK(m.at(0) == diagonal(4));
    CHECK(contains(svg, "gradcheck FAILED: JacobianMismatch"));
    CHECK(contains(svg, "Diagnosis: "));
    CHECK(contains(svg, gradcheck_diagnosis_name(r.first_failure()->diagnosis)));
    check_renders(svg, "sign_or_factor");
  }
}

TEST_CASE("a transposed gradient marks the transposed off-diagonal cells") {
  const Tensor x = dvec({1, 2, 3, 4}, {2, 2});
  const Tensor c = tensor(std::vector<double>{0.5, -1, 2, 3}, {2, 2});
  const GradcheckResult r =
      gradcheck_report([](const tensor_list& in) { return ScaleTransposedGrad::apply(in[0], in[1]); }, {x, c}, kQuiet);
  REQUIRE_FALSE(r.passed);
  CHECK(r.first_failure()->diagnosis == GradcheckDiagnosis::Transposed);
  // J = diag(C) over the flattened [2, 2]; backward puts x[0,1]'s entry at x[1,0] and back.
  const Cells expected{{1, 1}, {2, 2}, {1, 2}, {2, 1}};
  CHECK(marked(r.to_svg()).at(0) == expected);
  // Rows and columns carry two-dimensional element indices.
  CHECK(contains(r.to_svg(), ">[1,0]</text>"));
  check_renders(r.to_svg(), "transposed");
}

TEST_CASE("an off-by-one gradient marks the diagonal and the shifted cells") {
  const GradcheckResult r = check_unary(
      +[](const Tensor& t) { return TripleShifted::apply(t); }, dvec({1, 2, 3, 4, 5}));
  REQUIRE_FALSE(r.passed);
  Cells expected = diagonal(5);
  // grad_x[i] = 3 g[i + 1 mod 5]: analytical entry (row i, column i + 1 mod 5) is 3.
  for (std::int64_t i = 0; i < 5; ++i) expected.insert({i, (i + 1) % 5});
  CHECK(marked(r.to_svg()).at(0) == expected);
}

TEST_CASE("a passing check draws its pairs without marks") {
  const Tensor a = dvec({1, 2, 3}), b = dvec({-0.5, 0.25, 4});
  const GradcheckResult r = gradcheck_report([](const tensor_list& in) { return in[0] * in[1]; }, {a, b}, kQuiet);
  REQUIRE(r.passed);
  const std::string svg = r.to_svg();
  CHECK(marked(svg).empty());
  CHECK(contains(svg, "gradcheck PASSED"));
  CHECK(contains(svg, "w.r.t. input 1"));
  check_renders(svg, "passed");
}

TEST_CASE("a large Jacobian is drawn in blocks and the file stays small") {
  // Two inputs and two outputs of 300 elements, every entry of every pair failing: the worst case.
  const Tensor a = dvec(std::vector<double>(300, 1.5)), b = dvec(std::vector<double>(300, -0.5));
  auto f = [](const tensor_list& in) {
    return tensor_list{SquareWrongSign::apply(in[0] + in[1]), SquareWrongSign::apply(in[0] - in[1]) * 2.0};
  };
  const GradcheckResult r = gradcheck_report(f, {a, b}, kQuiet);
  REQUIRE_FALSE(r.passed);
  const std::string svg = r.to_svg();
  CHECK(svg.size() < 3'000'000);
  CHECK(contains(svg, "downsampled: each cell is a 8 x 8 block"));
  const auto m = marked(svg);
  CHECK(m.size() == 4);
  // The diagonal blocks are marked, at the first row and column each block covers.
  CHECK(m.at(0).count({0, 0}) == 1);
  CHECK(m.at(0).count({296, 296}) == 1);
  CHECK(m.at(0).count({0, 8}) == 0);
  check_renders(svg, "large");
}

TEST_CASE("failures other than a Jacobian mismatch put the report's words at the top") {
  struct IgnoresGradOutput : Function<IgnoresGradOutput> {
    static Tensor forward(AutogradContext*, const Tensor& x) { return x * 2.0; }
    static tensor_list backward(AutogradContext*, tensor_list g) { return {g[0] * 2.0 + 1.0}; }
  };
  const GradcheckResult r = check_unary(
      +[](const Tensor& t) { return IgnoresGradOutput::apply(t); }, dvec({1, 2}));
  REQUIRE_FALSE(r.passed);
  const std::string svg = r.to_svg();
  CHECK(contains(svg, gradcheck_failure_name(r.failure)));
  check_renders(svg, "other_failure");
}

TEST_CASE("the HTML page embeds the picture and the escaped text report") {
  const GradcheckResult r = check_unary(
      +[](const Tensor& t) { return SquareMissingFactor::apply(t); }, dvec({0.5, -1.5}));
  const std::string html = r.to_html();
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(contains(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  CHECK(contains(html, "<pre>Jacobian mismatch for output 0 with respect to input 0"));
  CHECK(contains(html, "</html>"));
  CHECK_FALSE(contains(html, "<?xml"));
  // The embedded SVG is a document on its own.
  const auto from = html.find("<svg"), to = html.find("</svg>");
  REQUIRE(to != std::string::npos);
  check_renders(html.substr(from, to + 6 - from), "from_html");
}

TEST_CASE("write_svg and write_html write the documents atomically, and report what they cannot write") {
  const GradcheckResult r = check_unary(
      +[](const Tensor& t) { return SquareMissingFactor::apply(t); }, dvec({0.5, -1.5}));
  TempDir dir("write");
  const fs::path svg = dir.path / "r.svg", html = dir.path / "r.html";
  r.write_svg(svg.string());
  r.write_html(html.string());
  std::stringstream s1, s2;
  s1 << std::ifstream(svg).rdbuf();
  s2 << std::ifstream(html).rdbuf();
  CHECK(s1.str() == r.to_svg());
  CHECK(s2.str() == r.to_html());
  CHECK_THROWS_AS(r.write_svg(dir.path.string()), WriteError);  // a directory is never replaced
}

// ---- to_dot -------------------------------------------------------------------------------------

namespace {

// A node whose name tries to break out of its DOT label (and an XML one, once rendered).
struct EvilNameBackward final : Node {
  std::string name() const override { return "Evil\"]; injected -> x; y [label=\"<b>\\\n"; }
  tensor_list apply(tensor_list&& g) override { return {g[0]}; }
};

Tensor evil(const Tensor& x) {
  Tensor out = x.detach().clone();
  record<EvilNameBackward>({&x}, out);
  return out;
}

std::size_t count(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

// Runs `dot -Tsvg` on the text when Graphviz is installed; returns its SVG ("" when absent).
std::string dot_svg(const std::string& dot, const std::string& name) {
  if (!have("dot")) {
    MESSAGE("Graphviz's dot is not installed: the DOT text of '" << name << "' is checked for structure only");
    return "";
  }
  TempDir dir("dot_" + name);
  std::ofstream(dir.path / "g.dot") << dot;
  const std::string cmd = "dot -Tsvg '" + (dir.path / "g.dot").string() + "' -o '" + (dir.path / "g.svg").string() +
                          "' 2>'" + (dir.path / "err").string() + "'";
  CHECK(run(cmd) == 0);
  std::stringstream s;
  s << std::ifstream(dir.path / "g.svg").rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("to_dot draws nodes, leaves, saved tensors and the gradient's direction") {
  const Tensor w = dvec({1, 2, 3}), x = dvec({4, 5, 6});
  const Tensor c = tensor(std::vector<double>{0.5, -1, 2, 3}, {2, 2});
  const Tensor m = ScaleTransposedGrad::apply(dvec({1, 2, 3, 4}, {2, 2}), c);
  const Tensor y = (w * x).sum() + m.sum();
  DotOptions options;
  options.highlight = {"ScaleTransposedGradBackward"};
  const std::string dot = to_dot(y, options);
  CHECK(dot.rfind("digraph", 0) == 0);
  CHECK(contains(dot, "MulBackward0\\nself: Float64 [3]\\nother: Float64 [3]"));
  CHECK(contains(dot, "ScaleTransposedGradBackward\\nsaved[0]: Float64 [2, 2]"));
  CHECK(count(dot, "AccumulateGrad\\nFloat64 [3]") == 2);
  CHECK(count(dot, "AccumulateGrad\\nFloat64 [2, 2]") == 1);  // c does not require grad: no leaf
  CHECK(count(dot, "penwidth=3") == 1);                       // the highlighted node
  CHECK(contains(dot, "output [label=\"output\\nFloat64 []\""));
  CHECK(contains(dot, "output -> n0;"));
  // 1 output + AddBackward0 + 2 SumBackward0 + MulBackward0 + the custom node + 3 leaves.
  const std::string svg = dot_svg(dot, "graph");
  if (!svg.empty()) CHECK(count(svg, "class=\"node\"") == 9);
  // After a backward without retain_graph the saved tensors are freed, and shown so.
  y.backward();
  CHECK(contains(to_dot(y), "self: (freed)"));
}

TEST_CASE("to_dot escapes names, so a node cannot inject graph syntax") {
  const Tensor x = dvec({1, 2});
  const Tensor y = evil(x * 2.0).sum();
  DotOptions options;
  options.highlight_nodes = {y.grad_fn()->next_edges()[0].function.get()};
  const std::string dot = to_dot(y, options);
  CHECK(contains(dot, "Evil\\\"]; injected -> x; y [label=\\\"<b>\\\\\\n"));
  CHECK(count(dot, "penwidth=3") == 1);
  // Exactly the graph's nodes: output, SumBackward0, the evil node, MulBackward0, x's leaf.
  const std::string svg = dot_svg(dot, "evil");
  if (!svg.empty()) {
    CHECK(count(svg, "class=\"node\"") == 5);
    CHECK_FALSE(contains(svg, "<b>"));  // the label's markup is text in Graphviz's SVG
    check_renders(svg, "dot_evil");
  }
}

TEST_CASE("to_dot of a leaf, of a tensor without history, and of an undefined tensor") {
  CHECK(contains(to_dot(dvec({1, 2})), "AccumulateGrad\\nFloat64 [2]"));
  const std::string plain = to_dot(tensor(std::vector<double>{1, 2}));
  CHECK(contains(plain, "output [label="));
  CHECK_FALSE(contains(plain, "->"));
  CHECK_THROWS_AS(to_dot(Tensor()), std::invalid_argument);
  // A long chain is walked without recursion and cut at max_nodes.
  Tensor t = dvec({1});
  for (int i = 0; i < 5000; ++i) t = t * 1.0;
  DotOptions small;
  small.max_nodes = 100;
  const std::string cut = to_dot(t, small);
  CHECK(contains(cut, "graph cut at 100 nodes"));
  CHECK(count(cut, "[label=\"MulBackward") == 100);
  TempDir dir("write_dot");
  write_dot(t, (dir.path / "g.dot").string(), small);
  CHECK(file_size_or_zero(dir.path / "g.dot") == cut.size());
}
