// Module registration, traversal, mode switches, dtype conversion and printing.
#include "module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <typeinfo>
#include <unordered_set>

#include "../autograd/grad_mode.hpp"
#include "../autograd/op_support.hpp"

namespace xgrad::nn {

namespace detail {
void throw_empty_holder(const char* mangled) {
  int status = 0;
  char* name = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string readable = status == 0 && name ? name : mangled;
  std::free(name);  // NOLINT: __cxa_demangle allocates with malloc
  throw std::logic_error("accessing an empty ModuleHolder of " + readable +
                         ": it was constructed with nullptr and never assigned a module");
}
}  // namespace detail

Module::Module(std::string type_name) : type_name_(std::move(type_name)) {}

void Module::check_new_name(const std::string& name, const char* what) const {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw std::invalid_argument(type_name_ + ": " + what + " name '" + name + "' must be non-empty and contain no '.'");
  }
  auto taken = [&](const auto& list) {
    for (const auto& [n, v] : list)
      if (n == name) return true;
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_)) {
    throw std::invalid_argument(type_name_ + ": cannot register " + what + " '" + name +
                                "': the name is already in use");
  }
}

Tensor Module::register_parameter(const std::string& name, const Tensor& tensor, bool requires_grad) {
  check_new_name(name, "parameter");
  if (!tensor.defined()) return tensor;
  if (requires_grad && !tensor.is_floating_point()) {
    throw std::invalid_argument(type_name_ + ": parameter '" + name + "' (" + autograd::describe(tensor) +
                                ") must be floating point to require grad");
  }
  Tensor p = tensor.detach();
  p.requires_grad_(requires_grad);
  parameters_.emplace_back(name, p);
  return p;
}

Tensor Module::register_buffer(const std::string& name, const Tensor& tensor) {
  check_new_name(name, "buffer");
  if (!tensor.defined()) return tensor;
  Tensor b = tensor.detach();
  buffers_.emplace_back(name, b);
  return b;
}

void Module::add_child(const std::string& name, ModulePtr module) {
  check_new_name(name, "module");
  if (!module) throw std::invalid_argument(type_name_ + ": cannot register module '" + name + "': it is null");
  children_.emplace_back(name, std::move(module));
}

void Module::replace_child(const std::string& name, ModulePtr module) {
  if (!module) throw std::invalid_argument(type_name_ + ": cannot replace module '" + name + "' with null");
  for (auto& [n, c] : children_) {
    if (n == name) {
      c = std::move(module);
      return;
    }
  }
  throw std::invalid_argument(type_name_ + ": no submodule named '" + name + "' to replace");
}

void Module::unregister_module(const std::string& name) {
  for (auto it = children_.begin(); it != children_.end(); ++it) {
    if (it->first == name) {
      children_.erase(it);
      return;
    }
  }
  throw std::invalid_argument(type_name_ + ": no submodule named '" + name + "' to unregister");
}

ModulePtr Module::clone(const std::optional<Device>& device) const {
  if (device) check_cpu_device(*device, "Module::clone");
  if (!factory_) {
    throw std::logic_error("clone() is not implemented for " + type_name_ +
                           ": construct it through its holder from copyable arguments (nn::Linear(4, 3), "
                           "XGRAD_MODULE(Net) and Net(...)), or derive from nn::Cloneable<" +
                           type_name_ + "Impl> and define reset(), as in LibTorch");
  }
  ModulePtr copy = factory_();
  copy->factory_ = factory_;
  copy->copy_state_from(*this);
  return copy;
}

namespace {
// Points `dst`'s own TensorImpl at a fresh copy of `src`'s data (every handle to dst, such as a
// layer's `weight` member, sees it), keeping dst's requires_grad.
void take_copy(const Tensor& dst, const Tensor& src) {
  Tensor c = autograd::copy_as(src, src.dtype());
  TensorImpl& impl = *dst.impl();
  impl.storage = c.impl()->storage;
  impl.offset = 0;
  impl.dtype = src.dtype();
  impl.is_view = false;
  impl.grad = nullptr;
  impl.set_contiguous_strides();
}
}  // namespace

void Module::copy_state_from(const Module& from) {
  NoGradGuard guard;
  const NamedTensors mine = state_dict(), theirs = from.state_dict();
  const auto mismatch = [&](const std::string& what) {
    return std::logic_error("clone of " + from.type_name_ + ": the rebuilt module differs from the original (" + what +
                            "); was it changed after construction? Derive from nn::Cloneable and define reset()");
  };
  if (mine.size() != theirs.size()) {
    throw mismatch(std::to_string(theirs.size()) + " parameters and buffers, rebuilt " + std::to_string(mine.size()));
  }
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto& [name, dst] = mine[i];
    const auto& [src_name, src] = theirs[i];
    if (name != src_name || dst.shape() != src.shape()) {
      throw mismatch("'" + src_name + "' " + autograd::describe(src) + " rebuilt as '" + name + "' " +
                     autograd::describe(dst));
    }
    take_copy(dst, src);
    if (dst.requires_grad() != src.requires_grad()) Tensor(dst).requires_grad_(src.requires_grad());
  }
  const auto mods = named_modules(), others = from.named_modules();
  for (std::size_t i = 0; i < mods.size() && i < others.size(); ++i) {
    const_cast<Module*>(mods[i].second)->training_ = others[i].second->training_;  // NOLINT: our own tree
  }
}

