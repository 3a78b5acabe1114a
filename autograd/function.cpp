#include "function.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <stdexcept>

#include "ops.hpp"

namespace xgrad::autograd {

// ---- IValue ----------------------------------------------------------------------------------

const char* IValue::type_name() const {
  static const char* names[] = {"None",           "double",         "int", "bool", "string", "Tensor", "tensor_list",
                                "vector<double>", "vector<int64_t>"};
  return names[v_.index()];
}

namespace {
[[noreturn]] void bad_cast(const IValue& v, const char* wanted) {
  throw std::runtime_error(std::string("IValue: expected a ") + wanted + " but the value holds a " + v.type_name());
}
}  // namespace

double IValue::toDouble() const {
  if (auto* d = std::get_if<double>(&v_)) return *d;
  if (auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  bad_cast(*this, "double");
}
std::int64_t IValue::toInt() const {
  if (auto* i = std::get_if<std::int64_t>(&v_)) return *i;
  bad_cast(*this, "int");
}
bool IValue::toBool() const {
  if (auto* b = std::get_if<bool>(&v_)) return *b;
  bad_cast(*this, "bool");
}
const std::string& IValue::toStringRef() const {
  if (auto* s = std::get_if<std::string>(&v_)) return *s;
  bad_cast(*this, "string");
}
Tensor IValue::toTensor() const {
  if (auto* t = std::get_if<Tensor>(&v_)) return *t;
  bad_cast(*this, "Tensor");
}
const tensor_list& IValue::toTensorList() const {
  if (auto* t = std::get_if<tensor_list>(&v_)) return *t;
  bad_cast(*this, "tensor_list");
}
const std::vector<double>& IValue::toDoubleVector() const {
  if (auto* t = std::get_if<std::vector<double>>(&v_)) return *t;
  bad_cast(*this, "vector<double>");
}
const std::vector<std::int64_t>& IValue::toIntVector() const {
  if (auto* t = std::get_if<std::vector<std::int64_t>>(&v_)) return *t;
  bad_cast(*this, "vector<int64_t>");
}

// ---- AutogradContext -------------------------------------------------------------------------

void AutogradContext::save_for_backward(tensor_list to_save) { to_save_ = std::move(to_save); }

tensor_list AutogradContext::get_saved_variables() const {
  if (has_freed_) {
    throw SavedTensorsFreedError(
        "Trying to backward through the graph a second time (or to use saved tensors after they were freed). "
        "Pass retain_graph=true to the first backward if you need to backward through the graph again.");
  }
  tensor_list out;
  out.reserve(saved_.size());
  for (const auto& s : saved_) out.push_back(s.unpack());
  return out;
}

bool AutogradContext::needs_input_grad(std::size_t i) const {
  if (i >= needs_input_grad_.size()) {
    throw std::out_of_range("needs_input_grad: index " + std::to_string(i) + " but forward took " +
                            std::to_string(needs_input_grad_.size()) + " arguments");
  }
  return needs_input_grad_[i];
}

void AutogradContext::mark_non_differentiable(const tensor_list& outputs) {
  for (const auto& t : outputs) non_differentiable_.insert(t.impl());
}

void AutogradContext::mark_dirty(const tensor_list& inputs) {
  for (const auto& t : inputs) dirty_.insert(t.impl());
}

namespace detail {

std::string demangle(const char* mangled) {
  int status = 0;
  char* out = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = (status == 0 && out) ? out : mangled;
  std::free(out);
  // Drop namespaces for readability: "my::ns::MulConstant" -> "MulConstant".
  auto template_at = name.find('<');
  auto colon = name.rfind("::", template_at);
  if (colon != std::string::npos) name = name.substr(colon + 2);
  return name;
}

void CppNodeBase::release_variables() {
  for (auto& s : ctx.saved_) s.reset();
  ctx.has_freed_ = true;
}

std::vector<SavedTensorInfo> CppNodeBase::saved_tensors() const {
  std::vector<SavedTensorInfo> out;
  for (std::size_t i = 0; i < ctx.saved_.size(); ++i) {
    if (ctx.saved_[i].defined()) out.push_back(ctx.saved_[i].info("saved[" + std::to_string(i) + "]"));
  }
  return out;
}

tensor_list CppNodeBase::prepare_grads(tensor_list&& grads) {
  if (ctx.materialize_grads_) {
    for (std::size_t i = 0; i < grads.size(); ++i) {
      if (!grads[i].defined()) grads[i] = zeros(input_meta_[i].shape, input_meta_[i].dtype);
    }
  }
  return std::move(grads);
}

tensor_list CppNodeBase::map_user_grads(tensor_list&& user) {
  const std::size_t expected = is_tensor_arg.size();
  if (user.size() != expected) {
    throw std::runtime_error("function " + fn_name + "::backward returned an incorrect number of gradients (expected " +
                             std::to_string(expected) + ", one per forward argument; got " +
                             std::to_string(user.size()) + ")");
  }
  tensor_list out(next_edges_.size());
  for (std::size_t slot = 0; slot < expected; ++slot) {
    Tensor& g = user[slot];
    if (!is_tensor_arg[slot]) {
      if (g.defined()) {
        throw std::runtime_error("function " + fn_name + "::backward returned a gradient of shape " +
                                 shape_str(g.shape()) + " at position " + std::to_string(slot) +
                                 ", but forward argument " + std::to_string(slot) +
                                 " is not a tensor; return an undefined Tensor() there");
      }
      continue;
    }
    auto e = static_cast<std::size_t>(edge_of_slot[slot]);
    if (!next_edges_[e].is_valid() || !g.defined()) continue;
    const InputMeta& meta = next_edges_[e].function->input_meta(next_edges_[e].input_nr);
    if (g.shape() != meta.shape) {
      bool ok = g.dim() >= static_cast<std::int64_t>(meta.shape.size());
      if (ok) {
        try {
          g = sum_to(g, meta.shape);
        } catch (const std::exception&) {
          ok = false;
        }
      }
      if (!ok) {
        throw std::runtime_error("function " + fn_name + "::backward returned a gradient of shape " +
                                 shape_str(user[slot].shape()) + " at position " + std::to_string(slot) +
                                 ", which cannot be summed to the input's shape " + shape_str(meta.shape));
      }
    }
    out[e] = std::move(g);
  }
  return out;
}

void wrap_outputs(const std::shared_ptr<CppNodeBase>& node, const tensor_list& inputs, tensor_list& outputs,
                  bool is_differentiable) {
  AutogradContext& ctx = node->ctx;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Tensor& out = outputs[i];
    if (!out.defined()) continue;
    bool is_input = false;
    for (const auto& in : inputs) is_input = is_input || in.is_same(out);
    bool dirty = ctx.dirty_.count(out.impl()) > 0;
    if (dirty) {
      out.impl()->storage->bump_version();
      if (is_differentiable && out.is_leaf() && out.requires_grad()) {
        throw std::runtime_error("function " + node->fn_name +
                                 ": a leaf tensor that requires grad was marked dirty (modified in place)");
      }
    } else if (is_input) {
      out = out.detach();  // returning an input unchanged: a fresh alias gets the new history
    }
    bool differentiable = is_differentiable && ctx.non_differentiable_.count(outputs[i].impl()) == 0 &&
                          ctx.non_differentiable_.count(out.impl()) == 0 && out.is_floating_point();
    if (differentiable) {
      if (dirty) out.impl()->grad_fn.reset();
      set_history(out, node);
    } else {
      node->add_input_meta(out);  // keeps output numbering aligned with grad_outputs
    }
  }
  // Saved tensors become SavedVariables once outputs know their history (a saved output is
  // then held weakly: no reference cycle).
  for (const auto& t : ctx.to_save_) {
    bool is_output = false;
    for (const auto& out : outputs) is_output = is_output || (t.defined() && out.defined() && t.is_same(out));
    ctx.saved_.emplace_back(t, is_output && is_differentiable);
  }
  ctx.to_save_.clear();
  if (!is_differentiable) {
    node->next_edges().clear();
    node->next_edges().shrink_to_fit();
  }
}

}  // namespace detail
}  // namespace xgrad::autograd
