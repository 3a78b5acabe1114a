// What the xgrad and the LibTorch benchmark binaries share: thread setup, the peak-RSS mode and
// main(). Each binary defines set_threads() and run_rss_steps() for its framework.
//
//   BENCH_THREADS=n   threads for both the framework and OpenBLAS (default 1)
//   --rss-steps=n     instead of benchmarking, runs n training steps of mlp_step_small and
//                     prints the peak RSS after 1,000 steps and at the end (KiB)
#pragma once
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <benchmark/benchmark.h>

extern "C" {
void openblas_set_num_threads(int);
char* openblas_get_corename(void);
}

namespace bench {

inline int threads_from_env() {
  const char* s = std::getenv("BENCH_THREADS");
  int n = s ? std::atoi(s) : 1;
  return n > 0 ? n : 1;
}

inline long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Defined by each binary.
void set_threads(int n);
// Runs `steps` steps, calling report(step) after step 1,000 and after the last.
void run_rss_steps(long steps, void (*report)(long step));

inline void print_rss(long step) { std::printf("rss_kib step=%ld peak=%ld\n", step, peak_rss_kib()); }

inline int main_impl(int argc, char** argv, const char* framework) {
  const int threads = threads_from_env();
  set_threads(threads);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rss-steps=", 12) == 0) {
      run_rss_steps(std::atol(argv[i] + 12), print_rss);
      return 0;
    }
  }
  benchmark::AddCustomContext("framework", framework);
  benchmark::AddCustomContext("threads", std::to_string(threads));
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace bench
