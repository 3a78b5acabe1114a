// Float tanh with 16-lane AVX-512 packets: the same Eigen approximation as tanh_kernel.cpp, at
// twice its speed where the CPU has AVX-512 (tanh_contiguous picks it at run time). This file
// alone is built with AVX-512 enabled. Eigen is renamed for it, so that none of Eigen's inline
// functions compiled here (with AVX-512 instructions) can be merged by the linker with the
// portable copies the rest of the library calls.
#define Eigen xgrad_eigen_avx512
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns inside its own avx512fintrin.h on the masked intrinsics Eigen uses (a false
// positive: the masked-off lanes come from an undefined-by-design operand).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <Eigen/Core>

#include <cstdint>

namespace xgrad::kernels::avx512 {

void tanh_contiguous(const float* in, float* out, std::int64_t n) {
  Eigen::Map<Eigen::ArrayXf>(out, n) = Eigen::Map<const Eigen::ArrayXf>(in, n).tanh();
}

}  // namespace xgrad::kernels::avx512
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
