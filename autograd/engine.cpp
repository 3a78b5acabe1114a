// The backward engine. Three passes, all iterative:
//  1. discover every node reachable from the outputs and count, for each, how many edges
//     point at it (its dependencies);
//  2. with autograd::grad, mark the nodes that lead to a requested input (others are skipped);
//  3. run nodes from a ready list: a node runs once all its dependencies have delivered their
//     gradient, with contributions from several consumers summed in its input buffer first.
#include "engine.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "backward_hooks.hpp"
#include "engine_tasks.hpp"
#include "grad_mode.hpp"
#include "ops.hpp"

namespace xgrad::autograd {

namespace {

using detail::NodeTask;
using detail::TaskMap;
using GradBuffer = InlineVector<Tensor, 1>;

thread_local std::weak_ptr<Node> t_failed_node;  // see detail::last_failed_node

// ---- post-accumulate-grad hooks and end-of-backward callbacks (backward_hooks.hpp) --------
// Kept beside the engine rather than in TensorImpl: few programs use them, and the registry
// costs the others one atomic load per accumulated leaf.
struct PostAccumulateHook {
  HookHandle handle;
  std::weak_ptr<TensorImpl> leaf;  // compared on lookup: a dead leaf's address may be reused
  std::function<void(const Tensor&)> fn;
};
std::mutex g_post_hooks_mutex;
std::atomic<std::size_t> g_post_hook_count{0};
// By leaf address, so that a backward over P parameters costs P lookups, not P * hooks.
std::unordered_multimap<const TensorImpl*, PostAccumulateHook>& post_hooks() {
  static std::unordered_multimap<const TensorImpl*, PostAccumulateHook> hooks;
  return hooks;
}

void run_post_accumulate_hooks(const std::shared_ptr<TensorImpl>& leaf) {
  if (g_post_hook_count.load(std::memory_order_relaxed) == 0) return;
  std::vector<std::pair<HookHandle, std::function<void(const Tensor&)>>> todo;
  {
    std::lock_guard<std::mutex> lock(g_post_hooks_mutex);
    auto range = post_hooks().equal_range(leaf.get());
    for (auto it = range.first; it != range.second; ++it)
      if (it->second.leaf.lock() == leaf) todo.emplace_back(it->second.handle, it->second.fn);
  }
  // Registration order (handles increase), as PyTorch's; outside the lock, as a hook may
  // register or remove hooks.
  std::sort(todo.begin(), todo.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& h : todo) h.second(Tensor(leaf));
}

// The callbacks of the backward pass running on this thread (innermost pass when nested).
thread_local std::vector<std::function<void()>>* t_callbacks = nullptr;

struct CallbackScope {
  std::vector<std::function<void()>> callbacks;
  std::vector<std::function<void()>>* outer = t_callbacks;
  CallbackScope() { t_callbacks = &callbacks; }
  ~CallbackScope() { t_callbacks = outer; }
  CallbackScope(const CallbackScope&) = delete;
  CallbackScope& operator=(const CallbackScope&) = delete;
  void run_all() {
    for (std::size_t i = 0; i < callbacks.size(); ++i) {
      auto cb = std::move(callbacks[i]);  // the vector may grow while cb runs
      cb();
    }
    callbacks.clear();
  }
};

void accumulate_into(GradBuffer& buffer, std::size_t pos, Tensor&& g) {
  if (!g.defined()) return;
  Tensor& slot = buffer[pos];
  if (!slot.defined()) {
    slot = std::move(g);
  } else if (!GradMode::is_enabled() && slot.impl_ptr().use_count() == 1 && slot.impl()->storage.use_count() == 1 &&
             slot.is_contiguous() && slot.shape() == g.shape() && slot.dtype() == g.dtype()) {
    slot.add_(g);  // nobody else sees this buffer: sum in place, no allocation
  } else {
    slot = slot + g;
  }
}

// Makes a node's results fit the inputs they flow to: the right count, shapes summed back
// from broadcasting, dtypes converted. Anything else is the node's bug, reported by name.
void validate_outputs(const Node& node, tensor_list& grads) {
  const auto& edges = node.next_edges();
  if (grads.size() != edges.size()) {
    throw std::runtime_error("Function " + node.name() + " returned an invalid number of gradients - expected " +
                             std::to_string(edges.size()) + ", but got " + std::to_string(grads.size()));
  }
  for (std::size_t i = 0; i < grads.size(); ++i) {
    Tensor& g = grads[i];
    if (!edges[i].is_valid()) {
      g = Tensor();
      continue;
    }
    if (!g.defined()) continue;
    const InputMeta& meta = edges[i].function->input_meta(edges[i].input_nr);
    if (g.shape() != meta.shape) {
      bool summable = true;
      try {
        if (g.dim() >= static_cast<std::int64_t>(meta.shape.size())) g = sum_to(g, meta.shape);
        else summable = false;
      } catch (const std::exception&) {
        summable = false;
      }
      if (!summable || g.shape() != meta.shape) {
        throw std::runtime_error("Function " + node.name() + " returned an invalid gradient at index " +
                                 std::to_string(i) + " - got " + shape_str(grads[i].shape()) +
                                 " but expected shape compatible with " + shape_str(meta.shape));
      }
    }
    if (g.dtype() != meta.dtype) g = g.to(meta.dtype);
  }
}

void check_backward_finite(const Node& node, const tensor_list& grads) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined() || !grads[i].is_floating_point()) continue;
    for (double v : grads[i].to_vector<double>()) {
      if (!std::isfinite(v)) {
        throw std::runtime_error("Anomaly detected: Function '" + node.name() + "' returned " +
                                 (std::isnan(v) ? "nan" : "inf") + " values in its " + std::to_string(i) +
                                 "th output (gradient of shape " + shape_str(grads[i].shape()) + ").");
      }
    }
  }
}

