// xgrad: train and evaluate models on CSV files, and the demo. See `xgrad --help`.
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "interrupt.hpp"

int main(int argc, char** argv) {
  using namespace xgrad::cli;
  CLI::App app{"xgrad: reverse-mode automatic differentiation in C++ -- train an MLP on any numeric CSV, "
               "evaluate it, or run the demo."};
  app.require_subcommand(1);
  TrainArgs train;
  EvalArgs eval;
  DemoArgs demo;
  CLI::App* train_cmd = add_train_command(app, train);
  CLI::App* eval_cmd = add_eval_command(app, eval);
  CLI::App* demo_cmd = add_demo_command(app, demo);
  // Set after the subcommands, which would otherwise inherit it.
  app.footer("Examples:\n"
             "  xgrad demo\n"
             "  xgrad train --data data/iris.csv --model mlp:16 --epochs 50 --save out/iris.safetensors\n"
             "  xgrad eval --model out/iris.safetensors --data data/iris.csv\n"
             "Run `xgrad COMMAND --help` for the options of a command.");
  CLI11_PARSE(app, argc, argv);

  install_interrupt_handler();
  try {
    if (*train_cmd) return run_train(train);
    if (*eval_cmd) return run_eval(eval);
    if (*demo_cmd) return run_demo(demo);
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "xgrad: error: " << e.what() << "\n";
    return 1;
  }
  return 1;
}
