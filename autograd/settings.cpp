// The process-wide settings declared in ops.hpp and blas_threads.hpp: the thread count of the
// fused elementwise programs and of BLAS calls, the sizes from which each uses threads, and the
// size from which elementwise ops fuse. Kept apart from fusion/, which holds only xgrad::fusion,
// so that each file's namespace matches its folder.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "blas_threads.hpp"
#include "ops.hpp"

// OpenBLAS's own thread count (declared weak: with another BLAS they are null and ignored).
extern "C" {
void openblas_set_num_threads(int) __attribute__((weak));
int openblas_get_num_threads(void) __attribute__((weak));
}

namespace xgrad {

namespace {
// Below this many elements an op's own cost dominates, not memory traffic: run eagerly.
std::atomic<std::int64_t> g_min_numel{std::int64_t{1} << 15};
std::atomic<int> g_threads{static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))};
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: expected n >= 1, got " + std::to_string(n));
  g_threads.store(n, std::memory_order_relaxed);
}

int get_num_threads() { return g_threads.load(std::memory_order_relaxed); }

void set_fusion_min_numel(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("set_fusion_min_numel: expected n >= 0, got " + std::to_string(n));
  g_min_numel.store(n, std::memory_order_relaxed);
}

std::int64_t fusion_min_numel() { return g_min_numel.load(std::memory_order_relaxed); }

// ---- BLAS threads (blas_threads.hpp) -----------------------------------------------------------
namespace {
// From cblas_sgemm timed at 1 and 2 threads, interleaved, on a 2-core VM: the second thread lost
// up to 2^22 multiply-adds (64x128x128: 12 vs 26 us; 256x128x128: 44 vs 67 us, best of 400) and
// paid at 2^27 (512^3: 1.3x faster on a quiet machine); 2^23 (256x256x128) is between the two.
std::atomic<std::int64_t> g_blas_parallel_min{std::int64_t{1} << 23};

struct BlasCount {
  std::mutex mutex;
  int cap = 0;   // OpenBLAS's count as set outside xgrad (environment or user): ours never exceeds it
  int last = 0;  // the count xgrad last set (0: none yet)
};
BlasCount g_blas;
}  // namespace

void set_blas_parallel_min(std::int64_t n) {
  if (n < 0) throw std::invalid_argument("set_blas_parallel_min: expected n >= 0, got " + std::to_string(n));
  g_blas_parallel_min.store(n, std::memory_order_relaxed);
}

std::int64_t blas_parallel_min() { return g_blas_parallel_min.load(std::memory_order_relaxed); }

void use_blas_threads(double work) noexcept {
  if (!openblas_set_num_threads || !openblas_get_num_threads) return;
  const bool parallel = work >= static_cast<double>(blas_parallel_min());
  std::lock_guard<std::mutex> lock(g_blas.mutex);
  const int current = openblas_get_num_threads();
  // A count we did not set came from OPENBLAS_NUM_THREADS or from the user: it is the cap.
  if (current != g_blas.last) g_blas.cap = current;
  const int want = parallel ? std::max(1, std::min(get_num_threads(), g_blas.cap)) : 1;
  if (want != current) openblas_set_num_threads(want);
  g_blas.last = want;
}

}  // namespace xgrad
