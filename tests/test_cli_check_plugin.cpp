// `xgrad check --plugin`: the example plugin's right functions pass and its broken one fails
// with its diagnosis and exit status 1; every planted bug gradcheck names is named in the
// table; reports are written; unusable plugins are refused with a clear error.
#include <doctest/doctest.h>

#if !defined(XGRAD_CLI_PATH) || !defined(XGRAD_EXAMPLE_PLUGIN)
TEST_CASE("the xgrad CLI or the example plugin is not built in this configuration") {
  MESSAGE("XGRAD_CLI_PATH or XGRAD_EXAMPLE_PLUGIN is undefined: skipped");
}
#else

#include <string>
#include <vector>

#include "cli_run.hpp"

namespace {

// The table row of `name` (the line starting with it), or "".
std::string row_of(const std::string& out, const std::string& name) {
  for (const std::string& line : lines_of(out)) {
    if (line.rfind(name + " ", 0) == 0) return line;
  }
  return "";
}

}  // namespace

TEST_CASE("the example plugin: right functions pass, the broken one fails with its diagnosis, exit 1") {
  TempDir dir("check_example");
  const Output r = run_cli({"check", "--plugin", XGRAD_EXAMPLE_PLUGIN, "--report", dir / "reports"}, dir);
  INFO(r.out, r.err);
  CHECK(r.status == 1);
  CHECK(contains(r.out, "function"));
  CHECK(contains(r.out, "checks passed"));
  CHECK(contains(r.out, "worst error"));
  for (const char* ok : {"scaled_square", "mul_add", "log_softmax_rows"}) {
    const std::string row = row_of(r.out, ok);
    CHECK_MESSAGE(!row.empty(), ok);
    CHECK_MESSAGE(!contains(row, "failed"), row);
    CHECK_MESSAGE(contains(row, " -"), row);  // no diagnosis
  }
  const std::string bad = row_of(r.out, "scaled_square_buggy");
  CHECK(contains(bad, "gradcheck: constant factor: analytical = k x numerical with k = 0.5"));
  CHECK(contains(r.out, "3 of 4 functions passed"));
  const std::string report = read_file(dir.path / "reports" / "scaled_square_buggy.txt");
  CHECK(contains(report, "check_function scaled_square_buggy: FAILED"));
  CHECK(contains(report, "Jacobian mismatch for output 0 with respect to input 0"));
  CHECK(contains(read_file(dir.path / "reports" / "mul_add.txt"), "check_function mul_add: passed"));
  // The failing function also gets the picture of its Jacobians; a passing one does not.
  const std::string svg = read_file(dir.path / "reports" / "scaled_square_buggy.svg");
  CHECK(contains(svg, "<svg"));
  CHECK(contains(svg, "class=\"stage\" data-status=\"failed\""));  // check_function's own picture
  CHECK(contains(svg, "class=\"bad\""));                           // with the failing Jacobian
  CHECK(contains(read_file(dir.path / "reports" / "scaled_square_buggy.html"), "<svg"));
  // The backward graph, the custom Function blamed and highlighted.
  const std::string dot = read_file(dir.path / "reports" / "scaled_square_buggy.dot");
  CHECK(contains(dot, "failing node: ScaledSquareBuggyBackward"));
  CHECK(contains(dot, "penwidth=3"));
  CHECK(!std::filesystem::exists(dir.path / "reports" / "mul_add.svg"));
  CHECK(!std::filesystem::exists(dir.path / "reports" / "mul_add.dot"));
}

TEST_CASE("every planted bug is caught and named in the table") {
  TempDir dir("check_bugs");
  const Output r = run_cli({"check", "--plugin", XGRAD_BUGS_PLUGIN}, dir);
  INFO(r.out, r.err);
  CHECK(r.status == 1);
  CHECK(contains(row_of(r.out, "square_right"), " -"));
  CHECK(contains(row_of(r.out, "square_wrong_sign"), "gradcheck: wrong sign"));
  CHECK(contains(row_of(r.out, "square_missing_factor"), "gradcheck: constant factor"));
  CHECK(contains(row_of(r.out, "square_ignores_grad_output"), "gradcheck: backward ignores grad_output"));
  CHECK(contains(row_of(r.out, "square_disconnected"), "gradcheck: the analytical Jacobian is all zero"));
  CHECK(contains(row_of(r.out, "mul_swapped"), "gradcheck: gradient for the wrong input"));
  CHECK(contains(row_of(r.out, "matvec_transposed"), "gradcheck: transposed"));
  CHECK(contains(r.out, "1 of 7 functions passed"));
}

TEST_CASE("plugins that cannot be used are refused with a clear error") {
  TempDir dir("check_refused");
  const Output missing = run_cli({"check", "--plugin", dir / "libnothing.so"}, dir);
  CHECK(missing.status == 1);
  CHECK(contains(missing.err, "libnothing.so': no such file"));
  const Output unresolved = run_cli({"check", "--plugin", XGRAD_UNRESOLVED_PLUGIN}, dir);
  CHECK(unresolved.status == 1);
  CHECK_MESSAGE(contains(unresolved.err, "cannot load plugin"), unresolved.err);
  CHECK_MESSAGE(contains(unresolved.err, "xgrad_test_symbol_nobody_defines"), unresolved.err);
  const Output empty = run_cli({"check", "--plugin", XGRAD_EMPTY_PLUGIN}, dir);
  CHECK(empty.status == 1);
  CHECK_MESSAGE(contains(empty.err, "registers no checks"), empty.err);
  const Output not_a_library = run_cli({"check", "--plugin", dir.write("fake.so", "not an ELF file")}, dir);
  CHECK(not_a_library.status == 1);
  CHECK_MESSAGE(contains(not_a_library.err, "cannot load plugin"), not_a_library.err);
}

#endif
