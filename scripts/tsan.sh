#!/usr/bin/env bash
# Builds the library and the threading tests (concurrent backward; lazy fusion, whose programs
# run under locks and split over threads) with ThreadSanitizer and runs them: zero reports
# allowed. Only what the test needs is built, at -O1 -g1, to keep the stage cheap.
#   XGRAD_TSAN_BUILD  build directory (default build/tsan)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${XGRAD_TSAN_BUILD:-build/tsan}
tests=(test_threads test_fusion)

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1 -fsanitize=thread" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" -DXGRAD_BUILD_TESTS=ON -DXGRAD_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${tests[@]}"

# OpenBLAS is not instrumented: one BLAS thread, so every thread TSan sees is ours.
export OPENBLAS_NUM_THREADS=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:exitcode=66"
for t in "${tests[@]}"; do
  echo "tsan: $t"
  "$build/tests/$t"
done
echo "tsan: no reports"
