// The Checker runs gradcheck's stages in PyTorch's order on one function and its inputs:
//   1. inputs (checker.cpp)            4. grad_output scaling (checker.cpp)
//   2. Jacobians (numerical.cpp, analytical.cpp, compared in jacobians.cpp)
//   3. reentrancy (jacobians.cpp)      5. undefined output gradients (checker.cpp)
// The first failing stage fills the result and its report; later stages do not run.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../random.hpp"
#include "internal.hpp"

namespace xgrad::autograd::detail {

inline constexpr const char* kUndefinedHint =
    "Every node's backward must accept undefined (absent) gradients, which mean zero; a custom Function that "
    "calls set_materialize_grads(false) must check grads[i].defined().";

// Thrown from inside the numerical Jacobian when a perturbed call changes the outputs' form.
struct OutputsChanged {
  std::string message;
};

// Thrown when backward fails only because some output gradients were undefined.
struct UndefinedGradThrown {
  std::string message;
};

class Checker {
 public:
  Checker(const GradcheckFunction& fn, const tensor_list& inputs, const GradcheckOptions& options)
      : fn_(fn), inputs_(inputs), opt_(options), tol_{options.atol(), options.rtol()} {
    result_.fast_mode = options.fast_mode();
    result_.atol = options.atol();
    result_.rtol = options.rtol();
  }
  GradcheckResult run();

 private:
  // Largest |a - b| between two runs of the analytical Jacobians, with where it happened.
  struct NondetInfo {
    double diff = 0;
    std::size_t k = 0;
    std::size_t e = 0;
    double first = 0, second = 0;
  };
  using Nondet = std::optional<std::pair<std::size_t, NondetInfo>>;  // (output, where)

  // checker.cpp: the stages around the Jacobians, and the calls
  void check_inputs();
  static bool overlaps(const Tensor& x);
  tensor_list call();
  tensor_list vjp(const tensor_list& outs, const tensor_list& grad_outs);
  void check_no_differentiable_outputs();
  void check_mul_by_grad_output();
  void check_undefined_grads();
  void fail(GradcheckFailure f, std::string message);

  // numerical.cpp
  void call_and_read(const std::vector<std::size_t>& which, std::vector<Matrix>& bufs, std::size_t input,
                     std::int64_t element);
  std::vector<Matrix> numerical_jacobian(std::size_t j, const std::vector<std::size_t>& which);
  std::vector<Matrix> numerical_jvp(std::size_t j, const Matrix& u, const std::vector<std::size_t>& which);
  static Matrix unit_vector(Generator& gen, std::int64_t n);

  // analytical.cpp
  void store_columns(const tensor_list& g, std::vector<Matrix>& jac, std::int64_t c, std::int64_t cols);
  tensor_list vjp_of_output(std::size_t i, const Tensor& g, const std::string& grad_desc);
  std::vector<Matrix> analytical_jacobian(std::size_t i);
  std::vector<Matrix> analytical_vjp(std::size_t i, const Matrix& v);

  // jacobians.cpp: comparison and reentrancy, slow and fast mode
  PairContext context(std::size_t i, const std::vector<Matrix>& num, const std::vector<Matrix>& ana) const;
  static NondetInfo nondeterminism(const std::vector<Matrix>& a, const std::vector<Matrix>& b);
  std::string nondet_report(std::size_t i, const NondetInfo& nd, std::int64_t cols) const;
  void report_nondeterministic(std::size_t i, const NondetInfo& nd, std::int64_t cols, const std::string& note);
  std::string mismatch_summary(const GradcheckPair& p) const;
  void slow_jacobians();
  void fast_jacobians();
  void explain_fast_failure(GradcheckPair& p);
  // blame.cpp: the node behind a failure (GradcheckResult::failing_node), named in the report
  void blame();
  void blame_path(std::size_t i, std::size_t k);
  void blame_feeder(std::size_t k);
  void blame_creator();
  void set_blame(const std::vector<Node*>& candidates, const std::string& where);

  const GradcheckFunction& fn_;
  tensor_list scratch_;  // outputs of the perturbed calls
  const tensor_list& inputs_;
  GradcheckOptions opt_;
  Tolerance tol_;
  GradcheckResult result_;
  tensor_list outputs_;
  std::vector<std::size_t> diff_in_;   // indices of inputs that require grad
  tensor_list diff_tensors_;           // those inputs
  std::vector<std::size_t> diff_out_;  // indices of outputs that require grad
  std::vector<std::size_t> float_out_;
  std::string bad_grad_shape_, bad_grad_dtype_;
  // What blame() needs from the failing stage.
  std::size_t bad_grad_k_ = 0;                                      // input (diff index) of a bad shape/dtype
  std::optional<std::pair<std::size_t, std::size_t>> nondet_pair_;  // (output, diff input)
  std::shared_ptr<Node> thrower_;                                   // the node whose backward threw
  tensor_list creator_outs_, creator_grads_;                        // the backward that gave a non-zero gradient
};

}  // namespace xgrad::autograd::detail
