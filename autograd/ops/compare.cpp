// Elementwise choices and comparisons: minimum, maximum and where (differentiable), the
// eq/ne/lt/le/gt/ge family (Bool results, never differentiable), the logical_* family, all /
// any, allclose and equal.
#include <cmath>

#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// Elementwise x == y and x != y. (On xtensor expressions the operators compare whole arrays,
// and xsimd's != is false for NaN, hence !(x == y).)
template <class X, class Y>
auto equal_to(X&& x, Y&& y) {
  if constexpr (std::is_arithmetic_v<std::decay_t<X>> && std::is_arithmetic_v<std::decay_t<Y>>) return x == y;
  else return xt::equal(std::forward<X>(x), std::forward<Y>(y));
}
template <class X, class Y>
auto not_equal_to(X&& x, Y&& y) {
  if constexpr (std::is_arithmetic_v<std::decay_t<X>> && std::is_arithmetic_v<std::decay_t<Y>>) return x != y;
  else return !xt::equal(std::forward<X>(x), std::forward<Y>(y));
}

// The share of the gradient that input `a` of maximum(a, b) (Max = true) or minimum(a, b)
// receives: 0 where it lost, 1/2 at a tie, 1 elsewhere (also where a NaN is involved: PyTorch
// then passes g to both inputs).
template <bool Max>
Tensor share(const Tensor& a, const Tensor& b, const char* op) {
  return binary_kernel(
      a, b, op,
      [](const auto& x, const auto& y) {
        using T = std::common_type_t<elem_t<decltype(x)>, elem_t<decltype(y)>>;
        if constexpr (Max) return select(x < y, T(0), select(equal_to(x, y), T(0.5), T(1)));
        else return select(x > y, T(0), select(equal_to(x, y), T(0.5), T(1)));
      },
      /*int_to_float=*/true);
}

}  // namespace

// ---- maximum / minimum: elementwise, broadcasting; NaN wins, as PyTorch ----------------------
namespace {
template <bool Max>
struct ExtremumBackward final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &a}, {"other", &b}});
  }
  SavedVariable a, b;
  std::string name() const override { return Max ? "MaximumBackward0" : "MinimumBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor av = a.unpack(), bv = b.unpack();
    const char* op = Max ? "maximum_backward" : "minimum_backward";
    return {should_compute_output(0) ? g[0] * share<Max>(av, bv, op) : Tensor(),
            should_compute_output(1) ? g[0] * share<Max>(bv, av, op) : Tensor()};
  }
  void release_variables() override {
    a.reset();
    b.reset();
  }
};

template <bool Max>
Tensor extremum(const Tensor& a, const Tensor& b, const char* op) {
  // NaN wins: a NaN on either side fails both comparisons, and then x + y is NaN too.
  Tensor out = binary_kernel(a, b, op, [](const auto& x, const auto& y) {
    using T = std::common_type_t<elem_t<decltype(x)>, elem_t<decltype(y)>>;
    if constexpr (!std::is_floating_point_v<T> && Max) return select(x < y, y, x);
    else if constexpr (!std::is_floating_point_v<T>) return select(x > y, y, x);
    else if constexpr (Max) return select(x < y, y, select(x >= y, x, x + y));
    else return select(x > y, y, select(x <= y, x, x + y));
  });
  if (auto n = record<ExtremumBackward<Max>>({&a, &b}, out)) {
    n->a = save(a);
    n->b = save(b);
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum<true>(a, b, "maximum"); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum<false>(a, b, "minimum"); }

// ---- where(condition, a, b): 3-way broadcasting; gradients g masked to a and to b ------------
namespace {
struct WhereBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "condition"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor c = saved.unpack();
    Tensor zero = scalar_tensor(0.0, g[0].dtype());
    return {should_compute_output(0) ? where(c, g[0], zero) : Tensor(),
            should_compute_output(1) ? where(c, zero, g[0]) : Tensor()};
  }
};

template <class C, class T>
void where_kernel(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const TensorImpl &ci = *cond.impl(), &ai = *a.impl(), &bi = *b.impl();
  const C* pc = ci.template data_as<C>();
  const T* pa = ai.template data_as<T>();
  const T* pb = bi.template data_as<T>();
  T* po = out.impl()->template data_as<T>();
  const std::int64_t n = out.numel();
  const bool all_contiguous =
      n > 1 && ci.contiguous && ai.contiguous && bi.contiguous && ci.numel == n && ai.numel == n && bi.numel == n;
  if constexpr (std::is_same_v<C, bool> || std::is_same_v<T, bool>) {  // xsimd has no bool batches
    if (all_contiguous) {
      for (std::int64_t i = 0; i < n; ++i) po[i] = pc[i] ? pa[i] : pb[i];
      return;
    }
  } else if (all_contiguous) {
    auto xo = flat(po, n);
    // Tested as `== 0` with the branches swapped: xsimd's != is false for NaN, which must count as true.
    xt::noalias(xo) = xt::where(xt::equal(flat(pc, n), C(0)), flat(pb, n), flat(pa, n));
    return;
  }
  const Shape& shape = out.shape();
  Shape sc = broadcast_strides(ci, shape), sa = broadcast_strides(ai, shape), sb = broadcast_strides(bi, shape);
  for_each_offset(shape, &sc, &sa, &sb, 0, 0, 0,
                  [&](std::int64_t i, std::int64_t oc, std::int64_t oa, std::int64_t ob) {
                    po[i] = pc[oc] != C(0) ? pa[oa] : pb[ob];
                  });
}
}  // namespace

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_defined(condition, "where", "condition");
  check_defined(a, "where", "first operand");
  check_defined(b, "where", "second operand");
  Shape shape;
  try {
    shape = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("where: condition " + describe(condition) + ", a " + describe(a) + " and b " +
                                describe(b) + " cannot be broadcast together");
  }
  const Dtype dt = promote_types(a.dtype(), b.dtype());
  Tensor ac = as_dtype(a, dt), bc = as_dtype(b, dt);
  Tensor out = empty_tensor(shape, dt, "where");
  dispatch_all(condition.dtype(), [&](auto ctag) {
    dispatch_all(dt, [&](auto tag) { where_kernel<decltype(ctag), decltype(tag)>(condition, ac, bc, out); });
  });
  // The condition never receives a gradient, so it is not an input of the node.
  if (auto n = record<WhereBackward0>({&a, &b}, out)) n->saved = save(condition);
  return out;
}

