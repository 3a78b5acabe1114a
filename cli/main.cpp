// xgrad: train and evaluate models on CSV files, and the demo. See `xgrad --help`.
// Under mpirun (xgrad built with MPI), `xgrad train` trains data-parallel: see parallel.hpp.
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "interrupt.hpp"
#include "parallel.hpp"

int main(int argc, char** argv) {
  using namespace xgrad::cli;
  CLI::App app;
  CommandLine line;
  add_commands(app, line);
  CLI11_PARSE(app, argc, argv);

  // Only the commands that train have a "current batch" to finish; eval stops at once.
  if (*line.train_cmd || *line.demo_cmd) install_interrupt_handler();
  const auto dispatch = [&] {
    if (*line.train_cmd) return run_train(line.train);
    if (*line.eval_cmd) return run_eval(line.eval);
    if (*line.demo_cmd) return run_demo(line.demo);
    if (*line.check_cmd) return run_check(line.check);
    return 1;
  };
  return run_maybe_distributed(&argc, &argv, [&] {
    // Distributed: rank 0 alone prints; an exception goes to run_or_abort, which ends the job
    // (returning 1 here would leave the other ranks waiting for this one).
    if (current_parallel().distributed()) {
      if (!current_parallel().is_main()) {
        if (*line.eval_cmd) return 0;  // evaluation is not split: rank 0 does it alone
        if (!std::freopen("/dev/null", "w", stdout)) std::cout.setstate(std::ios::badbit);
      }
      return dispatch();
    }
    try {
      return dispatch();
    } catch (const std::exception& e) {
      std::cout.flush();
      std::cerr << "xgrad: error: " << e.what() << "\n";
      return 1;
    }
  });
}
