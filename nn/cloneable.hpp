// nn::Cloneable<Derived>: LibTorch's base for a user module that clone() can deep-copy. The
// module registers its parameters, buffers and children in reset() (its constructor calls
// reset()); clone() copies the object (so plain members such as sizes and options are kept),
// calls reset() on the copy to register fresh tensors and submodules, then copies every
// parameter's and buffer's value into them:
//   struct NetImpl : nn::Cloneable<NetImpl> {
//     explicit NetImpl(int64_t n) : n(n) { reset(); }
//     void reset() override { fc = register_module("fc", nn::Linear(n, 2)); }
//     int64_t n;
//     nn::Linear fc{nullptr};
//   };
//   auto copy = std::dynamic_pointer_cast<NetImpl>(net->clone());   // shares no tensor with net
// Derived must be copy constructible (its implicit copy constructor is used; the copy starts
// with no registered tensors or children). A module made through a holder from copyable
// arguments clones without this (see Module::clone).
#pragma once
#include <memory>
#include <optional>

#include "../autograd/grad_mode.hpp"
#include "module.hpp"

namespace xgrad::nn {

template <class Derived>
class Cloneable : public Module {
 public:
  using Module::Module;
  // Registers this module's parameters, buffers and submodules.
  virtual void reset() = 0;

  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override {
    if (device) check_cpu_device(*device, "Module::clone");
    NoGradGuard guard;
    auto copy = std::make_shared<Derived>(static_cast<const Derived&>(*this));
    copy->reset();
    copy->copy_state_from(*this);
    return copy;
  }
};

}  // namespace xgrad::nn
