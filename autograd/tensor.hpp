// Tensor: an n-dimensional array of Float32, Float64 or Int64 that records the operations
// applied to it (when it requires grad) so that gradients can flow back through them.
// A Tensor is a cheap, shared handle: copies alias the same data (as in LibTorch).
#pragma once
#include <concepts>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "device.hpp"
#include "scalar.hpp"
#include "tensor_impl.hpp"

namespace xgrad {

class Tensor;
using tensor_list = std::vector<Tensor>;

// Creation options in LibTorch's builder style: TensorOptions().dtype(kFloat64).requires_grad(true),
// or from the free functions below: xgrad::dtype(kFloat64).requires_grad(true).
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}    // NOLINT: lets `zeros({2}, kFloat64)` read naturally
  TensorOptions(Device d) : device_(d) {}  // NOLINT: as LibTorch; a CUDA device throws at creation
  TensorOptions dtype(Dtype d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    TensorOptions o = *this;
    o.device_ = d;
    return o;
  }
  Device device() const { return device_; }
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  Dtype dtype() const;  // the default dtype when none was given
  bool requires_grad() const { return requires_grad_; }
  bool has_dtype() const { return dtype_.has_value(); }

 private:
  std::optional<Dtype> dtype_;
  Device device_ = Device(kCPU);
  bool requires_grad_ = false;
};

// LibTorch's free option builders: randn({2, 2}, xgrad::requires_grad()), dtype(kFloat64).device(kCPU).
inline TensorOptions dtype(Dtype d) { return TensorOptions().dtype(d); }
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions requires_grad(bool on = true) { return TensorOptions().requires_grad(on); }

class Tensor;
namespace indexing {
class TensorIndex;
}

namespace autograd {
class Node;
}

// A handle returned by register_hook; pass it to remove_hook to unregister.
using HookHandle = std::uint64_t;

class Tensor {
 public:
  Tensor() = default;  // undefined: defined() is false
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const noexcept { return impl_ != nullptr; }
  TensorImpl* impl() const noexcept { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const noexcept { return impl_; }
  bool is_same(const Tensor& o) const noexcept { return impl_ == o.impl_; }

  // ---- shape and type -------------------------------------------------------------------
  const Shape& sizes() const { return checked().shape; }
  const Shape& shape() const { return checked().shape; }
  const Shape& strides() const { return checked().strides; }
  std::int64_t size(std::int64_t dim) const;  // negative dims count from the end
  std::int64_t dim() const { return static_cast<std::int64_t>(checked().shape.size()); }
  std::int64_t numel() const { return checked().numel; }
  Dtype dtype() const { return checked().dtype; }
  Dtype scalar_type() const { return checked().dtype; }
  bool is_floating_point() const { return xgrad::is_floating_point(dtype()); }
  bool is_contiguous() const { return checked().contiguous; }
  TensorOptions options() const { return TensorOptions(dtype()); }
  // Always the CPU: xgrad has no other device.
  Device device() const { return Device(kCPU); }
  bool is_cuda() const noexcept { return false; }
  bool is_cpu() const noexcept { return true; }

  // ---- element access -------------------------------------------------------------------
  // The value of a one-element tensor, converted to T. Throws if numel() != 1.
  template <class T>
  T item() const;
  Scalar item() const;  // as LibTorch: a Float64, Int64 or bool Scalar after the tensor's kind
  // The element at a full index (one entry per dim, negative counts from the end), as T.
  template <class T>
  T at(std::initializer_list<std::int64_t> index) const;
  // Raw pointer to the first element; T must match dtype() exactly (throws otherwise). The
  // storage then never feeds a lazily fused result (see set_fusion_min_numel), so writing
  // through the pointer later cannot change a result computed before.
  template <class T>
  T* data_ptr() const;
  // All elements in row-major order, converted to T.
  template <class T>
  std::vector<T> to_vector() const;
  Tensor operator[](std::int64_t index) const;   // select(0, index)
  Tensor operator[](const Tensor& index) const;  // index({index}): Int64 indices or a Bool mask
  // Python-style indexing as LibTorch's (xgrad::indexing: Slice, None, Ellipsis / "...", ints,
  // bools, Int64 index tensors and Bool masks): x.index({Slice(), 0}) is x[:, 0]. Basic
  // indices give views; tensor indices give copies (differentiable). See indexing.hpp.
  Tensor index(std::initializer_list<indexing::TensorIndex> indices) const;
  Tensor index(const std::vector<indexing::TensorIndex>& indices) const;
  // x[indices] = value in place (value broadcast to the indexed region).
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value);
  Tensor& index_put_(std::initializer_list<indexing::TensorIndex> indices, const Scalar& value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value);
  Tensor& index_put_(const std::vector<indexing::TensorIndex>& indices, const Scalar& value);

