// Internal helpers shared by the op implementations: dtype dispatch, output allocation,
// broadcasting, and the element loops (xtensor + xsimd on contiguous data, a strided
// odometer loop otherwise). Not installed: users never include this.
#pragma once
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "../engine.hpp"
#include "../format.hpp"
#include "../grad_mode.hpp"
#include "../node.hpp"
#include "../ops.hpp"

namespace xgrad::kernels {

using autograd::Node;
using autograd::SavedVariable;

// Calls f(T{}) with T the C++ type of `d`: float, double or std::int64_t. The numeric ops are
// written for these; a Bool tensor reaching one (rather than being promoted to Int64 or a float
// type first, as the ops that accept Bool do) throws std::invalid_argument.
template <class F>
decltype(auto) dispatch(Dtype d, F&& f) {
  switch (d) {
    case Dtype::Float32: return f(float{});
    case Dtype::Float64: return f(double{});
    case Dtype::Int64: return f(std::int64_t{});
    default:
      throw std::invalid_argument(
          "this operation does not accept Bool tensors (convert with .to(kInt64) or .to(kFloat32) first)");
  }
}

// As dispatch, with T = bool for Bool: for copies, conversions and reads that any dtype allows.
template <class F>
decltype(auto) dispatch_all(Dtype d, F&& f) {
  if (d == Dtype::Bool) return f(bool{});
  return dispatch(d, std::forward<F>(f));
}

// As dispatch, for ops defined on floating point only (Int64 or Bool throws naming the op).
template <class F>
decltype(auto) dispatch_float(Dtype d, const char* op, F&& f) {
  if (d == Dtype::Float32) return f(float{});
  if (d == Dtype::Float64) return f(double{});
  throw std::invalid_argument(std::string(op) + ": expected a Float32 or Float64 tensor, got " + dtype_name(d));
}

std::string describe(const Tensor& t);  // "Float32 [2, 3]"

// A fresh contiguous tensor (uninitialised). Throws std::length_error naming `op` when the
// size cannot be allocated, rather than a bare std::bad_alloc.
Tensor empty_tensor(const Shape& shape, Dtype dtype, const char* op = "empty");

// Normalises a possibly negative dim; throws std::out_of_range naming op and shape.
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim, const char* op, const Shape& shape);

// NumPy broadcasting of two shapes; throws std::invalid_argument naming op, shapes and dtypes.
Shape broadcast_shapes(const Tensor& a, const Tensor& b, const char* op);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// `t` converted to dtype (a no-op handle copy when it already has it).
Tensor as_dtype(const Tensor& t, Dtype dtype);
// Strides of `t` seen as a tensor of `shape` (0 along broadcast dims).
Shape broadcast_strides(const TensorImpl& t, const Shape& shape);

// Visits every element of `shape` in row-major order, passing the element offsets of up to
// three operands with their own (broadcast) strides: f(i_out, off0, off1, off2).
template <class F>
void for_each_offset(const Shape& shape, const Shape* s0, const Shape* s1, const Shape* s2, std::int64_t base0,
                     std::int64_t base1, std::int64_t base2, F&& f) {
  const std::size_t nd = shape.size();
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  if (n == 0) return;
  if (nd == 0) {
    f(std::int64_t{0}, base0, base1, base2);
    return;
  }
  Shape idx(nd, 0);
  const std::int64_t inner = shape[nd - 1];
  const std::int64_t is0 = s0 ? (*s0)[nd - 1] : 0, is1 = s1 ? (*s1)[nd - 1] : 0, is2 = s2 ? (*s2)[nd - 1] : 0;
  std::int64_t o0 = base0, o1 = base1, o2 = base2;
  for (std::int64_t i = 0; i < n; i += inner) {
    for (std::int64_t k = 0; k < inner; ++k) f(i + k, o0 + k * is0, o1 + k * is1, o2 + k * is2);
    // advance the odometer over the outer dims
    for (std::size_t d = nd - 1; d-- > 0;) {
      if (++idx[d] < shape[d]) {
        if (s0) o0 += (*s0)[d];
        if (s1) o1 += (*s1)[d];
        if (s2) o2 += (*s2)[d];
        break;
      }
      idx[d] = 0;
      if (s0) o0 -= (*s0)[d] * (shape[d] - 1);
      if (s1) o1 -= (*s1)[d] * (shape[d] - 1);
      if (s2) o2 -= (*s2)[d] * (shape[d] - 1);
    }
  }
}

// A 1-D xtensor view of a contiguous buffer (static rank: cheap to build, xsimd-vectorised).
template <class T>
auto flat(T* data, std::int64_t n) {
  return xt::adapt(data, static_cast<std::size_t>(n), xt::no_ownership(),
                   std::array<std::size_t, 1>{static_cast<std::size_t>(n)});
}

