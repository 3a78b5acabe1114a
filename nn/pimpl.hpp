// ModuleHolder<Impl> and XGRAD_MODULE: LibTorch's module holders (torch/nn/pimpl.h).
//
// A holder is a std::shared_ptr<Impl> with a module's face: constructing one constructs the
// Impl with the same arguments, copying it shares the module (a holder is a handle, not a
// value), and -> / * / get() / ptr() reach the Impl.
//   nn::Linear lin(4, 3);                                  // LinearImpl(4, 3)
//   nn::Linear lin2(nn::LinearOptions(4, 3).bias(false));  // LinearImpl(LinearOptions)
//   Tensor y = lin(x);  y = lin->forward(x);  lin->weight;
//   nn::Linear later{nullptr};  later = nn::Linear(2, 2);  // empty until assigned
// A default-constructed holder default-constructs its Impl (a compile error when the Impl has
// no default constructor, as LibTorch); use `{nullptr}` for an empty one. Using an empty
// holder throws std::logic_error naming the module type.
//
// XGRAD_MODULE(Net) declares `Net` as the holder of a user's `NetImpl` (LibTorch's
// TORCH_MODULE). `Net(...)` forwards to NetImpl's constructors.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "module.hpp"

namespace xgrad::nn {

namespace detail {
[[noreturn]] void throw_empty_holder(const char* mangled_type_name);

// Whether clone() may rebuild a module by calling its constructor again with copies of these
// arguments: copyable values that hold no module (a holder, shared_ptr or AnyModule argument
// would be shared by the copy, not cloned).
template <class T>
concept ModuleLikeArg = requires {
  typename T::ContainedType;
}
|| std::is_base_of_v<Module, T> || requires(const T& t) { t.ptr()->type_name(); }
|| requires(const T& t) { t->type_name(); };
template <class... Args>
inline constexpr bool rebuildable_from_v = ((std::is_copy_constructible_v<std::decay_t<Args>> &&
                                             !ModuleLikeArg<std::decay_t<Args>>)&&...);
}  // namespace detail

template <class Contained>
class ModuleHolder {
 public:
  using ContainedType = Contained;

  // Default-constructs the Impl (LibTorch: only for default-constructible modules).
  ModuleHolder() : impl_(std::make_shared<Contained>()) {
    static_assert(std::is_default_constructible_v<Contained>,
                  "this module has no default constructor: construct the holder with arguments or {nullptr}");
    impl_->set_factory([]() -> std::shared_ptr<Module> { return std::make_shared<Contained>(); });
  }
  // An empty holder, to be assigned later.
  ModuleHolder(std::nullptr_t) noexcept {}  // NOLINT: `nn::Linear fc{nullptr}` / `= nullptr`
  // Constructs the Impl from the arguments (not from another holder: that copies the handle).
  template <class Head, class... Tail,
            class = std::enable_if_t<!(std::is_base_of_v<ModuleHolder, std::decay_t<Head>> && sizeof...(Tail) == 0) &&
                                     !(std::is_base_of_v<Module, std::decay_t<Head>> && sizeof...(Tail) == 0) &&
                                     !std::is_same_v<std::decay_t<Head>, std::nullptr_t> &&
                                     std::is_constructible_v<Contained, Head&&, Tail&&...>>>
  explicit ModuleHolder(Head&& head, Tail&&... tail) {
    // Records how to rebuild the module for clone() (copies of the arguments), when it can.
    std::function<std::shared_ptr<Module>()> factory;
    if constexpr (detail::rebuildable_from_v<Head, Tail...> &&
                  std::is_constructible_v<Contained, const std::decay_t<Head>&, const std::decay_t<Tail>&...>) {
      factory = [head, tail...]() -> std::shared_ptr<Module> { return std::make_shared<Contained>(head, tail...); };
    }
    impl_ = std::make_shared<Contained>(std::forward<Head>(head), std::forward<Tail>(tail)...);
    if (factory) impl_->set_factory(std::move(factory));
  }
  // Shares an existing module (what register_module returns converts back this way).
  ModuleHolder(std::shared_ptr<Contained> module) noexcept : impl_(std::move(module)) {}  // NOLINT
  template <class Derived,
            class = std::enable_if_t<std::is_base_of_v<Contained, Derived> && !std::is_same_v<Contained, Derived>>>
  ModuleHolder(std::shared_ptr<Derived> module) noexcept : impl_(std::move(module)) {}  // NOLINT

  explicit operator bool() const noexcept { return !is_empty(); }
  bool is_empty() const noexcept { return impl_ == nullptr; }

  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  Contained* get() {
    check();
    return impl_.get();
  }
  const Contained* get() const {
    check();
    return impl_.get();
  }
  const std::shared_ptr<Contained>& ptr() const {
    check();
    return impl_;
  }
  operator std::shared_ptr<Contained>() const { return impl_; }  // NOLINT: pass a holder where a pointer is taken

  // Calls the Impl's forward with these arguments: whatever forward the Impl declares (by
  // value, by reference, several arguments) is found here at compile time.
  template <class... Args>
  decltype(auto) operator()(Args&&... args) {
    return get()->forward(std::forward<Args>(args)...);
  }
  // Index into the Impl (Sequential, ModuleList, ModuleDict).
  template <class Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

 private:
  void check() const {
    if (!impl_) detail::throw_empty_holder(typeid(Contained).name());
  }
  std::shared_ptr<Contained> impl_;
};

// Prints the held module (nn::Module's operator<<).
template <class C>
std::ostream& operator<<(std::ostream& os, const ModuleHolder<C>& holder) {
  return os << *holder;
}

}  // namespace xgrad::nn

// Declares `Name` as the holder of `Impl` (LibTorch's TORCH_MODULE_IMPL).
#define XGRAD_MODULE_IMPL(Name, ImplType)                    \
  class Name : public ::xgrad::nn::ModuleHolder<ImplType> {  \
   public:                                                   \
    using ::xgrad::nn::ModuleHolder<ImplType>::ModuleHolder; \
    using Impl [[maybe_unused]] = ImplType;                  \
  }

// XGRAD_MODULE(Net) declares `Net` as the holder of `NetImpl` (LibTorch's TORCH_MODULE).
#define XGRAD_MODULE(Name) XGRAD_MODULE_IMPL(Name, Name##Impl)
