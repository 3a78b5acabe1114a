// Learning-rate schedulers with the semantics of torch.optim.lr_scheduler: constructing one
// sets the epoch-0 learning rate, each step() (normally once per epoch, or once per batch for
// OneCycleLR) advances one epoch. Schedulers that update the current lr multiplicatively can be
// combined: ChainedScheduler applies several at every step, SequentialLR hands over from one to
// the next at milestones (e.g. LinearLR warm-up, then CosineAnnealingLR).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optimizer.hpp"

namespace xgrad::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // Advances one epoch and writes the new lr into every parameter group.
  virtual void step();
  // The lr of each group after the last step.
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }
  const std::vector<double>& base_lrs() const noexcept { return base_lrs_; }
  std::int64_t last_epoch() const noexcept { return last_epoch_; }
  Optimizer& optimizer() const noexcept { return *optimizer_; }
  const std::string& name() const noexcept { return name_; }

  // Counters and lrs as Float64 scalars ("last_epoch", "base_lrs.0", ...), to resume a run
  // together with the optimizer's state_dict. load_state_dict throws std::invalid_argument
  // for a missing key.
  virtual std::map<std::string, Tensor> state_dict() const;
  virtual void load_state_dict(const std::map<std::string, Tensor>& state);

 protected:
  // Records each group's initial_lr (set once, by the first scheduler) as the base lr.
  LRScheduler(Optimizer& optimizer, std::string name);
  // The lrs for last_epoch_ (already advanced), computed from the groups' current lrs.
  virtual std::vector<double> get_lr() = 0;
  // The lrs for last_epoch_ from the base lrs alone, when the schedule has a closed form.
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }
  // Sets the epoch-0 lr; every concrete scheduler's constructor calls it last.
  void initial_step();
  // Jumps to `epoch` (closed form when there is one); SequentialLR restarts schedulers with it.
  // Virtual for schedulers with more state than last_epoch (CosineAnnealingWarmRestarts).
  virtual void step_to(std::int64_t epoch);
  std::vector<double> group_lrs() const;
  void set_group_lrs(const std::vector<double>& lrs);

  Optimizer* optimizer_;
  std::string name_;
  std::vector<double> base_lrs_;
  std::int64_t last_epoch_ = -1;
  std::int64_t step_count_ = 0;
  std::vector<double> last_lr_;

  friend class SequentialLR;
  friend class ChainedScheduler;
};

// lr = base_lr * gamma^(epoch / step_size)   (integer division)
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

// lr = base_lr * gamma^(number of milestones <= epoch); a milestone listed twice counts twice.
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::vector<std::int64_t> milestones_;  // sorted
  double gamma_;
};

// lr = base_lr * gamma^epoch
class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double gamma_;
};

// lr = eta_min + (base_lr - eta_min) (1 + cos(pi epoch / T_max)) / 2   (periodic after T_max,
// as PyTorch's recursive form)
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0.0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t t_max_;
  double eta_min_;
};

// Linear warm-up: lr = base_lr * (start + (end - start) * min(epoch, total_iters) / total_iters).
// start_factor in (0, 1], end_factor in [0, 1].
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, std::int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double start_, end_;
  std::int64_t total_iters_;
};

// lr = base_lr * factor for epoch < total_iters, base_lr afterwards. factor in [0, 1].
class ConstantLR : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, double factor = 1.0 / 3, std::int64_t total_iters = 5);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  double factor_;
  std::int64_t total_iters_;
};

// lr = base_lr * lambda(epoch)
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t)> lambda);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::function<double(std::int64_t)> lambda_;
};

class OneCycleLROptions {
  XGRAD_ARG(double, pct_start, 0.3)
  XGRAD_ARG(std::string, anneal_strategy, "cos")  // "cos" or "linear"
  XGRAD_ARG(bool, cycle_momentum, true)
  XGRAD_ARG(double, base_momentum, 0.85)
  XGRAD_ARG(double, max_momentum, 0.95)
  XGRAD_ARG(double, div_factor, 25.0)
  XGRAD_ARG(double, final_div_factor, 1e4)
  XGRAD_ARG(bool, three_phase, false)
};

// The 1cycle policy (Smith & Topin), stepped once per batch for total_steps steps: lr rises
// from max_lr / div_factor to max_lr over pct_start of the steps, then anneals to
// initial_lr / final_div_factor; momentum (or Adam's beta1) moves inversely between
// max_momentum and base_momentum when cycle_momentum is on. Stepping past total_steps throws.
// (At step total_steps itself, reached by a step after the last update, the lr stays at its
// final value where PyTorch extrapolates the annealing curve.)
class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps, const OneCycleLROptions& options = {});
  // One max_lr per parameter group.
  OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, std::int64_t total_steps,
             const OneCycleLROptions& options = {});

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr;              // 0: initial, 1: max, 2: min
    int start_momentum, end_momentum;  // 0: max_momentum, 1: base_momentum
  };
  double anneal(double start, double end, double pct) const;

  std::int64_t total_steps_;
  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_;
  std::string momentum_key_;  // "momentum", "betas.0" or empty
};

// Runs schedulers one after the other: schedulers[i + 1] takes over (restarted at its epoch 0)
// when the epoch reaches milestones[i].
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones);
  void step() override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

// Steps every scheduler at each step, so their multiplicative effects combine (e.g. LinearLR
// warm-up with ExponentialLR decay). All must drive the same optimizer.
class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

class ReduceLROnPlateauOptions {
  XGRAD_ARG(std::string, mode, "min")  // "min": lower metric is better; "max": higher is
  XGRAD_ARG(double, factor, 0.1)       // new lr = lr * factor, factor < 1
  XGRAD_ARG(std::int64_t, patience, 10)
  XGRAD_ARG(double, threshold, 1e-4)
  XGRAD_ARG(std::string, threshold_mode, "rel")  // "rel" or "abs"
  XGRAD_ARG(std::int64_t, cooldown, 0)
  XGRAD_ARG(std::vector<double>, min_lr, {0.0})  // one value, or one per group
  XGRAD_ARG(double, eps, 1e-8)                   // smaller lr changes are ignored
};

// Divides the lr by 1/factor once the metric has not improved (beyond threshold) for more than
// `patience` epochs, then waits `cooldown` epochs before counting again.
class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  const std::vector<double>& get_last_lr() const noexcept { return last_lr_; }
  double best() const noexcept { return best_; }
  std::int64_t num_bad_epochs() const noexcept { return num_bad_epochs_; }
  std::map<std::string, Tensor> state_dict() const;
  void load_state_dict(const std::map<std::string, Tensor>& state);

 private:
  bool is_better(double a) const;

  Optimizer* optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  std::int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace xgrad::optim
