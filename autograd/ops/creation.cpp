// Factories, dtype conversion, copies, and the shared kernel helpers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "../random.hpp"
#include "kernels.hpp"

#if defined(__SANITIZE_ADDRESS__)  // gcc
#define XGRAD_ASAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define XGRAD_ASAN 1
#endif
#endif

namespace xgrad {

namespace kernels {

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape());
}

Tensor empty_tensor(const Shape& shape, Dtype dtype, const char* op) {
  std::int64_t n = checked_numel(shape, op);
  auto impl = std::make_shared<TensorImpl>();
  std::size_t bytes = static_cast<std::size_t>(n) * element_size(dtype);
  // x86-64 and AArch64 user space is at most 2^47 bytes: asking the allocator for more is a
  // user error, and sanitizer allocators abort on it instead of throwing bad_alloc.
  // AddressSanitizer aborts already above 2^40 bytes (its largest supported allocation).
#ifdef XGRAD_ASAN
  constexpr std::size_t kMaxBytes = std::size_t{1} << 40;
#else
  constexpr std::size_t kMaxBytes = std::size_t{1} << 47;
#endif
  try {
    if (bytes > kMaxBytes) throw std::bad_alloc();
    impl->storage = Storage::allocate(bytes);
  } catch (const std::bad_alloc&) {
    throw std::length_error(std::string(op) + ": cannot allocate " + std::to_string(bytes) + " bytes for a " +
                            dtype_name(dtype) + " tensor of shape " + shape_str(shape));
  }
  impl->shape = shape;
  impl->numel = n;
  impl->dtype = dtype;
  impl->set_contiguous_strides();
  return Tensor(std::move(impl));
}

std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op, const Shape& shape) {
  std::int64_t lo = ndim == 0 ? -1 : -ndim, hi = ndim == 0 ? 0 : ndim - 1;
  if (dim < lo || dim > hi) {
    throw std::out_of_range(std::string(op) + ": dimension " + std::to_string(dim) + " out of range (expected to be in [" +
                            std::to_string(lo) + ", " + std::to_string(hi) + "]) for a tensor of shape " +
                            shape_str(shape));
  }
  return dim < 0 ? (ndim == 0 ? 0 : dim + ndim) : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  if (a == b) return a;
  std::size_t n = std::max(a.size(), b.size());
  Shape out(n, 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) {
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a) + " and " + shape_str(b) +
                                  " cannot be broadcast together (size " + std::to_string(da) + " vs " +
                                  std::to_string(db) + " at dim " + std::to_string(i) + ")");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Shape broadcast_shapes(const Tensor& a, const Tensor& b, const char* op) {
  try {
    return broadcast_shapes(a.shape(), b.shape(), op);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(e.what()) + " [" + describe(a) + " and " + describe(b) + "]");
  }
}

Shape broadcast_strides(const TensorImpl& t, const Shape& shape) {
  Shape s(shape.size(), 0);
  std::size_t lead = shape.size() - t.shape.size();
  for (std::size_t i = 0; i < t.shape.size(); ++i) s[lead + i] = t.shape[i] == 1 ? 0 : t.strides[i];
  return s;
}

