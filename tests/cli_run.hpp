// Running the `xgrad` program as a child process the way a user runs it, for the CLI tests:
// a scratch directory per test case, the exit status and the captured stdout and stderr.
#pragma once
#include <doctest/doctest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace xgrad_cli_test {

namespace fs = std::filesystem;
inline const std::string kData = std::string(XGRAD_SOURCE_DIR) + "/datasets/";

struct Output {
  int status = -1;  // the exit code, or 128 + the signal that ended the program
  std::string out, err;
};

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh scratch directory per test case, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / ("xgrad_test_cli_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string operator/(const std::string& file) const { return (path / file).string(); }
  std::string write(const std::string& file, const std::string& contents) const {
    std::ofstream(path / file) << contents;
    return (path / file).string();
  }
};

inline int decode(int wstatus) { return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus); }

inline std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Runs `xgrad args...` to completion with stdout and stderr captured.
inline Output run_cli(std::vector<std::string> args, const TempDir& dir) {
  args.insert(args.begin(), XGRAD_CLI_PATH);
  const std::string out_path = dir / ".stdout", err_path = dir / ".stderr";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  auto argv = argv_of(args);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE_MESSAGE(rc == 0, "cannot start " << argv[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  return {decode(wstatus), read_file(out_path), read_file(err_path)};
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  return lines;
}

// The number after `key` in `text` (e.g. "accuracy: " -> 0.97); NaN when absent.
inline double number_after(const std::string& text, const std::string& key) {
  const auto pos = text.find(key);
  return pos == std::string::npos ? std::nan("") : std::stod(text.substr(pos + key.size()));
}

}  // namespace xgrad_cli_test

using namespace xgrad_cli_test;
