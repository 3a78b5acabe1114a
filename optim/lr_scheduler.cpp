#include "lr_scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

#include "../autograd/ops.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

using detail::require;

namespace {

void put_list(std::map<std::string, Tensor>& out, const std::string& key, const std::vector<double>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) out[key + "." + std::to_string(i)] = scalar_tensor(v[i], kFloat64);
}

const Tensor& need(const std::map<std::string, Tensor>& in, const std::string& key, const std::string& who) {
  auto it = in.find(key);
  if (it == in.end()) throw std::invalid_argument(who + ".load_state_dict: missing key '" + key + "'");
  return it->second;
}

std::vector<double> get_list(const std::map<std::string, Tensor>& in, const std::string& key, std::size_t n,
                             const std::string& who) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = need(in, key + "." + std::to_string(i), who).item<double>();
  return v;
}

// The entries of `in` under "<prefix>", with the prefix removed.
std::map<std::string, Tensor> sub_map(const std::map<std::string, Tensor>& in, const std::string& prefix) {
  std::map<std::string, Tensor> out;
  for (const auto& [k, v] : in)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
  return out;
}

}  // namespace

// ---- LRScheduler ---------------------------------------------------------------------------

LRScheduler::LRScheduler(Optimizer& optimizer, std::string name) : optimizer_(&optimizer), name_(std::move(name)) {
  for (auto& g : optimizer.param_groups()) {
    if (!g.initial_lr) g.initial_lr = g.options().get_lr();
    base_lrs_.push_back(*g.initial_lr);
  }
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const auto& g : optimizer_->param_groups()) out.push_back(g.options().get_lr());
  return out;
}

void LRScheduler::set_group_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_->param_groups();
  for (std::size_t i = 0; i < groups.size() && i < lrs.size(); ++i) groups[i].options().set_lr(lrs[i]);
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  set_group_lrs(get_lr());
  last_lr_ = group_lrs();
}

void LRScheduler::step_to(std::int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto closed = closed_form_lr();
  set_group_lrs(closed ? *closed : get_lr());
  last_lr_ = group_lrs();
}

std::map<std::string, Tensor> LRScheduler::state_dict() const {
  std::map<std::string, Tensor> out;
  out["last_epoch"] = scalar_tensor(static_cast<double>(last_epoch_), kFloat64);
  out["step_count"] = scalar_tensor(static_cast<double>(step_count_), kFloat64);
  put_list(out, "base_lrs", base_lrs_);
  put_list(out, "last_lr", last_lr_);
  return out;
}

void LRScheduler::load_state_dict(const std::map<std::string, Tensor>& in) {
  const std::size_t n = optimizer_->param_groups().size();
  auto epoch = static_cast<std::int64_t>(need(in, "last_epoch", name_).item<double>());
  auto count = static_cast<std::int64_t>(need(in, "step_count", name_).item<double>());
  auto base = get_list(in, "base_lrs", n, name_);
  auto last = get_list(in, "last_lr", n, name_);
  last_epoch_ = epoch;
  step_count_ = count;
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---- StepLR ----------------------------------------------------------------------------------

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer, "StepLR"), step_size_(step_size), gamma_(gamma) {
  require(step_size >= 1, "StepLR", "step_size", static_cast<double>(step_size), "must be >= 1");
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_)));
  return out;
}

// ---- MultiStepLR -------------------------------------------------------------------------------

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer, "MultiStepLR"), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  auto lrs = group_lrs();
  const auto hits = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (hits == 0) return lrs;
  for (double& lr : lrs) lr *= std::pow(gamma_, static_cast<double>(hits));
  return lrs;
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(passed)));
  return out;
}

// ---- ExponentialLR -----------------------------------------------------------------------------

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma)
    : LRScheduler(optimizer, "ExponentialLR"), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(gamma_, static_cast<double>(last_epoch_)));
  return out;
}