// Runs one node's backward. A built-in node that received no gradient at all passes none on
// without running (the node contract in node.hpp); a custom Function's backward runs anyway,
// as in PyTorch.
tensor_list call_node(const std::shared_ptr<Node>& node, tensor_list&& grads) {
  bool any_grad = node->called_without_grads();
  for (const auto& g : grads) any_grad = any_grad || g.defined();
  try {
    return any_grad ? node->apply(std::move(grads)) : tensor_list(node->num_outputs());
  } catch (const SavedTensorsFreedError& e) {
    t_failed_node = node;
    throw SavedTensorsFreedError(node->name() + ": " + e.what());
  } catch (...) {
    t_failed_node = node;  // held weakly: a failed backward must not keep its graph alive
    throw;
  }
}

struct Root {
  Edge edge;
  Tensor grad;
};

std::vector<Root> make_roots(const tensor_list& outputs, const tensor_list& grad_outputs, const char* api) {
  if (outputs.empty()) throw std::invalid_argument(std::string(api) + ": no outputs to differentiate");
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size()) {
    throw std::invalid_argument(std::string(api) + ": got " + std::to_string(grad_outputs.size()) +
                                " grad_outputs for " + std::to_string(outputs.size()) + " outputs");
  }
  std::vector<Root> roots;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    if (!out.defined())
      throw std::invalid_argument(std::string(api) + ": output " + std::to_string(i) + " is undefined");
    if (!out.requires_grad()) {
      throw std::runtime_error(std::string(api) + ": element " + std::to_string(i) +
                               " of tensors does not require grad and does not have a grad_fn. It was not "
                               "computed from any tensor that requires grad: set requires_grad on the leaf "
                               "tensors to differentiate (x.requires_grad_(true), or TensorOptions().requires_grad"
                               "(true) when creating them) before the ops that compute it, and outside any "
                               "NoGradGuard.");
    }
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      if (out.numel() != 1) {
        throw std::runtime_error(
            std::string(api) + ": grad can be implicitly created only for scalar outputs; output " + std::to_string(i) +
            " has shape " + shape_str(out.shape()) + ". Pass a gradient of that shape (e.g. ones_like(output)).");
      }
      g = ones_like(out);
    } else if (g.shape() != out.shape()) {
      throw std::runtime_error(std::string(api) + ": mismatch in shape: grad_output[" + std::to_string(i) +
                               "] has a shape of " + shape_str(g.shape()) + " and output[" + std::to_string(i) +
                               "] has a shape of " + shape_str(out.shape()));
    }
    roots.push_back({gradient_edge(out), g});
  }
  return roots;
}

void discover(TaskMap& tasks, const std::vector<Root>& roots) {
  std::vector<Node*> stack;
  for (const auto& r : roots) {
    Node* n = r.edge.function.get();
    if (tasks.try_emplace(n).second) stack.push_back(n);
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges()) {
      if (!e.is_valid()) continue;
      auto [task, fresh] = tasks.try_emplace(e.function.get());
      task->dependencies++;
      if (fresh) stack.push_back(e.function.get());
    }
  }
}

