#include "small_block.hpp"

#include <cstdlib>

#if defined(__SANITIZE_ADDRESS__)  // gcc
#define XGRAD_SMALL_BLOCK_OFF 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define XGRAD_SMALL_BLOCK_OFF 1
#endif
#endif

namespace xgrad::detail {

namespace {
constexpr std::size_t kClasses = kMaxSmallBlock / kSmallBlockGranule;

struct FreeBlock {
  FreeBlock* next;
};

// Trivially destructible, so it stays usable while other thread_locals are destroyed at
// thread exit (a tensor released then must not touch a list already handed back).
struct Lists {
  FreeBlock* head[kClasses];
  std::size_t bytes;
  bool closed;
};
thread_local Lists t_lists{};
thread_local std::size_t t_heap_allocations = 0;

struct Drain {
  ~Drain() {
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (FreeBlock* b = t_lists.head[c]) {
        t_lists.head[c] = b->next;
        std::free(b);
      }
    }
    t_lists.bytes = 0;
    t_lists.closed = true;
  }
};

std::size_t class_of(std::size_t bytes) noexcept { return (bytes + kSmallBlockGranule - 1) / kSmallBlockGranule - 1; }
}  // namespace

void* small_block_allocate(std::size_t bytes) {
#ifndef XGRAD_SMALL_BLOCK_OFF
  if (bytes != 0 && bytes <= kMaxSmallBlock) {
    const std::size_t c = class_of(bytes);
    if (FreeBlock* b = t_lists.head[c]) {
      t_lists.head[c] = b->next;
      t_lists.bytes -= (c + 1) * kSmallBlockGranule;
      return b;
    }
    bytes = (c + 1) * kSmallBlockGranule;  // any block of the class can serve any request of it
  }
#endif
  ++t_heap_allocations;
  if (void* p = std::malloc(bytes ? bytes : 1)) return p;
  throw std::bad_alloc();
}

void small_block_deallocate(void* p, std::size_t bytes) noexcept {
#ifndef XGRAD_SMALL_BLOCK_OFF
  if (p && bytes != 0 && bytes <= kMaxSmallBlock && !t_lists.closed) {
    const std::size_t c = class_of(bytes);
    const std::size_t size = (c + 1) * kSmallBlockGranule;
    if (t_lists.bytes + size <= kMaxCachedBytes) {
      thread_local Drain drain;  // registered by the first block this thread keeps
      (void)drain;
      auto* b = static_cast<FreeBlock*>(p);
      b->next = t_lists.head[c];
      t_lists.head[c] = b;
      t_lists.bytes += size;
      return;
    }
  }
#endif
  std::free(p);
}

std::size_t small_block_cached_bytes() noexcept { return t_lists.bytes; }
std::size_t small_block_cache_limit() noexcept { return kMaxCachedBytes; }
std::size_t small_block_heap_allocations() noexcept { return t_heap_allocations; }

}  // namespace xgrad::detail
