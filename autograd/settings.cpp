// The process-wide settings declared in ops.hpp: the thread count of the fused elementwise
// programs and the size from which elementwise ops fuse. Kept apart from fusion/, which holds
// only xgrad::fusion, so that each file's namespace matches its folder.
#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include "ops.hpp"

namespace xgrad {

namespace {
// Below this many elements an op's own cost dominates, not memory traffic: run eagerly.
std::atomic<std::int64_t> g_min_numel{std::int64_t{1} << 15};
std::atomic<int> g_threads{static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: expected n >= 1, got " + std::to_string(n));
  g_threads.store(n, std::memory_order_relaxed);
}

int get_num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_fusion_min_numel(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("set_fusion_min_numel: expected n >= 0, got " + std::to_string(n));
  g_min_numel.store(n, std::memory_order_relaxed);
}

std::int64_t fusion_min_numel() { return g_min_numel.load(std::memory_order_relaxed); }

}  // namespace xgrad
