// `xgrad demo`: gradcheck on a custom Function, then one MLP trained on the digits data set
// with full-batch GD, mini-batch GD, SGD and Adam; a results table, plots, curves and the best
// model in out/.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <xgrad/autograd/ops.hpp>
#include <xgrad/data/dataset.hpp>

#include "commands.hpp"
#include "demo_gradcheck.hpp"
#include "file_options.hpp"
#include "interrupt.hpp"
#include "model.hpp"
#include "number_checks.hpp"
#include "split.hpp"
#include "svg_plot.hpp"
#include "trainer.hpp"

namespace xgrad::cli {

CLI::App* add_demo_command(CLI::App& app, DemoArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Verify a custom backward pass with gradcheck, then train an MLP on handwritten digits with full-batch "
      "GD, mini-batch GD, SGD and Adam; writes plots, curves and the best model to --out");
  cmd->add_option("--out", a.out, "Directory for the plots, curves (CSV) and model (safetensors)")
      ->capture_default_str();
  cmd->add_option("--data", a.data, "The digits CSV (default: datasets/digits.csv.gz, here or in the source tree)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--budget", a.budget, "Seconds of training allowed per run (a run stops early when it is spent)")
      ->check(positive_real())
      ->capture_default_str();
  cmd->add_option("--progress", a.progress, "auto: a live bar on a terminal, plain lines otherwise")
      ->check(CLI::IsMember({"auto", "bar", "plain"}))
      ->capture_default_str();
  return cmd;
}

namespace {

struct Run {
  std::string regime, optimizer;
  double lr;
  std::int64_t batch_size;  // 0: full batch
  std::int64_t epochs;
  TrainResult result;
  std::shared_ptr<nn::SequentialImpl> model;
};

// --data if given; else the first of ./datasets, the source tree's datasets/ and the installed copy.
std::string digits_path(const std::string& given) {
  if (!given.empty()) return given;
  const std::string candidates[] = {"datasets/digits.csv.gz", std::string(XGRAD_SOURCE_DIR) + "/datasets/digits.csv.gz",
                                    std::string(XGRAD_INSTALL_DATA_DIR) + "/digits.csv.gz"};
  for (const auto& c : candidates)
    if (std::filesystem::exists(c)) return c;
  throw std::runtime_error("demo: the digits data set was not found in " + candidates[0] + ", " + candidates[1] +
                           " or " + candidates[2] + "; pass its path with --data");
}

void banner(const std::string& text) {
  std::cout << "\n== " << text << " " << std::string(std::max<std::size_t>(3, 76 - text.size()), '=') << "\n\n";
}

}  // namespace

