#include "optimizer.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <unordered_set>

#include "../autograd/grad_mode.hpp"
#include "../autograd/node.hpp"
#include "../autograd/ops.hpp"
#include "options_check.hpp"

namespace xgrad::optim {

// ---- OptimizerOptions --------------------------------------------------------------------------

bool OptimizerOptions::has(const std::string& name) const { return to_map().count(name) != 0; }

double OptimizerOptions::get(const std::string& name) const {
  auto values = to_map();
  auto it = values.find(name);
  if (it == values.end()) {
    throw std::invalid_argument(std::string(optimizer_name()) + ": no option named '" + name + "'");
  }
  return it->second;
}

void OptimizerOptions::set(const std::string& name, double value) { from_map({{name, value}}); }

// ---- OptimizerParamGroup -----------------------------------------------------------------------

OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}

OptimizerParamGroup::OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
    : params_(std::move(params)), options_(std::move(options)) {}

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : initial_lr(other.initial_lr),
      params_(other.params_),
      options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
    initial_lr = other.initial_lr;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  if (!options_)
    throw std::logic_error("OptimizerParamGroup: the group has no options yet (add it to an optimizer first)");
  return *options_;
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  if (!options_)
    throw std::logic_error("OptimizerParamGroup: the group has no options yet (add it to an optimizer first)");
  return *options_;
}

// ---- Optimizer -------------------------------------------------------------------------------

namespace {

std::string describe_param(const Tensor& t) { return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()); }

// A state dict is tagged with the optimizer that saved it, so that loading it into another
// names both: options alone cannot tell Adam from AdamW.
const std::string kTypeKey = "optimizer.";

}  // namespace

Optimizer::Optimizer(std::string name, std::vector<OptimizerParamGroup> groups,
                     std::unique_ptr<OptimizerOptions> defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {
  defaults_->validate();
  std::size_t total = 0;
  for (const auto& g : groups) total += g.params().size();
  if (total == 0) throw std::invalid_argument(name_ + ": optimizer got an empty parameter list");
  for (const auto& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group_in) {
  OptimizerParamGroup group = group_in;
  const std::string where = "group " + std::to_string(groups_.size());
  std::unordered_set<const TensorImpl*> seen, in_group;
  for (const auto& g : groups_)
    for (const auto& p : g.params()) seen.insert(p.impl());
  for (std::size_t i = 0; i < group.params().size(); ++i) {
    const Tensor& p = group.params()[i];
    const std::string which = "parameter " + std::to_string(i) + " of " + where;
    if (!p.defined()) throw std::invalid_argument(name_ + ": " + which + " is an undefined tensor");
    if (!p.is_floating_point()) {
      throw std::invalid_argument(name_ + ": can't optimize " + which + " (" + describe_param(p) +
                                  "): parameters must be Float32 or Float64");
    }
    if (!p.is_leaf()) {
      throw std::invalid_argument(name_ + ": can't optimize a non-leaf Tensor (" + which + ", " + describe_param(p) +
                                  ", grad_fn=" + p.grad_fn()->name() + "); optimize the leaves it was computed from");
    }
    if (!in_group.insert(p.impl()).second) {
      throw std::invalid_argument(name_ + ": " + which + " (" + describe_param(p) +
                                  ") appears more than once in the group");
    }
    if (!seen.insert(p.impl()).second) {
      throw std::invalid_argument(name_ + ": some parameters appear in more than one parameter group (" + which + ", " +
                                  describe_param(p) + ", is already optimized)");
    }
  }
  if (!group.has_options()) {
    group.set_options(defaults_->clone());
  } else if (std::string(group.options().optimizer_name()) != name_) {
    throw std::invalid_argument(name_ + ": " + where + " has options of " + group.options().optimizer_name() +
                                ", expected " + name_ + "Options");
  }
  group.options().validate();
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& g : groups_) {
    for (auto& p : g.params()) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        p.mutable_grad() = Tensor();
        continue;
      }
      NoGradGuard no_grad;
      if (grad.grad_fn()) {
        // A gradient built with create_graph: cut it from its graph before zeroing in place.
        grad = grad.detach();
        p.mutable_grad() = grad;
      } else if (grad.requires_grad()) {
        grad.requires_grad_(false);
      }
      grad.zero_();
    }
  }
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& g : groups_) out.insert(out.end(), g.params().begin(), g.params().end());
  return out;
}

