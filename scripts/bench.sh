#!/usr/bin/env bash
# Builds the xgrad benchmarks and their LibTorch reference, runs both with as many threads as
# the machine has cores and with one thread, measures the peak RSS of 10,000 small-MLP steps,
# and writes the side-by-side table to benchmarks/RESULTS.md.
#
#   bash scripts/bench.sh                 # everything (installs libtorch-dev if missing)
#   BUILD_DIR=build-x bash scripts/bench.sh
#   BENCH_FILTER='mlp_.*' bash scripts/bench.sh   # a subset of the cases
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build/bench}
cores=$(nproc)
reps=${BENCH_REPETITIONS:-5}
filter=${BENCH_FILTER:-.}
rss_steps=${BENCH_RSS_STEPS:-10000}

if ! dpkg -s libtorch-dev >/dev/null 2>&1 || ! dpkg -s libbenchmark-dev >/dev/null 2>&1; then
  apt-get install -y libtorch-dev libbenchmark-dev
fi
# PyTorch's own Python gradcheck, the reference for gradcheck/slow (never used by the tests).
if ! dpkg -s python3-torch >/dev/null 2>&1; then
  apt-get install -y python3-torch
fi

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DXGRAD_BUILD_BENCHMARKS=ON -DXGRAD_BENCH_LIBTORCH=ON >/dev/null
cmake --build "$build" -j"$cores" --target xgrad_bench libtorch_bench

run_dir=$(mktemp -d)
trap 'rm -rf "$run_dir"' EXIT

# Shells here may set OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for older OpenBLAS builds; they force
# slower kernels, so they are removed for the benchmark processes only. Both frameworks get the
# same thread count (BENCH_THREADS sets the framework's and OpenBLAS's).
bench_env() {
  local threads=$1
  shift
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE BENCH_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
    OMP_NUM_THREADS="$threads" "$@"
}

# The two binaries take turns, one repetition each, so that drift in the machine's load (large on
# shared VMs) hits both alike; the table takes the median over the repetitions.
thread_counts=("$cores")
[ "$cores" -ne 1 ] && thread_counts+=(1)
for t in "${thread_counts[@]}"; do
  for rep in $(seq "$reps"); do
    for b in xgrad libtorch; do
      echo "== $b, $t thread(s), repetition $rep of $reps"
      bench_env "$t" "$build/benchmarks/${b}_bench" --benchmark_filter="$filter" \
        --benchmark_out="$run_dir/${b}_${t}_$rep.json" --benchmark_out_format=json
    done
  done
done

# Debian's interpreter explicitly: a python3 earlier on PATH may lack Debian's packages.
if [[ "gradcheck/slow" =~ $filter ]]; then
  for t in "${thread_counts[@]}"; do
    echo "== PyTorch (Python) gradcheck, $t thread(s)"
    bench_env "$t" /usr/bin/python3 benchmarks/pytorch_gradcheck.py "$run_dir/pytorch_gradcheck_$t.json" "$t"
  done
fi

# MPI (issue 21): all-reduce vs bare MPI_Allreduce and the DDP step, 2 ranks of 1 thread, when
# xgrad was configured with MPI and the filter selects them (BENCH_FILTER=mpi runs only these).
# Not oversubscribed when the machine has 2 cores: Open MPI then polls instead of yielding.
if grep -q '^XGRAD_MPI:BOOL=ON' "$build/CMakeCache.txt" && echo "mpi_all_reduce mpi_ddp_step" | grep -Eq -- "$filter"; then
  cmake --build "$build" -j"$cores" --target mpi_bench
  over=()
  [ "$cores" -lt 2 ] && over=(--oversubscribe)
  echo "== MPI, 2 ranks x 1 thread, ${BENCH_MPI_REPETITIONS:-200} repetitions"
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 bench_env 1 \
    mpirun "${over[@]}" -np 2 "$build/benchmarks/mpi_bench" "${BENCH_MPI_REPETITIONS:-200}" | tee "$run_dir/mpi.txt"
fi

for b in xgrad libtorch; do
  echo "== $b, peak RSS over $rss_steps steps of mlp_step_small"
  bench_env 1 "$build/benchmarks/${b}_bench" --rss-steps="$rss_steps" | tee "$run_dir/rss_$b.txt"
done

{
  echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ($cores cores)"
  echo "memory:   $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "os:       $(. /etc/os-release && echo "$PRETTY_NAME")"
  echo "compiler: $(c++ --version | head -1)"
  echo "openblas: $(dpkg-query -W -f '${Version}' libopenblas0 2>/dev/null || echo '?')"
  echo "libtorch: $(dpkg-query -W -f '${Version}' libtorch-dev 2>/dev/null || echo '?')"
  echo "load:     $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min, at the end of the run)"
} >"$run_dir/machine.txt"

python3 benchmarks/make_results.py benchmarks/RESULTS.md "$run_dir" "${thread_counts[@]}"
cat benchmarks/RESULTS.md
