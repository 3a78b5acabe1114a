// Custom differentiable functions with a hand-written backward, in LibTorch's shape:
//
//   struct MulConstant : xgrad::autograd::Function<MulConstant> {
//     static Tensor forward(AutogradContext* ctx, const Tensor& x, double c) {
//       ctx->saved_data["c"] = c;
//       return x * c;
//     }
//     static tensor_list backward(AutogradContext* ctx, tensor_list g) {
//       return {g[0] * ctx->saved_data["c"].toDouble(), Tensor()};
//     }
//   };
//   Tensor y = MulConstant::apply(x, 3.0);
//
// forward runs with grad mode off and may take any mix of tensors, tensor_lists and other
// values; it returns a Tensor or a tensor_list. backward receives one gradient per output and
// returns one entry per forward argument (a tensor_list argument counts once per element):
// undefined for non-tensor arguments and for inputs that need no gradient. A backward that
// returns the wrong number of gradients, a gradient for a non-tensor argument, or a gradient
// whose shape cannot be summed to its input's shape throws std::runtime_error naming the
// Function, the position and the shapes. Differences from LibTorch: needs_input_grad(i) is
// indexed by forward argument, the same index backward's result uses (LibTorch indexes it by
// tensor input, a frequent source of off-by-one bugs).
#pragma once
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "grad_mode.hpp"
#include "node.hpp"

namespace xgrad {
namespace autograd {

// LibTorch's names for a list of tensors inside torch::autograd.
using xgrad::tensor_list;
using variable_list = tensor_list;

// A small value stored in AutogradContext::saved_data.
class IValue {
 public:
  IValue() = default;
  IValue(double v) : v_(v) {}                                // NOLINT
  IValue(float v) : v_(double(v)) {}                         // NOLINT
  IValue(std::int64_t v) : v_(v) {}                          // NOLINT
  IValue(int v) : v_(std::int64_t(v)) {}                     // NOLINT
  IValue(bool v) : v_(v) {}                                  // NOLINT
  IValue(std::string v) : v_(std::move(v)) {}                // NOLINT
  IValue(const char* v) : v_(std::string(v)) {}              // NOLINT
  IValue(Tensor v) : v_(std::move(v)) {}                     // NOLINT
  IValue(tensor_list v) : v_(std::move(v)) {}                // NOLINT
  IValue(std::vector<double> v) : v_(std::move(v)) {}        // NOLINT
  IValue(std::vector<std::int64_t> v) : v_(std::move(v)) {}  // NOLINT

  bool isNone() const { return v_.index() == 0; }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isInt() const { return std::holds_alternative<std::int64_t>(v_); }
  // Each toX throws std::runtime_error naming both types when the value holds another type
  // (toDouble also accepts an int).
  double toDouble() const;
  std::int64_t toInt() const;
  bool toBool() const;
  const std::string& toStringRef() const;
  std::string toString() const { return toStringRef(); }
  Tensor toTensor() const;
  const tensor_list& toTensorList() const;
  const std::vector<double>& toDoubleVector() const;
  const std::vector<std::int64_t>& toIntVector() const;
  const char* type_name() const;

 private:
  std::variant<std::monostate, double, std::int64_t, bool, std::string, Tensor, tensor_list, std::vector<double>,
               std::vector<std::int64_t>>
      v_;
};

namespace detail {
class CppNodeBase;
}
class AutogradContext;
namespace detail {
void wrap_outputs(const std::shared_ptr<CppNodeBase>& node, const tensor_list& inputs, tensor_list& outputs,
                  bool is_differentiable);
}

class AutogradContext {
 public:
  // Tensors backward needs; get_saved_variables() returns them, checking they were not
  // modified in place since (version counters) and not freed by an earlier backward.
  void save_for_backward(tensor_list to_save);
  tensor_list get_saved_variables() const;
  std::unordered_map<std::string, IValue> saved_data;
  // Whether backward must produce a gradient for forward argument i.
  bool needs_input_grad(std::size_t i) const;
  // Outputs that have no gradient (e.g. indices): they do not require grad.
  void mark_non_differentiable(const tensor_list& outputs);
  // Inputs that forward modified in place; their version is bumped and history rebased.
  void mark_dirty(const tensor_list& inputs);
  // With true (the default) undefined gradients reach backward as zeros of the output's shape.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }

