// ModuleDict: an ordered dict of child modules (see module_dict.hpp).
#include "module_dict.hpp"

namespace xgrad::nn {

ModuleDictImpl::ModuleDictImpl(const Items& modules) : Module("ModuleDict") { update(modules); }

ModuleDictImpl::ModuleDictImpl(const NamedModules& modules) : Module("ModuleDict") {
  for (const auto& item : modules) insert(item.key(), item.value());
}

const ModulePtr& ModuleDictImpl::operator[](const std::string& key) const {
  const ModulePtr* m = dict_.find(key);
  if (!m) throw std::out_of_range("ModuleDict: no module under key '" + key + "'");
  return *m;
}

void ModuleDictImpl::insert(const std::string& key, ModulePtr module) {
  if (!module) throw std::invalid_argument("ModuleDict::insert: the module under '" + key + "' is null");
  if (ModulePtr* existing = dict_.find(key)) {
    replace_module(key, module);
    *existing = std::move(module);
    return;
  }
  register_module(key, module);  // checks the key
  dict_.insert(key, std::move(module));
}

void ModuleDictImpl::update(const Items& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

void ModuleDictImpl::update(const ModuleDictImpl& other) {
  for (const auto& item : other.dict_) insert(item.key(), item.value());
}

ModulePtr ModuleDictImpl::pop(const std::string& key) {
  for (auto it = dict_.begin(); it != dict_.end(); ++it) {
    if (it->first == key) {
      ModulePtr m = it->second;
      unregister_module(key);
      dict_.erase(it);
      return m;
    }
  }
  throw std::out_of_range("ModuleDict::pop: no module under key '" + key + "'");
}

void ModuleDictImpl::clear() {
  for (const auto& item : dict_) unregister_module(item.key());
  dict_.clear();
}

std::vector<std::string> ModuleDictImpl::keys() const { return dict_.keys(); }
std::vector<ModulePtr> ModuleDictImpl::values() const { return dict_.values(); }
ModuleDictImpl::Items ModuleDictImpl::items() const {
  Items out;
  for (const auto& item : dict_) out.emplace_back(item.key(), item.value());
  return out;
}

std::shared_ptr<Module> ModuleDictImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleDictImpl>();
  for (const auto& item : dict_) copy->insert(item.key(), item.value()->clone(device));
  copy->set_training_flag(is_training());
  return copy;
}

}  // namespace xgrad::nn
