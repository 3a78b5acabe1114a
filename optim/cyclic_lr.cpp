#include "cyclic_lr.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../autograd/ops.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

using detail::require;

// ---- CyclicLR --------------------------------------------------------------------------------

namespace {
// Sets each group's lr to its base lr before the base class records them as initial lrs.
Optimizer& with_lrs(Optimizer& optimizer, const std::vector<double>& lrs, const char* what) {
  auto& groups = optimizer.param_groups();
  if (lrs.size() != groups.size()) {
    throw std::invalid_argument(std::string("CyclicLR: expected ") + std::to_string(groups.size()) + " values for " +
                                what + ", got " + std::to_string(lrs.size()));
  }
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  return optimizer;
}
}  // namespace

CyclicLR::CyclicLR(Optimizer& optimizer, double base_lr, double max_lr, const CyclicLROptions& options)
    : CyclicLR(optimizer, std::vector<double>(optimizer.param_groups().size(), base_lr),
               std::vector<double>(optimizer.param_groups().size(), max_lr), options) {}

CyclicLR::CyclicLR(Optimizer& optimizer, std::vector<double> base_lrs, std::vector<double> max_lrs,
                   const CyclicLROptions& o)
    : LRScheduler(with_lrs(optimizer, base_lrs, "base_lr"), "CyclicLR"), options_(o), max_lrs_(std::move(max_lrs)) {
  base_lrs_ = std::move(base_lrs);  // even when an earlier scheduler set the initial lrs
  if (max_lrs_.size() != optimizer.param_groups().size()) {
    throw std::invalid_argument("CyclicLR: expected " + std::to_string(optimizer.param_groups().size()) +
                                " values for max_lr, got " + std::to_string(max_lrs_.size()));
  }
  const auto up = static_cast<double>(o.step_size_up());
  const auto down = o.step_size_down() ? static_cast<double>(*o.step_size_down()) : up;
  require(up >= 1, "CyclicLR", "step_size_up", up, "must be >= 1");
  require(down >= 0, "CyclicLR", "step_size_down", down, "must be >= 0");
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  if (o.scale_fn()) {
    if (o.scale_mode() != "cycle" && o.scale_mode() != "iterations") {
      throw std::invalid_argument("CyclicLR: scale_mode must be 'cycle' or 'iterations', got '" + o.scale_mode() + "'");
    }
    scale_by_cycle_ = o.scale_mode() == "cycle";
  } else if (o.mode() == "triangular" || o.mode() == "triangular2" || o.mode() == "exp_range") {
    scale_by_cycle_ = o.mode() != "exp_range";
  } else {
    throw std::invalid_argument("CyclicLR: mode '" + o.mode() +
                                "' is invalid and scale_fn is not set (modes: triangular, triangular2, exp_range)");
  }
  if (o.cycle_momentum()) {
    const auto& defaults = optimizer.defaults();
    momentum_key_ = defaults.has("momentum") ? "momentum" : defaults.has("betas.0") ? "betas.0" : "";
    if (momentum_key_.empty()) {
      throw std::invalid_argument("CyclicLR: optimizer " + optimizer.name() +
                                  " must support momentum or beta1 with `cycle_momentum` option enabled");
    }
    for (auto& g : optimizer.param_groups()) g.options().set(momentum_key_, o.max_momentum());
  }
  initial_step();
}

double CyclicLR::scale(double x) const {
  if (options_.scale_fn()) return options_.scale_fn()(x);
  if (options_.mode() == "triangular") return 1.0;
  if (options_.mode() == "triangular2") return 1 / std::pow(2.0, x - 1);
  return std::pow(options_.gamma(), x);
}