  // ---- autograd -------------------------------------------------------------------------
  bool requires_grad() const;
  // Marks a leaf as requiring grad. Throws for Int64 tensors and for non-leaves asked to stop.
  Tensor& requires_grad_(bool on = true);
  const Tensor& set_requires_grad(bool on) const;
  // The accumulated gradient (undefined until a backward reaches this tensor).
  Tensor grad() const;
  Tensor& mutable_grad();  // assignable: `x.mutable_grad() = Tensor();`
  void set_grad(const Tensor& g) const;
  const std::shared_ptr<autograd::Node>& grad_fn() const { return checked().grad_fn; }
  std::uint32_t output_nr() const { return checked().output_nr; }
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  void retain_grad() const;  // keep .grad() on a non-leaf after backward
  bool retains_grad() const { return checked().retains_grad; }
  // hook(grad) runs when the gradient w.r.t. this tensor is computed; it may return a
  // replacement gradient or an undefined Tensor to keep the original.
  HookHandle register_hook(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(HookHandle handle) const;
  // Gradient of this tensor w.r.t. the graph leaves, accumulated into their .grad().
  // `gradient` may be omitted only for one-element tensors.
  void backward(const Tensor& gradient = Tensor(), std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false) const;
  std::uint32_t _version() const { return checked().storage->version(); }

  // ---- conversions and copies -----------------------------------------------------------
  Tensor detach() const;  // same data, no history
  Tensor& detach_();
  Tensor clone() const;  // fresh contiguous copy; differentiable
  Tensor contiguous() const;
  Tensor to(Dtype dtype) const;                   // differentiable between float types
  Tensor to(const TensorOptions& options) const;  // its dtype (if given) and device
  // The CPU is the only device: to(kCPU) is a no-op, a CUDA device throws std::runtime_error.
  Tensor to(Device device) const;
  Tensor to(Device device, Dtype dtype) const;
  Tensor to(const Tensor& other) const { return to(other.dtype()); }
  Tensor cpu() const { return *this; }

  // ---- methods mirroring the free functions in ops.hpp ----------------------------------
  Tensor neg() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor square() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(std::optional<double> min, std::optional<double> max = std::nullopt) const;
  Tensor add(const Tensor& other, double alpha = 1.0) const;
  Tensor sub(const Tensor& other, double alpha = 1.0) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor eq(const Tensor& other) const;
  Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const;
  Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const;
  Tensor ge(const Tensor& other) const;
  Tensor eq(double other) const;
  Tensor ne(double other) const;
  Tensor lt(double other) const;
  Tensor le(double other) const;
  Tensor gt(double other) const;
  Tensor ge(double other) const;
  Tensor logical_not() const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor all() const;  // Bool, true when every element is non-zero
  Tensor all(std::int64_t dim, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(std::int64_t dim, bool keepdim = false) const;
  Tensor minimum(const Tensor& other) const;
  Tensor maximum(const Tensor& other) const;

  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  template <std::integral I>  // x.sum(0), x.sum(1, true): one dim, as LibTorch
  Tensor sum(I dim, bool keepdim = false) const {
    return sum(Shape{static_cast<std::int64_t>(dim)}, keepdim);
  }
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  template <std::integral I>
  Tensor mean(I dim, bool keepdim = false) const {
    return mean(Shape{static_cast<std::int64_t>(dim)}, keepdim);
  }
  // Vector p-norm over all elements or over dims (p = 2, 1, INFINITY, -INFINITY, 0 or any
  // real p; "fro" is 2). Differentiable with PyTorch's subgradients: 0 where the 2-norm is 0.
  Tensor norm(double p = 2) const;
  Tensor norm(double p, const Shape& dims, bool keepdim = false) const;
  template <std::integral I>
  Tensor norm(double p, I dim, bool keepdim = false) const {
    return norm(p, Shape{static_cast<std::int64_t>(dim)}, keepdim);
  }
  Tensor norm(const std::string& p, const Shape& dims = {}, bool keepdim = false) const;
  Tensor var(const Shape& dims, double correction = 1, bool keepdim = false) const;
  Tensor var() const;
  Tensor std(const Shape& dims, double correction = 1, bool keepdim = false) const;
  Tensor std() const;
  Tensor max() const;
  Tensor min() const;
  std::tuple<Tensor, Tensor> max(std::int64_t dim, bool keepdim = false) const;
  std::tuple<Tensor, Tensor> min(std::int64_t dim, bool keepdim = false) const;
  Tensor argmax() const;
  Tensor argmax(std::int64_t dim, bool keepdim = false) const;
  Tensor argmin() const;
  Tensor argmin(std::int64_t dim, bool keepdim = false) const;
  Tensor logsumexp(const Shape& dims, bool keepdim = false) const;
  Tensor softmax(std::int64_t dim) const;
  Tensor log_softmax(std::int64_t dim) const;

  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor t() const;

  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor flatten(std::int64_t start_dim = 0, std::int64_t end_dim = -1) const;
  Tensor transpose(std::int64_t dim0, std::int64_t dim1) const;
  Tensor permute(const Shape& dims) const;
  Tensor squeeze() const;
  Tensor squeeze(std::int64_t dim) const;
  Tensor unsqueeze(std::int64_t dim) const;
  Tensor expand(const Shape& shape) const;
  Tensor expand_as(const Tensor& other) const;
  tensor_list split(std::int64_t split_size, std::int64_t dim = 0) const;
  tensor_list chunk(std::int64_t chunks, std::int64_t dim = 0) const;
  Tensor narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const;
  Tensor slice(std::int64_t dim = 0, std::optional<std::int64_t> start = std::nullopt,
               std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1) const;
  Tensor select(std::int64_t dim, std::int64_t index) const;
  Tensor index_select(std::int64_t dim, const Tensor& index) const;
  Tensor gather(std::int64_t dim, const Tensor& index) const;
  Tensor scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const;

  // ---- in place (bump the version counter; refused on leaves that require grad) -------
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(double other);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);
  Tensor& clamp_(std::optional<double> min, std::optional<double> max = std::nullopt);

 private:
  const TensorImpl& checked() const;
  std::shared_ptr<TensorImpl> impl_;
};

// Prints values, shape, dtype and grad_fn / requires_grad as PyTorch's repr does.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- creation ----------------------------------------------------------------------------
// Every factory takes TensorOptions (dtype, requires_grad); the default dtype is Float32.
// Sizes must be non-negative; a size whose element count overflows throws std::length_error.
Tensor empty(const Shape& shape, const TensorOptions& options = {});
Tensor zeros(const Shape& shape, const TensorOptions& options = {});
Tensor ones(const Shape& shape, const TensorOptions& options = {});
Tensor full(const Shape& shape, double value, const TensorOptions& options = {});
Tensor eye(std::int64_t n, const TensorOptions& options = {});
Tensor eye(std::int64_t n, std::int64_t m, const TensorOptions& options = {});
// [0, end) and [start, end) with step; Int64 unless options say otherwise.
Tensor arange(double end, const TensorOptions& options = TensorOptions(kInt64));
Tensor arange(double start, double end, double step = 1, const TensorOptions& options = TensorOptions(kInt64));
Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& options = {});
// Random factories draw from the global generator (see manual_seed).
Tensor randn(const Shape& shape, const TensorOptions& options = {});  // N(0, 1)
Tensor rand(const Shape& shape, const TensorOptions& options = {});   // U[0, 1)
Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape,
               const TensorOptions& options = TensorOptions(kInt64));  // U{low, ..., high-1}
