// Memory-overlap checks for writes (in-place ops, copy_), after PyTorch's MemoryOverlap.cpp: an
// elementwise write that reads an element it has already overwritten gives a silently wrong
// result, so such writes are refused with PyTorch's messages, or made safe by reading a copy.
#include <algorithm>
#include <utility>
#include <vector>

#include "kernels.hpp"

namespace xgrad::kernels {

namespace {

enum class Overlap { No, Full, Partial, TooHard };

// Whether t's elements fill a block of memory, each exactly once (a permutation of contiguous
// strides): PyTorch's is_non_overlapping_and_dense.
bool non_overlapping_and_dense(const TensorImpl& t) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size) of the dims that count
  for (std::size_t i = 0; i < t.shape.size(); ++i) {
    if (t.shape[i] != 1) dims.emplace_back(t.strides[i], t.shape[i]);
  }
  std::sort(dims.begin(), dims.end());
  std::int64_t expected = 1;
  for (auto [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

// The first and one past the last element offset t touches (numel > 0; strides are never negative).
std::pair<std::int64_t, std::int64_t> span(const TensorImpl& t) {
  std::int64_t last = t.offset;
  for (std::size_t i = 0; i < t.shape.size(); ++i) last += (t.shape[i] - 1) * t.strides[i];
  return {t.offset, last + 1};
}

// Whether writing self[i] from src[i] (src broadcast to self's shape) reads each element at
// the address it writes: same memory, same offsets for every element.
bool same_elements(const TensorImpl& self, const TensorImpl& src) {
  if (self.offset != src.offset || src.shape.size() > self.shape.size()) return false;
  Shape bs = broadcast_strides(src, self.shape);
  for (std::size_t i = 0; i < self.shape.size(); ++i) {
    if (self.shape[i] != 1 && bs[i] != self.strides[i]) return false;
  }
  return true;
}

Overlap overlap(const TensorImpl& self, const TensorImpl& src) {
  if (&self == &src) return Overlap::Full;
  if (self.numel == 0 || src.numel == 0 || self.storage != src.storage) return Overlap::No;
  auto [a0, a1] = span(self);
  auto [b0, b1] = span(src);
  if (a1 <= b0 || b1 <= a0) return Overlap::No;
  if (same_elements(self, src)) return Overlap::Full;
  if (!non_overlapping_and_dense(self) || !non_overlapping_and_dense(src)) return Overlap::TooHard;
  return Overlap::Partial;
}

}  // namespace

void check_no_internal_overlap(const Tensor& self, const char* op) {
  const TensorImpl& t = *self.impl();
  for (std::size_t i = 0; i < t.shape.size(); ++i) {
    if (t.strides[i] == 0 && t.shape[i] > 1) {
      throw std::invalid_argument(std::string(op) +
                                  ": unsupported operation: more than one element of the written-to tensor refers to a "
                                  "single memory location. Please clone() the tensor before performing the operation. "
                                  "(written-to tensor: " +
                                  describe(self) + ", expanded)");
    }
  }
}

Tensor overlap_checked(const Tensor& self, const Tensor& src, const char* op) {
  check_no_internal_overlap(self, op);
  switch (overlap(*self.impl(), *src.impl())) {
    case Overlap::No:
    case Overlap::Full: return src;
    case Overlap::Partial:
      throw std::invalid_argument(
          std::string(op) +
          ": unsupported operation: some elements of the input tensor and the written-to tensor "
          "refer to a single memory location. Please clone() the tensor before performing the "
          "operation. (input " +
          describe(src) + ", written-to " + describe(self) + ")");
    case Overlap::TooHard: break;
  }
  // Strided views whose elements interleave (e.g. every other element): reading a copy is
  // always right, and cheaper than deciding element by element.
  return src.clone();
}

}  // namespace xgrad::kernels
