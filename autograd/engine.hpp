// Running backward: dependency counting over the graph, one pass per node, never recursive.
#pragma once
#include <functional>
#include <optional>
#include <string>

#include "node.hpp"

namespace xgrad {
namespace autograd {

// Computes the gradients of `outputs` w.r.t. the graph leaves and accumulates them into the
// leaves' .grad(). `grad_outputs[i]` may be undefined for one-element outputs (taken as 1).
// retain_graph defaults to create_graph; without it the saved tensors are freed and a second
// backward through the same nodes throws. create_graph records the backward pass itself so
// that its results can be differentiated again.
void backward(const tensor_list& outputs, const tensor_list& grad_outputs = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false);

// Returns d(outputs)/d(inputs) contracted with grad_outputs, without touching any .grad().
// An input that outputs do not depend on throws unless allow_unused (then it is undefined).
tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs = {},
                 std::optional<bool> retain_graph = std::nullopt, bool create_graph = false, bool allow_unused = false);

// Throws when a tensor hook returned a gradient whose dtype or shape differs from the one it
// was given (PyTorch's check); `tensor` describes the hook's tensor, called only for the message.
void check_hook_result(const Tensor& original, const Tensor& result, const std::function<std::string()>& tensor);

namespace detail {
// The node whose apply() threw during this thread's latest backward pass, while it is alive
// (nullptr otherwise): gradcheck's report names the Function a backward error came from.
std::shared_ptr<Node> last_failed_node();
}  // namespace detail

// The node at the end of a leaf's edges: adds incoming gradients into the leaf's .grad().
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> variable);
  tensor_list apply(tensor_list&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  void run_pre_hooks(tensor_list& grads) const override;
  const std::shared_ptr<TensorImpl>& variable() const noexcept { return variable_; }

 private:
  std::shared_ptr<TensorImpl> variable_;
};

}  // namespace autograd
}  // namespace xgrad
