// The graph: a Node per recorded operation, holding its backward, the edges to the nodes
// that produced its inputs, and the tensors it saved. Built-in ops and custom Functions are
// both Nodes, so the engine treats them alike.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace xgrad {
namespace autograd {

class Node;

// Where a gradient goes: input `input_nr` of `function` (an op's backward node, or the
// AccumulateGrad node of a leaf). An Edge without function is a dead end.
struct Edge {
  std::shared_ptr<Node> function;
  std::uint32_t input_nr = 0;
  bool is_valid() const noexcept { return function != nullptr; }
};
using edge_list = std::vector<Edge>;

// Shape and dtype of each gradient a node receives (one per forward output).
struct InputMeta {
  Shape shape;
  Dtype dtype = Dtype::Float32;
};

// A tensor a node saved for backward, as described in graph pictures (autograd::to_dot).
struct SavedTensorInfo {
  std::string name;  // e.g. "self", "other", "saved[0]"
  Shape shape;
  Dtype dtype = Dtype::Float32;
  bool released = false;  // freed by a backward without retain_graph (shape and dtype unknown)
};

// The node contract (what the engine promises every Node, stated once here):
//  - apply() runs at most once per backward pass, after every node that feeds it has run, with
//    one entry per forward output (input_meta); contributions from several consumers are
//    already summed. With autograd::grad it runs only if it leads to a requested input.
//  - An undefined entry in `grads` means "no gradient flowed here", i.e. zero. It is not
//    materialised: a node reads it as zero without allocating one.
//  - Built-in nodes: when EVERY entry is undefined, apply() is not called; the engine passes
//    undefined gradients on to all next edges instead. A single-output built-in node therefore
//    always sees grads[0] defined and needs no `if (!grads[0].defined())` guard; a multi-output
//    node may still see some entries undefined and must handle them.
//  - Custom autograd::Function nodes (called_without_grads() is true) are called even then, as
//    PyTorch calls them: with zeros when materialize_grads is on (the default), with undefined
//    gradients otherwise. gradcheck's check_undefined_grad relies on this.
//  - apply() returns one entry per next edge (undefined where no gradient flows); the engine
//    sums a result back to a broadcast input's shape and converts its dtype, and rejects any
//    other shape, naming the node.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();  // releases edges through the iterative deleter (no deep recursion)
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The backward: gradients w.r.t. this node's forward outputs in, gradients w.r.t. its
  // forward inputs out (one per next edge). When it is called: see the contract above.
  virtual tensor_list apply(tensor_list&& grads) = 0;
  // A readable name such as "MulBackward0" (shown by grad_fn and in every engine error).
  virtual std::string name() const;
  // Frees saved tensors after a backward without retain_graph.
  virtual void release_variables() {}
  // Whether apply() runs when all incoming gradients are undefined (see the contract above):
  // false for built-in nodes, true for custom Functions.
  virtual bool called_without_grads() const noexcept { return false; }
  // The tensors this node saved for backward, for pictures of the graph (autograd::to_dot).
  // Nodes that do not describe theirs return none; this never unpacks (no version check).
  virtual std::vector<SavedTensorInfo> saved_tensors() const { return {}; }

  const edge_list& next_edges() const noexcept { return next_edges_; }
  edge_list& next_edges() noexcept { return next_edges_; }
  std::size_t num_outputs() const noexcept { return next_edges_.size(); }
  std::size_t num_inputs() const noexcept { return input_meta_.size(); }
  const InputMeta& input_meta(std::size_t i) const { return input_meta_[i]; }
  // Registers one forward output; returns its index (the tensor's output_nr).
  std::uint32_t add_input_meta(const Tensor& output);
  // Whether gradient `i` (of a forward input) is needed by anyone.
  bool should_compute_output(std::size_t i) const noexcept {
    return i < next_edges_.size() && next_edges_[i].is_valid();
  }
  std::uint64_t sequence_nr() const noexcept { return sequence_nr_; }

  // Hooks on the incoming gradient of output `input_nr` (tensor hooks, retain_grad).
  using PreHook = std::function<Tensor(const Tensor&)>;
  HookHandle add_pre_hook(std::uint32_t input_nr, PreHook hook);
  bool remove_pre_hook(HookHandle handle);
  // Runs the hooks on the gradients arriving at this node (AccumulateGrad: the leaf's hooks).
  virtual void run_pre_hooks(tensor_list& grads) const;

