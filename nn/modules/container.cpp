// Sequential and ModuleList.
#include "container.hpp"

namespace xgrad::nn {

void ModuleSequence::push_back(ModulePtr module) {
  register_module(std::to_string(items_.size()), module);
  items_.push_back(std::move(module));
}

const ModulePtr& ModuleSequence::operator[](std::int64_t i) const {
  const auto n = static_cast<std::int64_t>(items_.size());
  if (i < -n || i >= n) {
    throw std::out_of_range(type_name() + ": index " + std::to_string(i) + " is out of range for " + std::to_string(n) +
                            " modules");
  }
  return items_[static_cast<std::size_t>(i < 0 ? i + n : i)];
}

Sequential::Sequential(const std::vector<ModulePtr>& modules) : ModuleSequence("Sequential") {
  for (const auto& m : modules) push_back(m);
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : *this) x = m->forward(x);
  return x;
}

ModuleList::ModuleList(const std::vector<ModulePtr>& modules) : ModuleSequence("ModuleList") {
  for (const auto& m : modules) push_back(m);
}

}  // namespace xgrad::nn
