#include "node.hpp"

#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "engine.hpp"
#include "function.hpp"
#include "grad_mode.hpp"

namespace xgrad::autograd {

namespace {
thread_local std::uint64_t t_sequence_nr = 0;
std::atomic<std::uint64_t> g_hook_handle{1};
}  // namespace

HookHandle next_hook_handle() noexcept { return g_hook_handle.fetch_add(1, std::memory_order_relaxed); }

Node::Node() : sequence_nr_(t_sequence_nr++) {}

Node::~Node() {
  for (auto& e : next_edges_) {
    if (e.function) release_node(std::move(e.function));
  }
}

std::string Node::name() const { return detail::demangle(typeid(*this).name()); }

std::uint32_t Node::add_input_meta(const Tensor& output) {
  input_meta_.push_back({output.shape(), output.dtype()});
  return static_cast<std::uint32_t>(input_meta_.size() - 1);
}

HookHandle Node::add_pre_hook(std::uint32_t input_nr, PreHook hook) {
  HookHandle h = next_hook_handle();
  pre_hooks_.push_back({h, input_nr, std::move(hook)});
  return h;
}

bool Node::remove_pre_hook(HookHandle handle) {
  return std::erase_if(pre_hooks_, [handle](const HookEntry& e) { return e.handle == handle; }) > 0;
}

void Node::run_pre_hooks(tensor_list& grads) const {
  for (const auto& h : pre_hooks_) {
    if (h.input_nr >= grads.size() || !grads[h.input_nr].defined()) continue;
    Tensor replaced = h.fn(grads[h.input_nr]);
    if (!replaced.defined()) continue;
    check_hook_result(grads[h.input_nr], replaced, [&] {
      return "output " + std::to_string(h.input_nr) + " of " + name() + " (a non-leaf tensor)";
    });
    grads[h.input_nr] = std::move(replaced);
  }
}

// A gradient of another shape or dtype would become .grad() unchecked and an optimizer step
// would read past its end: refuse it here, with PyTorch's wording, naming the hook's tensor.
void check_hook_result(const Tensor& original, const Tensor& result, const std::function<std::string()>& tensor) {
  if (result.dtype() != original.dtype()) {
    throw std::runtime_error("hook registered on " + tensor() + " has changed the type of value (was " +
                             dtype_name(original.dtype()) + " got " + dtype_name(result.dtype()) +
                             "): a hook must return a gradient of its tensor's dtype");
  }
  if (result.shape() != original.shape()) {
    throw std::runtime_error("hook registered on " + tensor() + " has changed the size of value (was " +
                             shape_str(original.shape()) + " got " + shape_str(result.shape()) +
                             "): a hook must return a gradient of its tensor's shape");
  }
}

// Deep graphs (a chain of a million ops) must not be freed by a million nested destructors.
// Nodes released while another release is in progress are queued and freed by the outer loop.
void release_node(std::shared_ptr<Node>&& node) noexcept {
  thread_local bool draining = false;
  thread_local std::vector<std::shared_ptr<Node>> pending;
  if (!node) return;
  if (node.use_count() > 1) {  // not the last owner: nothing is freed here
    node.reset();
    return;
  }
  pending.push_back(std::move(node));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // may push more nodes onto `pending`
  }
  draining = false;
}

// ---- SavedVariable ---------------------------------------------------------------------------

SavedVariable::SavedVariable(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  was_defined_ = true;
  is_output_ = is_output;
  saved_version_ = t._version();
  requires_grad_ = t.requires_grad();
  output_nr_ = t.output_nr();
  if (is_output && t.grad_fn()) {
    weak_grad_fn_ = t.grad_fn();
    data_ = t.detach();
  } else {
    data_ = t;
  }
}

void SavedVariable::reset() noexcept {
  data_ = Tensor();
  weak_grad_fn_.reset();
  released_ = true;
}

SavedTensorInfo SavedVariable::info(std::string name) const {
  SavedTensorInfo i;
  i.name = std::move(name);
  i.released = released_;
  if (!released_ && data_.defined()) {
    i.shape = data_.shape();
    i.dtype = data_.dtype();
  }
  return i;
}

