// MPI benchmarks (run under mpirun; rank 0 prints):
//  1. all-reduce of 1M float32: xgrad's all_reduce vs a bare MPI_Allreduce of the same buffer;
//  2. a DDP training step of the MNIST-sized MLP 784-512-256-10 (batch 256 per rank) vs the
//     same step in one process on one rank's batch, and how much of the all-reduce backward hid
//     (DDPStats: buckets started during backward; time exposed at the end of backward).
//   mpirun -np 2 --oversubscribe build/dev/benchmarks/mpi_bench [repetitions]
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

// Median seconds of fn over reps runs, each started together on all ranks.
double median_seconds(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    dist::barrier();
    const auto start = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  double worst = t[t.size() / 2];  // the slowest rank's median: the job's pace
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return worst;
}

void bench_all_reduce(int reps) {
  const std::int64_t n = 1 << 20;
  Tensor t = ones({n}, kFloat32);
  std::vector<float> raw(static_cast<std::size_t>(n), 1.0f);
  const double bare = median_seconds(
      reps, [&] { MPI_Allreduce(MPI_IN_PLACE, raw.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); });
  const double ours = median_seconds(reps, [&] { dist::all_reduce(t); });
  if (dist::rank() == 0) {
    std::printf("all_reduce 1M float32, %d ranks: MPI_Allreduce %.3f ms, xgrad %.3f ms, bandwidth ratio %.3f\n",
                dist::world_size(), bare * 1e3, ours * 1e3, bare / ours);
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
  const double alone = median_seconds(reps, [&] {
    local_opt.zero_grad();
    nn::functional::cross_entropy(local->forward(x), y).backward();
    local_opt.step();
  });
  auto model = std::make_shared<Mlp>();
  dist::DistributedDataParallel ddp(model, dist::DDPOptions().bucket_cap_bytes(bucket_bytes));
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  const double data_parallel = median_seconds(reps, [&] {
    opt.zero_grad();
    nn::functional::cross_entropy(ddp(x), y).backward();
    opt.step();
  });
  const dist::DDPStats& s = ddp.stats();
  if (dist::rank() == 0) {
    std::printf(
        "DDP step 784-512-256-10 batch 256/rank, %d ranks, bucket %lld B (%zu buckets): %.2f ms vs %.2f ms alone "
        "(+%.1f%%); exposed all-reduce %.2f ms/step = %.1f%% of the step; buckets started during backward "
        "%lld, complete by its end %lld, of %lld\n",
        dist::world_size(), static_cast<long long>(bucket_bytes), ddp.bucket_parameter_names().size(),
        data_parallel * 1e3, alone * 1e3, 100 * (data_parallel / alone - 1), 1e3 * s.exposed_seconds / double(s.steps),
        100 * s.exposed_seconds / double(s.steps) / data_parallel, static_cast<long long>(s.buckets_overlapped),
        static_cast<long long>(s.buckets_hidden), static_cast<long long>(s.buckets_reduced));
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