Tensor randperm(std::int64_t n, const TensorOptions& options = TensorOptions(kInt64));
// U{0, ..., high-1}, as LibTorch's randint(high, size).
Tensor randint(std::int64_t high, const Shape& shape, const TensorOptions& options = TensorOptions(kInt64));
// t's shape; t's dtype unless options give one (requires_grad from options).
Tensor zeros_like(const Tensor& t, const TensorOptions& options = {});
Tensor ones_like(const Tensor& t, const TensorOptions& options = {});
Tensor full_like(const Tensor& t, double value, const TensorOptions& options = {});
Tensor empty_like(const Tensor& t, const TensorOptions& options = {});
Tensor randn_like(const Tensor& t, const TensorOptions& options = {});
Tensor rand_like(const Tensor& t, const TensorOptions& options = {});
Tensor randint_like(const Tensor& t, std::int64_t low, std::int64_t high, const TensorOptions& options = {});

// One-dim shapes given as a plain integer, as LibTorch's IntArrayRef allows: randn(3, opts) is
// randn({3}, opts). (Templates, so that a braced list such as {} or {3} still means a Shape.)
template <std::integral I>
Tensor empty(I n, const TensorOptions& options = {}) {
  return empty(Shape{static_cast<std::int64_t>(n)}, options);
}
template <std::integral I>
Tensor zeros(I n, const TensorOptions& options = {}) {
  return zeros(Shape{static_cast<std::int64_t>(n)}, options);
}
template <std::integral I>
Tensor ones(I n, const TensorOptions& options = {}) {
  return ones(Shape{static_cast<std::int64_t>(n)}, options);
}
template <std::integral I>
Tensor full(I n, double value, const TensorOptions& options = {}) {
  return full(Shape{static_cast<std::int64_t>(n)}, value, options);
}
template <std::integral I>
Tensor randn(I n, const TensorOptions& options = {}) {
  return randn(Shape{static_cast<std::int64_t>(n)}, options);
}
template <std::integral I>
Tensor rand(I n, const TensorOptions& options = {}) {
  return rand(Shape{static_cast<std::int64_t>(n)}, options);
}
// A one-element, zero-dimensional tensor.
Tensor scalar_tensor(double value, const TensorOptions& options = {});
// Copies `values` into a tensor of `shape` (default: 1-D). Throws if numel(shape) != values.size().
// The dtype follows T (float -> Float32, double -> Float64, int64_t / int -> Int64) unless
// options give one.
Tensor tensor_from_values(const void* data, Dtype dtype, std::size_t count, const Shape& shape,
                          const TensorOptions& options);
