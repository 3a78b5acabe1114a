// Newton's method for small deterministic full-batch problems: each step() solves H p = -g with
// the exact Hessian (Cholesky from LAPACK, via xtensor-blas) or, Hessian-free, with conjugate
// gradient on Hessian-vector products, then takes a damped step (backtracking line search).
//
//   optim::Newton opt(model.parameters(), optim::NewtonOptions().hessian_free(true));
//   auto closure = [&] {
//     opt.zero_grad();
//     Tensor loss = criterion(model(x), y);
//     loss.backward({}, std::nullopt, /*create_graph=*/true);  // Newton differentiates .grad()
//     return loss;
//   };
//   for (int i = 0; i < 10; ++i) opt.step(closure);
//
// The closure's contract differs from the other optimizers' in one point: backward must run
// with create_graph, so that the gradients it leaves in .grad() can be differentiated again
// (step() throws std::invalid_argument otherwise). After step() the gradients are detached,
// which frees their graph.
//
// Cost per step (n = total numel of the parameters, F + B = one closure call): full Hessian:
// F + B (create_graph) + n backwards of the gradient's graph + an O(n^3) Cholesky, so n up to a
// few thousand; Hessian-free: F + B + one backward per CG iteration (at most cg_max_iter, n by
// default), memory O(n). The line search adds one closure call per trial step.
// A Hessian that is not positive definite (Cholesky fails) gets tau * I added (Nocedal & Wright,
// Algorithm 3.3: tau from 1e-3 max(1, max |H_ii|) - min H_ii, doubling); CG stops at the first
// direction of non-positive curvature. Either way the step descends (else -g is used), and the
// line search never accepts a step that does not lower the loss.
#pragma once
#include <cstdint>
#include <vector>

#include "optimizer.hpp"

namespace xgrad::optim {

class NewtonOptions : public OptimizerOptions {
 public:
  NewtonOptions(double lr = 1) : lr_(lr) {}
  // The first trial step length (1 is Newton's step).
  XGRAD_ARG(double, lr, 1.0)
  // Added to the Hessian's diagonal (Levenberg-style damping), also in the Hessian-free mode.
  XGRAD_ARG(double, damping, 0.0)
  // Backtracking (Armijo, c1 = 1e-4, halving) from lr; without it every step is lr * p.
  XGRAD_ARG(bool, line_search, true)
  XGRAD_ARG(std::int64_t, max_line_search, 30)
  // Conjugate gradient on Hessian-vector products instead of the whole Hessian.
  XGRAD_ARG(bool, hessian_free, false)
  XGRAD_ARG(std::int64_t, cg_max_iter, 0)   // 0: n
  XGRAD_ARG(double, cg_tolerance, 1e-10)    // on |residual| / |g|
  XGRAD_ARG(double, tolerance_grad, 1e-10)  // no step when max |g| is below it

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<NewtonOptions>(*this); }
  const char* optimizer_name() const override { return "Newton"; }
  std::map<std::string, double> to_map() const override;
  void from_map(const std::map<std::string, double>& values) override;
  // lr > 0, damping >= 0, max_line_search >= 1, cg_max_iter >= 0, tolerances >= 0.
  void validate() const override;
};

class Newton : public Optimizer {
 public:
  // One parameter group only: the Hessian spans all parameters.
  Newton(std::vector<Tensor> params, const NewtonOptions& options = NewtonOptions());

  // Requires the closure (see above). Returns the loss before this step's update.
  Tensor step(LossClosure closure = nullptr) override;
  // Throws: Newton does not support parameter groups.
  void add_param_group(const OptimizerParamGroup& group) override;

  std::int64_t n_iter() const noexcept { return n_iter_; }          // updates so far
  std::int64_t func_evals() const noexcept { return func_evals_; }  // closure calls so far
  std::int64_t cg_iters() const noexcept { return cg_iters_; }      // Hessian-vector products so far

 private:
  using Vec = std::vector<double>;
  // Gradients of the closure's graph: checked to be differentiable, as one vector.
  Vec flat_grad(tensor_list& grads) const;
  // d(g . v)/dparams, flattened: the Hessian times v (one backward of the gradient's graph).
  Vec hessian_times(const tensor_list& grads, const Vec& v) const;
  Vec full_direction(const tensor_list& grads, const Vec& g) const;
  Vec cg_direction(const tensor_list& grads, const Vec& g);
  void add_to_params(double step, const Vec& direction);
  void line_search(const LossClosure& closure, double f0, double slope, const Vec& p);
  void detach_grads();

  std::int64_t n_iter_ = 0, func_evals_ = 0, cg_iters_ = 0;
};

}  // namespace xgrad::optim
