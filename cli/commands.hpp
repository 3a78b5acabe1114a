// The subcommands of the `xgrad` program: each registers its options on a CLI11 app and runs.
// Each run function returns the process exit status: 0 on success, 1 on an error (the message
// has been printed to stderr), 130 when the run was stopped by Ctrl-C after saving its results.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace xgrad::cli {

struct TrainArgs {
  std::string data;
  std::int64_t target_column = -1;
  std::string task = "auto", header = "auto", delimiter = "auto";
  std::string model = "mlp:64", activation = "relu", optimizer = "adam";
  std::optional<double> lr;
  double momentum = 0, weight_decay = 0;
  std::int64_t batch_size = 32, epochs = 20;
  std::uint64_t seed = 0;
  double val_split = 0.2;
  std::string save, plot, log;
  std::string progress = "auto";
};
CLI::App* add_train_command(CLI::App& app, TrainArgs& args);
int run_train(const TrainArgs& args);

struct EvalArgs {
  std::string model, data;
  std::string header, delimiter;  // empty: as the model was trained
  std::optional<std::int64_t> target_column;
  std::string split = "all";  // all, train or validation: the rows of the split stored in the model
};
CLI::App* add_eval_command(CLI::App& app, EvalArgs& args);
int run_eval(const EvalArgs& args);

struct DemoArgs {
  std::string out = "out";
  std::string data;    // default: datasets/digits.csv.gz here, else in the source tree
  double budget = 25;  // seconds of training per run
  std::string progress = "auto";
};
CLI::App* add_demo_command(CLI::App& app, DemoArgs& args);
int run_demo(const DemoArgs& args);

struct CheckArgs {
  std::string plugin;  // the shared library with XGRAD_REGISTER_CHECK functions
  std::string report;  // directory for the per-function reports ("" = none)
  std::uint64_t seed = 0;
};
CLI::App* add_check_command(CLI::App& app, CheckArgs& args);
int run_check(const CheckArgs& args);

// --header and --delimiter, shared by train and eval (whose defaults are the model's).
void add_csv_options(CLI::App& cmd, std::string& header, std::string& delimiter, bool training);

// "auto" (a bar on a terminal, plain lines otherwise), "bar" or "plain".
bool live_progress(const std::string& mode);

// The train options CLI11 cannot check (the --model text; the optimizer's options), checked
// before any data is read so that mistakes show at once. Throws std::invalid_argument.
struct TrainPlan {
  std::vector<std::int64_t> hidden;  // hidden layer sizes from --model
  double lr = 0;                     // --lr or the optimizer's default
};
TrainPlan check_train_options(const TrainArgs& args);

// The whole command line: the program's description, the subcommands and their options
// registered on `app`; app.parse(...) then fills the args and marks the chosen subcommand.
// CLI11 keeps pointers into this struct: it must outlive the parse and stay where it is.
struct CommandLine {
  TrainArgs train;
  EvalArgs eval;
  DemoArgs demo;
  CheckArgs check;
  CLI::App* train_cmd = nullptr;
  CLI::App* eval_cmd = nullptr;
  CLI::App* demo_cmd = nullptr;
  CLI::App* check_cmd = nullptr;
};
void add_commands(CLI::App& app, CommandLine& line);

}  // namespace xgrad::cli
