#include "trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops.hpp>
#include <xgrad/data/distributed_sampler.hpp>
#include <xgrad/nn/atomic_write.hpp>
#include <xgrad/nn/modules/loss.hpp>
#include <xgrad/optim/optim.hpp>
#ifdef XGRAD_HAVE_MPI
#include <xgrad/distributed/ddp.hpp>
#endif

#include "interrupt.hpp"
#include "parallel.hpp"
#include "progress.hpp"

namespace xgrad::cli {

namespace F = nn::functional;

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, std::vector<Tensor> params, double lr,
                                                 double momentum, double weight_decay) {
  if (momentum != 0 && name != "sgd" && name != "rmsprop") {
    throw std::invalid_argument("--momentum applies to sgd and rmsprop only, not to " + name);
  }
  if (name == "sgd")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions(lr).momentum(momentum).weight_decay(weight_decay));
  if (name == "adam") return std::make_unique<optim::Adam>(params, optim::AdamOptions(lr).weight_decay(weight_decay));
  if (name == "adamw")
    return std::make_unique<optim::AdamW>(params, optim::AdamWOptions(lr).weight_decay(weight_decay));
  if (name == "rmsprop") {
    return std::make_unique<optim::RMSprop>(params,
                                            optim::RMSpropOptions(lr).momentum(momentum).weight_decay(weight_decay));
  }
  if (name == "adagrad")
    return std::make_unique<optim::Adagrad>(params, optim::AdagradOptions(lr).weight_decay(weight_decay));
  if (name == "lbfgs") {
    if (weight_decay != 0) throw std::invalid_argument("--weight-decay is not supported with lbfgs");
    return std::make_unique<optim::LBFGS>(params, optim::LBFGSOptions(lr).line_search_fn("strong_wolfe"));
  }
  throw std::invalid_argument("unknown optimizer '" + name +
                              "' (expected sgd, adam, adamw, rmsprop, adagrad or lbfgs)");
}

double default_lr(const std::string& optimizer) {
  if (optimizer == "sgd") return 0.05;
  if (optimizer == "adam" || optimizer == "adamw") return 1e-3;
  if (optimizer == "lbfgs") return 1.0;
  return 1e-2;  // rmsprop, adagrad (PyTorch's defaults)
}

const char* metric_name(Task task) { return task == Task::Classify ? "acc" : "r2"; }

namespace {

Tensor loss_of(Task task, const Tensor& output, const Tensor& target) {
  return task == Task::Classify ? F::cross_entropy(output, target) : F::mse_loss(output, target);
}

std::string format_scores(Task task, const EpochRecord& r) {
  char buf[160];
  const char* m = metric_name(task);
  if (std::isnan(r.val.loss)) {
    std::snprintf(buf, sizeof buf, "loss %.4g  %s %.4f", r.train.loss, m, r.train.metric);
  } else {
    std::snprintf(buf, sizeof buf, "loss %.4g  %s %.4f  val_loss %.4g  val_%s %.4f", r.train.loss, m, r.train.metric,
                  r.val.loss, m, r.val.metric);
  }
  return buf;
}

}  // namespace

Scores evaluate(nn::SequentialImpl& model, Task task, const Tensor& x, const Tensor& y) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (!x.defined() || x.size(0) == 0) return {nan, nan};
  NoGradGuard no_grad;
  const Tensor out = model.forward(x);
  Scores s;
  s.loss = loss_of(task, out, y).item<double>();
  if (task == Task::Classify) {
    s.metric = eq(argmax(out, 1), y).to(kFloat64).mean().item<double>();
  } else {
    const double ss_res = square(out - y).to(kFloat64).sum().item<double>();
    const double ss_tot = square(y - y.mean()).to(kFloat64).sum().item<double>();
    s.metric = ss_tot > 0 ? 1 - ss_res / ss_tot : nan;
  }
  return s;
}

