// InlineVector: a vector that keeps up to N elements inside the object, for any element type
// (SmallVector is for trivially copyable ones). A node's edges and input metadata live here:
// almost every node has one or two of each, and two std::vectors cost two heap allocations
// per recorded op. Past N elements, all of them move to a std::vector.
#pragma once
#include <array>
#include <cstddef>
#include <utility>
#include <vector>

namespace xgrad::autograd {

template <class T, std::size_t N>
class InlineVector {
 public:
  using value_type = T;
  using iterator = T*;
  using const_iterator = const T*;

  InlineVector() = default;
  InlineVector(const InlineVector&) = default;
  InlineVector& operator=(const InlineVector&) = default;
  InlineVector(InlineVector&& o) noexcept : inline_(std::move(o.inline_)), heap_(std::move(o.heap_)), size_(o.size_) {
    o.heap_.clear();
    o.size_ = 0;
  }
  InlineVector& operator=(InlineVector&& o) noexcept {
    inline_ = std::move(o.inline_);
    heap_ = std::move(o.heap_);
    size_ = o.size_;
    o.heap_.clear();
    o.size_ = 0;
    return *this;
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T* data() noexcept { return heap_.empty() ? inline_.data() : heap_.data(); }
  const T* data() const noexcept { return heap_.empty() ? inline_.data() : heap_.data(); }
  T* begin() noexcept { return data(); }
  T* end() noexcept { return data() + size_; }
  const T* begin() const noexcept { return data(); }
  const T* end() const noexcept { return data() + size_; }
  T& operator[](std::size_t i) noexcept { return data()[i]; }
  const T& operator[](std::size_t i) const noexcept { return data()[i]; }
  T& back() noexcept { return data()[size_ - 1]; }
  const T& back() const noexcept { return data()[size_ - 1]; }

  // Only a hint: storage moves to the heap when the (N+1)-th element arrives.
  void reserve(std::size_t n) {
    if (n > N) heap_.reserve(n);
  }
  void push_back(T v) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = std::move(v);
      return;
    }
    if (heap_.empty()) {  // the (N+1)-th element: move everything to the heap
      heap_.reserve(2 * N + 1);
      for (std::size_t i = 0; i < size_; ++i) heap_.push_back(std::exchange(inline_[i], T()));
    }
    heap_.push_back(std::move(v));
    ++size_;
  }
  void resize(std::size_t n) {  // grows only (all the engine needs)
    while (size_ < n) push_back(T());
  }
  void clear() noexcept {
    for (std::size_t i = 0; i < size_ && i < N; ++i) inline_[i] = T();
    heap_.clear();
    size_ = 0;
  }
  void shrink_to_fit() { heap_.shrink_to_fit(); }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;  // holds all size_ elements once there are more than N, else empty
  std::size_t size_ = 0;
};

}  // namespace xgrad::autograd
