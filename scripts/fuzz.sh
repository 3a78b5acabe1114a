#!/usr/bin/env bash
# Builds the libFuzzer harnesses in fuzz/ with clang (AddressSanitizer + UndefinedBehaviorSanitizer)
# and runs each for a bounded time from its checked-in corpus (fuzz/corpus/<name>/). Inputs that
# reach new code are kept in $build/corpus-new/<name>/, not in the checked-in corpus. A finding
# stops the script with its input in $build/artifacts/: fix the bug, then copy that input into
# fuzz/corpus/<name>/ as a regression (the normal test build runs every corpus file).
#   XGRAD_FUZZ_SECONDS  time per harness (default 40)
#   XGRAD_FUZZ_BUILD    build directory (default build/fuzz)
#   XGRAD_FUZZ_CXX      clang++ to use (default clang++-14, else clang++)
#   XGRAD_FUZZ_PREBUILT=1  the harnesses are already built in $build (scripts/test.sh builds them
#                       with the sanitizer stage): only run them
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${XGRAD_FUZZ_SECONDS:-40}
build=${XGRAD_FUZZ_BUILD:-build/fuzz}
cxx=${XGRAD_FUZZ_CXX:-$(command -v clang++-14 || command -v clang++)}
harnesses=(safetensors csv cli)

# The library and the CLI are instrumented for coverage (fuzzer-no-link) and the sanitizers;
# -O1 -g1 keeps the build cheap. Only the harnesses (and what they link) are built.
if [ "${XGRAD_FUZZ_PREBUILT:-0}" != "1" ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_CXX_FLAGS="-O1 -g1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -DXGRAD_FUZZ=ON -DXGRAD_BUILD_TESTS=OFF -DXGRAD_BUILD_EXAMPLES=ON >/dev/null
  cmake --build "$build" -j"$(nproc)" --target "${harnesses[@]/#/fuzz_}"
fi

export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/cmake/ubsan.supp"
export OPENBLAS_NUM_THREADS=1
# The harnesses write each input to a scratch file; libFuzzer ends without running atexit
# handlers, so keep those files in the build tree.
rm -rf "$build/tmp"
mkdir -p "$build/artifacts" "$build/tmp"
TMPDIR="$(cd "$build/tmp" && pwd)"
export TMPDIR
# The harnesses run side by side, one process each: the stage takes about XGRAD_FUZZ_SECONDS
# whatever the number of harnesses (each gets cores / harnesses of a core).
run_one() {
  local name=$1 log="$build/fuzz-$1.log" dict=()
  mkdir -p "$build/corpus-new/$name"
  [ -f "fuzz/$name.dict" ] && dict=("-dict=fuzz/$name.dict")
  # Run from the source root: the CLI seeds name datasets/iris.csv. The full log stays in $build.
  "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" "${dict[@]}" \
    "$build/corpus-new/$name" "fuzz/corpus/$name" >"$log" 2>&1
}
pids=()
for name in "${harnesses[@]}"; do
  echo "fuzz: $name for ${seconds}s"
  run_one "$name" &
  pids+=($!)
done
failed=0
for i in "${!harnesses[@]}"; do
  name=${harnesses[$i]}
  log="$build/fuzz-$name.log"
  if wait "${pids[$i]}"; then
    grep -e '^Done' -e 'exec_per_sec' -e 'new_units_added' "$log" | sed "s/^/fuzz: $name: /"
  else
    grep -v -e '^#[0-9]' -e 'NEW_FUNC' "$log" | tail -n 60
    echo "fuzz: $name FAILED (full log: $log; input: $build/artifacts/$name-*)"
    failed=1
  fi
done
[ "$failed" = 0 ] || exit 1
echo "fuzz: all harnesses ran ${seconds}s without a finding"
