// AnyModule (a module of any type with a Tensor -> Tensor forward, found at compile time) and
// Functional (a function as a module), LibTorch's nn::AnyModule and nn::Functional.
#pragma once
#include <concepts>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "../module.hpp"

namespace xgrad::nn {

// M has a forward that takes one Tensor (by value, const& or anything a Tensor converts to)
// and returns something that converts to a Tensor.
template <class M>
concept TensorForward = std::derived_from<M, Module> && requires(M& m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};

// A callable taking a Tensor and returning one (a lambda, a function, F::relu).
template <class F>
concept IsModuleHolder = requires {
  typename std::remove_cvref_t<F>::ContainedType;
};

template <class F>
concept TensorFunction =
    !IsModuleHolder<F> && !std::derived_from<std::remove_cvref_t<F>, Module> &&
    std::is_invocable_v<F&, const Tensor&> && std::convertible_to<std::invoke_result_t<F&, const Tensor&>, Tensor>;

// A function as a module, for Sequential:
//   nn::Functional(F::relu)            nn::Functional(xgrad::leaky_relu, 0.2)   // x -> f(x, 0.2)
//   nn::Functional([](Tensor x) { return x * 2; })
class FunctionalImpl : public Module {
 public:
  using Function = std::function<Tensor(Tensor)>;
  explicit FunctionalImpl(Function function);
  // Binds the extra arguments after the input (LibTorch's std::bind with _1 first).
  template <class Fn, class A, class... Rest>
  explicit FunctionalImpl(Fn function, A&& arg, Rest&&... rest)
      : FunctionalImpl(Function([function, arg = std::forward<A>(arg), ... rest = std::forward<Rest>(rest)](Tensor x) {
          return Tensor(std::invoke(function, std::move(x), arg, rest...));
        })) {}
  Tensor forward(Tensor input);
  // Shares the function (a function has no state to copy).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

 private:
  Function function_;
};
XGRAD_MODULE(Functional);

// A type-erased module with a Tensor -> Tensor forward. Made from a shared_ptr<M>, a holder or a
// callable (wrapped in Functional); the forward is bound when the AnyModule is made, so a module
// without a usable forward is a compile error, not a run-time surprise.
class AnyModule {
 public:
  AnyModule() = default;
  template <TensorForward M>
  AnyModule(std::shared_ptr<M> module)  // NOLINT: Sequential(std::make_shared<nn::LinearImpl>(2, 3))
      : module_(module),
        forward_([m = module.get()](const Tensor& x) { return Tensor(m->forward(x)); }),
        rebind_([](const ModulePtr& p) {
          auto m = std::dynamic_pointer_cast<M>(p);
          return m ? AnyModule(m) : AnyModule();
        }) {
    if (!module) throw std::invalid_argument("AnyModule: cannot hold a null module");
  }
  template <class C>
  AnyModule(const ModuleHolder<C>& holder) : AnyModule(holder.ptr()) {}  // NOLINT
  template <TensorFunction Fn>
  AnyModule(Fn function) : AnyModule(std::make_shared<FunctionalImpl>(std::move(function))) {}  // NOLINT
  // A shared_ptr<Module> (static type Module) has no forward to find.
  AnyModule(const std::shared_ptr<Module>&) = delete;

  Tensor forward(const Tensor& input) const;
  // An AnyModule holding a clone of this one's module (Module::clone).
  AnyModule clone(const std::optional<Device>& device = std::nullopt) const;
  bool is_empty() const noexcept { return module_ == nullptr; }
  const ModulePtr& ptr() const noexcept { return module_; }
  // The module as T (std::invalid_argument when it is of another type).
  template <class T>
  std::shared_ptr<T> ptr() const {
    auto p = std::dynamic_pointer_cast<T>(module_);
    if (!p) throw std::invalid_argument("AnyModule::ptr: the module is a " + type() + ", not the requested type");
    return p;
  }
  template <class T>
  T& get() const {
    return *ptr<T>();
  }
  std::string type() const { return module_ ? module_->type_name() : "empty"; }

 private:
  ModulePtr module_;
  std::function<Tensor(const Tensor&)> forward_;
  std::function<AnyModule(const ModulePtr&)> rebind_;
};

// A named entry of Sequential: nn::Sequential({{"fc", nn::Linear(2, 3)}, {"act", nn::ReLU()}}).
class NamedAnyModule {
 public:
  template <class M>
  NamedAnyModule(std::string name, M&& module) : name_(std::move(name)), module_(std::forward<M>(module)) {}
  const std::string& name() const noexcept { return name_; }
  const AnyModule& module() const noexcept { return module_; }

 private:
  std::string name_;
  AnyModule module_;
};

}  // namespace xgrad::nn
