// Raw-loop code with hand-written backward passes for the consumer's doctest and GoogleTest
// tests: the right ones, and the classic bugs the assertions must catch and name (wrong sign,
// constant factor, transposed, wrong input, ignored grad_output, not connected).
#pragma once
#include <xgrad/testing.hpp>

namespace consumer {

using xgrad::testing::Array;
using xgrad::testing::ArrayList;

// y_i = x_i^2 and its backward g_i * k * x_i (k = 2 is right).
inline Array square(const Array& x) { return x * x; }
inline auto square_vjp(double k) {
  return [k](const Array& x, const Array& g) { return Array(k * x * g); };
}
inline Array square_vjp_ignores_grad(const Array& x, const Array&) { return 2.0 * x; }
inline Array square_vjp_disconnected(const Array& x, const Array&) { return xt::zeros<double>(x.shape()); }

// y = a * b with the right and the swapped gradients.
inline ArrayList mul(const ArrayList& in) { return {in[0] * in[1]}; }
inline ArrayList mul_vjp(const ArrayList& in, const ArrayList& g) { return {g[0] * in[1], g[0] * in[0]}; }
inline ArrayList mul_vjp_swapped(const ArrayList& in, const ArrayList& g) { return {g[0] * in[0], g[0] * in[1]}; }

// y = W x in loops; the right gradient of x is W^T g, the transposed bug uses W g.
inline ArrayList matvec(const ArrayList& in) {
  Array y = xt::zeros<double>({in[1].size()});
  for (std::size_t r = 0; r < in[1].size(); ++r) {
    for (std::size_t c = 0; c < in[1].size(); ++c) y(r) += in[0](r, c) * in[1](c);
  }
  return {y};
}
inline ArrayList matvec_vjp_transposed(const ArrayList& in, const ArrayList& g) {
  const std::size_t n = in[1].size();
  Array gw = xt::zeros<double>({n, n}), gx = xt::zeros<double>({n});
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t c = 0; c < n; ++c) {
      gw(r, c) = g[0](r) * in[1](c);
      gx(r) += in[0](r, c) * g[0](c);  // the bug: W g instead of W^T g
    }
  }
  return {gw, gx};
}

inline const Array& sample_x() {
  static const Array x = {0.5, -1.5, 2.0};
  return x;
}
inline ArrayList matvec_inputs() {
  return {Array({{1.0, 2, -1}, {0.5, 3, 1}, {-2, 0.25, 1.5}}), Array({1.0, -2, 0.5})};
}
inline ArrayList mul_inputs() { return {Array({1.0, 2, 3}), Array({-0.5, 0.25, 4})}; }

}  // namespace consumer