// out = f(x) elementwise, x of dtype T. `f` is a generic lambda that works both on scalars
// and on xtensor expressions (ADL picks std:: or xt:: math), e.g. [](const auto& v){ return exp(v); }.
// f MUST take its arguments by const reference and must not build expressions on its own
// locals or by-value parameters: xtensor expressions hold lvalue operands by reference, so
// anything that dies when f returns would dangle (a silent wrong result, not a crash).
template <class T, class F>
Tensor map_unary(const Tensor& x, F&& f, const char* op) {
  Tensor out = empty_tensor(x.shape(), dtype_of<T>(), op);
  const TensorImpl& xi = *x.impl();
  T* po = out.impl()->template data_as<T>();
  const T* px = xi.template data_as<T>();
  const std::int64_t n = xi.numel;
  if (n == 1) {
    po[0] = static_cast<T>(f(px[0]));
  } else if (xi.contiguous) {
    auto xo = flat(po, n);
    xt::noalias(xo) = f(flat(px, n));
  } else {
    for_each_offset(
        xi.shape, &xi.strides, nullptr, nullptr, 0, 0, 0,
        [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { po[i] = static_cast<T>(f(px[o])); });
  }
  return out;
}

// True when every element of t is the same memory: one element, or one expanded (the gradient
// that sum() hands back, for instance), so that it can be read as a scalar.
inline bool reads_one_element(const TensorImpl& t) {
  for (std::size_t d = 0; d < t.shape.size(); ++d)
    if (t.shape[d] != 1 && t.strides[d] != 0) return false;
  return true;
}

// out = f(a, b) elementwise with broadcasting; a and b already of dtype T. Same contract for f.
template <class T, class O, class F>
void map_strided(const TensorImpl& ai, const TensorImpl& bi, const Shape& shape, O* po, const T* pa, const T* pb,
                 F& f) {
  Shape sa = broadcast_strides(ai, shape), sb = broadcast_strides(bi, shape);
  for_each_offset(shape, &sa, &sb, nullptr, 0, 0, 0,
                  [&](std::int64_t i, std::int64_t oa, std::int64_t ob, std::int64_t) {
                    po[i] = static_cast<O>(f(pa[oa], pb[ob]));
                  });
}

template <class T, class O = T, class F>
Tensor map_binary(const Tensor& a, const Tensor& b, const Shape& shape, F&& f, const char* op) {
  Tensor out = empty_tensor(shape, dtype_of<O>(), op);
  const TensorImpl& ai = *a.impl();
  const TensorImpl& bi = *b.impl();
  O* po = out.impl()->template data_as<O>();
  const T* pa = ai.template data_as<T>();
  const T* pb = bi.template data_as<T>();
  const std::int64_t n = out.numel();
  if (n == 1) {
    po[0] = static_cast<O>(f(pa[0], pb[0]));
  } else if (std::is_same_v<O, bool> && ai.contiguous && bi.contiguous && ai.numel == n && bi.numel == n) {
    for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[i]);  // xsimd has no bool batches
  } else if (std::is_same_v<O, bool> && ai.contiguous && ai.numel == n && reads_one_element(bi)) {
    for (std::int64_t i = 0; i < n; ++i) po[i] = f(pa[i], pb[0]);
  } else if constexpr (std::is_same_v<O, bool>) {
    map_strided(ai, bi, shape, po, pa, pb, f);
  } else if (ai.contiguous && bi.contiguous && ai.numel == n && bi.numel == n) {
    auto xo = flat(po, n);
    xt::noalias(xo) = f(flat(pa, n), flat(pb, n));
  } else if (ai.contiguous && ai.numel == n && reads_one_element(bi)) {
    const T s = pb[0];
    auto xo = flat(po, n);
    xt::noalias(xo) = f(flat(pa, n), s);
  } else if (bi.contiguous && bi.numel == n && reads_one_element(ai)) {
    const T s = pa[0];
    auto xo = flat(po, n);
    xt::noalias(xo) = f(s, flat(pb, n));
  } else {
    map_strided(ai, bi, shape, po, pa, pb, f);
  }
  return out;
}

// sum_{i < n} f(i) in sixteen independent lanes of T: the compiler vectorises them without
// reassociating (no -ffast-math), and they hide the add latency that makes a serial loop 8x
// slower. The one lane sum of the library: reductions (block_sum below), the fuser's running
// sums and the normalisation layers' row statistics all use it.
template <class T, class F>
T lane_sum(std::int64_t n, F&& f) {
  constexpr std::int64_t kLanes = 16;
  T acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::int64_t j = 0; j < kLanes; ++j) acc[j] += f(i + j);
  for (std::int64_t j = 0; i < n; ++i, ++j) acc[j] += f(i);
  for (std::int64_t w = kLanes / 2; w > 0; w /= 2)
    for (std::int64_t j = 0; j < w; ++j) acc[j] += acc[j + w];
  return acc[0];
}

