// tanh over contiguous memory: the one transcendental whose speed decides an MLP's elementwise
// time. xsimd's float tanh costs ~36 cycles per 8 lanes; Eigen's rational approximation (with
// EIGEN_FAST_MATH, its default) half that, at most 5 ulp from the exact value, with tanh(±0) = ±0,
// tanh(±inf) = ±1 and NaN kept; with AVX-512 (checked once, at run time) the same with 16 lanes
// (tanh_kernel_avx512.cpp). Eigen has no vectorised double tanh, so double stays on xsimd.
#include <Eigen/Core>

#include "elementwise.hpp"
#include "kernels.hpp"

namespace xgrad::kernels {

namespace {
void tanh_portable(const float* in, float* out, std::int64_t n) {
  Eigen::Map<Eigen::ArrayXf>(out, n) = Eigen::Map<const Eigen::ArrayXf>(in, n).tanh();
}
}  // namespace

#ifdef XGRAD_AVX512_TANH
namespace avx512 {
void tanh_contiguous(const float* in, float* out, std::int64_t n);
}
#endif

std::vector<std::pair<const char*, FloatTanhKernel>> float_tanh_kernels() {
  std::vector<std::pair<const char*, FloatTanhKernel>> kernels{{"portable", tanh_portable}};
#ifdef XGRAD_AVX512_TANH
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    kernels.emplace_back("avx512", avx512::tanh_contiguous);
  }
#endif
  return kernels;
}

void tanh_contiguous(const float* in, float* out, std::int64_t n) {
  static const FloatTanhKernel best = float_tanh_kernels().back().second;
  best(in, out, n);
}

void tanh_contiguous(const double* in, double* out, std::int64_t n) {
  auto o = flat(out, n);
  xt::noalias(o) = xt::tanh(flat(in, n));
}

}  // namespace xgrad::kernels