 private:
  template <class T>
  friend struct Function;
  friend class detail::CppNodeBase;
  friend void detail::wrap_outputs(const std::shared_ptr<detail::CppNodeBase>&, const tensor_list&, tensor_list&, bool);
  tensor_list to_save_;
  std::vector<SavedVariable> saved_;
  std::vector<bool> needs_input_grad_;
  std::unordered_set<const TensorImpl*> non_differentiable_;
  std::unordered_set<const TensorImpl*> dirty_;
  bool materialize_grads_ = true;
  bool has_freed_ = false;
};

namespace detail {
std::string demangle(const char* mangled);

// What a forward argument contributes to the graph: its tensors (if any) in order.
struct ArgInfo {
  tensor_list tensors;
  std::vector<bool> is_tensor;  // one entry per backward result slot
  void add(const Tensor& t) {
    tensors.push_back(t);
    is_tensor.push_back(true);
  }
  void add(const tensor_list& ts) {
    for (const auto& t : ts) add(t);
  }
  template <class A>
  void add(const A&) {
    is_tensor.push_back(false);
  }
};

// The engine-facing node of a custom Function: forwards backward to the user's static.
class CppNodeBase : public Node {
 public:
  AutogradContext ctx;
  std::vector<bool> is_tensor_arg;         // per backward slot
  std::vector<std::int64_t> edge_of_slot;  // slot -> next edge index or -1
  std::string fn_name;
  std::string name() const override { return fn_name + "Backward"; }
  void release_variables() override;
  std::vector<SavedTensorInfo> saved_tensors() const override;  // "saved[i]", as save_for_backward got them
  // A user's backward must see undefined gradients too (check_undefined_grad tests it).
  bool called_without_grads() const noexcept override { return true; }
  // Checks and maps the user's gradients (one per slot) to next-edge order.
  tensor_list map_user_grads(tensor_list&& user_grads);
  tensor_list prepare_grads(tensor_list&& grads);
};

// Wires the outputs of a custom forward to `node`; defined in function.cpp.
void wrap_outputs(const std::shared_ptr<CppNodeBase>& node, const tensor_list& inputs, tensor_list& outputs,
                  bool is_differentiable);
}  // namespace detail

template <class T>
class CppNode final : public detail::CppNodeBase {
 public:
  tensor_list apply(tensor_list&& grads) override {
    tensor_list user = T::backward(&ctx, prepare_grads(std::move(grads)));
    return map_user_grads(std::move(user));
  }
};

template <class T>
struct Function {
  template <class... Args>
  static auto apply(Args&&... args) {
    detail::ArgInfo info;
    (info.add(args), ...);
    auto node = std::make_shared<CppNode<T>>();
    node->fn_name = detail::demangle(typeid(T).name());
    node->is_tensor_arg = info.is_tensor;
    bool differentiable = false;
    if (GradMode::is_enabled()) {
      for (const auto& t : info.tensors) differentiable = differentiable || (t.defined() && t.requires_grad());
    }
    node->ctx.needs_input_grad_.assign(info.is_tensor.size(), false);
    std::size_t ti = 0;
    for (std::size_t slot = 0; slot < info.is_tensor.size(); ++slot) {
      if (!info.is_tensor[slot]) {
        node->edge_of_slot.push_back(-1);
        continue;
      }
      const Tensor& t = info.tensors[ti++];
      bool needs = differentiable && t.defined() && t.requires_grad();
      node->ctx.needs_input_grad_[slot] = needs;
      node->edge_of_slot.push_back(static_cast<std::int64_t>(node->next_edges().size()));
      node->next_edges().push_back(needs ? gradient_edge(t) : Edge{});
    }
    using Out = decltype(T::forward(&node->ctx, std::forward<Args>(args)...));
    tensor_list outputs;
    {
      AutoGradMode no_grad(false);
      if constexpr (std::is_same_v<std::decay_t<Out>, Tensor>) {
        outputs.push_back(T::forward(&node->ctx, std::forward<Args>(args)...));
      } else {
        outputs = T::forward(&node->ctx, std::forward<Args>(args)...);
      }
    }
    detail::wrap_outputs(node, info.tensors, outputs, differentiable);
    if constexpr (std::is_same_v<std::decay_t<Out>, Tensor>) {
      return outputs[0];
    } else {
      return outputs;
    }
  }
};

}  // namespace autograd
}  // namespace xgrad