// ---- CosineAnnealingLR ---------------------------------------------------------------------------

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer, "CosineAnnealingLR"), t_max_(T_max), eta_min_(eta_min) {
  require(T_max >= 1, "CosineAnnealingLR", "T_max", static_cast<double>(T_max), "must be >= 1");
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  // PyTorch's recursive form: each step rescales the distance to eta_min, so that other
  // schedulers' changes to the lr carry through.
  auto lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  const double pi = std::numbers::pi, T = static_cast<double>(t_max_), e = static_cast<double>(last_epoch_);
  if ((last_epoch_ - 1 - t_max_) % (2 * t_max_) == 0) {  // the restart, where the ratio below is 0/0
    for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] += (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs) {
    lr = (1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  }
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() const {
  const double pi = std::numbers::pi;
  std::vector<double> out;
  for (double b : base_lrs_) {
    out.push_back(eta_min_ + (b - eta_min_) *
                                 (1 + std::cos(pi * static_cast<double>(last_epoch_) / static_cast<double>(t_max_))) /
                                 2);
  }
  return out;
}

// ---- LinearLR --------------------------------------------------------------------------------

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer, "LinearLR"), start_(start_factor), end_(end_factor), total_iters_(total_iters) {
  require(start_factor > 0 && start_factor <= 1, "LinearLR", "start_factor", start_factor, "must be in (0, 1]");
  require(end_factor >= 0 && end_factor <= 1, "LinearLR", "end_factor", end_factor, "must be in [0, 1]");
  require(total_iters >= 1, "LinearLR", "total_iters", static_cast<double>(total_iters), "must be >= 1");
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= start_;
    return lrs;
  }
  if (last_epoch_ > total_iters_) return lrs;
  const double ratio = 1 + (end_ - start_) / (static_cast<double>(total_iters_) * start_ +
                                              static_cast<double>(last_epoch_ - 1) * (end_ - start_));
  for (double& lr : lrs) lr *= ratio;
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const double frac = static_cast<double>(std::min(total_iters_, last_epoch_)) / static_cast<double>(total_iters_);
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * (start_ + (end_ - start_) * frac));
  return out;
}

// ---- ConstantLR ------------------------------------------------------------------------------

ConstantLR::ConstantLR(Optimizer& optimizer, double factor, std::int64_t total_iters)
    : LRScheduler(optimizer, "ConstantLR"), factor_(factor), total_iters_(total_iters) {
  require(factor >= 0 && factor <= 1, "ConstantLR", "factor", factor, "must be in [0, 1]");
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= factor_;
  } else if (last_epoch_ == total_iters_) {
    for (double& lr : lrs) lr *= 1.0 / factor_;
  }
  return lrs;
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * (factor_ + (last_epoch_ >= total_iters_ ? 1 - factor_ : 0.0)));
  return out;
}

