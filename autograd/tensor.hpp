// Tensor: an n-dimensional array of Float32, Float64 or Int64 that records the operations
// applied to it (when it requires grad) so that gradients can flow back through them.
// A Tensor is a cheap, shared handle: copies alias the same data (as in LibTorch).
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "tensor_impl.hpp"

namespace xgrad {

class Tensor;
using tensor_list = std::vector<Tensor>;

// Creation options in LibTorch's builder style: TensorOptions().dtype(kFloat64).requires_grad(true).
class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(Dtype d) : dtype_(d) {}  // NOLINT: lets `zeros({2}, kFloat64)` read naturally
  TensorOptions dtype(Dtype d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
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
  bool requires_grad_ = false;
};

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

  // ---- element access -------------------------------------------------------------------
  // The value of a one-element tensor, converted to T. Throws if numel() != 1.
  template <class T>
  T item() const;
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
  Tensor operator[](std::int64_t index) const;  // select(0, index)

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
  Tensor to(Dtype dtype) const;  // differentiable between float types
  Tensor to(const TensorOptions& options) const { return to(options.dtype()); }

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
  Tensor minimum(const Tensor& other) const;
  Tensor maximum(const Tensor& other) const;

  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
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
  Tensor slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
               std::int64_t step = 1) const;
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
Tensor zeros_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor full_like(const Tensor& t, double value, std::optional<Dtype> dtype = std::nullopt);
Tensor empty_like(const Tensor& t, std::optional<Dtype> dtype = std::nullopt);
Tensor randn_like(const Tensor& t);
Tensor rand_like(const Tensor& t);
// A one-element, zero-dimensional tensor.
Tensor scalar_tensor(double value, const TensorOptions& options = {});
// Copies `values` into a tensor of `shape` (default: 1-D). Throws if numel(shape) != values.size().
// The dtype follows T (float, double, int64_t) unless options give one.
Tensor tensor(const std::vector<float>& values, const Shape& shape = {},
              const TensorOptions& options = TensorOptions(kFloat32));
Tensor tensor(const std::vector<double>& values, const Shape& shape = {},
              const TensorOptions& options = TensorOptions(kFloat64));
Tensor tensor(const std::vector<std::int64_t>& values, const Shape& shape = {},
              const TensorOptions& options = TensorOptions(kInt64));
Tensor from_blob_copy(const void* data, Dtype dtype, const Shape& shape, const TensorOptions& options = {});

// ---- random generator --------------------------------------------------------------------
// Seeds the global generator used by randn / rand / randint / randperm / dropout / init.
void manual_seed(std::uint64_t seed);

}  // namespace xgrad
