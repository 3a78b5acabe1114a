// Stage 2b: the analytical Jacobians, one backward per output element (slow mode) or one
// vector-Jacobian product (fast mode).
#include <cstring>

#include "../engine.hpp"
#include "../kernels/kernels.hpp"
#include "../ops.hpp"

#include "checker.hpp"

namespace xgrad::autograd::detail {

using kernels::dispatch;

// Gradient k of a vjp result into column c of jac[k] (rows = input elements); checks shape
// and dtype. Undefined gradients leave the column zero.
void Checker::store_columns(const tensor_list& g, std::vector<Matrix>& jac, std::int64_t c, std::int64_t cols) {
  for (std::size_t k = 0; k < diff_in_.size(); ++k) {
    if (!g[k].defined()) continue;
    const Tensor& x = diff_tensors_[k];
    if (g[k].shape() != x.shape()) {
      if (bad_grad_shape_.empty()) bad_grad_k_ = k;
      bad_grad_shape_ = "Analytical gradient has incorrect size: the gradient w.r.t. input " +
                        std::to_string(diff_in_[k]) + " is " + describe_tensor(g[k]) + " but the input is " +
                        describe_tensor(x);
      continue;
    }
    if (g[k].dtype() != x.dtype() && bad_grad_dtype_.empty()) {
      if (bad_grad_shape_.empty()) bad_grad_k_ = k;
      bad_grad_dtype_ = "Gradient has dtype mismatch: the gradient w.r.t. input " + std::to_string(diff_in_[k]) +
                        " is " + describe_tensor(g[k]) + " but the input is " + describe_tensor(x);
    }
    Matrix v = values_of(g[k]);
    for (std::size_t r = 0; r < v.size(); ++r)
      jac[k][r * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)] = v[r];
  }
}

// The vjp of output i alone, as PyTorch computes it: the other outputs' gradients are undefined.
// If backward throws, a retry with zero gradients for them tells whether undefined gradients
// are the cause (a failure of the check) or not (the error propagates, with context).
tensor_list Checker::vjp_of_output(std::size_t i, const Tensor& g, const std::string& grad_desc) {
  try {
    return vjp({outputs_[i]}, {g});
  } catch (const std::exception& e) {
    // The op that threw is often deep inside a Function's backward: the report names the node.
    std::shared_ptr<Node> culprit = last_failed_node();
    thrower_ = culprit;
    const std::string where =
        culprit ? " in " + locate_node(*culprit, outputs_[i], i, diff_tensors_, diff_in_) : std::string();
    std::string others;
    tensor_list outs, grads;
    for (std::size_t w : diff_out_) {
      outs.push_back(outputs_[w]);
      grads.push_back(w == i ? g : zeros_like(outputs_[w]));
      if (w != i) others += (others.empty() ? "" : ", ") + std::to_string(w);
    }
    bool fine_with_zeros = !others.empty();
    if (fine_with_zeros) {
      try {
        vjp(outs, grads);
      } catch (const std::exception&) {
        fine_with_zeros = false;
      }
    }
    if (fine_with_zeros) {
      throw UndefinedGradThrown{
          "Expected backward function to handle undefined output grads: computing the Jacobian of output " +
          std::to_string(i) + " (grad_output " + grad_desc + "), with the gradients of output(s) " + others +
          " undefined, backward threw" + where + ":\n    " + e.what() + "\n  With zero gradients for output(s) " +
          others + " it succeeds. " + kUndefinedHint + "\n  graph: " + nodes_between(outputs_[i], diff_tensors_[0]) +
          "\n"};
    }
    throw std::runtime_error("gradcheck: backward threw while computing the analytical Jacobian of output " +
                             std::to_string(i) + " (grad_output " + grad_desc + ")" + where + ": " + e.what());
  }
}

// One vjp per element of output i with a one-hot grad_output: jac[k] for each diff input.
std::vector<Matrix> Checker::analytical_jacobian(std::size_t i) {
  const Tensor& out = outputs_[i];
  const std::int64_t cols = out.numel();
  std::vector<Matrix> jac;
  for (const auto& x : diff_tensors_) jac.emplace_back(static_cast<std::size_t>(x.numel() * cols));
  Tensor onehot = zeros(out.shape(), out.dtype());
  const std::size_t es = element_size(out.dtype());
  for (std::int64_t c = 0; c < cols; ++c) {
    // Cleared in full every time: a backward that wrote into its grad_output must not leak.
    std::memset(onehot.impl()->data(), 0, static_cast<std::size_t>(cols) * es);
    dispatch(out.dtype(), [&](auto tag) { onehot.impl()->template data_as<decltype(tag)>()[c] = 1; });
    store_columns(vjp_of_output(i, onehot, "one-hot at " + shape_str(unravel(c, out.shape()))), jac, c, cols);
  }
  return jac;
}

// v^T J for output i: one vector per diff input.
std::vector<Matrix> Checker::analytical_vjp(std::size_t i, const Matrix& v) {
  const Tensor& out = outputs_[i];
  std::vector<Matrix> res;
  for (const auto& x : diff_tensors_) res.emplace_back(static_cast<std::size_t>(x.numel()));
  store_columns(vjp_of_output(i, make_tensor(v, out.shape(), out.dtype()), "v"), res, 0, 1);
  return res;
}

}  // namespace xgrad::autograd::detail
