// xtensor in and out (#include <xgrad/xtensor.hpp>). Not part of <xgrad/xgrad.hpp>: it brings in
// xtensor's headers, which the installed package finds for you (find_dependency(xtensor)).
//
//   from_xtensor(expr)     copy of any xtensor expression into a fresh contiguous tensor; the
//                          dtype follows the value type: float -> Float32, double -> Float64,
//                          int64_t and the other integer types -> Int64 (uint64_t values over
//                          INT64_MAX wrap, as static_cast does). bool is refused (at
//                          compile time) until xgrad has a Bool dtype.
//   adapt(array)           zero copy: a tensor over the memory of an xt::xarray<T> or
//                          xt::xtensor<T, N> (T = float, double or int64_t). See "lifetime".
//   to_xarray<T>(tensor)   copy into an xt::xarray<T> (any strides; values converted to T).
//   as_xtensor<T>(tensor)  zero copy: an xt::adapt view of a contiguous tensor's elements, shaped
//                          like the tensor. T must be the tensor's element type.
//
// Lifetime and writes with adapt(array): the tensor borrows the array's buffer. The array must
// outlive the tensor and everything that shares its storage (views, tensors saved for backward
// in a graph that is still alive), and must not be resized or assigned a new shape meanwhile
// (that reallocates the buffer). Writes go both ways: an in-place op on the tensor (add_, copy_,
// an optimizer step) changes the array and bumps the tensor's version counter, so that a
// backward that saved the old values refuses to run, as for any in-place write. A write through
// the array is seen by every later read of the tensor, but xgrad cannot see it happen: it does
// not bump the version counter (do not write through the array while a graph that saved the
// tensor still needs it). The shared storage is never read lazily by fusion (it is "escaped",
// as after Tensor::data_ptr()), so a result computed before such a write keeps its value.
//
// as_xtensor<T>(t) holds a raw pointer: t's storage must outlive the view. Writing through the
// view changes t (and its views) without bumping the version counter, like writing through
// data_ptr(); use it on tensors you own, such as a fresh output of your own Function.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xoperation.hpp>
#include <xtensor/xtensor.hpp>

#include "tensor.hpp"

namespace xgrad {

namespace detail {
// A tensor over `nbytes` of memory at `data` owned by someone else (fusion::Access::borrow), with the
// given geometry in elements. Throws std::invalid_argument for mismatched shape and strides,
// negative strides, or elements outside [data, data + nbytes); and as requires_grad_ does.
Tensor borrowed_tensor(void* data, std::size_t nbytes, Dtype dtype, const Shape& shape, const Shape& strides,
                       const TensorOptions& options);
// The errors of as_xtensor<T>: wrong element type or not contiguous.
void check_as_xtensor(const Tensor& t, Dtype wanted);

template <class T>
constexpr bool is_exact_element =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int64_t>;

// The dtype from_xtensor gives to values of type T.
template <class T>
constexpr Dtype interop_dtype() {
  static_assert(!std::is_same_v<T, bool>, "from_xtensor: xgrad has no Bool dtype yet; convert to an integer type");
  static_assert(std::is_arithmetic_v<T>, "from_xtensor: the value type must be a number");
  if constexpr (std::is_floating_point_v<T>) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                  "from_xtensor: floating values must be float or double");
    return dtype_of<T>();
  } else {
    return Dtype::Int64;
  }
}

template <class Array>
Tensor adapt_container(Array& a, const TensorOptions& options) {
  using T = typename Array::value_type;
  static_assert(is_exact_element<T>,
                "adapt: only float, double and int64_t arrays can be shared without a copy "
                "(use from_xtensor to copy other types)");
  Shape shape, strides;
  for (std::size_t i = 0; i < a.dimension(); ++i) {
    shape.push_back(static_cast<std::int64_t>(a.shape()[i]));
    strides.push_back(static_cast<std::int64_t>(a.strides()[i]));
  }
  if (options.has_dtype() && options.dtype() != dtype_of<T>()) {
    throw std::invalid_argument(std::string("adapt: shares memory, so it cannot convert ") + dtype_name(dtype_of<T>()) +
                                " to " + dtype_name(options.dtype()) +
                                " (use from_xtensor, or .to(dtype) after adapt)");
  }
  return borrowed_tensor(static_cast<void*>(a.data()), a.size() * sizeof(T), dtype_of<T>(), shape, strides, options);
}
}  // namespace detail

// A fresh tensor holding the values of any xtensor expression (evaluated once, row-major).
// options: requires_grad (floating dtypes only); a dtype converts after the copy.
template <class E>
Tensor from_xtensor(const xt::xexpression<E>& expr, const TensorOptions& options = {}) {
  using V = std::decay_t<typename E::value_type>;
  constexpr Dtype dtype = detail::interop_dtype<V>();
  using T = std::conditional_t<dtype == Dtype::Int64, std::int64_t, V>;
  xt::xarray<T, xt::layout_type::row_major> values = xt::cast<T>(expr.derived_cast());
  Shape shape;
  for (std::size_t d : values.shape()) shape.push_back(static_cast<std::int64_t>(d));
  Tensor t = from_blob_copy(values.data(), dtype, shape, TensorOptions(dtype));
  if (options.has_dtype() && options.dtype() != dtype) t = t.to(options.dtype());
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

// Zero-copy tensors over a user's array; read the lifetime rules at the top of this file.
template <class EC, xt::layout_type L, class SC, class Tag>
Tensor adapt(xt::xarray_container<EC, L, SC, Tag>& array, const TensorOptions& options = {}) {
  return detail::adapt_container(array, options);
}
template <class EC, std::size_t N, xt::layout_type L, class Tag>
Tensor adapt(xt::xtensor_container<EC, N, L, Tag>& array, const TensorOptions& options = {}) {
  return detail::adapt_container(array, options);
}

// A copy of the tensor's elements as an xt::xarray<T> of its shape (any strides or offset).
template <class T>
xt::xarray<T> to_xarray(const Tensor& t) {
  static_assert(detail::is_exact_element<T> || std::is_same_v<T, int>,
                "to_xarray: T must be float, double, int64_t or int");
  std::vector<std::size_t> shape;
  for (std::int64_t d : t.sizes()) shape.push_back(static_cast<std::size_t>(d));
  xt::xarray<T> out = xt::xarray<T>::from_shape(shape);
  const std::vector<T> values = t.to_vector<T>();
  std::copy(values.begin(), values.end(), out.begin());
  return out;
}

// A zero-copy view of a contiguous tensor as an xtensor expression of its shape (row-major).
// Throws std::invalid_argument when T is not the tensor's element type or the tensor is not
// contiguous (call .contiguous() first, or copy with to_xarray).
template <class T>
auto as_xtensor(const Tensor& t) {
  static_assert(detail::is_exact_element<T>, "as_xtensor: T must be float, double or int64_t");
  detail::check_as_xtensor(t, dtype_of<T>());
  std::vector<std::size_t> shape;
  for (std::int64_t d : t.sizes()) shape.push_back(static_cast<std::size_t>(d));
  return xt::adapt(t.data_ptr<T>(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), std::move(shape));
}

}  // namespace xgrad