// execute = "some next edge leads to a captured node". Post-order without recursion.
void mark_needed(TaskMap& tasks, const std::vector<Root>& roots) {
  enum : char { kUnvisited, kOpen, kDone };
  for (auto& t : tasks.tasks()) t.execute = false;
  auto state = [&](Node* n) -> char& { return tasks[n].state; };  // every node here was discovered
  std::vector<std::pair<Node*, std::size_t>> stack;
  for (const auto& r : roots) {
    Node* root = r.edge.function.get();
    if (state(root) != kUnvisited) continue;
    state(root) = kOpen;
    stack.push_back({root, 0});
    while (!stack.empty()) {
      auto& [n, i] = stack.back();
      const auto& edges = n->next_edges();
      if (i < edges.size()) {
        Node* child = edges[i++].function.get();
        if (child && state(child) == kUnvisited) {
          state(child) = kOpen;
          stack.push_back({child, 0});
        }
        continue;
      }
      bool needed = false;
      for (const auto& e : edges) {
        if (!e.is_valid()) continue;
        const NodeTask& c = tasks[e.function.get()];
        needed = needed || c.execute || !c.captures.empty();
      }
      tasks[n].execute = needed;
      state(n) = kDone;
      stack.pop_back();
    }
  }
}

tensor_list run(const std::vector<Root>& roots, bool keep_graph, bool create_graph, const tensor_list& inputs,
                bool allow_unused) {
  t_failed_node.reset();
  CallbackScope callback_scope;
  detail::ScopedTaskMap task_map;
  TaskMap& tasks = *task_map;
  discover(tasks, roots);
  tensor_list captured(inputs.size());
  std::vector<bool> reached(inputs.size(), false);
  if (!inputs.empty()) {
    for (std::size_t j = 0; j < inputs.size(); ++j) {
      const Tensor& in = inputs[j];
      if (!in.defined() || !in.requires_grad()) {
        throw std::runtime_error(
            "autograd::grad: input " + std::to_string(j) +
            " does not require grad; only tensors that require grad can be differentiated against");
      }
      Edge e = gradient_edge(in);
      if (NodeTask* t = tasks.find(e.function.get())) t->captures.push_back({e.input_nr, j});
    }
    mark_needed(tasks, roots);
  }

  for (auto& t : tasks.tasks()) t.buffer.resize(t.node->num_inputs());
  for (const auto& r : roots) {
    AutoGradMode mode(create_graph);
    accumulate_into(tasks[r.edge.function.get()].buffer, r.edge.input_nr, Tensor(r.grad));
  }
  std::vector<std::shared_ptr<Node>> ready;
  for (const auto& r : roots) {
    NodeTask& t = tasks[r.edge.function.get()];
    if (t.dependencies == 0) {
      t.dependencies = -1;  // queued once, even if it is the root of several outputs
      ready.push_back(r.edge.function);
    }
  }

  AutoGradMode mode(create_graph);
  tensor_list grads;  // one vector for every node's incoming gradients (apply takes a tensor_list)
  while (!ready.empty()) {
    std::shared_ptr<Node> node = std::move(ready.back());
    ready.pop_back();
    NodeTask& task = tasks[node.get()];
    grads.clear();
    for (Tensor& g : task.buffer) grads.push_back(std::move(g));
    task.buffer.clear();
    node->run_pre_hooks(grads);
    for (const auto& [input_nr, j] : task.captures) {
      captured[j] = grads[input_nr];
      reached[j] = true;
    }
    if (!task.execute) continue;

    tensor_list outs = call_node(node, std::move(grads));
    validate_outputs(*node, outs);
    if (AnomalyMode::is_enabled()) check_backward_finite(*node, outs);
    if (!keep_graph) node->release_variables();

    const auto& edges = node->next_edges();
    for (std::size_t i = 0; i < edges.size(); ++i) {
      if (!edges[i].is_valid()) continue;
      NodeTask& next = tasks[edges[i].function.get()];
      accumulate_into(next.buffer, edges[i].input_nr, std::move(outs[i]));
      if (--next.dependencies == 0) ready.push_back(edges[i].function);
    }
  }
  callback_scope.run_all();

  for (std::size_t j = 0; j < inputs.size(); ++j) {
    if (!reached[j] && !allow_unused) {
      throw std::runtime_error("autograd::grad: input " + std::to_string(j) + " (" + shape_str(inputs[j].shape()) +
                               ") appears to not have been used in the graph. Pass allow_unused=true if this "
                               "is the desired behavior.");
    }
    // Gradients handed to the user must not alias engine buffers that later ops might reuse.
    if (captured[j].defined() && !create_graph) captured[j] = captured[j].detach();
  }
  return captured;
}

}  // namespace