namespace {

constexpr double kLambda = 1e-4;             // the weight decay of every run
const SplitSpec kSplit{0.2, /*seed=*/0, 0};  // rows filled in when the data is loaded
const char* const kOutputs[] = {"regimes_curves.csv", "regimes_loss_vs_epoch.svg", "regimes_loss_vs_time.svg",
                                "regimes_accuracy_vs_epoch.svg", "digits_mlp.safetensors"};

// The files the demo writes must not be its data (--out next to --data would overwrite it).
void check_demo_files(const DemoArgs& a, const std::string& path) {
  std::vector<FileOption> outputs;
  for (const char* name : kOutputs) outputs.push_back({"--out", (std::filesystem::path(a.out) / name).string()});
  for (const char* name : kBrokenPictures) outputs.push_back({"--out", (std::filesystem::path(a.out) / name).string()});
  check_distinct_files({{"--data", path}}, outputs);
}

struct DemoData {
  ModelSpec spec;
  SplitSpec split;
  TrainData data;
  std::int64_t rows = 0;
};

// The digits, a seeded 80/20 split and standardisation fitted on the training part.
DemoData load_digits(const std::string& path) {
  const Table table = load_table(path, -1, HeaderMode::No);
  DemoData d;
  d.rows = table.features.size(0);
  d.split = kSplit;
  d.split.rows = d.rows;
  ModelSpec& spec = d.spec;
  spec.task = Task::Classify;
  spec.inputs = table.features.size(1);
  spec.hidden = {64};
  spec.outputs = check_class_labels(table, path);
  const SplitData parts = split_rows(table.features, table.targets, d.split);
  data::Standardizer scaler;
  scaler.fit(parts.x_train);
  spec.feature_mean = scaler.mean().to_vector<double>();
  spec.feature_std = scaler.scale().to_vector<double>();
  d.data = {standardise_features(spec, parts.x_train), parts.y_train.to(kInt64),
            standardise_features(spec, parts.x_val), parts.y_val.to(kInt64)};
  return d;
}

void print_setup(const std::string& path, const DemoData& d, double budget) {
  const ModelSpec& spec = d.spec;
  std::printf(
      "data: %s: %lld images of 8x8 pixels, %lld classes; seeded 80/20 split: %lld train, %lld test\n"
      "model: MLP %lld-%lld-%lld (ReLU), the same initial weights for every run\n"
      "loss: L(W) = 1/N sum_i CE(f(x_i; W), y_i) + lambda/2 |W|^2, lambda = %g (weight decay)\n"
      "Every run minimises this L; only the batches the gradients come from (and the update rule) differ.\n"
      "'loss' is the data term on the whole training set; each run may train for %g s at most.\n\n",
      path.c_str(), static_cast<long long>(d.rows), static_cast<long long>(spec.outputs),
      static_cast<long long>(d.data.x_train.size(0)), static_cast<long long>(d.data.x_val.size(0)),
      static_cast<long long>(spec.inputs), static_cast<long long>(spec.hidden[0]), static_cast<long long>(spec.outputs),
      kLambda, budget);
  std::cout.flush();
}

// Trains the four regimes from the same initial weights; stops after a run that was interrupted.
std::vector<Run> train_runs(const DemoData& d, const DemoArgs& a, bool& stopped) {
  std::vector<Run> runs = {
      {"full-batch GD", "sgd", 0.5, 0, 400, {}, nullptr},
      {"mini-batch GD", "sgd", 0.1, 32, 40, {}, nullptr},
      {"SGD", "sgd", 0.01, 1, 10, {}, nullptr},
      {"mini-batch Adam", "adam", 1e-3, 32, 40, {}, nullptr},
  };
  stopped = false;
  std::size_t done = 0;
  for (Run& run : runs) {
    manual_seed(0);
    run.model = build_model(d.spec);
    TrainConfig config;
    config.title = run.regime;
    config.optimizer = run.optimizer;
    config.lr = run.lr;
    config.weight_decay = kLambda;
    config.batch_size = run.batch_size;
    config.epochs = run.epochs;
    config.seed = 0;
    config.time_budget_seconds = a.budget;
    config.live_progress = live_progress(a.progress);
    run.result = fit(*run.model, Task::Classify, d.data, config, std::cout);
    ++done;
    if (run.result.interrupted) {
      stopped = true;
      break;
    }
  }
  runs.resize(done);
  return runs;
}

// The results table; returns the run with the best test accuracy (null when there is none).
const Run* print_results(const std::vector<Run>& runs, std::int64_t n) {
  std::printf("%-16s %-9s %6s %7s %11s %9s %9s\n", "regime", "optimizer", "batch", "epochs", "train loss", "test acc",
              "time (s)");
  const Run* best = nullptr;
  for (const Run& run : runs) {
    const EpochRecord& last = run.result.history.back();
    const std::int64_t batch = run.batch_size == 0 ? n : run.batch_size;
    std::printf("%-16s %-9s %6lld %7.4g %11.4f %9.4f %9.2f%s\n", run.regime.c_str(),
                run.optimizer == "sgd" ? "SGD" : "Adam", static_cast<long long>(batch), last.epoch, last.train.loss,
                last.val.metric, run.result.seconds,
                run.result.interrupted   ? "  (interrupted)"
                : run.result.out_of_time ? "  (time budget)"
                                         : "");
    if (!best || last.val.metric > best->result.history.back().val.metric) best = &run;
  }
  if (best) {
    const double accuracy = best->result.history.back().val.metric;
    std::printf("\nbest: %s with %.4f test accuracy (%s)\n", best->regime.c_str(), accuracy,
                accuracy >= 0.96 ? "reaches the 0.96 target" : "BELOW the 0.96 target");
  }
  return best;
}

// The curves as CSV and three plots; returns the paths written.
std::vector<std::string> write_curves(const std::filesystem::path& out, const std::vector<Run>& runs) {
  std::vector<NamedHistory> histories;
  std::vector<Series> by_epoch, by_time, accuracy;
  for (const Run& run : runs) {
    histories.push_back({run.regime, &run.result.history});
    Series e{run.regime, {}, {}}, t{run.regime, {}, {}}, acc{run.regime, {}, {}};
    for (const EpochRecord& r : run.result.history) {
      e.x.push_back(r.epoch), e.y.push_back(r.train.loss);
      t.x.push_back(r.seconds), t.y.push_back(r.train.loss);
      acc.x.push_back(r.epoch), acc.y.push_back(r.val.metric);
    }
    by_epoch.push_back(e), by_time.push_back(t), accuracy.push_back(acc);
  }
  std::vector<std::string> written;
  auto file = [&](const char* name) {
    written.push_back((out / name).string());
    return written.back();
  };
  write_history_csv(file(kOutputs[0]), histories, Task::Classify);
  PlotOptions po;
  po.title = "Digits MLP: training loss by epoch";
  po.x_label = "epoch";
  po.y_label = "training loss (cross-entropy)";
  po.log_x = po.log_y = true;  // 400 full-batch epochs next to 10 SGD epochs
  write_svg(file(kOutputs[1]), by_epoch, po);
  po.title = "Digits MLP: training loss by wall-clock time";
  po.x_label = "training time (s)";
  po.log_x = false;
  write_svg(file(kOutputs[2]), by_time, po);
  po.title = "Digits MLP: test accuracy by epoch";
  po.x_label = "epoch";
  po.y_label = "test accuracy";
  po.log_x = true;
  po.log_y = false;
  write_svg(file(kOutputs[3]), accuracy, po);
  return written;
}

}  // namespace

