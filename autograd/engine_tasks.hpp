// The engine's per-backward bookkeeping (internal to engine.cpp): one NodeTask per node
// reached, found by node address in an open-addressing table. Both are reused by the next
// backward on the same thread, so that a backward allocates nothing for them once warm (an
// unordered_map cost two heap allocations per node: its entry and the node's gradient buffer).
#pragma once
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "inline_vector.hpp"
#include "node.hpp"

namespace xgrad::autograd::detail {

struct NodeTask {
  Node* node = nullptr;
  int dependencies = 0;
  bool execute = true;
  char state = 0;                                               // mark_needed's visit state
  InlineVector<Tensor, 1> buffer;                               // the gradients arriving at the node, summed
  std::vector<std::pair<std::uint32_t, std::size_t>> captures;  // (input_nr, index in result)
};

class TaskMap {
 public:
  // n's task, and whether it was just created.
  std::pair<NodeTask*, bool> try_emplace(Node* n) {
    if (2 * (tasks_.size() + 1) > slots_.size()) grow();
    std::size_t i = slot_of(n);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      Slot& s = slots_[i];
      if (s.gen != gen_) {
        s = {n, static_cast<std::uint32_t>(tasks_.size()), gen_};
        tasks_.emplace_back().node = n;
        return {&tasks_.back(), true};
      }
      if (s.key == n) return {&tasks_[s.index], false};
    }
  }
  // n's task, or null when n was not reached.
  NodeTask* find(Node* n) noexcept {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = slot_of(n);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.gen != gen_) return nullptr;
      if (s.key == n) return &tasks_[s.index];
    }
  }
  NodeTask& operator[](Node* n) { return *try_emplace(n).first; }
  std::vector<NodeTask>& tasks() noexcept { return tasks_; }

  // Forgets every task (their gradients are released now), keeping the memory for the next
  // backward unless this one was large.
  void clear() noexcept {
    tasks_.clear();
    if (++gen_ == 0 || slots_.size() > kKeepSlots) {
      slots_ = std::vector<Slot>();
      tasks_ = std::vector<NodeTask>();
      gen_ = 1;
    }
  }

 private:
  static constexpr std::size_t kKeepSlots = std::size_t{1} << 14;
  struct Slot {
    Node* key = nullptr;
    std::uint32_t index = 0;
    std::uint32_t gen = 0;  // the slot is used when gen == gen_
  };
  std::size_t slot_of(Node* n) const noexcept {
    auto h = reinterpret_cast<std::uintptr_t>(n) * std::uintptr_t{0x9E3779B97F4A7C15u};
    return static_cast<std::size_t>(h >> 32) & (slots_.size() - 1);
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 64 : 2 * old.size(), Slot{});
    std::uint32_t live = gen_;
    gen_ = 1;
    for (const Slot& s : old) {
      if (s.gen != live) continue;
      std::size_t i = slot_of(s.key);
      while (slots_[i].gen == gen_) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = {s.key, s.index, gen_};
    }
  }

  std::vector<Slot> slots_;
  std::vector<NodeTask> tasks_;
  std::uint32_t gen_ = 1;
};

// A TaskMap of this thread's, returned for reuse when the backward ends (a backward inside a
// hook or a custom backward gets its own).
class ScopedTaskMap {
 public:
  ScopedTaskMap() {
    if (!spare().empty()) {
      map_ = std::move(spare().back());
      spare().pop_back();
    } else {
      map_ = std::make_unique<TaskMap>();
    }
  }
  ~ScopedTaskMap() {
    map_->clear();
    if (spare().size() < 4) spare().push_back(std::move(map_));
  }
  ScopedTaskMap(const ScopedTaskMap&) = delete;
  ScopedTaskMap& operator=(const ScopedTaskMap&) = delete;
  TaskMap& operator*() noexcept { return *map_; }

 private:
  static std::vector<std::unique_ptr<TaskMap>>& spare() {
    thread_local std::vector<std::unique_ptr<TaskMap>> maps;
    return maps;
  }
  std::unique_ptr<TaskMap> map_;
};

}  // namespace xgrad::autograd::detail