std::vector<SavedTensorInfo> describe_saved(std::initializer_list<SavedRef> saved) {
  std::vector<SavedTensorInfo> out;
  for (const SavedRef& r : saved) {
    if (r.var && r.var->defined()) out.push_back(r.var->info(r.name));
    if (r.tensor && r.tensor->defined()) {
      SavedTensorInfo i;
      i.name = r.name;
      i.shape = r.tensor->shape();
      i.dtype = r.tensor->dtype();
      out.push_back(std::move(i));
    }
  }
  return out;
}

Tensor SavedVariable::unpack() const {
  if (!was_defined_) return Tensor();
  if (released_) {
    throw SavedTensorsFreedError(
        "Trying to backward through the graph a second time (or to use saved tensors after they were "
        "freed). Saved tensors are freed after backward() or autograd::grad(); pass retain_graph=true "
        "to the first call if you need to backward through the graph again.");
  }
  std::uint32_t now = data_._version();
  if (now != saved_version_) {
    std::string what = std::string(dtype_name(data_.dtype())) + " " + shape_str(data_.shape());
    std::string producer;
    if (is_output_) {
      if (auto fn = weak_grad_fn_.lock())
        producer = ", which is output " + std::to_string(output_nr_) + " of " + fn->name() + ",";
    } else if (data_.grad_fn()) {
      producer = ", which is output " + std::to_string(data_.output_nr()) + " of " + data_.grad_fn()->name() + ",";
    } else if (data_.is_leaf() && data_.requires_grad()) {
      producer = ", a leaf,";
    }
    throw std::runtime_error(
        "one of the variables needed for gradient computation has been modified by an inplace operation: [" + what +
        "]" + producer + " is at version " + std::to_string(now) + "; expected version " +
        std::to_string(saved_version_) +
        " instead. Hint: the in-place operation happened after this tensor was saved for backward; use an "
        "out-of-place operation (e.g. x = x + y instead of x.add_(y)) or clone() the tensor first.");
  }
  if (!is_output_) return data_;
  auto fn = weak_grad_fn_.lock();
  if (!fn) return data_;
  // Reattach the output to its node so that create_graph differentiates through it.
  Tensor out = data_.detach();
  out.impl()->grad_fn = std::move(fn);
  out.impl()->output_nr = output_nr_;
  return out;
}

// ---- helpers for ops -------------------------------------------------------------------------

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs) {
    if (t->defined() && t->requires_grad()) return true;
  }
  return false;
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined()) return {};
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  if (!impl->requires_grad) return {};
  // Threads that build graphs on a shared leaf (a weight read by both) race to create its one
  // AccumulateGrad node; the lock makes that lookup-or-create atomic. Uncontended it costs
  // ~20 ns, once per leaf operand of an op.
  static std::mutex accumulator_mutex;
  std::lock_guard<std::mutex> lock(accumulator_mutex);
  std::shared_ptr<Node> acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return {std::move(acc), 0};
}

void set_history(Tensor& output, const std::shared_ptr<Node>& node) {
  TensorImpl* impl = output.impl();
  impl->output_nr = node->add_input_meta(output);
  impl->grad_fn = node;
  impl->requires_grad = true;
  if (AnomalyMode::is_enabled()) check_forward_finite(output, node->name().c_str());
}

void check_inplace(const Tensor& t, const char* op) {
  if (GradMode::is_enabled() && t.is_leaf() && t.requires_grad()) {
    throw std::runtime_error(std::string(op) + ": a leaf tensor that requires grad (" + dtype_name(t.dtype()) + " " +
                             shape_str(t.shape()) +
                             ") is being used in an in-place operation. Wrap the update in a NoGradGuard "
                             "(as optimizers do), or clone() the tensor first.");
  }
  if (GradMode::is_enabled() && t.impl()->is_view && t.requires_grad()) {
    throw std::runtime_error(std::string(op) + ": in-place modification of a view (" + shape_str(t.shape()) +
                             ") of a tensor that requires grad is not supported; use an out-of-place op "
                             "or clone() the view first.");
  }
}

void check_forward_finite(const Tensor& output, const char* op) {
  if (!output.is_floating_point()) return;
  for (double v : output.to_vector<double>()) {
    if (!std::isfinite(v)) {
      throw std::runtime_error(std::string("Anomaly detected: the forward of ") + op +
                               " produced a non-finite value (" + std::to_string(v) + ") in its output of shape " +
                               shape_str(output.shape()) + ".");
    }
  }
}

}  // namespace xgrad::autograd