std::size_t Optimizer::size() const {
  std::size_t n = 0;
  for (const auto& g : groups_) n += g.params().size();
  return n;
}

const ParamState* Optimizer::state(const Tensor& param) const {
  auto it = state_.find(param.impl());
  return it == state_.end() ? nullptr : &it->second;
}

ParamState& Optimizer::state_for(const Tensor& param) { return state_[param.impl()]; }

Tensor Optimizer::run_closure(const LossClosure& closure) const {
  Tensor loss;
  if (closure) {
    AutoGradMode enable(true);
    loss = closure();
  }
  check_grads();
  return loss;
}

void Optimizer::check_grads() const {
  std::size_t index = 0;
  for (const auto& g : groups_) {
    for (const auto& p : g.params()) {
      const Tensor grad = p.grad();
      if (grad.defined() && (grad.shape() != p.shape() || grad.dtype() != p.dtype())) {
        throw std::invalid_argument(name_ + ": parameter " + std::to_string(index) + " (" + describe_param(p) +
                                    ") has a gradient of " +
                                    (grad.shape() != p.shape() ? "another shape" : "another dtype") + " (" +
                                    describe_param(grad) + "); a gradient must have its parameter's shape and dtype");
      }
      ++index;
    }
  }
}

// ---- state_dict ----------------------------------------------------------------------------

std::map<std::string, Tensor> Optimizer::state_dict() const {
  std::map<std::string, Tensor> out;
  out[kTypeKey + name_] = scalar_tensor(1, kInt64);
  std::int64_t index = 0;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    const auto& group = groups_[gi];
    const std::string gp = "param_groups." + std::to_string(gi) + ".";
    for (const auto& [key, value] : group.options().to_map()) out[gp + key] = scalar_tensor(value, kFloat64);
    if (group.initial_lr) out[gp + "initial_lr"] = scalar_tensor(*group.initial_lr, kFloat64);
    std::vector<std::int64_t> ids;
    for (const auto& p : group.params()) {
      const std::string sp = "state." + std::to_string(index) + ".";
      ids.push_back(index++);
      auto it = state_.find(p.impl());
      if (it == state_.end()) continue;
      out[sp + "step"] = scalar_tensor(static_cast<double>(it->second.step), kInt64);
      // Clones: the saved state must not change when training continues.
      for (const auto& [name, buf] : it->second.buffers) out[sp + name] = buf.detach().clone();
    }
    out[gp + "params"] = tensor(ids, {static_cast<std::int64_t>(ids.size())});
  }
  save_extra_state(out);
  return out;
}

namespace {

// "state.12.exp_avg" -> (12, "exp_avg"); false if the key does not have that form.
bool split_indexed_key(const std::string& key, const std::string& prefix, std::int64_t& index, std::string& rest) {
  if (key.rfind(prefix, 0) != 0) return false;
  const char* begin = key.data() + prefix.size();
  const char* end = key.data() + key.size();
  auto [ptr, ec] = std::from_chars(begin, end, index);
  if (ec != std::errc() || ptr == end || *ptr != '.') return false;
  rest.assign(ptr + 1, end);
  return true;
}

}  // namespace

