// MPI benchmarks (run under mpirun; rank 0 prints):
//  1. all-reduce of 1M float32: xgrad's all_reduce vs a bare MPI_Allreduce of the same size (the
//     limit), in pairs: each repetition times one of each, back to back, so that the machine's
//     load drifts alike for both; the median of the per-pair ratios is the result.
//  2. a DDP training step of the MNIST-sized MLP 784-512-256-10 (batch 256 per rank, SGD with
//     momentum) vs the same step in one process on one rank's batch, with the communication
//     that backward did not hide (DDPStats::exposed_seconds: from the end of backward until the
//     gradients are averaged) per step, and how much of the all-reduce started, and finished,
//     during backward. Medians over the repetitions (after warm-up steps, which include the
//     buckets' rebuild).
// Every time is the slowest rank's (MPI_MAX), each repetition started together (barrier).
// Besides the text, each result is one `mpi_result key=value ...` line for make_results.py.
//   mpirun -np 2 build/dev/benchmarks/mpi_bench [repetitions]
// Ranks must not exceed cores for meaningful numbers: oversubscribed (--oversubscribe), Open
// MPI yields the CPU while it waits, and every message then costs a scheduler round trip.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>
#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace dist = xgrad::distributed;

namespace {

using Clock = std::chrono::steady_clock;

// Seconds of one run of fn, started together on all ranks; the slowest rank's.
double timed(const std::function<void()>& fn) {
  dist::barrier();
  const auto start = Clock::now();
  fn();
  double t = std::chrono::duration<double>(Clock::now() - start).count();
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

void bench_all_reduce(int reps) {
  const std::int64_t n = 1 << 20;
  Tensor t = ones({n}, kFloat32);
  std::vector<float> raw(static_cast<std::size_t>(n), 1.0f);
  std::vector<double> bare, ours, ratio;
  for (int i = 0; i < reps + 3; ++i) {  // 3 warm-up pairs
    const double b = timed(
        [&] { MPI_Allreduce(MPI_IN_PLACE, raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); });
    const double x = timed([&] { dist::all_reduce(t); });
    if (i < 3) continue;
    bare.push_back(b);
    ours.push_back(x);
    ratio.push_back(b / x);
  }
  if (dist::rank() == 0) {
    std::printf(
        "all_reduce 1M float32, %d ranks, %d pairs: MPI_Allreduce %.3f ms, xgrad %.3f ms (medians); bandwidth "
        "ratio xgrad / MPI %.3f (median of pairs)\n",
        dist::world_size(), reps, median(bare) * 1e3, median(ours) * 1e3, median(ratio));
    std::printf("mpi_result case=all_reduce_1M ranks=%d reps=%d bare_ms=%.4f xgrad_ms=%.4f ratio=%.4f\n",
                dist::world_size(), reps, median(bare) * 1e3, median(ours) * 1e3, median(ratio));
  }
}

struct Mlp : nn::Module {
  std::shared_ptr<nn::LinearImpl> fc1, fc2, fc3;
  Mlp() : Module("Mlp") {
    fc1 = register_module("fc1", std::make_shared<nn::LinearImpl>(784, 512));
    fc2 = register_module("fc2", std::make_shared<nn::LinearImpl>(512, 256));
    fc3 = register_module("fc3", std::make_shared<nn::LinearImpl>(256, 10));
  }
  Tensor forward(const Tensor& x) { return fc3->forward(relu(fc2->forward(relu(fc1->forward(x))))); }
};

void bench_ddp_step(int reps, std::int64_t bucket_bytes) {
  manual_seed(1);
  Tensor x = randn({256, 784}), y = randint(0, 10, {256});
  auto local = std::make_shared<Mlp>();
  optim::SGD local_opt(local->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  auto model = std::make_shared<Mlp>();
  dist::DistributedDataParallel ddp(model, dist::DDPOptions().bucket_cap_bytes(bucket_bytes));
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  // The gradients' all-reduce alone (one buffer of their size), for the share that overlapped.
  Tensor flat = zeros({535818}, kFloat32);
  std::vector<double> alone, step, exposed, comm;
  for (int i = 0; i < reps + 3; ++i) {  // 3 warm-up rounds: the first DDP step rebuilds the buckets
    const double a = timed([&] {
      local_opt.zero_grad();
      nn::functional::cross_entropy(local->forward(x), y).backward();
      local_opt.step();
    });
    const double before = ddp.stats().exposed_seconds;
    const double s = timed([&] {
      opt.zero_grad();
      nn::functional::cross_entropy(ddp(x), y).backward();
      opt.step();
    });
    double e = ddp.stats().exposed_seconds - before;
    MPI_Allreduce(MPI_IN_PLACE, &e, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    const double c = timed([&] { dist::all_reduce(flat); });
    if (i < 3) continue;
    alone.push_back(a);
    step.push_back(s);
    exposed.push_back(e);
    comm.push_back(c);
  }
  const dist::DDPStats& st = ddp.stats();
  if (dist::rank() == 0) {
    const double m_step = median(step), m_exp = median(exposed), m_comm = median(comm);
    const double started = 100.0 * static_cast<double>(st.bytes_overlapped) / static_cast<double>(st.bytes_reduced);
    const double finished = 100.0 * static_cast<double>(st.bytes_hidden) / static_cast<double>(st.bytes_reduced);
    std::printf(
        "DDP step 784-512-256-10 batch 256/rank, %d ranks, bucket cap %lld B (%zu buckets): %.2f ms vs %.2f ms "
        "alone; exposed communication %.3f ms/step = %.1f%% of the step (the all-reduce of all gradients alone: "
        "%.3f ms, so %.0f%% of it was hidden); bytes whose all-reduce started during backward %.1f%%, finished "
        "by its end %.1f%%\n",
        dist::world_size(), static_cast<long long>(bucket_bytes), ddp.bucket_parameter_names().size(), m_step * 1e3,
        median(alone) * 1e3, m_exp * 1e3, 100 * m_exp / m_step, m_comm * 1e3, 100 * std::max(0.0, 1 - m_exp / m_comm),
        started, finished);
    std::printf(
        "mpi_result case=ddp_step ranks=%d reps=%d bucket=%lld buckets=%zu step_ms=%.4f alone_ms=%.4f "
        "exposed_ms=%.4f exposed_pct=%.3f comm_ms=%.4f started_pct=%.2f finished_pct=%.2f\n",
        dist::world_size(), reps, static_cast<long long>(bucket_bytes), ddp.bucket_parameter_names().size(),
        m_step * 1e3, median(alone) * 1e3, m_exp * 1e3, 100 * m_exp / m_step, m_comm * 1e3, started, finished);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return dist::run_or_abort([&] {
    dist::init(&argc, &argv);
    const int reps = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
    bench_all_reduce(reps);
    bench_ddp_step(reps, 25 * 1024 * 1024);
    bench_ddp_step(reps, 1024 * 1024);
    return 0;
  });
}
