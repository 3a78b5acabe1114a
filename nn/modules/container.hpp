// Containers: Sequential (runs its children in order) and ModuleList (holds them, no forward),
// as LibTorch's: both name their children "0", "1", ... (or as given to Sequential) so
// parameters are "0.weight", "2.bias" as in PyTorch. Each is an Impl with a holder:
//   nn::Sequential seq(nn::Linear(4, 8), nn::Functional(F::relu), nn::Linear(8, 2));
//   nn::Sequential named({{"fc", nn::Linear(4, 8)}, {"act", nn::ReLU()}});
//   seq->push_back(nn::Dropout(0.5));  seq(x);  seq->size();  seq[0];  seq->ptr<nn::LinearImpl>(0);
// Sequential takes holders, shared_ptr<Impl> of any module with a Tensor -> Tensor forward
// (found at compile time, so a user's forward(Tensor x) works), AnyModules and callables.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../module.hpp"
#include "any.hpp"

namespace xgrad::nn {

// Shared by Sequential and ModuleList: an indexed list of child modules.
class ModuleSequence : public Module {
 public:
  using Module::Module;
  std::size_t size() const noexcept { return items_.size(); }
  bool is_empty() const noexcept { return items_.empty(); }
  bool empty() const noexcept { return items_.empty(); }
  // The i-th child; negative counts from the end. Throws std::out_of_range.
  const ModulePtr& operator[](std::int64_t i) const;
  const ModulePtr& ptr(std::int64_t i) const { return (*this)[i]; }
  // The i-th child as M; throws std::invalid_argument when it is of another type.
  template <class M>
  std::shared_ptr<M> ptr(std::int64_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    if (!m)
      throw std::invalid_argument(type_name() + "::ptr: child " + std::to_string(i) + " is a " +
                                  (*this)[i]->type_name());
    return m;
  }
  template <class M>
  M& at(std::int64_t i) const {
    return *ptr<M>(i);
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 protected:
  // Registers `module` as child `name` (str(size()) when empty) and appends it.
  void append(ModulePtr module, std::string name = "");
  std::size_t normalise(std::int64_t i) const;

 private:
  std::vector<ModulePtr> items_;
};

// Runs each child's forward on the previous one's output; the input unchanged when empty.
class SequentialImpl : public ModuleSequence {
 public:
  SequentialImpl() : ModuleSequence("Sequential") {}
  template <class... Ms>
  requires(sizeof...(Ms) > 0 &&
           (std::is_constructible_v<AnyModule, Ms&&> && ...)) explicit SequentialImpl(Ms&&... modules)
      : ModuleSequence("Sequential") {
    (push_back(AnyModule(std::forward<Ms>(modules))), ...);
  }
  SequentialImpl(std::initializer_list<NamedAnyModule> named);
  explicit SequentialImpl(const std::vector<AnyModule>& modules);

  // Appends a module, holder, AnyModule or callable; with a name (unique, without '.') or
  // named str(size()).
  template <class M>
  void push_back(M&& module) {
    push_named("", AnyModule(std::forward<M>(module)));
  }
  template <class M>
  void push_back(const std::string& name, M&& module) {
    push_named(name, AnyModule(std::forward<M>(module)));
  }
  // Appends every entry of another Sequential.
  void extend(const SequentialImpl& other);

  Tensor forward(const Tensor& input);
  // Clones every entry, keeping the names (see Module::clone).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

 private:
  void push_named(const std::string& name, const AnyModule& module);
  std::vector<AnyModule> entries_;
};
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = SequentialImpl;
  Sequential() : ModuleHolder<SequentialImpl>() {}
  Sequential(std::initializer_list<NamedAnyModule> named)  // NOLINT: Sequential({{"fc", ...}, ...})
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(named)) {}
};

// Holds modules for a user's own forward to iterate over (no forward of its own).
class ModuleListImpl : public ModuleSequence {
 public:
  ModuleListImpl() : ModuleSequence("ModuleList") {}
  template <class... Ms>
  requires(sizeof...(Ms) > 0) explicit ModuleListImpl(Ms&&... modules) : ModuleSequence("ModuleList") {
    (push_back(std::forward<Ms>(modules)), ...);
  }
  explicit ModuleListImpl(const std::vector<ModulePtr>& modules);
  void push_back(ModulePtr module) { append(std::move(module)); }
  template <class C>
  void push_back(const ModuleHolder<C>& holder) {
    append(holder.ptr());
  }
  // Clones every module (see Module::clone).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;
};
XGRAD_MODULE(ModuleList);

}  // namespace xgrad::nn
