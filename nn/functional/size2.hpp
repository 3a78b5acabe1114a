// Size2: the (height, width) pair that the 2-D ops (conv2d, the poolings) and their modules take.
#pragma once
#include <cstdint>
#include <string>

namespace xgrad::nn {

// A (height, width) pair; one number means the same for both: `2` or `{2, 1}`.
struct Size2 {
  std::int64_t h = 0, w = 0;
  Size2() = default;
  Size2(std::int64_t v) : h(v), w(v) {}  // NOLINT: lets `.stride = 2` read naturally
  Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  bool operator==(const Size2&) const = default;
};
// "(h, w)", as PyTorch prints a pair.
std::string to_string(Size2 s);

}  // namespace xgrad::nn
