// The Checker's driver and the stages around the Jacobians: inputs (1), grad_output scaling
// (4), undefined output gradients (5), and a function without differentiable outputs.
#include <algorithm>
#include <iostream>
#include <sstream>

#include "../engine.hpp"
#include "../grad_mode.hpp"
#include "../node.hpp"
#include "../ops.hpp"

#include "checker.hpp"

namespace xgrad::autograd::detail {

namespace {

// Turns the gradient flowing into it into an undefined one (PyTorch's UndefinedGrad), so that
// the node behind it receives "no gradient" for that output.
struct UndefinedGradBackward final : Node {
  std::string name() const override { return "UndefinedGradBackward"; }
  tensor_list apply(tensor_list&&) override { return tensor_list(next_edges().size()); }
};

Tensor with_undefined_grad(const Tensor& o) {
  AutoGradMode on(true);
  Tensor alias = o.detach();
  record<UndefinedGradBackward>({&o}, alias);
  return alias;
}

}  // namespace

GradcheckResult Checker::run() {
  AutoGradMode grad_on(true);  // the check needs graphs even when called under a NoGradGuard
  check_inputs();
  outputs_ = call();
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    if (outputs_[i].defined() && outputs_[i].requires_grad()) diff_out_.push_back(i);
    if (outputs_[i].defined() && outputs_[i].is_floating_point()) float_out_.push_back(i);
  }
  try {
    if (diff_out_.empty()) {
      check_no_differentiable_outputs();
      return std::move(result_);
    }
    if (opt_.fast_mode()) fast_jacobians();
    else slow_jacobians();
  } catch (const OutputsChanged& e) {
    fail(GradcheckFailure::OutputChangedUnderPerturbation, e.message);
  } catch (const UndefinedGradThrown& e) {
    fail(GradcheckFailure::UndefinedGradThrows, e.message);
  }
  if (result_.passed) check_mul_by_grad_output();
  if (result_.passed && opt_.check_undefined_grad()) check_undefined_grads();
  for (std::size_t i : diff_out_) result_.graph.push_back(outputs_[i]);
  if (!result_.passed) blame();
  return std::move(result_);
}

void Checker::check_inputs() {
  std::vector<std::string> single;
  for (std::size_t j = 0; j < inputs_.size(); ++j) {
    const Tensor& x = inputs_[j];
    if (!x.defined() || !x.requires_grad()) continue;
    if (x.dtype() != kFloat64) single.push_back(std::to_string(j) + " (" + describe_tensor(x) + ")");
    if (overlaps(x)) {
      throw std::invalid_argument(
          "gradcheck: input " + std::to_string(j) + " (" + describe_tensor(x) + ", strides " + shape_str(x.strides()) +
          ") has overlapping memory (a dimension with stride 0, as made by expand): perturbing one element would "
          "change several. gradcheck only supports inputs whose elements do not share memory; call .contiguous() "
          "on it before passing it to gradcheck.");
    }
    diff_in_.push_back(j);
    diff_tensors_.push_back(x);
  }
  if (diff_in_.empty()) {
    throw std::invalid_argument("gradcheck expects at least one input tensor to require gradient, but none of the " +
                                std::to_string(inputs_.size()) + " inputs has requires_grad=true.");
  }
  if (!single.empty()) {
    std::string list;
    for (const auto& s : single) list += (list.empty() ? "" : ", ") + s;
    const bool many = single.size() > 1;
    std::string w = std::string("gradcheck: input") + (many ? "s " : " ") + list +
                    (many ? " require grad and are" : " requires grad and is") +
                    " not Float64. This check will likely fail if all the inputs are not of double precision: "
                    "central differences with eps = " +
                    num_str(opt_.eps()) +
                    " lose most significant digits in single precision. Convert with .to(kFloat64).";
    result_.warnings.push_back(w);
    std::cerr << "warning: " << w << std::endl;
  }
}

// Could two elements share memory? (Conservative: strides sorted must each exceed the extent
// spanned by the smaller ones.)
bool Checker::overlaps(const Tensor& x) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size)
  for (std::size_t d = 0; d < x.shape().size(); ++d) {
    if (x.shape()[d] > 1) dims.push_back({x.strides()[d], x.shape()[d]});
  }
  std::sort(dims.begin(), dims.end());
  std::int64_t extent = 0;
  for (auto [stride, size] : dims) {
    if (stride <= extent) return true;
    extent += (size - 1) * stride;
  }
  return false;
}

tensor_list Checker::call() {
  ++result_.forward_calls;
  tensor_list outs;
  fn_(inputs_, outs);
  return outs;
}

