// The `xgrad` command line as a whole: the program's help text and its subcommands.
#include "commands.hpp"

namespace xgrad::cli {

void add_commands(CLI::App& app, CommandLine& line) {
  app.description(
      "xgrad: reverse-mode automatic differentiation in C++ -- train an MLP on any numeric CSV, "
      "evaluate it, run the demo, or check the gradients of a plugin's functions.");
  app.require_subcommand(1);
  line.train_cmd = add_train_command(app, line.train);
  line.eval_cmd = add_eval_command(app, line.eval);
  line.demo_cmd = add_demo_command(app, line.demo);
  line.check_cmd = add_check_command(app, line.check);
  // Set after the subcommands, which would otherwise inherit it.
  app.footer(
      "Examples:\n"
      "  xgrad demo\n"
      "  xgrad train --data datasets/iris.csv --model mlp:16 --epochs 50 --save out/iris.safetensors\n"
      "  xgrad eval --model out/iris.safetensors --data datasets/iris.csv\n"
      "  xgrad check --plugin ./libmyops.so --report out/checks\n"
      "Run `xgrad COMMAND --help` for the options of a command.");
}

}  // namespace xgrad::cli
