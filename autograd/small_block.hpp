// A per-thread free list for the small blocks that every recorded op allocates and frees (its
// node, its output's TensorImpl and Storage), used through std::allocate_shared with
// SmallBlockAllocator. A block freed on another thread (a graph released by a worker) joins
// that thread's list; a thread's lists hold at most kMaxCachedBytes in all (a 1,000-step chain
// of tiny ops keeps ~0.8 MiB of them alive), and go back to malloc when the thread exits. Blocks above kMaxBlock go
// straight to malloc. Under AddressSanitizer the lists are off, so that a use after free is still caught.
#pragma once
#include <cstddef>
#include <memory>
#include <new>

namespace xgrad {
struct TensorImpl;
// A fresh TensorImpl from these lists: every op's output needs one (defined in tensor.cpp).
std::shared_ptr<TensorImpl> new_tensor_impl();
}  // namespace xgrad

namespace xgrad::detail {

inline constexpr std::size_t kSmallBlockGranule = 16;
inline constexpr std::size_t kMaxSmallBlock = 1024;
inline constexpr std::size_t kMaxCachedBytes = std::size_t{2} << 20;  // per thread

void* small_block_allocate(std::size_t bytes);
void small_block_deallocate(void* p, std::size_t bytes) noexcept;
// For tests: bytes this thread keeps in its lists now, the most it ever may, and how many
// blocks small_block_allocate took from malloc on this thread (list empty, or lists off).
std::size_t small_block_cached_bytes() noexcept;
std::size_t small_block_cache_limit() noexcept;
std::size_t small_block_heap_allocations() noexcept;

template <class T>
struct SmallBlockAllocator {
  using value_type = T;
  SmallBlockAllocator() = default;
  template <class U>
  SmallBlockAllocator(const SmallBlockAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(std::size_t n) { return static_cast<T*>(small_block_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { small_block_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const SmallBlockAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace xgrad::detail