namespace {

// The parameters and buffers after the last epoch whose loss was finite: a run that diverges
// ends with these restored, so what it saves is the last good model, not NaNs.
class LastGoodModel {
 public:
  explicit LastGoodModel(nn::SequentialImpl& model) : model_(model) { keep(0.0); }
  void keep(double epoch) {
    NoGradGuard no_grad;
    saved_.clear();
    for (const auto& named : model_.state_dict()) saved_.push_back(named.second.clone());
    epoch_ = epoch;
  }
  void restore() {
    NoGradGuard no_grad;
    const auto state = model_.state_dict();
    for (std::size_t i = 0; i < state.size(); ++i) Tensor(state[i].second).copy_(saved_[i]);
  }
  double epoch() const { return epoch_; }

 private:
  nn::SequentialImpl& model_;
  std::vector<Tensor> saved_;
  double epoch_ = 0;
};

// Everything one epoch of training needs; the counters carry over from epoch to epoch.
struct EpochLoop {
  std::function<Tensor(const Tensor&)> forward;  // the model's, or its DistributedDataParallel's
  Task task;
  data::DataLoader& loader;
  optim::Optimizer& optimizer;
  bool lbfgs;
  const TrainConfig& config;
  Progress& progress;
  TrainResult& result;
  std::int64_t examples = 0;

  // One pass over the loader (cut short by Ctrl-C or the time budget); returns the batches done.
  std::int64_t run(std::int64_t epoch) {
    using clock = std::chrono::steady_clock;
    std::int64_t b = 0;
    for (const data::Example<>& ex : loader) {
      const auto start = clock::now();
      auto closure = [&] {
        optimizer.zero_grad();
        Tensor loss = loss_of(task, forward(ex.data), ex.target);
        loss.backward();
        return loss;
      };
      if (lbfgs) {
        optimizer.step(closure);
      } else {
        closure();
        optimizer.step();
      }
      result.seconds += std::chrono::duration<double>(clock::now() - start).count();
      ++b, ++result.steps;
      examples += ex.data.size(0);
      progress.on_batch(epoch, b, rate());
      result.interrupted = interrupted();
      result.out_of_time = result.seconds > config.time_budget_seconds;
      if (any_rank(result.interrupted || result.out_of_time)) break;  // all ranks stop at the same batch
    }
    return b;
  }
  double rate() const { return static_cast<double>(examples) / std::max(result.seconds, 1e-9); }
};

// Batches of the training set; distributed, this rank's shard of each epoch (the batch size is
// per rank, as in PyTorch; 0 = the whole shard).
data::DataLoader make_loader(const TrainData& data, const TrainConfig& config) {
  const Parallel par = current_parallel();
  const std::int64_t n = data.x_train.size(0);
  const std::int64_t shard = (n + par.world_size - 1) / par.world_size;
  const std::int64_t batch = config.batch_size <= 0 ? shard : std::min(config.batch_size, shard);
  auto options = data::DataLoaderOptions().batch_size(batch).seed(config.seed);
  if (par.distributed()) {
    options.sampler(
        std::make_shared<data::DistributedSampler>(n, par.world_size, par.rank, batch < shard, config.seed));
  } else {
    options.shuffle(batch < n);
  }
  return data::DataLoader(data::TensorDataset(data.x_train, data.y_train), options);
}

// Scores on the whole training and validation sets, in eval mode.
EpochRecord record(nn::SequentialImpl& model, Task task, const TrainData& data, double epoch, double seconds) {
  EpochRecord r;
  r.epoch = epoch;
  r.seconds = seconds;
  model.eval();
  r.train = evaluate(model, task, data.x_train, data.y_train);
  r.val = evaluate(model, task, data.x_val, data.y_val);
  model.train();
  return r;
}

// The progress bar's last words: why training stopped early, if it did.
std::string stop_note(const TrainResult& result, const TrainConfig& config, double last_good_epoch) {
  char note[128] = "";
  if (result.interrupted) {
    std::snprintf(note, sizeof note, "interrupted at epoch %.2f", result.history.back().epoch);
  } else if (result.out_of_time) {
    std::snprintf(note, sizeof note, "time budget of %g s reached at epoch %.2f", config.time_budget_seconds,
                  result.history.back().epoch);
  } else if (result.diverged) {
    std::snprintf(note, sizeof note,
                  "diverged (the loss is not finite): kept the model of epoch %.2f; try a smaller --lr",
                  last_good_epoch);
  }
  return note;
}

}  // namespace