std::shared_ptr<Node> detail::last_failed_node() { return t_failed_node.lock(); }

HookHandle register_post_accumulate_grad_hook(const Tensor& leaf, std::function<void(const Tensor&)> hook) {
  if (!leaf.defined() || !leaf.is_leaf() || !leaf.requires_grad()) {
    throw std::logic_error(
        "register_post_accumulate_grad_hook: post accumulate grad hooks can only be registered on leaf tensors "
        "that require grad");
  }
  std::lock_guard<std::mutex> lock(g_post_hooks_mutex);
  std::erase_if(post_hooks(), [](const auto& entry) { return entry.second.leaf.expired(); });  // dead leaves
  HookHandle handle = next_hook_handle();
  post_hooks().emplace(leaf.impl(), PostAccumulateHook{handle, leaf.impl_ptr(), std::move(hook)});
  g_post_hook_count.store(post_hooks().size(), std::memory_order_relaxed);
  return handle;
}

void remove_post_accumulate_grad_hook(HookHandle handle) {
  std::lock_guard<std::mutex> lock(g_post_hooks_mutex);
  std::erase_if(post_hooks(), [handle](const auto& entry) { return entry.second.handle == handle; });
  g_post_hook_count.store(post_hooks().size(), std::memory_order_relaxed);
}

void queue_callback(std::function<void()> callback) {
  if (t_callbacks == nullptr) throw std::logic_error("queue_callback: no backward pass is running on this thread");
  t_callbacks->push_back(std::move(callback));
}

void backward(const tensor_list& outputs, const tensor_list& grad_outputs, std::optional<bool> retain_graph,
              bool create_graph) {
  auto roots = make_roots(outputs, grad_outputs, "backward");
  run(roots, retain_graph.value_or(create_graph), create_graph, {}, false);
}

tensor_list grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                 std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  if (inputs.empty()) throw std::invalid_argument("autograd::grad: no inputs to differentiate against");
  auto roots = make_roots(outputs, grad_outputs, "autograd::grad");
  return run(roots, retain_graph.value_or(create_graph), create_graph, inputs, allow_unused);
}

// ---- AccumulateGrad --------------------------------------------------------------------------

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> variable) : variable_(std::move(variable)) {
  input_meta_.push_back({variable_->shape, variable_->dtype});
}

namespace {
void accumulate_grad(TensorImpl& var, Tensor&& g);
}

void AccumulateGrad::run_pre_hooks(tensor_list& grads) const {
  Node::run_pre_hooks(grads);
  if (!variable_->leaf_hooks || grads.empty() || !grads[0].defined()) return;
  for (const auto& h : *variable_->leaf_hooks) {
    Tensor replaced = h.fn(grads[0]);
    if (!replaced.defined()) continue;
    check_hook_result(grads[0], replaced, [&] {
      return "a leaf tensor (" + std::string(dtype_name(variable_->dtype)) + " " + shape_str(variable_->shape) + ")";
    });
    grads[0] = std::move(replaced);
  }
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  accumulate_grad(*variable_, std::move(g));
  run_post_accumulate_hooks(variable_);
  return {};
}

namespace {
void accumulate_grad(TensorImpl& var, Tensor&& g) {
  // Two threads may run backward through graphs that share this leaf (a weight used by both):
  // the read-modify-write of .grad must not interleave.
  static std::mutex grad_mutex;
  std::lock_guard<std::mutex> lock(grad_mutex);
  if (!var.grad) {
    bool stealable = !GradMode::is_enabled() && g.impl_ptr().use_count() == 1 && g.impl()->storage.use_count() == 1 &&
                     g.is_contiguous() && !g.requires_grad();
    // With create_graph the gradient keeps its history, so it can be differentiated again.
    var.grad = stealable ? g.impl_ptr() : (GradMode::is_enabled() ? g : g.detach().clone()).impl_ptr();
  } else if (!GradMode::is_enabled()) {
    Tensor(var.grad).add_(g);
  } else {
    var.grad = (Tensor(var.grad) + g).impl_ptr();
  }
}
}  // namespace

}  // namespace xgrad::autograd
