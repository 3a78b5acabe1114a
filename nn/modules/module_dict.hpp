// ModuleDict: modules under string keys, in insertion order, as LibTorch's nn::ModuleDict (no
// forward of its own; a user's forward looks modules up). Each module is registered as a
// child under its key, so parameters read "linear.weight":
//   nn::ModuleDict dict({{"linear", nn::Linear(3, 4).ptr()}, {"act", nn::ReLU().ptr()}});
//   dict->insert("out", nn::Linear(4, 2));  dict["linear"];  dict->at<nn::LinearImpl>("out");
//   for (const auto& item : *dict) item.key(), item.value();
// Keys follow the child-name rules (non-empty, no '.'). Lookups are linear in the size.
#pragma once
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../module.hpp"

namespace xgrad::nn {

class ModuleDictImpl : public Module {
 public:
  using Items = std::vector<std::pair<std::string, ModulePtr>>;
  ModuleDictImpl() : Module("ModuleDict") {}
  // The modules in order; a repeated key keeps its first place and takes the later module.
  explicit ModuleDictImpl(const Items& modules);
  explicit ModuleDictImpl(const NamedModules& modules);
  ModuleDictImpl(std::initializer_list<std::pair<std::string, ModulePtr>> modules) : ModuleDictImpl(Items(modules)) {}

  std::size_t size() const noexcept { return dict_.size(); }
  bool empty() const noexcept { return dict_.empty(); }
  bool is_empty() const noexcept { return dict_.empty(); }
  bool contains(const std::string& key) const noexcept { return dict_.contains(key); }
  // The module under `key`; std::out_of_range naming the key when there is none.
  const ModulePtr& operator[](const std::string& key) const;
  // The module under `key` as T; std::invalid_argument when it is of another type.
  template <class T>
  T& at(const std::string& key) const {
    auto m = std::dynamic_pointer_cast<T>((*this)[key]);
    if (!m) throw std::invalid_argument("ModuleDict::at: '" + key + "' is a " + (*this)[key]->type_name());
    return *m;
  }
  // Adds `module` under `key`, or replaces the module already there (LibTorch's insert).
  void insert(const std::string& key, ModulePtr module);
  template <class C>
  void insert(const std::string& key, const ModuleHolder<C>& holder) {
    insert(key, ModulePtr(holder.ptr()));
  }
  // Inserts every entry in order.
  void update(const Items& modules);
  void update(const ModuleDictImpl& other);
  // Removes and returns the module under `key` (std::out_of_range when there is none).
  ModulePtr pop(const std::string& key);
  void clear();

  std::vector<std::string> keys() const;
  std::vector<ModulePtr> values() const;
  Items items() const;
  auto begin() const { return dict_.begin(); }
  auto end() const { return dict_.end(); }

  // Clones every module (see Module::clone).
  std::shared_ptr<Module> clone(const std::optional<Device>& device = std::nullopt) const override;

 private:
  NamedModules dict_;
};
class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder<ModuleDictImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = ModuleDictImpl;
  ModuleDict() : ModuleHolder<ModuleDictImpl>() {}
  ModuleDict(std::initializer_list<std::pair<std::string, ModulePtr>> modules)  // NOLINT: ModuleDict({{"fc", ..}})
      : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>(modules)) {}
};

}  // namespace xgrad::nn
