// Internal: sums over a contiguous row, fast and accurate enough for normalisation layers.
#pragma once
#include <cstdint>

namespace xgrad::nn::detail {

// sum_{i < n} f(i), accumulated in 8 independent lanes (which the compiler vectorises; a single
// running sum cannot be reordered) and combined in double.
template <class T, class F>
double lane_sum(std::int64_t n, F&& f) {
  T acc[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(i + k);
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(f(i));
  for (int k = 0; k < 8; ++k) s += static_cast<double>(acc[k]);
  return s;
}

}  // namespace xgrad::nn::detail