namespace {
// Float to Int64 truncates toward zero, as in PyTorch; but a NaN, an infinity or a value outside
// Int64's range has no Int64 value (the cast would be undefined behaviour), so it is an error.
template <class To, class From>
To convert_one(From v, const TensorImpl& src) {
  if constexpr (std::is_same_v<To, std::int64_t> && std::is_floating_point_v<From>) {
    if (!(v >= From(-0x1p63) && v < From(0x1p63))) {
      throw std::domain_error("to: " + std::to_string(v) + " in a " + dtype_name(src.dtype) + " " + shape_str(src.shape) +
                              " tensor has no Int64 value (NaN, infinite, or outside the Int64 range)");
    }
  }
  return static_cast<To>(v);
}

template <class To, class From>
void convert_into(const TensorImpl& src, To* dst) {
  const From* p = src.template data_as<From>();
  if (src.contiguous) {
    for (std::int64_t i = 0; i < src.numel; ++i) dst[i] = convert_one<To>(p[i], src);
  } else if (src.numel > 0 && reads_one_element(src)) {  // an expanded scalar, e.g. sum()'s gradient
    std::fill_n(dst, src.numel, convert_one<To>(p[0], src));
  } else {
    for_each_offset(src.shape, &src.strides, nullptr, nullptr, 0, 0, 0,
                    [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { dst[i] = convert_one<To>(p[o], src); });
  }
}
}  // namespace

// A contiguous copy of `t` in `dtype`, with no autograd history.
Tensor copy_as(const Tensor& t, Dtype dtype) {
  Tensor out = empty_tensor(t.shape(), dtype, "copy");
  dispatch(dtype, [&](auto to) {
    using To = decltype(to);
    dispatch(t.dtype(), [&](auto from) { convert_into<To, decltype(from)>(*t.impl(), out.impl()->template data_as<To>()); });
  });
  return out;
}

Tensor as_dtype(const Tensor& t, Dtype dtype) { return t.dtype() == dtype ? t : copy_as(t, dtype); }

}  // namespace kernels

using namespace kernels;

// ---- factories -------------------------------------------------------------------------------

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}
template <class F>
Tensor fill_with(const Shape& shape, const TensorOptions& o, const char* op, F&& value_at) {
  Tensor t = empty_tensor(shape, o.dtype(), op);
  dispatch(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.impl()->template data_as<T>();
    for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(value_at(i));
  });
  return finish(t, o);
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) { return finish(empty_tensor(shape, o.dtype(), "empty"), o); }

Tensor zeros(const Shape& shape, const TensorOptions& o) {
  Tensor t = empty_tensor(shape, o.dtype(), "zeros");
  std::memset(t.impl()->data(), 0, static_cast<std::size_t>(t.numel()) * element_size(o.dtype()));
  return finish(t, o);
}

Tensor full(const Shape& shape, double value, const TensorOptions& o) {
  return fill_with(shape, o, "full", [value](std::int64_t) { return value; });
}

Tensor ones(const Shape& shape, const TensorOptions& o) {
  return fill_with(shape, o, "ones", [](std::int64_t) { return 1.0; });
}

Tensor eye(std::int64_t n, const TensorOptions& o) { return eye(n, n, o); }

Tensor eye(std::int64_t n, std::int64_t m, const TensorOptions& o) {
  return fill_with({n, m}, o, "eye", [m](std::int64_t i) { return (i / m) == (i % m) ? 1.0 : 0.0; });
}

Tensor arange(double end, const TensorOptions& o) { return arange(0, end, 1, o); }

Tensor arange(double start, double end, double step, const TensorOptions& o) {
  if (step == 0 || (end - start) / step < 0) {
    throw std::invalid_argument("arange: upper bound and step sign are inconsistent (start=" + std::to_string(start) +
                                ", end=" + std::to_string(end) + ", step=" + std::to_string(step) + ")");
  }
  auto n = static_cast<std::int64_t>(std::ceil((end - start) / step));
  return fill_with({n}, o, "arange", [=](std::int64_t i) { return start + static_cast<double>(i) * step; });
}

Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& o) {
  if (steps < 0) throw std::invalid_argument("linspace: number of steps must be non-negative, got " + std::to_string(steps));
  double h = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  return fill_with({steps}, o, "linspace", [=](std::int64_t i) { return start + static_cast<double>(i) * h; });
}

Tensor randn(const Shape& shape, const TensorOptions& o) {
  std::normal_distribution<double> dist(0.0, 1.0);
  auto& g = default_generator();
  return fill_with(shape, o, "randn", [&](std::int64_t) { return dist(g.engine()); });
}

Tensor rand(const Shape& shape, const TensorOptions& o) {
  auto& g = default_generator();
  return fill_with(shape, o, "rand", [&](std::int64_t) { return g.uniform(); });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& o) {
  if (high <= low) {
    throw std::invalid_argument("randint: expected low < high, got low=" + std::to_string(low) + ", high=" + std::to_string(high));
  }
  std::uniform_int_distribution<std::int64_t> dist(low, high - 1);
  auto& g = default_generator();
  return fill_with(shape, o, "randint", [&](std::int64_t) { return static_cast<double>(dist(g.engine())); });
}