void Optimizer::load_state_dict(const std::map<std::string, Tensor>& sd) {
  const std::string who = name_ + ".load_state_dict";
  for (auto it = sd.lower_bound(kTypeKey); it != sd.end() && it->first.rfind(kTypeKey, 0) == 0; ++it) {
    const std::string saved_by = it->first.substr(kTypeKey.size());
    if (saved_by != name_) {
      throw std::invalid_argument(who + ": the state dict was saved by " + saved_by + ", not " + name_ +
                                  "; load it into a " + saved_by + " optimizer");
    }
  }
  // Check everything before changing anything, so that a bad state dict leaves us untouched.
  std::vector<std::map<std::string, double>> group_options(groups_.size());
  std::vector<std::optional<double>> initial_lrs(groups_.size());
  std::int64_t max_group = -1;
  for (const auto& [key, value] : sd) {
    std::int64_t gi = 0;
    std::string rest;
    if (!split_indexed_key(key, "param_groups.", gi, rest)) continue;
    max_group = std::max(max_group, gi);
    if (gi < 0 || gi >= static_cast<std::int64_t>(groups_.size())) continue;
    if (rest == "params") {
      if (value.numel() != static_cast<std::int64_t>(groups_[static_cast<std::size_t>(gi)].params().size())) {
        throw std::invalid_argument(who + ": loaded state dict contains a parameter group (" + key + ") of " +
                                    std::to_string(value.numel()) +
                                    " parameters that doesn't match the size of the optimizer's group (" +
                                    std::to_string(groups_[static_cast<std::size_t>(gi)].params().size()) + ")");
      }
    } else if (rest == "initial_lr") {
      initial_lrs[static_cast<std::size_t>(gi)] = value.item<double>();
    } else {
      group_options[static_cast<std::size_t>(gi)][rest] = value.item<double>();
    }
  }
  if (max_group + 1 != static_cast<std::int64_t>(groups_.size())) {
    throw std::invalid_argument(who + ": loaded state dict has " + std::to_string(max_group + 1) +
                                " parameter groups, the optimizer has " + std::to_string(groups_.size()));
  }
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    auto o = groups_[gi].options().clone();
    try {
      o->from_map(group_options[gi]);
    } catch (const std::invalid_argument& e) {
      // An untagged state dict (saved before the tag) of another optimizer ends up here.
      throw std::invalid_argument(who + ": the options of parameter group " + std::to_string(gi) + " are not " + name_ +
                                  "'s (" + e.what() + "); was the state dict saved by another optimizer?");
    }
    new_options.push_back(std::move(o));
  }

  std::vector<Tensor> params = parameters();
  std::unordered_map<const TensorImpl*, ParamState> new_state;
  for (const auto& [key, value] : sd) {
    std::int64_t pi = 0;
    std::string rest;
    if (!split_indexed_key(key, "state.", pi, rest)) continue;
    if (pi < 0 || pi >= static_cast<std::int64_t>(params.size())) {
      throw std::invalid_argument(who + ": state entry '" + key +
                                  "' refers to a parameter the optimizer does not have (it has " +
                                  std::to_string(params.size()) + ")");
    }
    const Tensor& p = params[static_cast<std::size_t>(pi)];
    ParamState& st = new_state[p.impl()];
    if (rest == "step") {
      st.step = value.item<std::int64_t>();
    } else if (is_scalar_state(rest)) {
      if (value.numel() != 1) {
        throw std::invalid_argument(who + ": state entry '" + key + "' has shape " + shape_str(value.shape()) + "; " +
                                    name_ + " keeps '" + rest + "' as a scalar");
      }
      // Scalar state stays Float64 whatever the parameter's dtype (see state_buffers.hpp).
      st.buffers[rest] = scalar_tensor(value.detach().to(kFloat64).reshape({}).item<double>(), kFloat64);
    } else {
      if (value.shape() != p.shape()) {
        throw std::invalid_argument(who + ": state entry '" + key + "' has shape " + shape_str(value.shape()) +
                                    " but parameter " + std::to_string(pi) + " has shape " + shape_str(p.shape()));
      }
      NoGradGuard no_grad;
      // As PyTorch, floating state follows the parameter's dtype; a clone so we own it.
      st.buffers[rest] = value.detach().to(p.dtype()).contiguous().clone();
    }
  }
  load_extra_state(sd);
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].set_options(std::move(new_options[gi]));
    groups_[gi].initial_lr = initial_lrs[gi];
  }
  state_ = std::move(new_state);
}

}  // namespace xgrad::optim

namespace xgrad::optim::detail {

void require(bool ok, const char* owner, const char* what, double value, const char* rule) {
  if (!ok)
    throw std::invalid_argument(std::string(owner) + ": invalid " + what + ": " + num_str(value) + " (" + rule + ")");
}

void unknown_option(const char* owner, const std::string& name) {
  throw std::invalid_argument(std::string(owner) + ": unknown option '" + name + "'");
}

}  // namespace xgrad::optim::detail
