// Helpers for tests that write files and render pictures: a scratch directory, whether a tool
// is installed, and a check that an SVG renders to a PNG with rsvg-convert.
#pragma once
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace render_checks {
namespace fs = std::filesystem;

// A scratch directory, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("xgrad_test_report_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline bool have(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}
inline bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && std::string(ci) == "true";
}
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
inline std::uintmax_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

// Renders `svg` with rsvg-convert (must exist in CI) and checks a plausible PNG came out.
inline void check_renders(const std::string& svg, const std::string& name) {
  if (!have("rsvg-convert")) {
    REQUIRE_MESSAGE(!in_ci(), "rsvg-convert (librsvg2-bin) is missing, but CI=true: scripts/setup.sh installs it");
    MESSAGE("rsvg-convert not installed (apt-get install librsvg2-bin): the SVG '" << name << "' is not rendered");
    return;
  }
  TempDir dir("render_" + name);
  const fs::path in = dir.path / (name + ".svg"), out = dir.path / (name + ".png");
  std::ofstream(in) << svg;
  CHECK(run("rsvg-convert -o '" + out.string() + "' '" + in.string() + "' 2>'" + (dir.path / "err").string() + "'") ==
        0);
  const auto png = file_size_or_zero(out);
  CAPTURE(name);
  CHECK(png > 2000);
  std::ifstream f(out, std::ios::binary);
  char magic[8] = {};
  f.read(magic, 8);
  CHECK(std::string(magic + 1, 3) == "PNG");
}

}  // namespace render_checks

using render_checks::check_renders;
using render_checks::file_size_or_zero;
using render_checks::have;
using render_checks::in_ci;
using render_checks::run;
using render_checks::TempDir;
