// check_function's own picture (CheckResult::to_svg / to_html / write_*): a row per stage, the
// failing gradient stage's heatmaps and node; rendered by rsvg-convert when installed.
#include <doctest/doctest.h>

#include <xgrad/testing.hpp>
#include <xgrad/xgrad.hpp>

#include "render_checks.hpp"
#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::autograd;

namespace {

struct SquareWrongSign : Function<SquareWrongSign> {  // d(x^2) given as -2x
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    return {g[0] * ctx->get_saved_variables()[0] * -2.0};
  }
};

std::size_t count(const std::string& s, const std::string& part) {
  std::size_t n = 0;
  for (auto at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("check_function's picture: a row per stage, the failing stage's heatmaps and node") {
  using namespace xgrad::testing;
  const CheckResult bad =
      check_function([](const tensor_list& in) { return SquareWrongSign::apply(in[0]); },
                     {tensor(std::vector<double>{0.5, -1.5, 2})}, CheckOptions().name("square<&>").second_order(false));
  REQUIRE_FALSE(bad.ok());
  const std::string svg = bad.to_svg();
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(count(svg, "class=\"stage\"") == bad.stages.size());
  CHECK(count(svg, "data-status=\"failed\"") == bad.failed());
  CHECK(count(svg, "data-status=\"skipped\"") == bad.skipped());
  CHECK(contains(svg, "check_function square&lt;&amp;&gt;: FAILED"));
  CHECK(contains(svg, "Failing stage: gradcheck"));
  CHECK(count(svg, "class=\"stage-picture\"") == 1);
  CHECK(contains(svg, "class=\"bad\""));  // the heatmap's failing cells
  CHECK(contains(svg, "[node SquareWrongSignBackward]"));
  check_renders(svg, "check_function_bad");
  const std::string html = bad.to_html();
  CHECK(contains(html, "<svg"));
  CHECK(contains(html, "check_function square&lt;&amp;&gt;: FAILED"));  // report(), escaped
  CHECK(count(html, "<pre>") == 1);
  TempDir dir("check_result");
  bad.write_svg((dir.path / "r.svg").string());
  bad.write_html((dir.path / "r.html").string());
  CHECK(file_size_or_zero(dir.path / "r.svg") == svg.size());
  CHECK(file_size_or_zero(dir.path / "r.html") == html.size());
  CHECK_THROWS(bad.write_svg((dir.path / "missing" / "r.svg").string()));
  // A passing check: every row passed or skipped, no heatmap section.
  const CheckResult good =
      check_function([](const tensor_list& in) { return in[0] * in[0]; }, {tensor(std::vector<double>{0.5, -1.5, 2})});
  REQUIRE(good.ok());
  const std::string ok_svg = good.to_svg();
  CHECK(contains(ok_svg, ": PASSED"));
  CHECK(count(ok_svg, "data-status=\"failed\"") == 0);
  CHECK_FALSE(contains(ok_svg, "Failing stage"));
  check_renders(ok_svg, "check_function_good");
}
