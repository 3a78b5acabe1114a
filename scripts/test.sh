#!/usr/bin/env bash
# Builds xgrad and runs the whole test suite (doctest through ctest) three ways:
#   0. format check (clang-format 14, scripts/format.sh) and the 600-line limit per source file;
#   1. release build (gcc -O2): every test, example and benchmark smoke run;
#   2. sanitizer build (clang -O1, AddressSanitizer + UndefinedBehaviorSanitizer + LeakSanitizer,
#      with libFuzzer coverage): the same suite again, then each fuzzer for a bounded time;
#   3. ThreadSanitizer build of the threading test (scripts/tsan.sh).
# XGRAD_SKIP_SANITIZERS=1 runs stage 1 only. Each stage prints its elapsed time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
# ccache can then reuse objects built with the precompiled headers (a re-run rebuilds nothing).
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
stage() { printf '== test.sh: %s (%d min %02d s elapsed)\n' "$1" $((SECONDS / 60)) $((SECONDS % 60)); }

stage "format and file-size check"
bash scripts/format.sh

stage "release build"
# -O2 rather than CMake's -O3: a quarter less compile time, and the tests check results, not
# speed (scripts/bench.sh builds the benchmarks at -O3).
cmake -S . -B build/test -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DXGRAD_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/test -j"$jobs"
stage "release tests"
(cd build/test && ctest --output-on-failure -j"$jobs")

if [ "${XGRAD_SKIP_SANITIZERS:-0}" != "1" ]; then
  # clang rather than gcc: its sanitizer builds of the xtensor-heavy sources take half the
  # time, and the same build serves the fuzzers. -O1 -g1: line tables are all a report needs.
  stage "sanitizer build (clang, ASan + UBSan)"
  cmake -S . -B build/sanitize -DCMAKE_CXX_COMPILER="$(command -v clang++-14 || command -v clang++)" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" -DXGRAD_SANITIZE=ON -DXGRAD_FUZZ=ON >/dev/null
  cmake --build build/sanitize -j"$jobs"
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
  export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/cmake/ubsan.supp"
  # Open MPI's own allocations (the MPI tests run under mpirun): suppressed by library only.
  # (the MPI tests set their own LSAN_OPTIONS: distributed/tests/CMakeLists.txt)
  export LSAN_OPTIONS="suppressions=$PWD/cmake/lsan_mpi.supp:print_suppressions=0"
  stage "sanitizer tests"
  (cd build/sanitize && ctest --output-on-failure -j"$jobs")
  stage "fuzzing"
  # The three harnesses run at once on the two cores: 45 s each is the CPU time 30 s each had
  # when they ran one after another.
  XGRAD_FUZZ_BUILD=build/sanitize XGRAD_FUZZ_PREBUILT=1 XGRAD_FUZZ_SECONDS="${XGRAD_FUZZ_SECONDS:-45}" bash scripts/fuzz.sh
  stage "ThreadSanitizer"
  bash scripts/tsan.sh
fi
stage "all passed"