std::vector<double> CyclicLR::get_lr() {
  const auto t = static_cast<double>(last_epoch_);
  const double cycle = std::floor(1 + t / total_size_);
  const double x = 1.0 + t / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double f = scale(scale_by_cycle_ ? cycle : t);
  std::vector<double> lrs;
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) {
    lrs.push_back(base_lrs_[i] + (max_lrs_[i] - base_lrs_[i]) * scale_factor * f);
  }
  if (!momentum_key_.empty()) {
    const double base_height = (options_.max_momentum() - options_.base_momentum()) * scale_factor;
    for (auto& g : optimizer_->param_groups())
      g.options().set(momentum_key_, options_.max_momentum() - base_height * f);
  }
  return lrs;
}

// ---- CosineAnnealingWarmRestarts ---------------------------------------------------------------

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, std::int64_t T_0, std::int64_t T_mult,
                                                         double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingWarmRestarts"),
      t_0_(T_0),
      t_mult_(T_mult),
      t_i_(T_0),
      eta_min_(eta_min),
      t_cur_(-1) {
  require(T_0 >= 1, "CosineAnnealingWarmRestarts", "T_0", static_cast<double>(T_0), "must be a positive integer");
  require(T_mult >= 1, "CosineAnnealingWarmRestarts", "T_mult", static_cast<double>(T_mult), "must be an integer >= 1");
  step_count_ = 0;
  step(0.0);  // PyTorch's first step: epoch 0
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) return step(0.0);
  ++step_count_;
  ++last_epoch_;
  t_cur_ += 1;
  if (t_cur_ >= static_cast<double>(t_i_)) {
    t_cur_ -= static_cast<double>(t_i_);
    t_i_ *= t_mult_;
  }
  set_group_lrs(get_lr());
  last_lr_ = group_lrs();
}

void CosineAnnealingWarmRestarts::step(double epoch) {
  require(epoch >= 0, "CosineAnnealingWarmRestarts", "epoch", epoch, "must be >= 0");
  const auto t0 = static_cast<double>(t_0_), mult = static_cast<double>(t_mult_);
  if (epoch >= t0) {
    if (t_mult_ == 1) {
      t_cur_ = std::fmod(epoch, t0);
    } else {
      // The period n that epoch falls in: T_0 (mult^n - 1) / (mult - 1) <= epoch.
      const auto n = static_cast<std::int64_t>(std::log(epoch / t0 * (mult - 1) + 1) / std::log(mult));
      const double mult_n = std::pow(mult, static_cast<double>(n));
      t_cur_ = epoch - t0 * (mult_n - 1) / (mult - 1);
      t_i_ = t_0_ * static_cast<std::int64_t>(mult_n);
    }
  } else {
    t_i_ = t_0_;
    t_cur_ = epoch;
  }
  ++step_count_;
  last_epoch_ = static_cast<std::int64_t>(std::floor(epoch));
  set_group_lrs(get_lr());
  last_lr_ = group_lrs();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> out;
  const double c = std::cos(std::numbers::pi * t_cur_ / static_cast<double>(t_i_));
  for (double b : base_lrs_) out.push_back(eta_min_ + (b - eta_min_) * (1 + c) / 2);
  return out;
}

std::map<std::string, Tensor> CosineAnnealingWarmRestarts::state_dict() const {
  auto out = LRScheduler::state_dict();
  out["T_cur"] = scalar_tensor(t_cur_, kFloat64);
  out["T_i"] = scalar_tensor(static_cast<double>(t_i_), kFloat64);
  return out;
}

void CosineAnnealingWarmRestarts::load_state_dict(const std::map<std::string, Tensor>& state) {
  for (const char* key : {"T_cur", "T_i"}) {
    if (state.count(key) == 0) {
      throw std::invalid_argument("CosineAnnealingWarmRestarts.load_state_dict: missing key '" + std::string(key) +
                                  "'");
    }
  }
  LRScheduler::load_state_dict(state);
  t_cur_ = state.at("T_cur").item<double>();
  t_i_ = static_cast<std::int64_t>(state.at("T_i").item<double>());
}

}  // namespace xgrad::optim
