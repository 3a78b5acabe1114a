// gradcheck / gradgradcheck: verify a backward pass against central differences, as
// torch.autograd.gradcheck does (same defaults, same checks, same order), with a failure report
// that names the common bugs (backward not connected, transposed, missing factor, wrong sign,
// gradient for the wrong input, grad_output ignored).
//
//   using namespace xgrad::autograd;
//   bool ok = gradcheck([](const tensor_list& in) { return MyFn::apply(in[0], in[1], 2.0); },
//                       {a, b}, GradcheckOptions().eps(1e-6).atol(1e-4));
//
// `fn` is called as fn(const tensor_list&) and returns a Tensor or a tensor_list. Inputs that do
// not require grad (and Int64 inputs) pass through unperturbed; outputs that do not require grad
// are not differentiated. Check in Float64: central differences in Float32 keep only a few
// significant digits, so a Float32 input gets a warning (on std::cerr, once per call).
//
// Cost of a passing check, exactly (N = total numel of the inputs that require grad, D = their
// count, M = total numel of the differentiable outputs, K = their count, U = 1 + (K > 1 ? K : 0)
// when check_undefined_grad, else 0):
//   slow mode: 1 + 2N calls of fn; 2M + 1 + U backward calls (each analytical Jacobian is
//              computed twice, as PyTorch does, to check that backward is deterministic);
//   fast mode: 1 + 2D calls of fn; 2K + 1 + U backward calls.
// check_undefined_grad adds backward calls only: its U cases reuse the graph of fn's first call
// (PyTorch calls fn again for each, 1 + 2N + U calls in slow mode). Every backward call runs a
// custom Function's backward, the ones where all its output gradients are undefined included.
// A check stops at its first failing stage (later stages are not run), so a failing check
// makes fewer calls, except: a fast-mode failure recomputes the failing pair in slow mode for
// the report (+ 2N calls of fn, + numel(output) backward calls), and a backward that throws
// while some output gradients are undefined is retried once with zeros for them (+ 1 backward
// call) to tell whether undefined gradients are the cause. A gradient that ignores grad_output,
// or is non-zero for undefined grad_outputs, costs one more backward call that watches each
// node's incoming gradients, to name the node at fault (GradcheckResult::failing_node).
// With no differentiable output only the numerical stage runs (its Jacobian must be zero): the
// same calls of fn, no backward. gradgradcheck adds one call of fn when it has to make up
// grad_outputs; each call of its function is one call of fn plus one autograd::grad with
// create_graph.
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace xgrad {
namespace autograd {

class Node;

// Options in builder style, defaults as PyTorch's gradcheck: GradcheckOptions().eps(1e-6).atol(1e-4).
class GradcheckOptions {
 public:
  // Step of the central differences.
  GradcheckOptions eps(double v) const { return with(&GradcheckOptions::eps_, v); }
  // Element (r, c) passes when |analytical - numerical| <= atol + rtol * |numerical|.
  GradcheckOptions atol(double v) const { return with(&GradcheckOptions::atol_, v); }
  GradcheckOptions rtol(double v) const { return with(&GradcheckOptions::rtol_, v); }
  // true: a failure throws GradcheckError with the report; false: gradcheck returns false.
  GradcheckOptions raise_exception(bool v) const { return with(&GradcheckOptions::raise_exception_, v); }
  // How far two runs of backward on the same input and grad_output may differ.
  GradcheckOptions nondet_tol(double v) const { return with(&GradcheckOptions::nondet_tol_, v); }
  // Backward must accept undefined output gradients (and then give undefined or zero ones).
  GradcheckOptions check_undefined_grad(bool v) const { return with(&GradcheckOptions::check_undefined_grad_, v); }
  // Gradients must have their input's dtype.
  GradcheckOptions check_grad_dtypes(bool v) const { return with(&GradcheckOptions::check_grad_dtypes_, v); }
  // Compare v^T J u for random unit vectors instead of whole Jacobians (O(1) calls per input).
  GradcheckOptions fast_mode(bool v) const { return with(&GradcheckOptions::fast_mode_, v); }
  // Seed of the check's own generator (fast mode's u and v, gradgradcheck's grad_outputs); the
  // global generator is never touched.
  GradcheckOptions seed(std::uint64_t v) const { return with(&GradcheckOptions::seed_, v); }
  // gradgradcheck only: made-up grad_outputs are non-contiguous (stride 2).
  GradcheckOptions gen_non_contig_grad_outputs(bool v) const {
    return with(&GradcheckOptions::gen_non_contig_grad_outputs_, v);
  }

  double eps() const { return eps_; }
  double atol() const { return atol_; }
  double rtol() const { return rtol_; }
  bool raise_exception() const { return raise_exception_; }
  double nondet_tol() const { return nondet_tol_; }
  bool check_undefined_grad() const { return check_undefined_grad_; }
  bool check_grad_dtypes() const { return check_grad_dtypes_; }
  bool fast_mode() const { return fast_mode_; }
  std::uint64_t seed() const { return seed_; }
  bool gen_non_contig_grad_outputs() const { return gen_non_contig_grad_outputs_; }

 private:
  template <class M, class V>
  GradcheckOptions with(M GradcheckOptions::*member, V v) const {
    GradcheckOptions o = *this;
    o.*member = v;
    return o;
  }
  double eps_ = 1e-6;
  double atol_ = 1e-5;
  double rtol_ = 1e-3;
  bool raise_exception_ = true;
  double nondet_tol_ = 0.0;
  bool check_undefined_grad_ = true;
  bool check_grad_dtypes_ = false;
  bool fast_mode_ = false;
  std::uint64_t seed_ = 0;
  bool gen_non_contig_grad_outputs_ = false;
};
using GradgradcheckOptions = GradcheckOptions;

// Thrown by a failing check when raise_exception is on; what() is the full report.
class GradcheckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Which check failed (the first failing one, in PyTorch's order).
enum class GradcheckFailure : std::uint8_t {
  None,
  JacobianMismatch,                     // analytical and numerical Jacobians differ
  NonDeterministic,                     // two backward runs differ by more than nondet_tol ("not reentrant")
  GradShape,                            // a gradient's shape differs from its input's
  GradDtype,                            // a gradient's dtype differs from its input's
  NotMultipliedByGradOutput,            // zero grad_outputs gave a non-zero gradient
  UndefinedGradThrows,                  // backward threw on undefined output gradients
  UndefinedGradNonZero,                 // undefined output gradients gave a non-zero gradient
  NonZeroWithoutDifferentiableOutputs,  // no output requires grad, yet the function varies
  OutputChangedUnderPerturbation,       // outputs changed count, shape or dtype at x +- eps
};

// The common bug a mismatching Jacobian looks like.
enum class GradcheckDiagnosis : std::uint8_t {
  None,               // no known pattern
  AnalyticalZero,     // backward not connected: analytical all zero, numerical not
  NumericalZero,      // the output does not depend on the input, yet backward gives a gradient
  NotFinite,          // NaN or Inf in one of the Jacobians
  WrongSign,          // analytical = -numerical
  ConstantFactor,     // analytical = k * numerical (k in GradcheckPair::factor)
  Transposed,         // analytical = numerical transposed (Jacobian, gradient or grad_output)
  WrongInput,         // the gradient belongs to another input (backward's results out of order)
  IgnoresGradOutput,  // every output element gives the same gradient: grad_output not used
};

const char* gradcheck_failure_name(GradcheckFailure f) noexcept;
const char* gradcheck_diagnosis_name(GradcheckDiagnosis d) noexcept;

// One (differentiable output, differentiable input) comparison. Jacobians follow PyTorch's
// layout: Float64 [input.numel(), output.numel()], entry (r, c) = d output_flat[c] / d input_flat[r].
struct GradcheckPair {
  std::size_t output = 0;  // index into fn's outputs
  std::size_t input = 0;   // index into the inputs given to gradcheck
  bool passed = true;
  Shape input_shape, output_shape;  // label the Jacobians' rows and columns (to_svg)
  // Full Jacobians: always in slow mode; in fast mode only for a failing pair (recomputed).
  // They are the check's own working matrices, kept: 16 x numel(input) x numel(output) bytes
  // per pair, no more than the check itself needed while it ran.
  Tensor numerical;
  Tensor analytical;
  double max_abs_error = 0;  // max |analytical - numerical| over all elements
  // The element furthest outside the tolerance (or, when all pass, with the largest error).
  Shape worst_input_index;   // multi-index into the input
  Shape worst_output_index;  // multi-index into the output
  double worst_numerical = 0;
  double worst_analytical = 0;
  double worst_tolerance = 0;
  std::int64_t failing = 0;  // elements outside the tolerance
  std::int64_t total = 0;    // elements compared
  GradcheckDiagnosis diagnosis = GradcheckDiagnosis::None;
  double factor = 1;  // k for ConstantFactor (-1 for WrongSign)
  std::string diagnosis_text;
  // Fast mode: v^T J u numerically and analytically, and the (scaled) tolerance used.
  bool fast = false;
  double fast_numerical = 0;
  double fast_analytical = 0;
  double fast_tolerance = 0;
};

// Everything a check found; gradcheck_report returns it instead of throwing or returning false.
struct GradcheckResult {
  bool passed = true;
  GradcheckFailure failure = GradcheckFailure::None;
  std::string message;                // the failure report ("" when passed)
  std::vector<GradcheckPair> pairs;   // every compared pair, outputs outer, inputs inner
  std::vector<std::string> warnings;  // e.g. the single-precision warning
  bool fast_mode = false;
  std::int64_t forward_calls = 0;   // calls of the checked function
  std::int64_t backward_calls = 0;  // autograd::grad calls made by the check
  double atol = 0, rtol = 0;        // the tolerance the Jacobians were compared with
  // The backward node that produced the wrong gradient, when the check can tell (else null):
  //  - a Jacobian mismatch or non-deterministic backward: the only node on the paths from the
  //    failing output to the failing input, or else the only custom Function there (the
  //    built-in nodes are verified by xgrad's own tests);
  //  - a gradient not scaled by grad_output, or non-zero for undefined grad_outputs: the node
  //    that received only zero gradients yet passed a non-zero one on (found by watching every
  //    node's incoming gradients in one more backward call);
  //  - a backward that threw: the node whose backward threw;
  //  - a gradient of the wrong shape or dtype: the only node feeding that input.
  // The report (message) names it, and to_dot(result) draws it highlighted.
  std::shared_ptr<Node> failing_node;
  std::string failing_node_name;  // its name() ("" when none)
  std::string failing_node_why;   // how it was found, or why no single node could be named
  // When no single node could be named: every node that may have (e.g. all the built-in nodes
  // on the failing pair's paths); to_dot(result) marks them.
  std::vector<std::shared_ptr<Node>> suspects;
  // The differentiable outputs of the check's first call of fn, whose backward graph
  // to_dot(result) draws. Holding them keeps that graph (and its saved tensors) alive as long
  // as the result: no more memory than the check used while it ran.
  tensor_list graph;
  // The pair for (output, input), or nullptr.
  const GradcheckPair* pair(std::size_t output, std::size_t input) const;
  // The first failing pair, or nullptr.
  const GradcheckPair* first_failure() const;

  // A picture of the check, self-contained (no scripts, fonts or links; opens in any browser):
  // the verdict and diagnosis in words at the top, then for each compared pair (failing pairs
  // first; at most 6 drawn) three heatmaps -- numerical Jacobian, analytical Jacobian and their
  // difference (analytical - numerical) -- on diverging colour scales with their legends, rows
  // labelled with the input's element indices, columns with the output's. Entries outside the
  // tolerance are outlined and crossed (SVG rects of class "bad" carrying data-pair, data-r and
  // data-c, the first Jacobian row and column they cover). A Jacobian larger than 48 x 48 is
  // shown downsampled in blocks (each block drawn as its largest-magnitude entry, marked when
  // any entry in it fails), with a note, so the file stays under about 2 MB.
  // Cost: O(sum of the pairs' Jacobian sizes) time, O(output size) memory.
  std::string to_svg() const;
  // An HTML page embedding to_svg() followed by the text report (message, warnings, counts).
  std::string to_html() const;
  // to_svg() / to_html() written atomically (autograd::write_file_atomically): a crash never
  // leaves a truncated report. Throws autograd::WriteError naming the path.
  void write_svg(const std::string& path) const;
  void write_html(const std::string& path) const;
};

// fn(inputs, outputs) fills `outputs`. The list is the check's, reused from call to call, so a
// function returning one tensor costs the check no allocation per perturbed element.
using GradcheckFunction = std::function<void(const tensor_list&, tensor_list&)>;

// What gradcheck accepts as fn: callable with a tensor_list, returning Tensor or tensor_list.
template <class F>
concept GradcheckCallable = std::invocable<F&, const tensor_list&> &&
    (std::same_as<std::decay_t<std::invoke_result_t<F&, const tensor_list&>>, Tensor> ||
     std::same_as<std::decay_t<std::invoke_result_t<F&, const tensor_list&>>, tensor_list>);

namespace detail {
GradcheckResult gradcheck_impl(const GradcheckFunction& fn, const tensor_list& inputs, const GradcheckOptions& options);
GradcheckResult gradgradcheck_impl(const GradcheckFunction& fn, const tensor_list& inputs,
                                   const tensor_list& grad_outputs, const GradcheckOptions& options);
// Throws GradcheckError(result.message) when the check failed and options ask for it.
bool finish(const GradcheckResult& result, const GradcheckOptions& options);

inline void assign_outputs(tensor_list& out, Tensor t) {
  out.clear();  // keeps the capacity
  out.push_back(std::move(t));
}
inline void assign_outputs(tensor_list& out, tensor_list t) { out = std::move(t); }

// The wrapper lives only while the check runs, so an lvalue fn is referenced rather than
// copied: a stateful callable (one counting its calls, say) sees every call.
template <class F>
GradcheckFunction normalise(F&& fn) {
  if constexpr (std::is_lvalue_reference_v<F>) {
    return [&fn](const tensor_list& in, tensor_list& out) { assign_outputs(out, fn(in)); };
  } else {
    return [f = std::move(fn)](const tensor_list& in, tensor_list& out) mutable { assign_outputs(out, f(in)); };
  }
}
}  // namespace detail

// Checks the gradients of fn at `inputs` against central differences. Returns true when all
// checks pass; on failure throws GradcheckError (raise_exception, the default) or returns false.
// Throws std::invalid_argument when no input requires grad or an input that requires grad has
// overlapping memory (e.g. made by expand: call contiguous() first).
template <GradcheckCallable F>
bool gradcheck(F&& fn, const tensor_list& inputs, const GradcheckOptions& options = {}) {
  GradcheckResult r = detail::gradcheck_impl(detail::normalise(std::forward<F>(fn)), inputs, options);
  return detail::finish(r, options);
}

// As gradcheck, but returns the structured result (never throws GradcheckError; bad inputs and
// exceptions from fn itself still propagate).
template <GradcheckCallable F>
GradcheckResult gradcheck_report(F&& fn, const tensor_list& inputs, const GradcheckOptions& options = {}) {
  return detail::gradcheck_impl(detail::normalise(std::forward<F>(fn)), inputs, options);
}

// Checks second derivatives: runs gradcheck on
//   (inputs, grad_outputs) -> autograd::grad(fn(inputs), inputs that require grad, grad_outputs,
//                                            create_graph=true)
// grad_outputs (one per output that requires grad) default to uniform values in [-1, 1) drawn
// from the check's own generator (options.seed()), requiring grad. A wrong number or shape of
// grad_outputs throws std::invalid_argument.
template <GradcheckCallable F>
bool gradgradcheck(F&& fn, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                   const GradgradcheckOptions& options = {}) {
  GradcheckResult r = detail::gradgradcheck_impl(detail::normalise(std::forward<F>(fn)), inputs, grad_outputs, options);
  return detail::finish(r, options);
}
template <GradcheckCallable F>
bool gradgradcheck(F&& fn, const tensor_list& inputs, const GradgradcheckOptions& options) {
  return gradgradcheck(std::forward<F>(fn), inputs, tensor_list{}, options);
}

template <GradcheckCallable F>
GradcheckResult gradgradcheck_report(F&& fn, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                                     const GradgradcheckOptions& options = {}) {
  return detail::gradgradcheck_impl(detail::normalise(std::forward<F>(fn)), inputs, grad_outputs, options);
}
template <GradcheckCallable F>
GradcheckResult gradgradcheck_report(F&& fn, const tensor_list& inputs, const GradgradcheckOptions& options) {
  return gradgradcheck_report(std::forward<F>(fn), inputs, tensor_list{}, options);
}

}  // namespace autograd
}  // namespace xgrad
