// nn::Module: the base of every layer and of user models. A module owns named parameters
// (leaf tensors that require grad), named buffers (state that is saved but not trained, such
// as BatchNorm's running statistics) and named child modules, all kept in registration order.
// As in LibTorch, every layer is a plain class `XImpl` (usable on its own through
// std::make_shared<nn::LinearImpl>(4, 8)) and a holder `X` (nn/pimpl.hpp) that owns a
// shared_ptr to it; XGRAD_MODULE(Net) makes the holder of a user's NetImpl:
//
//   struct NetImpl : nn::Module {
//     nn::Linear fc1{nullptr}, fc2{nullptr};
//     NetImpl() {
//       fc1 = register_module("fc1", nn::Linear(4, 8));
//       fc2 = register_module("fc2", nn::Linear(nn::LinearOptions(8, 2).bias(false)));
//     }
//     Tensor forward(Tensor x) { return fc2(relu(fc1(x))); }
//   };
//   XGRAD_MODULE(Net);   // Net net; net(x); net->parameters(); xgrad::save(net, "net.safetensors");
//
// Module has no virtual forward: a module's forward may take and return anything, and the
// holder, Sequential and AnyModule find it by overload resolution at compile time (a forward
// taking Tensor by value, by const reference or several arguments all work).
#pragma once
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../autograd/tensor.hpp"
#include "ordered_dict.hpp"

namespace xgrad::nn {

// (dotted name, tensor) pairs in registration order, e.g. {"fc1.weight", W}.
// Items read as p.key() / p.value() (LibTorch) or p.first / p.second.
using NamedTensors = OrderedDict<std::string, Tensor>;

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedModules = OrderedDict<std::string, ModulePtr>;

template <class Contained>
class ModuleHolder;

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `type_name` is what printing shows ("Linear", "Net").
  explicit Module(std::string type_name = "Module");
  virtual ~Module() = default;
  Module& operator=(const Module&) = delete;

  const std::string& type_name() const noexcept { return type_name_; }

  // ---- registration ---------------------------------------------------------------------
  // Names must be non-empty, contain no '.', and be unique among this module's parameters,
  // buffers and children (std::invalid_argument otherwise). An undefined tensor registers
  // nothing (e.g. Linear without bias). register_parameter detaches `tensor` and makes it a
  // leaf with requires_grad as given. All return the registered handle.
  Tensor register_parameter(const std::string& name, const Tensor& tensor, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, const Tensor& tensor);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, const ModuleHolder<M>& holder) {
    return register_module(name, holder.ptr());
  }
  // Replaces the child registered as `name` (LibTorch's replace_module); std::invalid_argument
  // when there is none.
  template <class M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module) {
    replace_child(name, module);
    return module;
  }
  // Removes the child registered as `name` (LibTorch's unregister_module); std::invalid_argument
  // when there is none.
  void unregister_module(const std::string& name);
  // Replaces the tensor behind an already registered parameter or buffer (throws
  // std::invalid_argument naming the module and the name when there is none).
  void replace_tensor(const std::string& name, const Tensor& tensor);

  // ---- traversal ------------------------------------------------------------------------
  // With recurse, children's entries follow this module's own, depth first, with dotted names.
  tensor_list parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  tensor_list buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<ModulePtr> children() const;
  NamedModules named_children() const;
  // Every module of the tree, depth first, this one first when include_self (LibTorch's
  // modules()); include_self needs this module to be owned by a shared_ptr (std::logic_error).
  std::vector<ModulePtr> modules(bool include_self = true) const;
  // Every module of the tree, this one first (named ""), children with dotted names.
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  // Parameters and buffers by dotted name, module by module (own parameters, own buffers,
  // then children), which is PyTorch's state_dict order. Handles, not copies.
  NamedTensors state_dict() const;

  // ---- mode and state -------------------------------------------------------------------
  // Sets training mode on this module and all descendants (Dropout and BatchNorm behave
  // differently in eval mode).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const noexcept { return training_; }
  // Clears the gradients of all parameters (undefined with set_to_none, else zeroed in place).
  void zero_grad(bool set_to_none = true);
  // Converts every floating-point parameter and buffer to `dtype` in place: handles held
  // elsewhere (an optimizer's parameter list, a member `weight`) see the new data. Int64
  // buffers stay Int64. Gradients are converted too. Throws std::invalid_argument for Int64.
  void to(Dtype dtype);
  // LibTorch's "GPU if available" code: the CPU is accepted (nothing moves), any other device
  // throws std::runtime_error (xgrad is CPU-only).
  void to(const Device& device) { check_cpu_device(device, "Module::to"); }
  void to(const Device& device, Dtype dtype) {
    to(device);
    to(dtype);
  }

  // ---- deep copy (LibTorch's clone()) ----------------------------------------------------
  // A new module tree with the same structure, its own copies of every parameter and buffer
  // (values, dtypes and requires_grad; not the gradients) and the same training flags. Works
  // for modules made through a holder from copyable arguments (nn::Linear(4, 3), a user's
  // Net(8) declared with XGRAD_MODULE: the Impl is rebuilt from the same arguments), for
  // Sequential / ModuleList / ModuleDict (each child cloned) and for nn::Cloneable<Derived>
  // modules (LibTorch's way: copy, reset(), copy the values). Otherwise (an Impl made with
  // std::make_shared, a holder given modules as arguments) it throws std::logic_error naming
  // the module and what to do. A device other than the CPU throws std::runtime_error.
  virtual std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const;

  // ---- printing -------------------------------------------------------------------------
  // The text inside the parentheses of this module's line, e.g. "in_features=4, out_features=8".
  virtual std::string extra_repr() const { return ""; }
  // Writes this module and its children, indented, one per line (see operator<<).
  void pretty_print(std::ostream& os, int indent = 0) const;

 protected:
  // Children may change what training mode means for them; they call this to set the flag.
  void set_training_flag(bool on) noexcept { training_ = on; }
  // For nn::Cloneable's copy: the type name and training flag only; the copy starts with no
  // parameters, buffers or children (its reset() registers them).
  Module(const Module& other)
      : std::enable_shared_from_this<Module>(), type_name_(other.type_name_), training_(other.training_) {}
  // Gives every parameter and buffer of this tree its own copy of the value of the entry of the
  // same dotted name in `from`, and each module the training flag of its counterpart;
  // std::logic_error when the names or shapes differ.
  void copy_state_from(const Module& from);

 public:
  // How a holder rebuilds this module for clone() (set by ModuleHolder; internal).
  void set_factory(std::function<std::shared_ptr<Module>()> factory) { factory_ = std::move(factory); }

 private:
  void add_child(const std::string& name, ModulePtr module);
  void replace_child(const std::string& name, ModulePtr module);
  void check_new_name(const std::string& name, const char* what) const;
  void collect(NamedTensors& out, const std::string& prefix, bool params, bool buffers, bool recurse) const;

  std::string type_name_;
  bool training_ = true;
  NamedTensors parameters_;
  NamedTensors buffers_;
  NamedModules children_;
  std::function<std::shared_ptr<Module>()> factory_;
};

// Prints the module tree as PyTorch does, each line with the shapes of the module's own
// parameters and buffers:
//   Net(
//     (fc1): Linear(in_features=4, out_features=8, bias=true) {weight: Float32 [8, 4], bias: Float32 [8]}
//   )
std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace xgrad::nn

#include "pimpl.hpp"  // NOLINT: the holders, after Module is complete