// ---- LambdaLR --------------------------------------------------------------------------------

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(std::int64_t)> lambda)
    : LRScheduler(optimizer, "LambdaLR"), lambda_(std::move(lambda)) {
  if (!lambda_) throw std::invalid_argument("LambdaLR: lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() { return *closed_form_lr(); }

std::optional<std::vector<double>> LambdaLR::closed_form_lr() const {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * lambda_(last_epoch_));
  return out;
}

// ---- OneCycleLR ------------------------------------------------------------------------------

OneCycleLR::OneCycleLR(Optimizer& optimizer, double max_lr, std::int64_t total_steps, const OneCycleLROptions& options)
    : OneCycleLR(optimizer, std::vector<double>(optimizer.param_groups().size(), max_lr), total_steps, options) {}

OneCycleLR::OneCycleLR(Optimizer& optimizer, std::vector<double> max_lrs, std::int64_t total_steps,
                       const OneCycleLROptions& o)
    : LRScheduler(optimizer, "OneCycleLR"), total_steps_(total_steps), options_(o), max_lrs_(std::move(max_lrs)) {
  auto& groups = optimizer.param_groups();
  require(total_steps >= 1, "OneCycleLR", "total_steps", static_cast<double>(total_steps),
          "must be a positive integer");
  require(o.pct_start() >= 0 && o.pct_start() <= 1, "OneCycleLR", "pct_start", o.pct_start(), "must be in [0, 1]");
  if (o.anneal_strategy() != "cos" && o.anneal_strategy() != "linear") {
    throw std::invalid_argument("OneCycleLR: anneal_strategy must be 'cos' or 'linear', got '" + o.anneal_strategy() +
                                "'");
  }
  if (max_lrs_.size() != groups.size()) {
    throw std::invalid_argument("OneCycleLR: expected " + std::to_string(groups.size()) + " values for max_lr, got " +
                                std::to_string(max_lrs_.size()));
  }
  const double steps = static_cast<double>(total_steps), pct = o.pct_start();
  if (o.three_phase()) {
    phases_ = {{pct * steps - 1, 0, 1, 0, 1}, {2 * pct * steps - 2, 1, 0, 1, 0}, {steps - 1, 0, 2, 0, 0}};
  } else {
    phases_ = {{pct * steps - 1, 0, 1, 0, 1}, {steps - 1, 1, 2, 1, 0}};
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    initial_lrs_.push_back(max_lrs_[i] / o.div_factor());
    min_lrs_.push_back(initial_lrs_[i] / o.final_div_factor());
    groups[i].initial_lr = initial_lrs_[i];
  }
  base_lrs_ = initial_lrs_;
  if (o.cycle_momentum()) {
    const auto& defaults = optimizer.defaults();
    momentum_key_ = defaults.has("momentum") ? "momentum" : defaults.has("betas.0") ? "betas.0" : "";
    if (momentum_key_.empty()) {
      throw std::invalid_argument("OneCycleLR: optimizer " + optimizer.name() +
                                  " must support momentum or beta1 with `cycle_momentum` option enabled");
    }
    for (auto& g : groups) g.options().set(momentum_key_, o.max_momentum());
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == "cos") return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1);
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  if (last_epoch_ > total_steps_) {
    throw std::invalid_argument("OneCycleLR: tried to step " + std::to_string(last_epoch_) +
                                " times; the specified number of total steps is " + std::to_string(total_steps_));
  }
  auto& groups = optimizer_->param_groups();
  std::vector<double> lrs;
  const auto step = static_cast<double>(last_epoch_);
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const double lr_at[3] = {initial_lrs_[gi], max_lrs_[gi], min_lrs_[gi]};
    const double mom_at[2] = {options_.max_momentum(), options_.base_momentum()};
    double start_step = 0, lr = 0, momentum = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (step <= ph.end_step || i + 1 == phases_.size()) {
        // Capped at the end of the last phase: the scheduler may step once more after the last
        // update (PyTorch extrapolates there, which turns the lr negative with linear annealing).
        const double pct = std::min(1.0, (step - start_step) / (ph.end_step - start_step));
        lr = anneal(lr_at[ph.start_lr], lr_at[ph.end_lr], pct);
        momentum = anneal(mom_at[ph.start_momentum], mom_at[ph.end_momentum], pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (!momentum_key_.empty()) groups[gi].options().set(momentum_key_, momentum);
  }
  return lrs;
}

// ---- SequentialLR ----------------------------------------------------------------------------

namespace {
Optimizer& common_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers, const char* who) {
  if (schedulers.empty()) throw std::invalid_argument(std::string(who) + ": expects at least one scheduler");
  for (std::size_t i = 0; i < schedulers.size(); ++i) {
    if (!schedulers[i]) throw std::invalid_argument(std::string(who) + ": scheduler " + std::to_string(i) + " is null");
    if (&schedulers[i]->optimizer() != &schedulers[0]->optimizer()) {
      throw std::invalid_argument(std::string(who) +
                                  ": expects all schedulers to belong to the same optimizer, but scheduler " +
                                  std::to_string(i) + " has a different one");
    }
  }
  return schedulers[0]->optimizer();
}
}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer, "SequentialLR"), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  if (&common_optimizer(schedulers_, "SequentialLR") != &optimizer) {
    throw std::invalid_argument("SequentialLR: the schedulers drive a different optimizer than the one given");
  }
  if (milestones_.size() + 1 != schedulers_.size()) {
    throw std::invalid_argument("SequentialLR: expects " + std::to_string(schedulers_.size() - 1) + " milestones for " +
                                std::to_string(schedulers_.size()) + " schedulers, got " +
                                std::to_string(milestones_.size()));
  }
  // Undo the construction-time steps of all schedulers, then start only the first.
  last_epoch_ = 0;
  for (auto& g : optimizer.param_groups()) g.options().set_lr(*g.initial_lr);
  for (auto& s : schedulers_) s->last_epoch_ -= 1;
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const auto idx = static_cast<std::size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) -
                                            milestones_.begin());
  auto& s = schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s->step_to(0);
  else s->step();
  last_lr_ = s->get_last_lr();
}

std::map<std::string, Tensor> SequentialLR::state_dict() const {
  auto out = LRScheduler::state_dict();
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    for (auto& [k, v] : schedulers_[i]->state_dict()) out["schedulers." + std::to_string(i) + "." + k] = v;
  }
  return out;
}

void SequentialLR::load_state_dict(const std::map<std::string, Tensor>& in) {
  LRScheduler::load_state_dict(in);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    schedulers_[i]->load_state_dict(sub_map(in, "schedulers." + std::to_string(i) + "."));
  }
}

