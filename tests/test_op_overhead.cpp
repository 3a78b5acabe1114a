// The cost of recording an op, in heap allocations: a chain of y = y * w + b on one-element
// tensors (the op_overhead benchmark) allocates at most a few blocks per op once warm, and the
// per-thread free lists that serve nodes, TensorImpls and Storages stay bounded. Counts, never
// times: every operator new of the process is counted, plus the blocks the lists took from malloc.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>
#include <xgrad/autograd/small_block.hpp>
#include <xgrad/xgrad.hpp>

#include "sanitizers.hpp"

using namespace xgrad;

namespace {
std::atomic<long> g_news{0};
}
// noinline: GCC would otherwise see malloc/free pairs across the replaced operators and warn.
[[gnu::noinline]] void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr int kSteps = 1000;  // 2,000 ops: a mul and an add per step

struct Chain {
  Tensor x = full({1}, 0.5, TensorOptions(kFloat32).requires_grad(true));
  Tensor w = full({1}, 0.999, TensorOptions(kFloat32).requires_grad(true));
  Tensor b = full({1}, 0.001, TensorOptions(kFloat32).requires_grad(true));
  void step() {
    x.mutable_grad() = Tensor();
    w.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
    Tensor y = x;
    for (int i = 0; i < kSteps; ++i) y = y * w + b;
    y.backward();
  }
};

// Heap allocations (operator new, and malloc calls of the block lists) per op of one step.
double heap_allocations_per_op(Chain& chain) {
  const long news = g_news.load();
  const std::size_t blocks = xgrad::detail::small_block_heap_allocations();
  chain.step();
  const double total = static_cast<double>(g_news.load() - news) +
                       static_cast<double>(xgrad::detail::small_block_heap_allocations() - blocks);
  return total / (2 * kSteps);
}

}  // namespace

TEST_CASE("a recorded op costs at most 4 heap allocations, forward and backward, once warm") {
  Chain chain;
  chain.step();  // warm: the block lists and the engine's task table now hold what a step needs
  const double per_op = heap_allocations_per_op(chain);
  CAPTURE(per_op);
#ifndef XGRAD_TEST_ASAN
  // Was 12 (node, its edge and metadata vectors, TensorImpl and Storage of each output and
  // gradient, the engine's map entry and buffer per node). Left: the node, its two vectors and
  // the list apply() returns; outputs and gradients come from the block lists.
  CHECK(per_op <= 4.05);  // 4 per op, plus a handful per backward (its roots, the ready list)
#endif
  CHECK(chain.w.grad().item<float>() > 0.0f);  // the chain did run backward
}

TEST_CASE("the block lists are bounded and reuse what they keep") {
  const std::size_t limit = xgrad::detail::small_block_cache_limit();
  {
    std::vector<Tensor> many;
    for (int i = 0; i < 20000; ++i) many.push_back(full({1}, 1.0));
  }  // 40,000 blocks freed at once: the lists keep at most their bound, malloc takes the rest
  CHECK(limit <= (std::size_t{4} << 20));
  CHECK(xgrad::detail::small_block_cached_bytes() <= limit);  // ~8 MB were freed
#ifndef XGRAD_TEST_ASAN
  CHECK(xgrad::detail::small_block_cached_bytes() > 0);
  const std::size_t before = xgrad::detail::small_block_heap_allocations();
  for (int i = 0; i < 100; ++i) (void)full({1}, 2.0);
  CHECK(xgrad::detail::small_block_heap_allocations() == before);  // served from the lists
#endif
}