Tensor randperm(std::int64_t n, const TensorOptions& o) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(checked_numel({n}, "randperm")));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  auto& g = default_generator();
  for (std::int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates with our own uniform ints
    std::uniform_int_distribution<std::int64_t> dist(0, i);
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(dist(g.engine()))]);
  }
  return fill_with({n}, o, "randperm", [&](std::int64_t i) { return static_cast<double>(p[static_cast<std::size_t>(i)]); });
}

Tensor zeros_like(const Tensor& t, std::optional<Dtype> d) { return zeros(t.shape(), d.value_or(t.dtype())); }
Tensor ones_like(const Tensor& t, std::optional<Dtype> d) { return ones(t.shape(), d.value_or(t.dtype())); }
Tensor full_like(const Tensor& t, double v, std::optional<Dtype> d) { return full(t.shape(), v, d.value_or(t.dtype())); }
Tensor empty_like(const Tensor& t, std::optional<Dtype> d) { return empty(t.shape(), d.value_or(t.dtype())); }
Tensor randn_like(const Tensor& t) { return randn(t.shape(), t.dtype()); }
Tensor rand_like(const Tensor& t) { return rand(t.shape(), t.dtype()); }
Tensor scalar_tensor(double value, const TensorOptions& o) { return full({}, value, o); }

Tensor from_blob_copy(const void* data, Dtype dtype, const Shape& shape, const TensorOptions& o) {
  Tensor t = empty_tensor(shape, dtype, "from_blob_copy");
  // memcpy from the null data() of an empty vector is undefined even for zero bytes.
  if (t.numel() > 0) std::memcpy(t.impl()->data(), data, static_cast<std::size_t>(t.numel()) * element_size(dtype));
  if (o.has_dtype() && o.dtype() != dtype) t = copy_as(t, o.dtype());
  return finish(t, o);
}

namespace {
template <class T>
Tensor tensor_from(const std::vector<T>& values, const Shape& shape_in, const TensorOptions& o) {
  Shape shape = shape_in.empty() ? Shape{static_cast<std::int64_t>(values.size())} : shape_in;
  std::int64_t n = checked_numel(shape, "tensor");
  if (static_cast<std::size_t>(n) != values.size()) {
    throw std::invalid_argument("tensor: " + std::to_string(values.size()) + " values do not fill shape " +
                                shape_str(shape) + " (" + std::to_string(n) + " elements)");
  }
  return from_blob_copy(values.data(), dtype_of<T>(), shape, o);
}
}  // namespace

Tensor tensor(const std::vector<float>& v, const Shape& s, const TensorOptions& o) { return tensor_from(v, s, o); }
Tensor tensor(const std::vector<double>& v, const Shape& s, const TensorOptions& o) { return tensor_from(v, s, o); }
Tensor tensor(const std::vector<std::int64_t>& v, const Shape& s, const TensorOptions& o) { return tensor_from(v, s, o); }

// ---- conversions and copies (differentiable) ----------------------------------------------

namespace {
struct ToBackward final : Node {
  Dtype from;
  std::string name() const override { return "ToCopyBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {g[0].to(from)}; }
};
struct CloneBackward final : Node {
  std::string name() const override { return "CloneBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {std::move(g[0])}; }
};
}  // namespace

Tensor Tensor::to(Dtype d) const {
  if (dtype() == d) return *this;
  if (requires_grad() && !xgrad::is_floating_point(d)) {
    // Int64 results carry no gradient: the conversion simply ends the graph here.
    return copy_as(*this, d);
  }
  Tensor out = copy_as(*this, d);
  if (auto n = autograd::record<ToBackward>({this}, out)) n->from = dtype();
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = copy_as(*this, dtype());
  autograd::record<CloneBackward>({this}, out);
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

}  // namespace xgrad
