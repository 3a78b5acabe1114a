// Containers: Sequential (runs its children in order) and ModuleList (holds them, no forward).
// Both name their children "0", "1", ... so parameters are "0.weight", "2.bias" as in PyTorch.
#pragma once
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../module.hpp"

namespace xgrad::nn {

// Shared by Sequential and ModuleList: an indexed list of child modules.
class ModuleSequence : public Module {
 public:
  using Module::Module;
  // Appends `module` as child str(size()).
  void push_back(ModulePtr module);
  std::size_t size() const noexcept { return items_.size(); }
  bool empty() const noexcept { return items_.empty(); }
  // The i-th child; negative counts from the end. Throws std::out_of_range.
  const ModulePtr& operator[](std::int64_t i) const;
  // The i-th child as M; throws std::invalid_argument when it is of another type.
  template <class M>
  std::shared_ptr<M> at(std::int64_t i) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[i]);
    if (!m)
      throw std::invalid_argument(type_name() + "::at: child " + std::to_string(i) + " is a " +
                                  (*this)[i]->type_name());
    return m;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  std::vector<ModulePtr> items_;
};

// Runs each child's forward on the previous one's output:
//   nn::Sequential seq(std::make_shared<nn::Linear>(4, 8), std::make_shared<nn::ReLU>(),
//                      std::make_shared<nn::Linear>(8, 2));
class Sequential : public ModuleSequence {
 public:
  Sequential() : ModuleSequence("Sequential") {}
  template <class... Ms>
  explicit Sequential(std::shared_ptr<Ms>... modules) : ModuleSequence("Sequential") {
    (push_back(std::move(modules)), ...);
  }
  explicit Sequential(const std::vector<ModulePtr>& modules);
  // The input unchanged when empty.
  Tensor forward(const Tensor& input) override;
};

// Holds modules for a user's own forward to iterate over; forward() itself throws.
class ModuleList : public ModuleSequence {
 public:
  ModuleList() : ModuleSequence("ModuleList") {}
  template <class... Ms>
  explicit ModuleList(std::shared_ptr<Ms>... modules) : ModuleSequence("ModuleList") {
    (push_back(std::move(modules)), ...);
  }
  explicit ModuleList(const std::vector<ModulePtr>& modules);
};

}  // namespace xgrad::nn
