// xgrad: train and evaluate models on CSV files, and the demo. See `xgrad --help`.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "interrupt.hpp"

int main(int argc, char** argv) {
  using namespace xgrad::cli;
  CLI::App app;
  CommandLine line;
  add_commands(app, line);
  CLI11_PARSE(app, argc, argv);

  // Only the commands that train have a "current batch" to finish; eval stops at once.
  if (*line.train_cmd || *line.demo_cmd) install_interrupt_handler();
  try {
    if (*line.train_cmd) return run_train(line.train);
    if (*line.eval_cmd) return run_eval(line.eval);
    if (*line.demo_cmd) return run_demo(line.demo);
    if (*line.check_cmd) return run_check(line.check);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "xgrad: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
