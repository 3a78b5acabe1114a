// Sequential, ModuleList, AnyModule and Functional.
#include "container.hpp"

namespace xgrad::nn {

FunctionalImpl::FunctionalImpl(Function function) : Module("Functional"), function_(std::move(function)) {
  if (!function_) throw std::invalid_argument("Functional: the function is empty");
}

Tensor FunctionalImpl::forward(Tensor input) { return function_(std::move(input)); }

std::shared_ptr<Module> FunctionalImpl::clone(const std::optional<Device>& device) const {
  if (device) check_cpu_device(*device, "Module::clone");
  auto copy = std::make_shared<FunctionalImpl>(function_);
  copy->set_training_flag(is_training());
  return copy;
}

AnyModule AnyModule::clone(const std::optional<Device>& device) const {
  if (!module_) throw std::logic_error("AnyModule::clone: the AnyModule is empty");
  AnyModule copy = rebind_(module_->clone(device));
  if (copy.is_empty()) throw std::logic_error("AnyModule::clone: the clone of a " + type() + " has another type");
  return copy;
}

Tensor AnyModule::forward(const Tensor& input) const {
  if (!forward_) throw std::logic_error("AnyModule::forward: the AnyModule is empty");
  return forward_(input);
}

void ModuleSequence::append(ModulePtr module, std::string name) {
  register_module(name.empty() ? std::to_string(items_.size()) : name, module);
  items_.push_back(std::move(module));
}

std::size_t ModuleSequence::normalise(std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(items_.size());
  if (i < -n || i >= n) {
    throw std::out_of_range(type_name() + ": index " + std::to_string(i) + " is out of range for " + std::to_string(n) +
                            " modules");
  }
  return static_cast<std::size_t>(i < 0 ? i + n : i);
}

const ModulePtr& ModuleSequence::operator[](std::int64_t i) const { return items_[normalise(i)]; }

SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named) : ModuleSequence("Sequential") {
  for (const auto& entry : named) push_named(entry.name(), entry.module());
}

SequentialImpl::SequentialImpl(const std::vector<AnyModule>& modules) : ModuleSequence("Sequential") {
  for (const auto& m : modules) push_named("", m);
}

void SequentialImpl::push_named(const std::string& name, const AnyModule& module) {
  if (module.is_empty()) throw std::invalid_argument("Sequential::push_back: the module is empty");
  append(module.ptr(), name);
  entries_.push_back(module);
}

void SequentialImpl::extend(const SequentialImpl& other) {
  for (const auto& m : other.entries_) push_named("", m);
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : entries_) x = m.forward(x);
  return x;
}

std::shared_ptr<Module> SequentialImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<SequentialImpl>();
  const NamedModules names = named_children();
  for (std::size_t i = 0; i < entries_.size(); ++i) copy->push_named(names[i].key(), entries_[i].clone(device));
  copy->set_training_flag(is_training());
  return copy;
}

std::shared_ptr<Module> ModuleListImpl::clone(const std::optional<Device>& device) const {
  auto copy = std::make_shared<ModuleListImpl>();
  for (const auto& m : *this) copy->push_back(m->clone(device));
  copy->set_training_flag(is_training());
  return copy;
}

ModuleListImpl::ModuleListImpl(const std::vector<ModulePtr>& modules) : ModuleSequence("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

}  // namespace xgrad::nn
