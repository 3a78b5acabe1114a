// The LibTorch reference for benchmarks/xgrad_bench.cpp: the same cases under the same names,
// written with LibTorch's C++ API (Debian's libtorch-dev). Built only with XGRAD_BENCH_LIBTORCH.
// Gradients are cleared by setting them to undefined on both sides (xgrad's default and
// PyTorch 2's; LibTorch 1.13's Optimizer::zero_grad would zero them in place instead).
#include <torch/torch.h>

#include "bench_main.hpp"

namespace {

constexpr int kChain = 1000;
constexpr int kOpsPerChain = 2 * kChain;
constexpr std::int64_t kElems = 1 << 20;

benchmark::Counter per_op() {
  return benchmark::Counter(kOpsPerChain, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void clear_grads(const std::vector<torch::Tensor>& params) {
  for (auto p : params) p.mutable_grad() = torch::Tensor();
}

// ---- 1. op_overhead --------------------------------------------------------------------------
struct Chain {
  torch::Tensor x = torch::full({1}, 0.5, torch::TensorOptions(torch::kFloat32).requires_grad(true));
  torch::Tensor w = torch::full({1}, 0.999, torch::TensorOptions(torch::kFloat32).requires_grad(true));
  torch::Tensor b = torch::full({1}, 0.001, torch::TensorOptions(torch::kFloat32).requires_grad(true));
  torch::Tensor forward() const {
    torch::Tensor y = x;
    for (int i = 0; i < kChain; ++i) y = y * w + b;
    return y;
  }
};

void op_overhead_fwd_bwd(benchmark::State& state) {
  Chain c;
  for (auto _ : state) {
    clear_grads({c.x, c.w, c.b});
    c.forward().backward();
  }
  state.counters["per_op"] = per_op();
}

void op_overhead_fwd_record(benchmark::State& state) {
  Chain c;
  for (auto _ : state) benchmark::DoNotOptimize(c.forward());
  state.counters["per_op"] = per_op();
}

void op_overhead_fwd_nograd(benchmark::State& state) {
  Chain c;
  torch::NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(c.forward());
  state.counters["per_op"] = per_op();
}

// ---- 2, 3. one MLP training step -------------------------------------------------------------
struct MlpStep {
  torch::nn::Sequential model;
  torch::optim::SGD sgd;
  torch::Tensor input, target;
  MlpStep(std::int64_t in, std::int64_t h1, std::int64_t h2, std::int64_t out, std::int64_t batch)
      : model(torch::nn::Linear(in, h1), torch::nn::ReLU(), torch::nn::Linear(h1, h2), torch::nn::ReLU(),
              torch::nn::Linear(h2, out)),
        sgd(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9)),
        input(torch::randn({batch, in})),
        target(torch::randint(0, out, {batch}, torch::kInt64)) {}
  void step() {
    clear_grads(model->parameters());
    torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(input), target);
    loss.backward();
    sgd.step();
  }
};

void mlp_step_small(benchmark::State& state) {
  torch::manual_seed(0);
  MlpStep m(64, 128, 128, 10, 64);
  for (auto _ : state) m.step();
}

void mlp_step_large(benchmark::State& state) {
  torch::manual_seed(0);
  MlpStep m(784, 512, 256, 10, 256);
  for (auto _ : state) m.step();
}

// ---- 4. matmul_512 -----------------------------------------------------------------------------
void matmul_512(benchmark::State& state, torch::Dtype dtype) {
  torch::manual_seed(0);
  auto opt = torch::TensorOptions(dtype).requires_grad(true);
  torch::Tensor a = torch::randn({512, 512}, opt), b = torch::randn({512, 512}, opt);
  for (auto _ : state) {
    clear_grads({a, b});
    torch::matmul(a, b).sum().backward();
  }
}

// ---- 5. elementwise_1M -------------------------------------------------------------------------
void elementwise_1M(benchmark::State& state) {
  torch::manual_seed(0);
  torch::Tensor x = torch::randn({kElems}, torch::TensorOptions(torch::kFloat32).requires_grad(true));
  torch::Tensor a = torch::randn({kElems}), b = torch::randn({kElems});
  for (auto _ : state) {
    clear_grads({x});
    torch::tanh(x * a + b).sum().backward();
  }
  state.SetItemsProcessed(state.iterations() * kElems);
}

// ---- 6. adam_step_1M ---------------------------------------------------------------------------
void adam_step_1M(benchmark::State& state) {
  torch::manual_seed(0);
  torch::Tensor p = torch::randn({kElems}, torch::TensorOptions(torch::kFloat32).requires_grad(true));
  p.mutable_grad() = torch::randn({kElems});
  torch::optim::Adam adam({p}, torch::optim::AdamOptions(1e-3));
  for (auto _ : state) adam.step();
}

// ---- 8. conv_small -----------------------------------------------------------------------------
void conv_small(benchmark::State& state) {
  torch::manual_seed(0);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(1, 16, 3).padding(1));
  torch::Tensor x = torch::randn({64, 1, 8, 8});
  for (auto _ : state) {
    clear_grads(conv->parameters());
    torch::max_pool2d(torch::relu(conv->forward(x)), 2).sum().backward();
  }
}

// ---- 8b. conv_cifar (see xgrad_bench.cpp) ------------------------------------------------------
void conv_cifar(benchmark::State& state) {
  torch::manual_seed(0);
  torch::nn::Conv2d c1(torch::nn::Conv2dOptions(3, 32, 3).padding(1)),
      c2(torch::nn::Conv2dOptions(32, 64, 3).padding(1));
  torch::Tensor x = torch::randn({64, 3, 32, 32});
  for (auto _ : state) {
    clear_grads(c1->parameters());
    clear_grads(c2->parameters());
    torch::Tensor h = torch::max_pool2d(torch::relu(c1->forward(x)), 2);
    torch::max_pool2d(torch::relu(c2->forward(h)), 2).sum().backward();
  }
}

}  // namespace

BENCHMARK(op_overhead_fwd_bwd)->Name("op_overhead/fwd_bwd")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(op_overhead_fwd_record)->Name("op_overhead/fwd_record")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(op_overhead_fwd_nograd)->Name("op_overhead/fwd_nograd")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(mlp_step_small)->Name("mlp_step_small")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(mlp_step_large)->Name("mlp_step_large")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(matmul_512, f32, torch::kFloat32)
    ->Name("matmul_512/f32")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(matmul_512, f64, torch::kFloat64)
    ->Name("matmul_512/f64")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(elementwise_1M)->Name("elementwise_1M")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(adam_step_1M)->Name("adam_step_1M")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(conv_small)->Name("conv_small")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(conv_cifar)->Name("conv_cifar")->UseRealTime()->Unit(benchmark::kMicrosecond);

namespace bench {

void set_threads(int n) {
  torch::set_num_threads(n);
  openblas_set_num_threads(n);
}

void run_rss_steps(long steps, void (*report)(long)) {
  torch::manual_seed(0);
  MlpStep m(64, 128, 128, 10, 64);
  for (long s = 1; s <= steps; ++s) {
    m.step();
    if (s == 1000 || s == steps) report(s);
  }
}

}  // namespace bench

int main(int argc, char** argv) { return bench::main_impl(argc, argv, "LibTorch"); }
