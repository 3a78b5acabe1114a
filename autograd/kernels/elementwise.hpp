// Elementwise formulas shared by the eager ops and the fused programs (fusion.cpp), so that
// both compute the same values. Each works on scalars and on xtensor expressions (vectorised by
// xsimd); see map_unary in kernels.hpp for the rules on expression lifetimes.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

namespace xgrad::kernels {

// The element type of a scalar or of an xtensor expression.
template <class V>
using elem_t = xt::get_value_type_t<std::decay_t<V>>;

// c ? a : b elementwise: the conditional operator on scalars, xt::where on expressions (a
// scalar condition with an array branch, as a fused backward may pass, is broadcast first).
template <class C, class A, class B>
auto select(C&& c, A&& a, B&& b) {
  constexpr bool scalar_c = std::is_arithmetic_v<std::decay_t<C>>;
  if constexpr (scalar_c && std::is_arithmetic_v<std::decay_t<A>> && std::is_arithmetic_v<std::decay_t<B>>) {
    return c ? a : b;
  } else if constexpr (scalar_c && !std::is_arithmetic_v<std::decay_t<A>>) {  // scalar condition, array branch
    return xt::where(xt::full_like(a, c ? 1 : 0) > 0, std::forward<A>(a), std::forward<B>(b));
  } else if constexpr (scalar_c) {
    return xt::where(xt::full_like(b, c ? 1 : 0) > 0, std::forward<A>(a), std::forward<B>(b));
  } else {
    return xt::where(std::forward<C>(c), std::forward<A>(a), std::forward<B>(b));
  }
}

// exp(-|x|) never overflows, and each side of 0 uses the form without cancellation, so
// sigmoid(-100) is 3.7e-44 rather than 0 and nothing becomes inf / inf.
inline constexpr auto sigmoid_formula = [](const auto& v) {
  using T = elem_t<decltype(v)>;
  using std::abs;
  using std::exp;
  return select(v >= T(0), T(1) / (T(1) + exp(-abs(v))), exp(-abs(v)) / (T(1) + exp(-abs(v))));
};

// `x < 0 ? 0 : x` rather than max(x, 0): NaN passes through, as in PyTorch.
inline constexpr auto relu_formula = [](const auto& v) {
  using T = elem_t<decltype(v)>;
  return select(v < T(0), T(0), v);
};

// The fused backward passes (no create_graph): g (1 - y^2), g y (1 - y), and g where y > 0
// (0 elsewhere, even for g = NaN, as PyTorch), with y the op's saved output.
inline constexpr auto tanh_backward_formula = [](const auto& gv, const auto& yv) {
  using T = std::common_type_t<elem_t<decltype(gv)>, elem_t<decltype(yv)>>;
  return gv * (T(1) - yv * yv);
};
inline constexpr auto sigmoid_backward_formula = [](const auto& gv, const auto& yv) {
  using T = std::common_type_t<elem_t<decltype(gv)>, elem_t<decltype(yv)>>;
  return gv * (yv * (T(1) - yv));
};
inline constexpr auto relu_backward_formula = [](const auto& gv, const auto& yv) {
  using T = std::common_type_t<elem_t<decltype(gv)>, elem_t<decltype(yv)>>;
  return select(yv > T(0), gv, T(0));
};

// out[i] = tanh(in[i]) for n contiguous elements (Eigen's rational approximation for float,
// within 5 ulp and twice as fast as xsimd's, with AVX-512 where the CPU has it; xsimd for
// double). In-place (out == in) is fine.
void tanh_contiguous(const float* in, float* out, std::int64_t n);
void tanh_contiguous(const double* in, double* out, std::int64_t n);

// The float tanh kernels that this build and this CPU can run, by name ("portable", "avx512"):
// tanh_contiguous uses the last. For tests, which must check each of them.
using FloatTanhKernel = void (*)(const float* in, float* out, std::int64_t n);
std::vector<std::pair<const char*, FloatTanhKernel>> float_tanh_kernels();

}  // namespace xgrad::kernels