tensor_list Checker::vjp(const tensor_list& outs, const tensor_list& grad_outs) {
  ++result_.backward_calls;
  return grad(outs, diff_tensors_, grad_outs, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
}

void Checker::check_no_differentiable_outputs() {
  Generator gen(opt_.seed());
  for (std::size_t j : diff_in_) {
    std::vector<Matrix> jac;
    if (opt_.fast_mode()) {
      jac = numerical_jvp(j, unit_vector(gen, inputs_[j].numel()), float_out_);
    } else {
      jac = numerical_jacobian(j, float_out_);
    }
    for (std::size_t w = 0; w < float_out_.size(); ++w) {
      const std::size_t i = float_out_[w];
      const std::int64_t cols = outputs_[i].numel();
      for (std::size_t e = 0; e < jac[w].size(); ++e) {
        if (jac[w][e] == 0) continue;
        std::ostringstream os;
        os << "Numerical gradient for function expected to be zero: no output of the function requires grad, so "
              "none can be differentiated, yet output "
           << i << " changes with input " << j << ": ";
        if (opt_.fast_mode()) {
          os << "(J u)" << shape_str(unravel(static_cast<std::int64_t>(e), outputs_[i].shape())) << " = "
             << num_str(jac[w][e]);
        } else {
          os << "d output " << i << shape_str(unravel(static_cast<std::int64_t>(e) % cols, outputs_[i].shape()))
             << " / d input " << j << shape_str(unravel(static_cast<std::int64_t>(e) / cols, inputs_[j].shape()))
             << " = " << num_str(jac[w][e]);
        }
        os << ".\n  If the outputs should be differentiable, compute them from the inputs with recording on (no "
              "NoGradGuard or detach(), not marked non-differentiable). In gradgradcheck this means the backward "
              "is not itself differentiable.\n";
        return fail(GradcheckFailure::NonZeroWithoutDifferentiableOutputs, os.str());
      }
    }
  }
}

void Checker::check_mul_by_grad_output() {
  tensor_list outs, zeros_out;
  for (std::size_t i : diff_out_) {
    outs.push_back(outputs_[i]);
    zeros_out.push_back(zeros_like(outputs_[i]));
  }
  tensor_list g = vjp(outs, zeros_out);
  for (std::size_t k = 0; k < diff_in_.size(); ++k) {
    if (!g[k].defined()) continue;
    const Tensor& x = diff_tensors_[k];
    const std::string in = "input " + std::to_string(diff_in_[k]);
    bad_grad_k_ = k;
    if (g[k].dtype() != x.dtype()) {
      return fail(GradcheckFailure::GradDtype, "grad is incorrect type: the gradient w.r.t. " + in + " is " +
                                                   describe_tensor(g[k]) + " but the input is " + describe_tensor(x) +
                                                   "\n");
    }
    if (g[k].shape() != x.shape()) {
      return fail(GradcheckFailure::GradShape, "grad is incorrect size: the gradient w.r.t. " + in + " is " +
                                                   describe_tensor(g[k]) + " but the input is " + describe_tensor(x) +
                                                   "\n");
    }
    Matrix v = values_of(g[k]);
    for (std::size_t e = 0; e < v.size(); ++e) {
      if (v[e] == 0) continue;
      std::string graph;
      for (std::size_t i : diff_out_) graph += (graph.empty() ? "" : "; ") + nodes_between(outputs_[i], x);
      creator_outs_ = outs;
      creator_grads_ = zeros_out;
      return fail(GradcheckFailure::NotMultipliedByGradOutput,
                  "backward not multiplied by grad_output: with every grad_output zero, the gradient w.r.t. " + in +
                      " is not zero (" + num_str(v[e]) + " at " +
                      shape_str(unravel(static_cast<std::int64_t>(e), x.shape())) +
                      "). Backward must scale its result by the incoming gradient.\n  graph: " + graph + "\n");
    }
  }
}

void Checker::check_undefined_grads() {
  std::vector<std::vector<bool>> cases{std::vector<bool>(diff_out_.size(), true)};
  if (diff_out_.size() > 1) {
    for (std::size_t w = 0; w < diff_out_.size(); ++w) {
      cases.emplace_back(diff_out_.size(), false);
      cases.back()[w] = true;
    }
  }
  for (const auto& undefined : cases) {
    tensor_list outs, zeros_out;
    std::string which;
    std::size_t count = 0;
    for (std::size_t w = 0; w < diff_out_.size(); ++w) {
      const Tensor& o = outputs_[diff_out_[w]];
      outs.push_back(undefined[w] ? with_undefined_grad(o) : o);
      zeros_out.push_back(zeros_like(o));
      if (!undefined[w]) continue;
      which += (which.empty() ? "" : ", ") + std::to_string(diff_out_[w]);
      ++count;
    }
    const std::string what =
        (count > 1 ? "the gradients of outputs " : "the gradient of output ") + which + " undefined";
    tensor_list g;
    try {
      g = vjp(outs, zeros_out);
    } catch (const std::exception& e) {
      thrower_ = last_failed_node();
      return fail(GradcheckFailure::UndefinedGradThrows,
                  "Expected backward function to handle undefined output grads: backward threw with " + what +
                      ":\n    " + e.what() + "\n  " + kUndefinedHint +
                      "\n  graph: " + nodes_between(outputs_[diff_out_[0]], diff_tensors_[0]) + "\n");
    }
    for (std::size_t k = 0; k < diff_in_.size(); ++k) {
      if (!g[k].defined()) continue;
      const double m = max_abs(values_of(g[k]));
      if (m != 0) {
        creator_outs_ = outs;
        creator_grads_ = zeros_out;
        return fail(GradcheckFailure::UndefinedGradNonZero,
                    "Expected all input grads to be undefined or zero when all output grads are undefined or "
                    "zero: with " +
                        what + " and the others zero, the gradient w.r.t. input " + std::to_string(diff_in_[k]) +
                        " has max |value| " + num_str(m) + "\n");
      }
    }
  }
}

void Checker::fail(GradcheckFailure f, std::string message) {
  if (!result_.passed) return;
  result_.passed = false;
  result_.failure = f;
  result_.message = std::move(message);
}

}  // namespace xgrad::autograd::detail
