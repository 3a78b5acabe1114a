// What a Tensor points to: storage, the view onto it, and the autograd fields.
// Public so that custom kernels can reach raw data; ordinary users only need tensor.hpp.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "dtype.hpp"
#include "small_vector.hpp"

namespace xgrad {

using Shape = SmallVector<std::int64_t, 6>;
using IntArrayRef = const Shape&;

namespace autograd {
class Node;
}
namespace fusion {
struct Pending;
struct Access;
}  // namespace fusion

// A reference-counted block of memory shared by a tensor and its views. Its version counter
// is bumped by every in-place write, so that saved tensors can tell they were overwritten.
// Small blocks live inline in the Storage object itself: one allocation for a tiny tensor.
//
// A large elementwise result may be pending (see set_fusion_min_numel in ops.hpp): its bytes
// are written by a fused program the first time data() is called. data() also first evaluates
// the pending results that read this storage, so that whoever writes through the pointer it
// returns cannot change a result computed earlier. A pointer kept across later ops must come
// from Tensor::data_ptr(), which takes the storage out of fusion for good.
class Storage {
 public:
  static std::shared_ptr<Storage> allocate(std::size_t nbytes);
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const noexcept {
    if (lazy_.load(std::memory_order_acquire) != 0) [[unlikely]]
      settle();
    return data_;
  }
  std::size_t nbytes() const noexcept { return nbytes_; }
  std::uint32_t version() const noexcept { return version_; }
  void bump_version() noexcept { ++version_; }

 private:
  friend struct fusion::Access;
  void settle() const noexcept;  // runs the pending programs described above

  static constexpr std::size_t kInlineBytes = 32;
  void* data_;
  void* block_ = nullptr;  // what malloc returned, data_ rounded up to 64 bytes within it
  std::size_t nbytes_;
  std::uint32_t version_ = 0;
  mutable std::atomic<std::uint8_t> lazy_{0};                     // fusion::Access::kPending | kHasReaders
  std::atomic<bool> escaped_{false};                              // a raw pointer was handed out: never read lazily
  std::unique_ptr<fusion::Pending> pending_;                      // the program that fills data_, while pending
  std::unique_ptr<std::vector<std::weak_ptr<Storage>>> readers_;  // pending results reading data_
  // Inline data starts 32-byte aligned, as a tensor's elements may be computed differently
  // (scalar peel or SIMD) depending on their alignment, and results must not depend on which
  // allocation a tensor got. The slack does it, not alignas(32): an over-aligned Storage would
  // need aligned operator new (glibc's memalign), ~500 instructions per tiny tensor, not ~50.
  alignas(16) unsigned char inline_[kInlineBytes + 16];
};

class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  std::int64_t numel = 1;
  Dtype dtype = Dtype::Float32;
  bool contiguous = true;
  bool is_view = false;  // shares storage with a base that autograd tracks separately

  // autograd
  bool requires_grad = false;  // meaningful for leaves; a non-leaf requires grad iff grad_fn
  bool retains_grad = false;
  std::uint32_t output_nr = 0;
  std::shared_ptr<autograd::Node> grad_fn;
  std::weak_ptr<autograd::Node> grad_accumulator;  // the leaf's AccumulateGrad node, if alive
  std::shared_ptr<TensorImpl> grad;
  // Hooks registered on a leaf (a non-leaf's hooks live on its grad_fn).
  struct LeafHook {
    std::uint64_t handle;
    std::function<Tensor(const Tensor&)> fn;
  };
  std::unique_ptr<std::vector<LeafHook>> leaf_hooks;

  TensorImpl() = default;
  TensorImpl(const TensorImpl&) = delete;
  TensorImpl& operator=(const TensorImpl&) = delete;
  ~TensorImpl();  // hands grad_fn to the iterative deleter: deep graphs never recurse

  void* data() const noexcept {
    return static_cast<char*>(storage->data()) + offset * static_cast<std::int64_t>(element_size(dtype));
  }
  template <class T>
  T* data_as() const noexcept {
    return static_cast<T*>(storage->data()) + offset;
  }
  void set_contiguous_strides();
};

// Elements of a shape; throws std::length_error (naming `op`) on negative sizes or overflow.
std::int64_t checked_numel(const Shape& shape, const char* op);
Shape contiguous_strides(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[2, 3]"

}  // namespace xgrad
