// parallel_for: independent tasks 0..n-1 split over the threads of set_num_threads, only when
// there is enough work for the threads to pay for themselves.
#pragma once
#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "../ops.hpp"

namespace xgrad::kernels {

// Work (elements read or written) a thread must get before one is started: a thread costs
// ~30 us to start and join, about the time of a 2^17-element copy.
inline constexpr std::int64_t kParallelMinWork = std::int64_t{1} << 17;

// Calls body(begin, end) on contiguous parts of [0, n) that together cover it once: on the
// calling thread alone when work (for all n tasks) < 2 kParallelMinWork or get_num_threads() is
// 1, else on up to get_num_threads() threads (the caller runs the first part). body must not
// throw; if a thread cannot be started, the caller runs that part itself.
template <class F>
void parallel_for(std::int64_t n, std::int64_t work, F&& body) noexcept {
  const std::int64_t threads = std::min<std::int64_t>({get_num_threads(), n, work / kParallelMinWork});
  if (threads <= 1) {
    if (n > 0) body(std::int64_t{0}, n);
    return;
  }
  const std::int64_t part = (n + threads - 1) / threads;
  std::vector<std::thread> helpers;
  std::int64_t begin = part;
  try {
    helpers.reserve(static_cast<std::size_t>(threads - 1));
    for (; begin < n; begin += part)
      helpers.emplace_back([&body, begin, end = std::min(n, begin + part)] { body(begin, end); });
  } catch (...) {  // no thread: the caller runs the rest
    if (begin < n) body(begin, n);
  }
  body(std::int64_t{0}, std::min(n, part));
  for (auto& t : helpers) t.join();
}

}  // namespace xgrad::kernels
