// `xgrad train`: an MLP on any numeric CSV, with per-epoch metrics, plot, log and saved model.
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>

#include <xgrad/autograd/ops.hpp>
#include <xgrad/autograd/tensor.hpp>
#include <xgrad/data/csv.hpp>
#include <xgrad/data/dataset.hpp>

#include "commands.hpp"
#include "file_options.hpp"
#include "interrupt.hpp"
#include "model.hpp"
#include "number_checks.hpp"
#include "parallel.hpp"
#include "progress.hpp"
#include "split.hpp"
#include "svg_plot.hpp"
#include "trainer.hpp"

namespace xgrad::cli {

bool live_progress(const std::string& mode) { return mode == "bar" || (mode == "auto" && stdout_is_terminal()); }

namespace {
// A CLI11 validator: "" when `v` is a usable --delimiter, else why not.
std::string check_delimiter(const std::string& v) {
  const bool one = v.size() == 1 && !std::isalnum(static_cast<unsigned char>(v[0])) &&
                   std::string("\".+-").find(v) == std::string::npos;  // a character of a number or quote
  if (v == "auto" || v == "tab" || one) return "";
  return "expected auto, tab or one character that cannot be part of a number, got '" + v + "'";
}
}  // namespace

void add_csv_options(CLI::App& cmd, std::string& header, std::string& delimiter, bool training) {
  // The rule of looks_like_header (table.hpp), stated whole so that users can predict it.
  const std::string rule =
      "Is the first line a header? auto: yes when it has a cell that is neither a number nor a missing value "
      "and most of its cells are such names, or it has another number of cells than the next line, or its "
      "target cell is a name above a number";
  const std::string as_trained = training ? "" : " (default: as given to train)";
  CLI::Option* h = cmd.add_option("--header", header, rule + as_trained)->check(CLI::IsMember({"auto", "yes", "no"}));
  CLI::Option* d = cmd.add_option("--delimiter", delimiter,
                                  "Between cells: one character, tab, or auto (tab if the first line has one, "
                                  "else ; if it has one, else ,)" +
                                      as_trained)
                       ->check(check_delimiter);
  if (training) h->capture_default_str(), d->capture_default_str();
}

CLI::App* add_train_command(CLI::App& app, TrainArgs& a) {
  CLI::App* cmd = app.add_subcommand("train", "Train an MLP on a numeric CSV file (classification or regression)");
  cmd->add_option("--data", a.data, "CSV file, plain or gzip-compressed, with or without a header line")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--target-column", a.target_column, "Column of the target, from 0; negative counts from the end")
      ->check(whole_in(std::numeric_limits<std::int64_t>::min()))
      ->capture_default_str();
  cmd->add_option("--task", a.task,
                  "classify, regress, or auto (classify when the targets are names or few whole numbers)")
      ->check(CLI::IsMember({"auto", "classify", "regress"}))
      ->capture_default_str();
  add_csv_options(*cmd, a.header, a.delimiter, true);
  cmd->add_option("--model", a.model, "mlp:H1,H2,... hidden layer sizes, or linear (no hidden layer)")
      ->capture_default_str();
  cmd->add_option("--activation", a.activation, "Between hidden layers")
      ->check(CLI::IsMember({"relu", "tanh", "gelu"}))
      ->capture_default_str();
  cmd->add_option("--optim", a.optimizer, "Optimizer")
      ->check(CLI::IsMember({"sgd", "adam", "adamw", "rmsprop", "adagrad", "lbfgs"}))
      ->capture_default_str();
  cmd->add_option("--lr", a.lr, "Learning rate (default: sgd 0.05, adam/adamw 0.001, rmsprop/adagrad 0.01, lbfgs 1)")
      ->check(positive_real());
  cmd->add_option("--momentum", a.momentum, "Momentum (sgd, rmsprop)")->check(real_in(0.0, 1.0))->capture_default_str();
  cmd->add_option("--weight-decay", a.weight_decay, "L2 penalty lambda (decoupled for adamw)")
      ->check(non_negative_real())
      ->capture_default_str();
  cmd->add_option("--batch-size", a.batch_size, "Examples per step; 0 = the whole training set (full-batch GD)")
      ->check(whole_in(0))
      ->capture_default_str();
  cmd->add_option("--epochs", a.epochs, "Passes over the training set")->check(whole_in(1))->capture_default_str();
  cmd->add_option("--seed", a.seed, "Seed of the initial weights, the split and the shuffling")
      ->check(unsigned_whole())
      ->capture_default_str();
  cmd->add_option("--val-split", a.val_split, "Fraction of rows held out for validation (0: none)")
      ->check(real_in(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--save", a.save, "Write the trained model (safetensors, with what eval needs in its metadata)");
  cmd->add_option("--plot", a.plot, "Write the loss curves as an SVG plot");
  cmd->add_option("--log", a.log, "Write the per-epoch metrics as CSV");
  cmd->add_option("--progress", a.progress, "auto: a live bar on a terminal, plain lines otherwise")
      ->check(CLI::IsMember({"auto", "bar", "plain"}))
      ->capture_default_str();
  return cmd;
}

TrainPlan check_train_options(const TrainArgs& a) {
  const std::vector<FileOption> outputs = {{"--save", a.save}, {"--log", a.log}, {"--plot", a.plot}};
  check_distinct_files({{"--data", a.data}}, outputs);  // before the write checks, which create files
  for (const FileOption& output : outputs) check_writable(output);
  TrainPlan plan;
  plan.hidden = parse_model(a.model);
  plan.lr = a.lr.value_or(default_lr(a.optimizer));
  make_optimizer(a.optimizer, {zeros({1}).requires_grad_()}, plan.lr, a.momentum,
                 a.weight_decay);  // validates the options
  return plan;
}

namespace {

// The model's shape and the standardisation it will carry, from the options and the data.
ModelSpec describe_model(const TrainArgs& a, const TrainPlan& plan, const Table& table, Task task) {
  ModelSpec spec;
  spec.task = task;
  spec.inputs = table.features.size(1);
  spec.hidden = plan.hidden;
  spec.activation = a.activation;
  spec.target_column = a.target_column;
  spec.outputs = task == Task::Classify ? check_class_labels(table, a.data) : 1;
  spec.classes = table.classes;
  spec.header = a.header;
  spec.delimiter = a.delimiter;
  return spec;
}

void print_data_summary(const TrainArgs& a, const Table& table, const ModelSpec& spec) {
  std::cout << "data: " << a.data << ": " << table.features.size(0) << " rows, " << spec.inputs
            << " features, target column " << table.target_column << (table.header_lines ? ", header line skipped" : "")
            << "\n"
            << "task: " << task_name(spec.task)
            << (spec.task == Task::Classify ? std::string(" (") + std::to_string(spec.outputs) + " classes)"
                                            : std::string())
            << (a.task == "auto" ? ", detected (set --task to override)" : "") << "\n";
  if (!spec.classes.empty()) std::cout << "classes: " << class_list(spec.classes) << "\n";
}

// The split, then standardisation fitted on the training part only (its mean and std go into
// the spec, and so into the saved model).
TrainData prepare_data(const Table& table, const SplitSpec& split, ModelSpec& spec, const std::string& path) {
  const SplitData parts = split_rows(table.features, table.targets, split);
  fit_standardisation(spec, parts.x_train, parts.y_train, path);
  auto prepare_targets = [&](const Tensor& y) {
    if (!y.defined()) return y;
    if (spec.task == Task::Classify) return y.to(kInt64);
    return ((y - spec.target_mean) / spec.target_std).to(kFloat32).reshape({-1, 1});
  };
  return {standardise_features(spec, parts.x_train), prepare_targets(parts.y_train),
          parts.x_val.defined() ? standardise_features(spec, parts.x_val) : Tensor(), prepare_targets(parts.y_val)};
}

TrainConfig train_config(const TrainArgs& a, double lr) {
  TrainConfig config;
  config.title = "train";
  config.optimizer = a.optimizer;
  config.lr = lr;
  config.momentum = a.momentum;
  config.weight_decay = a.weight_decay;
  config.batch_size = a.batch_size;
  config.epochs = a.epochs;
  config.seed = a.seed;
  config.live_progress = live_progress(a.progress);
  return config;
}

void print_plan(const TrainArgs& a, double lr, const TrainData& data, const ModelSpec& spec) {
  std::cout << "optimizer: " << a.optimizer << " lr " << lr << ", batch "
            << (a.batch_size == 0 ? std::string("full (") + std::to_string(data.x_train.size(0)) + ")"
                                  : std::to_string(a.batch_size))
            << ", " << a.epochs << " epochs, " << data.x_train.size(0) << " training rows"
            << (data.x_val.defined() ? std::string(", ") + std::to_string(data.x_val.size(0)) + " validation rows"
                                     : std::string())
            << std::endl;
  if (a.optimizer == "lbfgs" && a.batch_size != 0) {
    std::cout << "note: L-BFGS assumes the same loss at every step; with --batch-size " << a.batch_size
              << " each step sees another mini-batch. --batch-size 0 gives it the full batch.\n";
  }
  if (spec.task == Task::Regress) {
    // `xgrad eval` reports errors in the target's own units; say that these are not.
    std::printf(
        "loss: MSE of the standardised target (y - %.6g) / %.6g; the final line also gives it in the target's "
        "own units, as `xgrad eval` does\n",
        spec.target_mean, spec.target_std);
    std::fflush(stdout);
  }
}

void print_final(const TrainResult& result, const ModelSpec& spec, bool has_validation) {
  const EpochRecord& last = result.history.back();
  const Task task = spec.task;
  char line[200];
  std::snprintf(line, sizeof line, "final: train loss %.4g, train %s %.4f", last.train.loss, metric_name(task),
                last.train.metric);
  std::cout << line;
  if (has_validation) {
    std::snprintf(line, sizeof line, "; validation loss %.4g, validation %s %.4f", last.val.loss, metric_name(task),
                  last.val.metric);
    std::cout << line;
  }
  std::snprintf(line, sizeof line, " (%.2f s, %lld steps)\n", result.seconds, static_cast<long long>(result.steps));
  std::cout << line;
  if (task == Task::Regress) {
    // The loss is the MSE of (y - mean) / std: times std^2 it is the MSE in the target's units.
    const double to_units = spec.target_std * spec.target_std;
    std::snprintf(line, sizeof line, "in the target's own units: train MSE %.6g", last.train.loss * to_units);
    std::cout << line;
    if (has_validation) {
      std::snprintf(line, sizeof line, ", validation MSE %.6g", last.val.loss * to_units);
      std::cout << line;
    }
    std::cout << "\n";
  }
}

Series loss_series(const char* name, const std::vector<EpochRecord>& history, Scores EpochRecord::*part) {
  Series s{name, {}, {}};
  for (const EpochRecord& r : history) s.x.push_back(r.epoch), s.y.push_back((r.*part).loss);
  return s;
}

// Each output is written on its own: one that fails (a full disk, say) does not cost the others.
// Returns the number that failed.
int write_outputs(const TrainArgs& a, const nn::Module& model, const ModelSpec& spec, const SplitSpec& split,
                  const TrainResult& result, bool has_validation) {
  int failures = 0;
  auto write_output = [&](const std::string& path, const char* what, const auto& write) {
    if (path.empty()) return;
    try {
      write();
      std::cout << "saved " << what << ": " << path << "\n";
    } catch (const std::exception& e) {
      std::cerr << "xgrad train: could not write the " << what << " to " << path << ": " << e.what() << "\n";
      ++failures;
    }
  };
  const EpochRecord& last = result.history.back();
  write_output(a.save, "model", [&] {
    nn::Metadata extra = split_metadata(split);
    extra.merge(nn::Metadata{
        {"optimizer", a.optimizer}, {"epochs_trained", std::to_string(last.epoch)}, {"source_data", a.data}});
    save_model(a.save, model, spec, extra);
  });
  write_output(a.log, "metrics", [&] { write_history_csv(a.log, {{"train", &result.history}}, spec.task); });
  write_output(a.plot, "plot", [&] {
    std::vector<Series> series{loss_series("training loss", result.history, &EpochRecord::train)};
    if (has_validation) series.push_back(loss_series("validation loss", result.history, &EpochRecord::val));
    PlotOptions po;
    po.title = "xgrad train: " + a.data + " (" + a.model + ", " + a.optimizer + ")";
    po.x_label = "epoch";
    po.y_label = spec.task == Task::Classify ? "cross-entropy loss" : "MSE (standardised target)";
    po.log_y = true;
    write_svg(a.plot, series, po);
  });
  return failures;
}

}  // namespace

int run_train(const TrainArgs& a) {
  const TrainPlan plan = check_train_options(a);
  const Table table = load_table(a.data, a.target_column, parse_header_mode(a.header), parse_delimiter(a.delimiter));
  const Task task = a.task == "auto" ? detect_task(table) : a.task == "classify" ? Task::Classify : Task::Regress;
  if (task == Task::Regress && !table.classes.empty()) {
    throw std::invalid_argument("'" + a.data + "': --task regress needs a numeric target, column " +
                                std::to_string(table.target_column) + " holds names ('" +
                                data::shorten(table.classes.front()) + "')");
  }
  ModelSpec spec = describe_model(a, plan, table, task);
  print_data_summary(a, table, spec);
  const SplitSpec split{a.val_split, a.seed, table.features.size(0)};
  const TrainData data = prepare_data(table, split, spec, a.data);

  manual_seed(a.seed);
  auto model = build_model(spec);
  std::cout << "model: " << *model << "\n";
  print_plan(a, plan.lr, data, spec);
  if (current_parallel().distributed()) {
    std::cout << "data-parallel: " << current_parallel().world_size << " processes (MPI), batch " << a.batch_size
              << " per process\n";
  }
  const TrainResult result = fit(*model, task, data, train_config(a, plan.lr), std::cout);
  print_final(result, spec, data.x_val.defined());
  // Data-parallel: every rank holds the same model; rank 0 alone writes (one file, atomically).
  const int failures =
      current_parallel().is_main() ? write_outputs(a, *model, spec, split, result, data.x_val.defined()) : 0;
  if (result.interrupted) return kInterruptedExitCode;
  return result.diverged || failures > 0 ? 1 : 0;
}

}  // namespace xgrad::cli