template <class T>
requires(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int64_t> ||
         std::is_same_v<T, int>) Tensor
    tensor(const std::vector<T>& values, const Shape& shape = {}, const TensorOptions& options = {}) {
  if constexpr (std::is_same_v<T, int>) {
    const std::vector<std::int64_t> wide(values.begin(), values.end());
    return tensor_from_values(wide.data(), kInt64, wide.size(), shape, options);
  } else {
    return tensor_from_values(values.data(), dtype_of<T>(), values.size(), shape, options);
  }
}

namespace detail {
// What LibTorch's tensor({...}) takes: a number (0-D) or a braced list of them, nested to any
// depth ({{1, 2}, {3, 4}} is [2, 2]). Integers give Int64, bools Bool, C++ floats Float32 and
// doubles the default dtype (Float32), as LibTorch; a list mixing them takes the promoted
// dtype. Ragged lists throw std::invalid_argument naming the sizes.
class TensorDataContainer {
 public:
  TensorDataContainer(double v) : dtype_(Dtype::Float64), values_{v} {}   // NOLINT
  TensorDataContainer(float v) : dtype_(Dtype::Float32), values_{v} {}    // NOLINT
  TensorDataContainer(bool v) : dtype_(Dtype::Bool), ints_{v ? 1 : 0} {}  // NOLINT
  template <std::integral I>
  TensorDataContainer(I v) : dtype_(Dtype::Int64), ints_{static_cast<std::int64_t>(v)} {}  // NOLINT
  TensorDataContainer(std::initializer_list<TensorDataContainer> list);                    // NOLINT
  // The tensor these values make; options.dtype() when given, else the dtype rule above.
  Tensor make(const TensorOptions& options) const;

 private:
  Shape shape_;  // empty for a number
  Dtype dtype_ = Dtype::Float64;
  bool empty_list_ = false;
  std::vector<double> values_;      // row-major, for float and bool data
  std::vector<std::int64_t> ints_;  // row-major, for integer data (exact beyond 2^53)
};
}  // namespace detail

// tensor(3.5), tensor({1, 2, 3}), tensor({{0.1, 1.0}, {1e-4, 2.0}}, kFloat64) as LibTorch.
Tensor tensor(detail::TensorDataContainer values, const TensorOptions& options = {});
Tensor from_blob_copy(const void* data, Dtype dtype, const Shape& shape, const TensorOptions& options = {});

// ---- random generator --------------------------------------------------------------------
// Seeds the global generator used by randn / rand / randint / randperm / dropout / init.
void manual_seed(std::uint64_t seed);

}  // namespace xgrad

#include "indexing.hpp"
