// Internal to the optimizers (not part of the API): the single fused pass over raw memory that
// every update rule runs in. One pass reading param, grad and state once is what makes a step
// fast; a chain of tensor ops would stream the same memory through the cache many times.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"

namespace xgrad::optim::detail {

// Calls f(g, p, b0, b1, ...) for every element: first on xsimd batches, then on the scalar
// tail. `f` is a generic lambda taking the gradient by value and the parameter and buffers by
// reference (it updates them in place). The same lambda body runs on both paths, so an element
// gets the same rounding wherever it falls (the build uses ISO C++, i.e. no FMA contraction).
template <class T, class F, std::size_t... I>
void fused_loop_impl(std::int64_t n, F& f, const T* g, T* p, const std::array<T*, sizeof...(I)>& bufs,
                     std::index_sequence<I...>) {
  using B = xsimd::batch<T>;
  constexpr auto W = static_cast<std::int64_t>(B::size);
  std::int64_t i = 0;
  for (; i + W <= n; i += W) {
    B pv = B::load_unaligned(p + i);
    std::array<B, sizeof...(I)> bv{B::load_unaligned(bufs[I] + i)...};
    f(B::load_unaligned(g + i), pv, bv[I]...);
    pv.store_unaligned(p + i);
    (bv[I].store_unaligned(bufs[I] + i), ...);
  }
  for (; i < n; ++i) f(g[i], p[i], bufs[I][i]...);
}

template <class T, class F, class... Bufs>
void fused_loop(std::int64_t n, F&& f, const T* g, T* p, Bufs*... bufs) {
  fused_loop_impl<T>(n, f, g, p, std::array<T*, sizeof...(Bufs)>{bufs...}, std::index_sequence_for<Bufs...>{});
}

// Elementwise max for scalars and batches alike (amsgrad).
template <class V>
V vmax(const V& a, const V& b) {
  if constexpr (std::is_arithmetic_v<V>) return a < b ? b : a;
  else return xsimd::max(a, b);
}

template <class V>
V vsqrt(const V& a) {
  using std::sqrt;
  return sqrt(a);
}

// Gives f(T* param, const T* grad, n) contiguous memory of param's dtype for an in-place update,
// whatever the layout of param and grad: non-contiguous parameters are updated through a
// contiguous copy that is written back. Bumps param's version (the update is an in-place write).
template <class F>
void with_raw_param(const Tensor& param, const Tensor& grad_in, F&& f) {
  NoGradGuard no_grad;
  // Optimizer::check_grads has made sure the gradient has the parameter's shape and dtype.
  const Tensor grad = grad_in.is_contiguous() ? grad_in : grad_in.contiguous();
  Tensor target = param.is_contiguous() ? param : param.contiguous();
  auto run = [&](auto tag) {
    using T = decltype(tag);
    f(target.impl()->template data_as<T>(), static_cast<const T*>(grad.impl()->template data_as<T>()), param.numel());
  };
  if (param.dtype() == Dtype::Float32) run(float{});
  else run(double{});
  if (!target.is_same(param)) {
    Tensor p = param;
    p.copy_(target);
  } else {
    param.impl()->storage->bump_version();
  }
}

// A zero-filled state buffer shaped like `param` (contiguous, same dtype).
inline Tensor zeros_like_param(const Tensor& param) { return zeros(param.shape(), param.dtype()); }

}  // namespace xgrad::optim::detail