// Sum of m <= kSumBlock contiguous elements. Whole sums add these block sums in order, in double
// for floats, so that the rounding error stays that of a block, not of the whole tensor.
inline constexpr std::int64_t kSumBlock = 1024;
template <class T>
T block_sum(const T* q, std::int64_t m) {
  return lane_sum<T>(m, [q](std::int64_t i) { return q[i]; });
}

// Saves t for backward (see SavedVariable); shorthand used by every op.
inline SavedVariable save(const Tensor& t, bool is_output = false) { return SavedVariable(t, is_output); }

}  // namespace xgrad::kernels

namespace xgrad::kernels {

// A contiguous copy in `dtype` without autograd history.
Tensor copy_as(const Tensor& t, Dtype dtype);

// Writes into `self` (in-place ops, copy_) follow PyTorch's memory-overlap rules (overlap.cpp).
// Refuses a self whose elements share memory (an expanded tensor).
void check_no_internal_overlap(const Tensor& self, const char* op);
// As check_no_internal_overlap, and refuses a src that partly overlaps self; returns src, or a
// copy of it when the overlap is too irregular to decide, so that no element is read after
// being overwritten.
Tensor overlap_checked(const Tensor& self, const Tensor& src, const char* op);

// Whether the scalar s is a whole number that Int64 holds: such a scalar keeps an Int64
// tensor Int64; any other makes the result floating point (and converting it to Int64,
// which is undefined behaviour for a NaN or an out-of-range value, never happens).
inline bool is_int64_scalar(double s) { return std::isfinite(s) && std::abs(s) < 9.0e18 && s == std::trunc(s); }

// v converted to T; for Int64, a NaN, an infinity or a value outside Int64's range is an error
// naming op (PyTorch's wording) rather than undefined behaviour.
template <class T>
T checked_cast(double v, const char* op) {
  if constexpr (std::is_integral_v<T>) {
    if (!(v >= -0x1p63 && v < 0x1p63)) {
      throw std::domain_error(std::string(op) + ": value cannot be converted to type Int64 without overflow (" +
                              num_str(v) + ")");
    }
  }
  return static_cast<T>(v);
}

inline void check_defined(const Tensor& t, const char* op, const char* what = "input") {
  if (!t.defined()) throw std::invalid_argument(std::string(op) + ": " + what + " is an undefined tensor");
}

// Elementwise op on two tensors: promotes dtypes (Int64 -> default float when
// `int_to_float`), broadcasts, and fills a fresh tensor with f(a, b).
template <class F>
Tensor binary_kernel(const Tensor& a, const Tensor& b, const char* op, F&& f, bool int_to_float = false) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  Dtype dt = promote_types(a.dtype(), b.dtype());
  if (dt == Dtype::Bool) dt = Dtype::Int64;  // Bool arithmetic computes in Int64
  if (int_to_float && dt == Dtype::Int64) dt = default_dtype();
  Shape shape = broadcast_shapes(a, b, op);
  Tensor ac = as_dtype(a, dt), bc = as_dtype(b, dt);
  return dispatch(dt, [&](auto tag) { return map_binary<decltype(tag)>(ac, bc, shape, f, op); });
}

// Elementwise float op on one tensor (Int64 input is converted to the default float dtype).
template <class F>
Tensor unary_kernel(const Tensor& x, const char* op, F&& f) {
  check_defined(x, op);
  Tensor xc = x.is_floating_point() ? x : as_dtype(x, default_dtype());
  return dispatch_float(xc.dtype(), op, [&](auto tag) { return map_unary<decltype(tag)>(xc, f, op); });
}

// Elementwise op of a tensor with a scalar: out = f(x, s), f called on scalars only (a plain
// loop the compiler vectorises; no xtensor expression can capture `s` by dangling reference).
// Int64 stays Int64 when the scalar is integral and `int_ok`; otherwise Int64 input becomes the
// default float dtype (PyTorch's rule for a Python float scalar).
template <class F>
Tensor scalar_kernel(const Tensor& x, double s, const char* op, F&& f, bool int_ok = true) {
  check_defined(x, op);
  // Range-check before converting: casting a non-finite or huge double to int64 is UB.
  bool keep_int = int_ok && !x.is_floating_point() && is_int64_scalar(s);
  Tensor xc = x.is_floating_point() ? x : as_dtype(x, keep_int ? Dtype::Int64 : default_dtype());
  return dispatch(xc.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T sv = static_cast<T>(s);
    Tensor out = empty_tensor(xc.shape(), xc.dtype(), op);
    const TensorImpl& xi = *xc.impl();
    T* po = out.impl()->template data_as<T>();
    const T* px = xi.template data_as<T>();
    if (xi.contiguous) {
      for (std::int64_t i = 0; i < xi.numel; ++i) po[i] = static_cast<T>(f(px[i], sv));
    } else {
      for_each_offset(
          xi.shape, &xi.strides, nullptr, nullptr, 0, 0, 0,
          [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { po[i] = static_cast<T>(f(px[o], sv)); });
    }
    return out;
  });
}

}  // namespace xgrad::kernels
