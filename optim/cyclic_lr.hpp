// CyclicLR and CosineAnnealingWarmRestarts, exactly as torch.optim.lr_scheduler's.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "lr_scheduler.hpp"

namespace xgrad::optim {

class CyclicLROptions {
  XGRAD_ARG(std::int64_t, step_size_up, 2000)
  XGRAD_ARG(std::optional<std::int64_t>, step_size_down, std::nullopt)  // default: step_size_up
  XGRAD_ARG(std::string, mode, "triangular")                            // "triangular", "triangular2" or "exp_range"
  XGRAD_ARG(double, gamma, 1.0)                                         // exp_range's factor per iteration
  // A custom scale (replaces mode), of the cycle number (from 1) or of the iteration count.
  XGRAD_ARG(std::function<double(double)>, scale_fn, nullptr)
  XGRAD_ARG(std::string, scale_mode, "cycle")  // "cycle" or "iterations"; used with scale_fn
  XGRAD_ARG(bool, cycle_momentum, true)
  XGRAD_ARG(double, base_momentum, 0.8)
  XGRAD_ARG(double, max_momentum, 0.9)
};

// The cyclical learning rate policy (Smith 2017), stepped once per batch. With
// total = up + down, cycle = floor(1 + t / total) and x = 1 + t / total - cycle:
//   scale = x <= up / total ? x / (up / total) : (x - 1) / (up / total - 1)
//   lr = base_lr + (max_lr - base_lr) * scale * f
// where f is 1 (triangular), 1 / 2^(cycle - 1) (triangular2) or gamma^t (exp_range), or
// scale_fn(cycle or t). With cycle_momentum (the default), the optimizer's momentum (or Adam's
// beta1) moves inversely: max_momentum - (max_momentum - base_momentum) * scale * f; the
// optimizer must have one (std::invalid_argument otherwise), and it is set to max_momentum at
// construction — also for SGD built with momentum 0, as in PyTorch. Construction sets each
// group's lr to base_lr.
class CyclicLR : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, const CyclicLROptions& options = {});
  // One base_lr and one max_lr per parameter group.
  CyclicLR(Optimizer& optimizer, std::vector<double> base_lrs, std::vector<double> max_lrs,
           const CyclicLROptions& options = {});

 protected:
  std::vector<double> get_lr() override;

 private:
  double scale(double cycle) const;

  CyclicLROptions options_;
  std::vector<double> max_lrs_;
  double total_size_, step_ratio_;
  bool scale_by_cycle_;
  std::string momentum_key_;  // "momentum", "betas.0" or empty (no cycle_momentum)
};

// Cosine annealing with warm restarts (SGDR): within a period of T_i epochs,
//   lr = eta_min + (base_lr - eta_min) (1 + cos(pi T_cur / T_i)) / 2
// T_cur restarts at 0 after T_i epochs, and the next period is T_i * T_mult long (T_0 first).
// step() advances one epoch; step(epoch) jumps to a possibly fractional epoch (e.g.
// epoch + batch / batches_per_epoch, stepping per batch) with PyTorch's formula for T_cur.
// T_0 >= 1, T_mult >= 1 (integers, as PyTorch).
class CosineAnnealingWarmRestarts : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult = 1, double eta_min = 0.0);
  void step() override;
  // Throws std::invalid_argument for a negative epoch.
  void step(double epoch);
  double T_cur() const noexcept { return t_cur_; }
  std::int64_t T_i() const noexcept { return t_i_; }
  // Adds "T_cur" and "T_i" to the base entries.
  std::map<std::string, Tensor> state_dict() const override;
  void load_state_dict(const std::map<std::string, Tensor>& state) override;

 protected:
  std::vector<double> get_lr() override;
  void step_to(std::int64_t epoch) override { step(static_cast<double>(epoch)); }

 private:
  std::int64_t t_0_, t_mult_, t_i_;
  double eta_min_, t_cur_;
};

}  // namespace xgrad::optim
