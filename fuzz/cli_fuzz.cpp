// Fuzzes the option parsing of the `xgrad` program: the input is a command line, one argument
// per line (after the program name). It goes through CLI11 exactly as in main() and, for
// `train`, through the checks run before any data is read. A bad command line must end in a
// CLI::Error (which main() prints with usage) or std::invalid_argument, with a message.
// Paths in the seeds are relative to the source tree, where the fuzzer runs.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../cli/commands.hpp"
#include "../cli/table.hpp"
#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xgrad::cli;
  std::vector<std::string> args{"xgrad"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  if (!current.empty()) args.push_back(current);
  if (args.size() > 64) return 0;  // nothing new past a few dozen arguments
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());

  CLI::App app;
  CommandLine line;
  add_commands(app, line);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::Error& e) {
    // --help and --version are "errors" too (exit code 0); main() prints e.what() or the help.
    if (e.get_exit_code() != 0) xgrad::fuzz::require_message(e.what());
    return 0;
  }
  int chosen = 0;
  for (CLI::App* cmd : {line.train_cmd, line.eval_cmd, line.demo_cmd}) chosen += static_cast<bool>(*cmd);
  if (chosen != 1) std::abort();  // require_subcommand(1) must hold after a successful parse
  try {
    if (*line.train_cmd) {
      check_train_options(line.train);
      parse_header_mode(line.train.header);
      parse_delimiter(line.train.delimiter);
    } else if (*line.eval_cmd) {
      parse_header_mode(line.eval.header);
      parse_delimiter(line.eval.delimiter);
    }
  } catch (const std::invalid_argument& e) {
    xgrad::fuzz::require_message(e.what());
  }
  return 0;
}
