// `xgrad check --plugin libmyops.so [--report DIR]`: loads a shared library whose functions are
// registered with XGRAD_REGISTER_CHECK (testing/registry.hpp), runs check_function on each and
// prints a table; exits 1 when any function fails or the plugin cannot be used.
//
// The plugin registers into this program's registry: the program exports libxgrad's symbols
// (cli/CMakeLists.txt links all of it and uses -rdynamic), so a plugin built against the xgrad
// headers alone resolves them here when loaded, and its checks run on this program's engine.
#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <xgrad/autograd/dot.hpp>
#include <xgrad/autograd/format.hpp>
#include <xgrad/testing.hpp>

#include "commands.hpp"

namespace xgrad::cli {

CLI::App* add_check_command(CLI::App& app, CheckArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Run every gradient check (xgrad::testing::check_function) on the functions a shared library registers "
      "with XGRAD_REGISTER_CHECK; exits 1 if any fails");
  cmd->add_option("--plugin", a.plugin, "The shared library (.so) with the registered functions")->required();
  cmd->add_option("--report", a.report, "Directory for one report per function (NAME.txt)");
  cmd->add_option("--seed", a.seed, "Seed of the example inputs")->capture_default_str();
  return cmd;
}

namespace {

struct Row {
  std::string name, passed, worst, diagnosis;
  bool ok = false;
};

// Loads the plugin; returns the checks it registered. Throws std::runtime_error with the reason.
std::vector<testing::RegisteredCheck> load_plugin(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw std::runtime_error("plugin '" + path + "': no such file");
  }
  auto& registry = testing::registered_checks();
  const std::size_t before = registry.size();
  // Never closed: the registered functions live in the library's code.
  void* handle = dlopen(fs::absolute(path).c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw std::runtime_error("cannot load plugin '" + path + "': " + (why ? why : "unknown error") +
                             " (an undefined symbol means the plugin was built against another xgrad, or needs a "
                             "library the program does not have)");
  }
  if (registry.size() == before) {
    throw std::runtime_error("plugin '" + path +
                             "' registers no checks: register functions with XGRAD_REGISTER_CHECK(name, fn, "
                             "{{shape of input 0}, ...}) from <xgrad/testing.hpp>");
  }
  return {registry.begin() + static_cast<std::ptrdiff_t>(before), registry.end()};
}

Row run_one(const testing::RegisteredCheck& check, std::uint64_t seed, const std::string& report_dir) {
  Row row{check.name, "", "", "", false};
  std::string report;
  try {
    const testing::CheckResult r = testing::run_registered_check(check, seed);
    row.ok = r.ok();
    row.passed = std::to_string(r.passed()) + "/" + std::to_string(r.passed() + r.failed()) +
                 (r.skipped() ? " (" + std::to_string(r.skipped()) + " skipped)" : "");
    row.worst = num_str(r.worst_error());
    row.diagnosis = r.ok() ? "-" : r.diagnosis();
    report = r.report();
    // Next to the text report: the picture of every stage with the failing stage's Jacobians,
    // and the failing gradient stage's backward graph with the blamed node highlighted.
    if (!r.ok() && !report_dir.empty()) {
      const std::filesystem::path dir(report_dir);
      r.write_html((dir / (check.name + ".html")).string());
      r.write_svg((dir / (check.name + ".svg")).string());
      const auto* g = r.first_failed_gradcheck();
      if (g && !g->graph.empty()) autograd::write_dot(*g, (dir / (check.name + ".dot")).string());
    }
  } catch (const std::exception& e) {
    row.passed = "0/1";
    row.worst = "-";
    row.diagnosis = std::string("threw: ") + e.what();
    report = "check_function " + check.name + ": FAILED\n" + row.diagnosis + "\n";
  }
  if (!report_dir.empty()) std::ofstream(std::filesystem::path(report_dir) / (check.name + ".txt")) << report;
  return row;
}

void print_table(const std::vector<Row>& rows) {
  std::size_t w0 = 8, w1 = 13, w2 = 11;
  for (const Row& r : rows) {
    w0 = std::max(w0, r.name.size());
    w1 = std::max(w1, r.passed.size());
    w2 = std::max(w2, r.worst.size());
  }
  auto line = [&](const std::string& a, const std::string& b, const std::string& c, const std::string& d) {
    std::cout << std::left << std::setw(int(w0)) << a << "  " << std::setw(int(w1)) << b << "  " << std::setw(int(w2))
              << c << "  " << d << "\n";
  };
  line("function", "checks passed", "worst error", "diagnosis");
  for (const Row& r : rows) line(r.name, r.passed, r.worst, r.diagnosis);
}

}  // namespace

int run_check(const CheckArgs& a) {
  const std::vector<testing::RegisteredCheck> checks = load_plugin(a.plugin);
  if (!a.report.empty()) std::filesystem::create_directories(a.report);
  std::vector<Row> rows;
  std::size_t failed = 0;
  for (std::size_t i = 0; i < checks.size(); ++i) {
    rows.push_back(run_one(checks[i], a.seed + i, a.report));
    failed += rows.back().ok ? 0 : 1;
  }
  print_table(rows);
  std::cout << "\n" << checks.size() - failed << " of " << checks.size() << " functions passed";
  if (!a.report.empty()) std::cout << "; reports in " << a.report;
  std::cout << "\n";
  return failed ? 1 : 0;
}

}  // namespace xgrad::cli
