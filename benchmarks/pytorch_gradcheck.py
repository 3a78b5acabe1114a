#!/usr/bin/env python3
"""Times PyTorch's own torch.autograd.gradcheck on xgrad_bench's gradcheck case.

The function and sizes are those of gradcheck/slow in xgrad_bench.cpp: tanh(A @ B) with A, B
20x20 float64 random normal, slow mode (the full numerical Jacobian), PyTorch's default
tolerances. Run by scripts/bench.sh with Debian's python3-torch, never by the test command.

Usage: pytorch_gradcheck.py OUT.json THREADS [REPETITIONS]
Writes {"gradcheck/slow": {"median_us": wall, "cpu_median_us": process CPU time, "times_us": [...],
"torch": version, "threads": t}} (medians over the repetitions, after one warm-up check).
"""
import json
import statistics
import sys
import time

import torch


def main():
    out, threads = sys.argv[1], int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    a = torch.randn(20, 20, dtype=torch.float64, requires_grad=True)
    b = torch.randn(20, 20, dtype=torch.float64, requires_grad=True)

    def fn(x, y):
        return torch.tanh(x @ y)

    assert torch.autograd.gradcheck(fn, (a, b), fast_mode=False)  # warm-up, and it must pass
    times, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        torch.autograd.gradcheck(fn, (a, b), fast_mode=False)
        times.append((time.perf_counter() - t0) * 1e6)
        cpu.append((time.process_time() - c0) * 1e6)
    result = {"gradcheck/slow": {"median_us": statistics.median(times), "cpu_median_us": statistics.median(cpu),
                                 "times_us": times,
                                 "torch": torch.__version__, "threads": threads}}
    with open(out, "w") as f:
        json.dump(result, f)
    print(f"PyTorch {torch.__version__} gradcheck/slow, {threads} thread(s): "
          f"median {statistics.median(times) / 1e3:.2f} ms wall, {statistics.median(cpu) / 1e3:.2f} ms CPU "
          f"over {reps} runs")


if __name__ == "__main__":
    main()