 protected:
  edge_list next_edges_;
  std::vector<InputMeta> input_meta_;

 private:
  struct HookEntry {
    HookHandle handle;
    std::uint32_t input_nr;
    PreHook fn;
  };
  std::vector<HookEntry> pre_hooks_;
  std::uint64_t sequence_nr_;
};

// Thrown when a node's saved tensors are used after backward freed them (a second backward
// without retain_graph). The engine prefixes the name of the node that needed them.
class SavedTensorsFreedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor saved for backward. Remembers the version of its storage at save time so that an
// in-place write afterwards is caught, and (for a node's own output) holds the node only
// weakly, so that a node saving its output makes no reference cycle.
class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  // The saved tensor, reconnected to its graph. Throws if it was freed by an earlier backward
  // (retain_graph was false) or modified in place since it was saved.
  Tensor unpack() const;
  void reset() noexcept;
  bool defined() const noexcept { return was_defined_; }
  // Its shape and dtype, named `name`, without unpacking (call only when defined()).
  SavedTensorInfo info(std::string name) const;
  // Whether it holds the node's own forward output (PyTorch names such a tensor "result").
  bool is_output() const noexcept { return is_output_; }

 private:
  Tensor data_;  // for outputs: an alias without grad_fn
  std::weak_ptr<Node> weak_grad_fn_;
  std::uint32_t saved_version_ = 0;
  std::uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool was_defined_ = false;
  bool released_ = false;
  bool requires_grad_ = false;
};

// One entry of describe_saved: a SavedVariable member or a tensor a node holds directly (index
// tensors, masks and statistics without history, which need no version check).
struct SavedRef {
  SavedRef(const char* n, const SavedVariable* v) : name(n), var(v) {}
  SavedRef(const char* n, const Tensor* t) : name(n), tensor(t) {}
  const char* name;
  const SavedVariable* var = nullptr;
  const Tensor* tensor = nullptr;
};

// saved_tensors() for a node's members: the defined ones, under their names (PyTorch's names
// where it has them: "self", "other", "result", "indices", ...). Every built-in node that keeps
// a tensor for backward lists it this way, so to_dot shows what each node holds in memory.
//   std::vector<SavedTensorInfo> saved_tensors() const override {
//     return describe_saved({{"self", &self}, {"result", &result}, {"indices", &indices}});
//   }
std::vector<SavedTensorInfo> describe_saved(std::initializer_list<SavedRef> saved);

// A node whose backward needs exactly one saved tensor (most unary ops): the slot and its
// release, written once.
struct SavedOneNode : Node {
  SavedVariable saved;
  void release_variables() override { saved.reset(); }
  // Its name in graph pictures: "result" for the node's own output, else "self"; nodes that
  // save something else (an index, a condition) override it.
  virtual const char* saved_name() const { return saved.is_output() ? "result" : "self"; }
  std::vector<SavedTensorInfo> saved_tensors() const override {
    if (!saved.defined()) return {};
    return {saved.info(saved_name())};
  }
};

// ---- helpers for writing ops ---------------------------------------------------------------
// True if recording is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
// The edge a gradient for `t` must follow (its grad_fn, or its leaf's AccumulateGrad).
Edge gradient_edge(const Tensor& t);
// Points `output` at `node` as its grad_fn (output_nr = next free slot of node).
void set_history(Tensor& output, const std::shared_ptr<Node>& node);
// Throws the clear error when an in-place op targets a leaf that requires grad.
void check_inplace(const Tensor& t, const char* op);

// Creates node N (an op's backward), wires it to `inputs` and to `outputs`, and returns it
// so the op can store what backward needs. Returns nullptr (and records nothing) when no
// input requires grad or grad mode is off.
template <class N, class... Outs>
std::shared_ptr<N> record(std::initializer_list<const Tensor*> inputs, Outs&... outputs) {
  if (!any_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>();
  node->next_edges().reserve(inputs.size());
  for (const Tensor* in : inputs) node->next_edges().push_back(gradient_edge(*in));
  (set_history(outputs, node), ...);
  return node;
}

HookHandle next_hook_handle() noexcept;

// Frees a node without recursion through its predecessors (used by Node and TensorImpl).
void release_node(std::shared_ptr<Node>&& node) noexcept;

// Checks the anomaly-mode condition for an op's forward output (no-op unless enabled).
void check_forward_finite(const Tensor& output, const char* op);

}  // namespace autograd
}  // namespace xgrad