// ---- comparisons: Bool, never recorded (Bool operands compare as Int64 0 / 1) -----------------
namespace {
// Tensor with tensor: promoted dtype (as PyTorch), broadcast shape.
template <class F>
Tensor compare(const Tensor& a, const Tensor& b, const char* op, F&& f) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  Dtype dt = promote_types(a.dtype(), b.dtype());
  if (dt == Dtype::Bool) dt = Dtype::Int64;
  Shape shape = broadcast_shapes(a, b, op);
  Tensor ac = as_dtype(a, dt), bc = as_dtype(b, dt);
  return dispatch(dt, [&](auto tag) { return map_binary<decltype(tag), bool>(ac, bc, shape, f, op); });
}

// Tensor with scalar: the scalar takes the tensor's dtype (so x == 0.1 holds for a Float32 x
// holding 0.1f), except that an Int64 tensor meets a fractional scalar in the default float.
template <class F>
Tensor compare(const Tensor& a, double s, const char* op, F&& f) {
  check_defined(a, op);
  const bool keep = a.is_floating_point() || (std::abs(s) < 0x1p62 && s == std::trunc(s));
  const Dtype dt = keep ? (a.is_floating_point() ? a.dtype() : Dtype::Int64) : default_dtype();
  Tensor ac = as_dtype(a, dt);
  Tensor sc = scalar_tensor(s, dt);
  return dispatch(dt, [&](auto tag) { return map_binary<decltype(tag), bool>(ac, sc, a.shape(), f, op); });
}

constexpr auto kEq = [](const auto& x, const auto& y) { return equal_to(x, y); };
constexpr auto kNe = [](const auto& x, const auto& y) { return not_equal_to(x, y); };
constexpr auto kLt = [](const auto& x, const auto& y) { return x < y; };
constexpr auto kLe = [](const auto& x, const auto& y) { return x <= y; };
constexpr auto kGt = [](const auto& x, const auto& y) { return x > y; };
constexpr auto kGe = [](const auto& x, const auto& y) { return x >= y; };
}  // namespace

Tensor eq(const Tensor& a, const Tensor& b) { return compare(a, b, "eq", kEq); }
Tensor ne(const Tensor& a, const Tensor& b) { return compare(a, b, "ne", kNe); }
Tensor lt(const Tensor& a, const Tensor& b) { return compare(a, b, "lt", kLt); }
Tensor le(const Tensor& a, const Tensor& b) { return compare(a, b, "le", kLe); }
Tensor gt(const Tensor& a, const Tensor& b) { return compare(a, b, "gt", kGt); }
Tensor ge(const Tensor& a, const Tensor& b) { return compare(a, b, "ge", kGe); }
Tensor eq(const Tensor& a, double b) { return compare(a, b, "eq", kEq); }
Tensor ne(const Tensor& a, double b) { return compare(a, b, "ne", kNe); }
Tensor lt(const Tensor& a, double b) { return compare(a, b, "lt", kLt); }
Tensor le(const Tensor& a, double b) { return compare(a, b, "le", kLe); }
Tensor gt(const Tensor& a, double b) { return compare(a, b, "gt", kGt); }
Tensor ge(const Tensor& a, double b) { return compare(a, b, "ge", kGe); }

// ---- allclose / equal ---------------------------------------------------------------------------
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  check_defined(a, "allclose", "first operand");
  check_defined(b, "allclose", "second operand");
  if (a.shape() != b.shape()) return false;
  Tensor ad = copy_as(a, Dtype::Float64), bd = copy_as(b, Dtype::Float64);
  const double* pa = ad.impl()->data_as<double>();
  const double* pb = bd.impl()->data_as<double>();
  for (std::int64_t i = 0; i < ad.numel(); ++i) {
    // Equal infinities are close; otherwise the error must be finite (inf - -inf is not within
    // rtol * inf), and NaN is close to nothing. As torch.isclose.
    if (pa[i] == pb[i]) continue;
    const double err = std::abs(pa[i] - pb[i]);
    if (!(std::isfinite(err) && err <= atol + rtol * std::abs(pb[i]))) return false;
  }
  return true;
}

bool equal(const Tensor& a, const Tensor& b) {
  check_defined(a, "equal", "first operand");
  check_defined(b, "equal", "second operand");
  if (a.shape() != b.shape()) return false;
  Tensor same = eq(a, b);
  const bool* p = same.impl()->data_as<bool>();
  for (std::int64_t i = 0; i < same.numel(); ++i) {
    if (!p[i]) return false;
  }
  return true;
}

}  // namespace xgrad
