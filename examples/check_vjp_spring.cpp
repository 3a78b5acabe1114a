// Checking a backward pass written outside xgrad: the energy of a chain of springs in raw loops
// over doubles, with its hand-written gradient, checked by xgrad::testing::check_vjp against
// central differences -- no rewrite of the physics code in xgrad tensors.
//
//   E(x, k) = sum_i k_i / 2 (|x_{i+1} - x_i| - L)^2     x: positions [n, 2], k: stiffnesses [n - 1]
//   dE/dx_{i+1} = k_i (r_i - L) / r_i d_i = -dE/dx_i (from spring i),   d_i = x_{i+1} - x_i, r_i = |d_i|
//   dE/dk_i = (r_i - L)^2 / 2
//
// The right gradient passes; a copy with a typical slip (the sign of the pull on x_i) fails and
// the report says so. Exits 1 if the right one fails or the wrong one passes.
#include <cmath>
#include <iostream>
#include <xgrad/testing.hpp>

using xgrad::testing::Array;
using xgrad::testing::ArrayList;

namespace {

constexpr double kRest = 1.0;

// The physics code: energy of the chain (a scalar) from positions and stiffnesses.
double chain_energy(const double* x, const double* k, std::size_t n) {
  double e = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double dx = x[2 * i + 2] - x[2 * i], dy = x[2 * i + 3] - x[2 * i + 1];
    const double stretch = std::sqrt(dx * dx + dy * dy) - kRest;
    e += 0.5 * k[i] * stretch * stretch;
  }
  return e;
}

// Its backward: grad_e * dE/dx into gx [n, 2], grad_e * dE/dk into gk [n - 1]. `slip` plants
// the bug of pulling x_i the same way as x_{i+1}.
void chain_energy_backward(const double* x, const double* k, std::size_t n, double grad_e, double* gx, double* gk,
                           bool slip) {
  for (std::size_t i = 0; i < 2 * n; ++i) gx[i] = 0;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double dx = x[2 * i + 2] - x[2 * i], dy = x[2 * i + 3] - x[2 * i + 1];
    const double r = std::sqrt(dx * dx + dy * dy), stretch = r - kRest;
    const double pull = grad_e * k[i] * stretch / r;
    gx[2 * i + 2] += pull * dx;
    gx[2 * i + 3] += pull * dy;
    gx[2 * i] += (slip ? 1 : -1) * pull * dx;
    gx[2 * i + 1] += (slip ? 1 : -1) * pull * dy;
    gk[i] = grad_e * 0.5 * stretch * stretch;
  }
}

// The two as check_vjp sees them: inputs {x, k}, one output E (an array of one element).
ArrayList energy(const ArrayList& in) { return {Array(chain_energy(in[0].data(), in[1].data(), in[0].shape()[0]))}; }
auto energy_vjp(bool slip) {
  return [slip](const ArrayList& in, const ArrayList& grad_out) {
    Array gx = Array::from_shape(in[0].shape()), gk = Array::from_shape(in[1].shape());
    chain_energy_backward(in[0].data(), in[1].data(), in[0].shape()[0], grad_out[0](), gx.data(), gk.data(), slip);
    return ArrayList{gx, gk};
  };
}

}  // namespace

int main() {
  const Array x = {{0.0, 0.0}, {1.2, 0.1}, {2.0, 0.9}, {3.1, 0.7}};  // 4 masses
  const Array k = {2.0, 0.5, 1.5};                                   // 3 springs
  const auto right = xgrad::testing::check_vjp(energy, energy_vjp(false), ArrayList{x, k});
  std::cout << "spring chain, hand-written gradient: " << (right.passed ? "passed" : "FAILED") << " ("
            << right.forward_calls << " energy evaluations, " << right.backward_calls << " backward calls)\n";
  if (!right.passed) std::cout << right.message << "\n";

  const auto slipped = xgrad::testing::check_vjp(energy, energy_vjp(true), ArrayList{x, k});
  std::cout << "spring chain, gradient with a sign slip: " << (slipped.passed ? "passed (not caught!)" : "FAILED")
            << "\n";
  if (!slipped.passed) std::cout << slipped.message.substr(0, slipped.message.find("\n  numerical:")) << "\n";
  return right.passed && !slipped.passed ? 0 : 1;
}