void Module::replace_tensor(const std::string& name, const Tensor& tensor) {
  for (auto* list : {&parameters_, &buffers_}) {
    for (auto& [n, t] : *list) {
      if (n == name) {
        t = tensor;
        return;
      }
    }
  }
  throw std::invalid_argument(type_name_ + ": no parameter or buffer named '" + name + "'");
}

void Module::collect(NamedTensors& out, const std::string& prefix, bool params, bool bufs, bool recurse) const {
  if (params)
    for (const auto& [n, t] : parameters_) out.emplace_back(prefix + n, t);
  if (bufs)
    for (const auto& [n, t] : buffers_) out.emplace_back(prefix + n, t);
  if (!recurse) return;
  for (const auto& [n, child] : children_) child->collect(out, prefix + n + ".", params, bufs, true);
}

namespace {
// A tensor shared by two submodules (weight tying) is listed once, under its first name, as in
// PyTorch: otherwise an optimizer would update it twice per step.
NamedTensors without_duplicates(NamedTensors named) {
  std::unordered_set<const TensorImpl*> seen;
  NamedTensors out;
  out.reserve(named.size());
  for (auto& [n, t] : named) {
    if (!t.defined() || seen.insert(t.impl()).second) out.emplace_back(std::move(n), std::move(t));
  }
  return out;
}
}  // namespace

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  collect(out, "", true, false, recurse);
  return without_duplicates(std::move(out));
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  collect(out, "", false, true, recurse);
  return without_duplicates(std::move(out));
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect(out, "", true, true, true);
  return out;
}

namespace {
tensor_list values(const NamedTensors& named) {
  tensor_list out;
  out.reserve(named.size());
  for (const auto& [n, t] : named) out.push_back(t);
  return out;
}
}  // namespace

tensor_list Module::parameters(bool recurse) const { return values(named_parameters(recurse)); }
tensor_list Module::buffers(bool recurse) const { return values(named_buffers(recurse)); }

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (const auto& [n, c] : children_) out.push_back(c);
  return out;
}

NamedModules Module::named_children() const { return children_; }

std::vector<ModulePtr> Module::modules(bool include_self) const {
  std::vector<ModulePtr> out;
  if (include_self) {
    auto self = weak_from_this().lock();
    if (!self) {
      throw std::logic_error(type_name_ + ".modules(): include_self needs the module to be held by a shared_ptr; " +
                             "call modules(false) on a module created on the stack");
    }
    out.push_back(std::const_pointer_cast<Module>(self));
  }
  for (const auto& [n, child] : children_) {
    auto sub = child->modules(true);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

std::vector<std::pair<std::string, const Module*>> Module::named_modules() const {
  std::vector<std::pair<std::string, const Module*>> out{{"", this}};
  for (const auto& [n, child] : children_) {
    for (auto& [sub, m] : child->named_modules()) out.emplace_back(sub.empty() ? n : n + "." + sub, m);
  }
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, child] : children_) child->train(on);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard guard;
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) p.mutable_grad() = Tensor();
    else p.mutable_grad().detach_().zero_();
  }
}

namespace {
// Points `t`'s own TensorImpl at converted data, so every handle to it sees the change.
void convert_in_place(const Tensor& t, Dtype dtype) {
  if (!t.is_floating_point() || t.dtype() == dtype) return;
  Tensor c = autograd::copy_as(t, dtype);
  TensorImpl& impl = *t.impl();
  impl.storage = c.impl()->storage;
  impl.offset = 0;
  impl.dtype = dtype;
  impl.is_view = false;
  impl.set_contiguous_strides();
  if (impl.grad) impl.grad = autograd::copy_as(Tensor(impl.grad), dtype).impl_ptr();
}
}  // namespace

void Module::to(Dtype dtype) {
  if (!is_floating_point(dtype)) {
    throw std::invalid_argument(type_name_ + ".to: modules can only be converted to a floating dtype, got " +
                                std::string(dtype_name(dtype)));
  }
  for (const auto& [n, t] : state_dict()) convert_in_place(t, dtype);
}

namespace {
// A user's module constructed without a type name prints as its class, as LibTorch's
// (demangled, without namespaces): "NetImpl(...)".
std::string display_name(const Module& m) {
  if (m.type_name() != "Module" || typeid(m) == typeid(Module)) return m.type_name();
  int status = 0;
  char* raw = abi::__cxa_demangle(typeid(m).name(), nullptr, nullptr, &status);
  std::string name = status == 0 && raw ? raw : m.type_name();
  std::free(raw);  // NOLINT: __cxa_demangle allocates with malloc
  const auto colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}
}  // namespace

void Module::pretty_print(std::ostream& os, int indent) const {
  os << display_name(*this) << "(" << extra_repr();
  if (!children_.empty()) {
    os << "\n";
    for (const auto& [n, child] : children_) {
      os << std::string(static_cast<std::size_t>(indent + 2), ' ') << "(" << n << "): ";
      child->pretty_print(os, indent + 2);
      os << "\n";
    }
    os << std::string(static_cast<std::size_t>(indent), ' ');
  }
  os << ")";
  NamedTensors own;
  collect(own, "", true, true, false);
  if (!own.empty()) {
    os << " {";
    for (std::size_t i = 0; i < own.size(); ++i) {
      os << (i ? ", " : "") << own[i].first << ": " << autograd::describe(own[i].second);
    }
    os << "}";
  }
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  module.pretty_print(os);
  return os;
}

}  // namespace xgrad::nn
