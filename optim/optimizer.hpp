// The Optimizer base class shared by SGD, Adam, AdamW, RMSprop, Adagrad and LBFGS: parameter
// groups with their own options, per-parameter state, zero_grad, step and state_dict, with
// PyTorch's semantics (torch.optim.Optimizer) and LibTorch's C++ spelling.
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "../autograd/tensor.hpp"
#include "arg.hpp"

namespace xgrad::optim {

// The options of one optimizer (lr, momentum, betas, ...). Every option is also reachable by
// name as a double (bools as 0/1, the two betas as "betas.0" and "betas.1"): that is how
// state_dict stores them and how schedulers change lr and momentum without knowing the type.
class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  // The optimizer these options belong to ("SGD"); a group's options must match its optimizer.
  virtual const char* optimizer_name() const = 0;
  virtual std::map<std::string, double> to_map() const = 0;
  // Sets the options present in `values` (others keep their value), then validates.
  // Throws std::invalid_argument for an unknown name or an invalid value.
  virtual void from_map(const std::map<std::string, double>& values) = 0;
  // Throws std::invalid_argument naming the optimizer and the bad value.
  virtual void validate() const = 0;

  double get_lr() const { return get("lr"); }
  void set_lr(double lr) { set("lr", lr); }
  bool has(const std::string& name) const;
  double get(const std::string& name) const;  // throws std::invalid_argument if absent
  void set(const std::string& name, double value);
};

// Some parameters and the options that apply to them. Without options, the group takes the
// optimizer's defaults when it is added.
class OptimizerParamGroup {
 public:
  OptimizerParamGroup(std::vector<Tensor> params);  // NOLINT: `{w, b}` reads naturally
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options);
  template <class O>
  requires std::derived_from<O, OptimizerOptions> OptimizerParamGroup(std::vector<Tensor> params, const O& options)
      : params_(std::move(params)), options_(options.clone()) {}
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) noexcept = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) noexcept = default;

  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }
  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }

  // The lr the schedulers start from (PyTorch's group["initial_lr"]); set by the first scheduler.
  std::optional<double> initial_lr;

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

// What an optimizer remembers about one parameter: its step count and named buffers
// ("momentum_buffer", "exp_avg", ...), each a contiguous tensor of the parameter's shape.
struct ParamState {
  std::int64_t step = 0;
  std::map<std::string, Tensor> buffers;
};

class Optimizer {
 public:
  // Re-evaluates the model and returns the loss (it should zero the grads and call backward).
  using LossClosure = std::function<Tensor()>;

  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (parameters whose grad is undefined are
  // skipped). With a closure, the closure runs first (with grad mode on) and its loss is
  // returned; LBFGS requires one. Runs without recording a graph.
  virtual Tensor step(LossClosure closure = nullptr) = 0;

  // Clears the gradients of all parameters: undefined (set_to_none, the default) or zeros.
  void zero_grad(bool set_to_none = true);

  // Adds a group; throws std::invalid_argument for a parameter that is already optimized,
  // non-leaf, Int64 or undefined, or for options of another optimizer or with bad values.
  virtual void add_param_group(const OptimizerParamGroup& group);

  std::vector<OptimizerParamGroup>& param_groups() noexcept { return groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const noexcept { return groups_; }
  const OptimizerOptions& defaults() const noexcept { return *defaults_; }
  OptimizerOptions& defaults() noexcept { return *defaults_; }
  std::vector<Tensor> parameters() const;  // every group's parameters, in order
  std::size_t size() const;                // their count
  const std::string& name() const noexcept { return name_; }

  // The state of a parameter, or nullptr before its first update.
  const ParamState* state(const Tensor& param) const;

  // Everything needed to resume bit-exactly, as a flat map of tensors (saveable as
  // safetensors): "optimizer.<name>" (an Int64 1 whose key names the optimizer, e.g.
  // "optimizer.Adam"), "param_groups.<g>.<option>" Float64 scalars, "param_groups.<g>.params"
  // (the Int64 global indices of the group's parameters), "param_groups.<g>.initial_lr",
  // "state.<i>.step" (Int64) and "state.<i>.<buffer>" for parameter i (counted across groups).
  // Save it with nn::save(opt.state_dict(), path) and restore with nn::load + load_state_dict.
  std::map<std::string, Tensor> state_dict() const;
  // Restores options and state saved by state_dict() of an optimizer of the same kind over
  // parameters of the same shapes. Throws std::invalid_argument (naming the key, or both
  // optimizers' names) otherwise.
  void load_state_dict(const std::map<std::string, Tensor>& state_dict);

 protected:
  Optimizer(std::string name, std::vector<OptimizerParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults);

  // The state of `param`, created empty on first use.
  ParamState& state_for(const Tensor& param);
  // Subclasses with state that is not per parameter (LBFGS) save and restore it here.
  virtual void save_extra_state(std::map<std::string, Tensor>& /*out*/) const {}
  virtual void load_extra_state(const std::map<std::string, Tensor>& /*in*/) {}
  // Whether the state entry `name` is a scalar kept as a 0-dim Float64 tensor (NAdam's
  // mu_product, ASGD's eta and mu) rather than a buffer of the parameter's shape and dtype.
  virtual bool is_scalar_state(const std::string& /*name*/) const { return false; }
  // Runs the closure with grad mode on (as PyTorch's step does; undefined when there is none),
  // then check_grads(). Every step() starts here, and LBFGS comes back after each closure call,
  // so no update rule ever reads an unchecked gradient.
  Tensor run_closure(const LossClosure& closure) const;
  // Throws std::invalid_argument unless every defined .grad() has its parameter's shape and
  // dtype, whatever put it there (a hook, user code): the update rules read the gradient's
  // memory as if it were the parameter's.
  void check_grads() const;

  std::string name_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::vector<OptimizerParamGroup> groups_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
};

}  // namespace xgrad::optim