int run_demo(const DemoArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  const std::string path = digits_path(a.data);
  check_demo_files(a, path);  // before anything is written
  banner("1. Verifying a custom backward pass with gradcheck");
  std::vector<std::string> pictures;
  const bool gradcheck_ok = demo_gradcheck(std::cout, a.out, &pictures);

  banner("2. Training an MLP on handwritten digits, four ways");
  const DemoData d = load_digits(path);
  print_setup(path, d, a.budget);
  bool stopped = false;
  const std::vector<Run> runs = train_runs(d, a, stopped);

  banner("3. Results");
  const Run* best = print_results(runs, d.data.x_train.size(0));
  const double best_accuracy = best ? best->result.history.back().val.metric : 0;
  const std::filesystem::path out(a.out);
  std::filesystem::create_directories(out);
  std::vector<std::string> written = pictures;
  for (std::string& w : write_curves(out, runs)) written.push_back(std::move(w));
  if (best) {
    written.push_back((out / kOutputs[4]).string());
    nn::Metadata extra = split_metadata(d.split);
    extra.merge(
        nn::Metadata{{"trained_by", "xgrad demo: " + best->regime}, {"test_accuracy", std::to_string(best_accuracy)}});
    save_model(written.back(), *best->model, d.spec, extra);
  }
  std::printf("\nwritten:\n");
  for (const std::string& w : written) std::printf("  %s\n", w.c_str());
  if (best) {
    std::printf("\nEvaluate the saved model on the whole data set:\n  xgrad eval --model %s --data %s\n",
                written.back().c_str(), path.c_str());
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("\ndemo finished in %.1f s%s\n", total,
              gradcheck_ok ? "" : " -- but the gradcheck part did not go as expected");
  std::fflush(stdout);
  if (stopped) return kInterruptedExitCode;
  return gradcheck_ok && best_accuracy >= 0.96 ? 0 : 1;
}

}  // namespace xgrad::cli
