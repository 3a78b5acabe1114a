// The training loop shared by `xgrad train` and `xgrad demo`: batches from a shuffled
// DataLoader (batch size N = full-batch GD, 1 = SGD), any of the optimizers, per-epoch metrics
// on the whole training and validation sets, progress output, a time budget and Ctrl-C.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/nn/module.hpp>
#include <xgrad/nn/modules/container.hpp>
#include <xgrad/optim/optimizer.hpp>

#include "table.hpp"

namespace xgrad::cli {

// Float32 standardised features; targets Int64 [n] (classify) or Float32 [n, 1] (regress).
// x_val / y_val may be undefined (no validation set).
struct TrainData {
  Tensor x_train, y_train, x_val, y_val;
};

struct TrainConfig {
  std::string title = "train";
  std::string optimizer = "adam";  // sgd, adam, adamw, rmsprop, adagrad, lbfgs
  double lr = 1e-3;
  double momentum = 0;           // sgd and rmsprop
  double weight_decay = 0;       // the lambda of an L2 penalty lambda/2 |W|^2 (decoupled for adamw)
  std::int64_t batch_size = 32;  // 0: the whole training set (full-batch GD)
  std::int64_t epochs = 20;
  std::uint64_t seed = 0;                                                // the shuffling order
  double time_budget_seconds = std::numeric_limits<double>::infinity();  // of training time
  bool live_progress = false;
};

// Loss and the task's metric (accuracy for classification, R^2 for regression).
struct Scores {
  double loss = 0, metric = 0;
};

struct EpochRecord {
  double epoch = 0;    // fractional when a run stopped inside an epoch
  double seconds = 0;  // training time so far (evaluation excluded)
  Scores train, val;   // val is NaN without a validation set
};

struct TrainResult {
  std::vector<EpochRecord> history;
  bool interrupted = false, out_of_time = false, diverged = false;
  double seconds = 0;
  std::int64_t steps = 0;
};

// The optimizer `name` over `params`. Throws std::invalid_argument for an unknown name and for
// a momentum with an optimizer that has none.
std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params, double lr,
                                                 double momentum, double weight_decay);
// A learning rate that works for standardised data and small MLPs, per optimizer.
double default_lr(const std::string& optimizer);

// The metric's name for a task: "acc" or "r2".
const char* metric_name(Task task);
Scores evaluate(nn::SequentialImpl& model, Task task, const Tensor& x, const Tensor& y);

// Trains `model` in place and returns the per-epoch history. Stops early (keeping what it has)
// on Ctrl-C, when the time budget is spent, or when the loss stops being finite.
TrainResult fit(nn::SequentialImpl& model, Task task, const TrainData& data, const TrainConfig& config,
                std::ostream& out);

// Writes runs' histories as CSV: run,epoch,seconds,train_loss,train_<metric>,val_loss,val_<metric>.
struct NamedHistory {
  std::string run;
  const std::vector<EpochRecord>* history;
};
void write_history_csv(const std::string& path, const std::vector<NamedHistory>& runs, Task task);

}  // namespace xgrad::cli
