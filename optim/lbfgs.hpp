// L-BFGS with an optional strong-Wolfe line search, exactly as torch.optim.LBFGS: for
// deterministic full-batch problems (each step() runs up to max_iter quasi-Newton iterations).
#pragma once
#include <optional>
#include <string>

#include "optimizer.hpp"

namespace xgrad::optim {

class LBFGSOptions : public OptimizerOptions {
 public:
  LBFGSOptions(double lr = 1) : lr_(lr) {}
  XGRAD_ARG(double, lr, 1.0)
  XGRAD_ARG(std::int64_t, max_iter, 20)
  // Function evaluations per step(); unset means max_iter * 5 / 4.
  XGRAD_ARG(std::optional<std::int64_t>, max_eval, std::nullopt)
  XGRAD_ARG(double, tolerance_grad, 1e-7)
  XGRAD_ARG(double, tolerance_change, 1e-9)
  XGRAD_ARG(std::int64_t, history_size, 100)
  // "strong_wolfe" or unset (fixed step of length lr).
  XGRAD_ARG(std::optional<std::string>, line_search_fn, std::nullopt)

 public:
  std::int64_t resolved_max_eval() const { return max_eval().value_or(max_iter() * 5 / 4); }
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<LBFGSOptions>(*this); }
  const char* optimizer_name() const override { return "LBFGS"; }
  // line_search_fn is stored as "line_search_strong_wolfe" (0/1).
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr >= 0, max_iter >= 1, max_eval >= 1, history_size >= 1, tolerances >= 0,
  // line_search_fn unset or "strong_wolfe".
  void validate() const override;
};

class LBFGS : public Optimizer {
 public:
  // One parameter group only (as PyTorch): the quasi-Newton state spans all parameters.
  LBFGS(std::vector<Tensor> params, const LBFGSOptions& options = LBFGSOptions());

  // Requires the closure (it is called several times per step). Returns the loss of the
  // first evaluation, i.e. before this step's updates.
  Tensor step(LossClosure closure = nullptr) override;
  // Throws: L-BFGS does not support parameter groups.
  void add_param_group(const OptimizerParamGroup& group) override;

  std::int64_t n_iter() const noexcept { return n_iter_; }          // iterations so far, all steps
  std::int64_t func_evals() const noexcept { return func_evals_; }  // closure calls so far

 protected:
  void save_extra_state(std::map<std::string, Tensor>& out) const override;
  void load_extra_state(const std::map<std::string, Tensor>& in) override;

 private:
  using Vec = std::vector<double>;
  Vec gather_flat_grad() const;
  void add_to_params(double step, const Vec& direction);
  double evaluate(const LossClosure& closure);

  // The quasi-Newton memory, kept across step() calls (PyTorch keeps it in the state of the
  // first parameter; here it is saved under "state.global.*").
  std::int64_t func_evals_ = 0, n_iter_ = 0;
  Vec d_, prev_flat_grad_;
  double t_ = 0, h_diag_ = 1, prev_loss_ = 0;
  std::vector<Vec> old_dirs_, old_stps_;
  Vec ro_;
};

}  // namespace xgrad::optim
