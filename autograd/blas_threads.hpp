// Internal: how many threads a BLAS call made by xgrad gets (issue 22). Not in the umbrella header.
//
// OpenBLAS starts its threads for any GEMM above ~2^18 multiply-adds, but on a 2-core machine
// waking a second thread and waiting for it costs more than the digits MLP's 64x128x128 GEMMs
// take on one (the whole step went from ~80 us on 1 thread to ~145 us on 2). So xgrad decides:
// a call of fewer than blas_parallel_min() multiply-adds runs on the calling thread, a larger
// one on get_num_threads() threads, never more than OpenBLAS's own count (OPENBLAS_NUM_THREADS,
// or the user's openblas_set_num_threads) as it was before xgrad changed it.
//
// The race caveat. OpenBLAS 0.3.21 (Debian 12) has one process-wide count and no per-call one
// (openblas_set_num_threads_local arrived in 0.3.27; `nm -D` finds no such symbol here), so
// use_blas_threads() sets that global count, and only when it differs from the wanted one.
// OpenBLAS reads it once at the start of each call, so two threads running xgrad GEMMs at the
// same time may each run with the other's count: a speed effect only (OpenBLAS's threaded GEMM
// may round differently from its serial one for some shapes, as in PyTorch; a call below the
// threshold runs serially whatever the thread settings, so its result never depends on them).
// A program that calls OpenBLAS itself should set the count before its own calls.
// With a BLAS other than OpenBLAS (no openblas_* symbols), these calls do nothing.
#pragma once
#include <cstdint>

namespace xgrad {

// Multiply-adds (m * n * k; m * n for a matrix-vector product, n for a dot) from which a BLAS call
// uses more than one thread. Default 2^23; settable for experiments and tests. Throws on n < 0.
void set_blas_parallel_min(std::int64_t n);
std::int64_t blas_parallel_min();

// Sets OpenBLAS's thread count for a call of `work` multiply-adds, as said above. Cheap: one
// mutex and, when the count changes, one store inside OpenBLAS (its threads already exist).
void use_blas_threads(double work) noexcept;

}  // namespace xgrad
