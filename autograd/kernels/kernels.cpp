// The out-of-line helpers of kernels.hpp: descriptions for error messages, output allocation,
// dims and broadcasting, dtype conversion.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "../small_block.hpp"
#include "kernels.hpp"

#if defined(__SANITIZE_ADDRESS__)  // gcc
#define XGRAD_ASAN 1
#elif defined(__has_feature)  // clang
#if __has_feature(address_sanitizer)
#define XGRAD_ASAN 1
#endif
#endif

namespace xgrad::kernels {

std::string describe(const Tensor& t) {
  if (!t.defined()) return "undefined";
  return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape());
}

Tensor empty_tensor(const Shape& shape, Dtype dtype, const char* op) {
  std::int64_t n = checked_numel(shape, op);
  auto impl = new_tensor_impl();
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
    throw std::out_of_range(std::string(op) + ": dimension " + std::to_string(dim) +
                            " out of range (expected to be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                            "]) for a tensor of shape " + shape_str(shape));
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
      throw std::domain_error("to: " + std::to_string(v) + " in a " + dtype_name(src.dtype) + " " +
                              shape_str(src.shape) +
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
    for_each_offset(
        src.shape, &src.strides, nullptr, nullptr, 0, 0, 0,
        [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { dst[i] = convert_one<To>(p[o], src); });
  }
}
}  // namespace

// A contiguous copy of `t` in `dtype`, with no autograd history.
Tensor copy_as(const Tensor& t, Dtype dtype) {
  Tensor out = empty_tensor(t.shape(), dtype, "copy");
  dispatch_all(dtype, [&](auto to) {
    using To = decltype(to);
    dispatch_all(t.dtype(),
                 [&](auto from) { convert_into<To, decltype(from)>(*t.impl(), out.impl()->template data_as<To>()); });
  });
  return out;
}

Tensor as_dtype(const Tensor& t, Dtype dtype) { return t.dtype() == dtype ? t : copy_as(t, dtype); }

}  // namespace xgrad::kernels