// ---- ChainedScheduler --------------------------------------------------------------------------

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(common_optimizer(schedulers, "ChainedScheduler"), "ChainedScheduler"),
      schedulers_(std::move(schedulers)) {
  last_epoch_ = 0;  // the schedulers made their epoch-0 step when they were built
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  ++last_epoch_;
  ++step_count_;
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

std::map<std::string, Tensor> ChainedScheduler::state_dict() const {
  auto out = LRScheduler::state_dict();
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    for (auto& [k, v] : schedulers_[i]->state_dict()) out["schedulers." + std::to_string(i) + "." + k] = v;
  }
  return out;
}

void ChainedScheduler::load_state_dict(const std::map<std::string, Tensor>& in) {
  LRScheduler::load_state_dict(in);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) {
    schedulers_[i]->load_state_dict(sub_map(in, "schedulers." + std::to_string(i) + "."));
  }
}

// ---- ReduceLROnPlateau ---------------------------------------------------------------------------

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& o)
    : optimizer_(&optimizer), options_(o) {
  const char* who = "ReduceLROnPlateau";
  require(o.factor() < 1.0, who, "factor", o.factor(), "must be < 1.0");
  require(o.factor() >= 0.0, who, "factor", o.factor(), "must be >= 0");
  require(o.patience() >= 0, who, "patience", static_cast<double>(o.patience()), "must be >= 0");
  require(o.cooldown() >= 0, who, "cooldown", static_cast<double>(o.cooldown()), "must be >= 0");
  if (o.mode() != "min" && o.mode() != "max") {
    throw std::invalid_argument(std::string(who) + ": mode '" + o.mode() + "' is unknown (expected 'min' or 'max')");
  }
  if (o.threshold_mode() != "rel" && o.threshold_mode() != "abs") {
    throw std::invalid_argument(std::string(who) + ": threshold mode '" + o.threshold_mode() +
                                "' is unknown (expected 'rel' or 'abs')");
  }
  const std::size_t n = optimizer.param_groups().size();
  if (o.min_lr().size() == 1) {
    min_lrs_.assign(n, o.min_lr()[0]);
  } else if (o.min_lr().size() == n) {
    min_lrs_ = o.min_lr();
  } else {
    throw std::invalid_argument(std::string(who) + ": expected 1 or " + std::to_string(n) + " values for min_lr, got " +
                                std::to_string(o.min_lr().size()));
  }
  best_ = o.mode() == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (const auto& g : optimizer.param_groups()) last_lr_.push_back(g.options().get_lr());
}

bool ReduceLROnPlateau::is_better(double a) const {
  const double th = options_.threshold();
  const bool rel = options_.threshold_mode() == "rel";
  if (options_.mode() == "min") return rel ? a < best_ * (1 - th) : a < best_ - th;
  return rel ? a > best_ * (th + 1) : a > best_ + th;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience()) {
    auto& groups = optimizer_->param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].options().get_lr();
      const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
      if (old_lr - new_lr > options_.eps()) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : optimizer_->param_groups()) last_lr_.push_back(g.options().get_lr());
}

std::map<std::string, Tensor> ReduceLROnPlateau::state_dict() const {
  std::map<std::string, Tensor> out;
  out["best"] = scalar_tensor(best_, kFloat64);
  out["num_bad_epochs"] = scalar_tensor(static_cast<double>(num_bad_epochs_), kFloat64);
  out["cooldown_counter"] = scalar_tensor(static_cast<double>(cooldown_counter_), kFloat64);
  out["last_epoch"] = scalar_tensor(static_cast<double>(last_epoch_), kFloat64);
  put_list(out, "last_lr", last_lr_);
  return out;
}

void ReduceLROnPlateau::load_state_dict(const std::map<std::string, Tensor>& in) {
  const std::string who = "ReduceLROnPlateau";
  const double best = need(in, "best", who).item<double>();
  const auto bad = static_cast<std::int64_t>(need(in, "num_bad_epochs", who).item<double>());
  const auto cool = static_cast<std::int64_t>(need(in, "cooldown_counter", who).item<double>());
  const auto epoch = static_cast<std::int64_t>(need(in, "last_epoch", who).item<double>());
  auto last = get_list(in, "last_lr", optimizer_->param_groups().size(), who);
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cool;
  last_epoch_ = epoch;
  last_lr_ = std::move(last);
}

}  // namespace xgrad::optim
