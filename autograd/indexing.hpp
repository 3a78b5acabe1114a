// xgrad::indexing: LibTorch's Tensor::index / index_put_ vocabulary (included by tensor.hpp).
//
//   using namespace xgrad::indexing;
//   x.index({Slice(), 0})                  // x[:, 0]        (a view)
//   x.index({"...", Slice(1, None, 2)})    // x[..., 1::2]   (a view)
//   x.index({None, 2})                     // x[None, 2]     (a view)
//   x.index({mask})                        // x[mask], mask Bool: a copy, rows where mask is true
//   x.index({Slice(), idx})                // x[:, idx], idx Int64 of any shape: a copy
//   x.index_put_({mask}, 0.0)              // x[mask] = 0
//
// Semantics are NumPy's / PyTorch's: ints remove a dim (negative counts from the end), slices
// keep it (Python bounds, step > 0), None inserts a size-1 dim, one Ellipsis stands for the dims
// not named, true / false insert a dim of size 1 / 0. Several tensor indices broadcast together;
// their result dims replace the indexed dims where those are adjacent, else they lead the
// result. Tensor-indexed results and index_put_ are differentiable (in the indexed tensor and in
// the value). Index values out of range throw std::out_of_range, a mask whose shape does not
// match the dims it covers throws IndexError, too many indices std::invalid_argument.
// Cost: basic indices are O(ndim); a tensor index is O(result size) plus, for a mask, O(mask
// size); index_put_ is O(numel) (it computes the positions of the whole tensor's elements).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "tensor.hpp"

namespace xgrad::indexing {

struct EllipsisIndexType {};
inline constexpr EllipsisIndexType Ellipsis{};
// None both inserts a dim (as an index) and leaves a Slice bound open: Slice(1, None, 2).
inline constexpr std::nullopt_t None = std::nullopt;

class Slice {
 public:
  Slice(std::optional<std::int64_t> start = std::nullopt, std::optional<std::int64_t> stop = std::nullopt,
        std::optional<std::int64_t> step = std::nullopt)
      : start_(start), stop_(stop), step_(step.value_or(1)) {}
  std::optional<std::int64_t> start() const { return start_; }
  std::optional<std::int64_t> stop() const { return stop_; }
  std::int64_t step() const { return step_; }

 private:
  std::optional<std::int64_t> start_, stop_;
  std::int64_t step_;
};

class TensorIndex {
 public:
  enum class Kind { None, Ellipsis, Integer, Boolean, Slice, Tensor };
  TensorIndex(std::nullopt_t) : kind_(Kind::None) {}                  // NOLINT
  TensorIndex(EllipsisIndexType) : kind_(Kind::Ellipsis) {}           // NOLINT
  TensorIndex(const char* s);                                         // NOLINT: "..." only
  TensorIndex(bool b) : kind_(Kind::Boolean), integer_(b ? 1 : 0) {}  // NOLINT
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  TensorIndex(I i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}  // NOLINT
  TensorIndex(Slice s) : kind_(Kind::Slice), slice_(s) {}                             // NOLINT
  TensorIndex(Tensor t) : kind_(Kind::Tensor), tensor_(std::move(t)) {}               // NOLINT

  Kind kind() const { return kind_; }
  std::int64_t integer() const { return integer_; }
  bool boolean() const { return integer_ != 0; }
  const Slice& slice() const { return slice_; }
  const Tensor& tensor() const { return tensor_; }

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  Slice slice_;
  Tensor tensor_;
};

}  // namespace xgrad::indexing