TrainResult fit(nn::SequentialImpl& model, Task task, const TrainData& data, const TrainConfig& config,
                std::ostream& out) {
  data::DataLoader loader = make_loader(data, config);
  auto optimizer =
      make_optimizer(config.optimizer, model.parameters(), config.lr, config.momentum, config.weight_decay);
  std::function<Tensor(const Tensor&)> forward = [&model](const Tensor& x) { return model.forward(x); };
#ifdef XGRAD_HAVE_MPI
  std::unique_ptr<distributed::DistributedDataParallel> ddp;
  if (current_parallel().distributed()) {
    // L-BFGS's line search decides on this rank's loss alone: the ranks would take different steps.
    if (config.optimizer == "lbfgs")
      throw std::invalid_argument("--optimizer lbfgs cannot train data-parallel (under mpirun); use another optimizer");
    ddp = std::make_unique<distributed::DistributedDataParallel>(
        std::shared_ptr<nn::SequentialImpl>(std::shared_ptr<nn::SequentialImpl>(), &model));
    forward = [&ddp](const Tensor& x) { return ddp->forward(x); };
  }
#endif
  Progress progress(out, config.title, config.epochs, loader.size(), config.live_progress);

  TrainResult result;
  // Epoch 0: the untrained model, so that every curve starts from the same point.
  model.eval();
  result.history.push_back(
      {0.0, 0.0, evaluate(model, task, data.x_train, data.y_train), evaluate(model, task, data.x_val, data.y_val)});
  model.train();
  LastGoodModel last_good(model);
  EpochLoop loop{forward, task, loader, *optimizer, config.optimizer == "lbfgs", config, progress, result};
  for (std::int64_t epoch = 1; epoch <= config.epochs; ++epoch) {
    const std::int64_t b = loop.run(epoch);
    const double at = static_cast<double>(epoch - 1) + static_cast<double>(b) / static_cast<double>(loader.size());
    const EpochRecord r = record(model, task, data, at, result.seconds);
    result.history.push_back(r);
    result.diverged = !std::isfinite(r.train.loss);
    if (result.diverged) {
      last_good.restore();
    } else {
      last_good.keep(r.epoch);
    }
    progress.on_epoch(epoch, format_scores(task, r), loop.rate());
    if (result.interrupted || result.out_of_time || result.diverged) break;
  }
  model.eval();
  progress.finish(stop_note(result, config, last_good.epoch()));
  return result;
}

void write_history_csv(const std::string& path, const std::vector<NamedHistory>& runs, Task task) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::string f;  // written whole and atomically, like the model
  const std::string m = task == Task::Classify ? "accuracy" : "r2";
  f += "run,epoch,seconds,train_loss,train_" + m + ",val_loss,val_" + m + "\n";
  char line[256];
  for (const NamedHistory& run : runs) {
    for (const EpochRecord& r : *run.history) {
      std::snprintf(line, sizeof line, ",%.4f,%.6f,%.9g,%.9g,%.9g,%.9g\n", r.epoch, r.seconds, r.train.loss,
                    r.train.metric, r.val.loss, r.val.metric);
      f += run.run + line;
    }
  }
  try {
    nn::write_file_atomically(path, {f});
  } catch (const nn::WriteError& e) {
    throw std::runtime_error("cannot write metrics '" + path + "': " + e.reason());
  }
}

}  // namespace xgrad::cli
