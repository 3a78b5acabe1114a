#!/usr/bin/env bash
# Builds xgrad and runs the whole test suite (doctest through ctest), then the same suite
# built with AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCHMARKS=ON >/dev/null
cmake --build build/release -j"$jobs"
(cd build/release && ctest --output-on-failure -j"$jobs")

if [ "${XGRAD_SKIP_SANITIZERS:-0}" != "1" ]; then
  # -O1 -g1: line tables are all a sanitizer report needs, and full debug info of the
  # xtensor-heavy sources would double this stage's build time.
  cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
        -DXGRAD_SANITIZE=ON >/dev/null
  cmake --build build/sanitize -j"$jobs"
  export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  (cd build/sanitize && ctest --output-on-failure -j"$jobs")
fi
