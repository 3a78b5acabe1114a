// The xgrad benchmark suite (issue 7). Case names match benchmarks/libtorch_bench.cpp, so that
// scripts/bench.sh can put the two side by side; the "limit" cases (direct cblas GEMMs, a
// STREAM-like triad) are the hardware bound that xgrad's matmul and elementwise cases are
// measured against. Times are wall-clock (OpenBLAS may run threads of its own).

#include <cblas.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <new>
#include <vector>

#include <xgrad/autograd/small_block.hpp>
#include <xgrad/xgrad.hpp>

#include "bench_main.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;

// ---- allocation counting (for the gradcheck case) ------------------------------------------
// Every operator new in the process is counted, so that gradcheck's own allocations per
// perturbed element can be told apart from those of the function it checks.
namespace {
std::atomic<long> g_allocations{0};
}
// noinline: GCC would otherwise see malloc/free pairs across the replaced operators and warn.
[[gnu::noinline]] void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

constexpr int kChain = 1000;              // steps of y = y * w + b
constexpr int kOpsPerChain = 2 * kChain;  // each step is a mul and an add
constexpr std::int64_t kElems = 1 << 20;

// Seconds per op, from the time per iteration.
benchmark::Counter per_op() {
  return benchmark::Counter(kOpsPerChain, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

// ---- 1. op_overhead --------------------------------------------------------------------------
struct Chain {
  Tensor x = full({1}, 0.5, TensorOptions(kFloat32).requires_grad(true));
  Tensor w = full({1}, 0.999, TensorOptions(kFloat32).requires_grad(true));
  Tensor b = full({1}, 0.001, TensorOptions(kFloat32).requires_grad(true));
  Tensor forward() const {
    Tensor y = x;
    for (int i = 0; i < kChain; ++i) y = y * w + b;
    return y;
  }
};

// Counter heap_allocs_per_op: operator new calls plus blocks the small-block lists took from
// malloc (autograd/small_block.hpp), per op, averaged over the timed iterations.
void op_overhead_fwd_bwd(benchmark::State& state) {
  Chain c;
  const long news = g_allocations.load();
  const std::size_t blocks = xgrad::detail::small_block_heap_allocations();
  for (auto _ : state) {
    c.x.mutable_grad() = Tensor();
    c.w.mutable_grad() = Tensor();
    c.b.mutable_grad() = Tensor();
    c.forward().backward();
  }
  state.counters["per_op"] = per_op();
  const double heap = static_cast<double>(g_allocations.load() - news) +
                      static_cast<double>(xgrad::detail::small_block_heap_allocations() - blocks);
  state.counters["heap_allocs_per_op"] = heap / (static_cast<double>(state.iterations()) * kOpsPerChain);
}

void op_overhead_fwd_record(benchmark::State& state) {
  Chain c;
  for (auto _ : state) benchmark::DoNotOptimize(c.forward());
  state.counters["per_op"] = per_op();
}

void op_overhead_fwd_nograd(benchmark::State& state) {
  Chain c;
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(c.forward());
  state.counters["per_op"] = per_op();
}

// ---- 2, 3. one MLP training step -------------------------------------------------------------
struct MlpStep {
  nn::Sequential model;
  optim::SGD sgd;
  Tensor input, target;
  MlpStep(std::int64_t in, std::int64_t h1, std::int64_t h2, std::int64_t out, std::int64_t batch)
      : model(nn::Linear(in, h1), nn::ReLU(), nn::Linear(h1, h2), nn::ReLU(), nn::Linear(h2, out)),
        sgd(model->parameters(), optim::SGDOptions(0.01).momentum(0.9)),
        input(randn({batch, in})),
        target(randint(0, out, {batch})) {}
  void step() {
    sgd.zero_grad();
    Tensor loss = F::cross_entropy(model->forward(input), target);
    loss.backward();
    sgd.step();
  }
};

// ---- paired limits --------------------------------------------------------------------------
// A limit measured by its own benchmark runs seconds apart from the case it bounds, and this
// machine's speed drifts by up to 2x over seconds. So the cases with a limit also run the limit
// right after each timed iteration (clock paused) and report the median, pair by pair, of
// their time over the limit's as the counter `limit_ratio`; scripts/bench.sh judges by it.
template <class Work, class Limit>
void run_paired(benchmark::State& state, Work&& work, Limit&& limit) {
  using clock = std::chrono::steady_clock;
  std::vector<double> ratios;
  for (auto _ : state) {
    const auto t0 = clock::now();
    work();
    const auto t1 = clock::now();
    state.PauseTiming();
    const auto t2 = clock::now();
    limit();
    const auto t3 = clock::now();
    state.ResumeTiming();
    ratios.push_back(std::chrono::duration<double>(t1 - t0).count() / std::chrono::duration<double>(t3 - t2).count());
  }
  std::sort(ratios.begin(), ratios.end());
  if (!ratios.empty()) state.counters["limit_ratio"] = ratios[ratios.size() / 2];
}

// ---- 2, 3. the MLP steps, and their limit: the step's eight GEMMs through cblas ----------------
// Forward y_i = x_i W_i^T (m = batch); backward g W_i for layers 3 and 2 and g^T x_i for all three
// (the input needs no gradient). The limit runs at the benchmark's thread count (BENCH_THREADS),
// set again before each run: xgrad's step leaves OpenBLAS at whatever count its last GEMM used.
struct MlpGemms {
  struct Gemm {
    CBLAS_TRANSPOSE ta, tb;
    int m, n, k;
    std::vector<float> a, b, c;
  };
  std::vector<Gemm> gemms;
  MlpGemms(int in, int h1, int h2, int out, int batch) {
    const int width[] = {in, h1, h2, out};
    for (int l = 0; l < 3; ++l) {
      const int fan_in = width[l], fan_out = width[l + 1];
      add(CblasNoTrans, CblasTrans, batch, fan_out, fan_in);               // x W^T
      if (l > 0) add(CblasNoTrans, CblasNoTrans, batch, fan_in, fan_out);  // g W
      add(CblasTrans, CblasNoTrans, fan_out, fan_in, batch);               // g^T x
    }
  }
  void add(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k) {
    gemms.push_back({ta, tb, m, n, k, std::vector<float>(static_cast<std::size_t>(m) * k, 0.5f),
                     std::vector<float>(static_cast<std::size_t>(k) * n, 0.25f),
                     std::vector<float>(static_cast<std::size_t>(m) * n)});
  }
  void operator()() {
    openblas_set_num_threads(bench::threads_from_env());
    for (Gemm& g : gemms) {
      const int lda = g.ta == CblasNoTrans ? g.k : g.m, ldb = g.tb == CblasNoTrans ? g.n : g.k;
      cblas_sgemm(CblasRowMajor, g.ta, g.tb, g.m, g.n, g.k, 1, g.a.data(), lda, g.b.data(), ldb, 0, g.c.data(), g.n);
    }
    benchmark::DoNotOptimize(gemms.back().c.data());
    benchmark::ClobberMemory();
  }
};

constexpr int kSmall[] = {64, 128, 128, 10, 64};    // digits: in, h1, h2, out, batch
constexpr int kLarge[] = {784, 512, 256, 10, 256};  // MNIST-sized

void mlp_step(benchmark::State& state, const int (&s)[5]) {
  manual_seed(0);
  MlpStep m(s[0], s[1], s[2], s[3], s[4]);
  MlpGemms limit(s[0], s[1], s[2], s[3], s[4]);
  run_paired(
      state, [&] { m.step(); }, limit);
}

void mlp_gemms(benchmark::State& state, const int (&s)[5]) {
  MlpGemms gemms(s[0], s[1], s[2], s[3], s[4]);
  for (auto _ : state) gemms();
}

// ---- 4. matmul_512, and its limit: the same three GEMMs through cblas ---------------------------
// C = A B; dA = G B^T; dB = A^T G (G all ones, as for .sum()).
template <class T>
struct Cblas3Gemm {
  static constexpr int n = 512;
  std::vector<T> a = std::vector<T>(n * n, T(0.5)), b = std::vector<T>(n * n, T(0.25)), g = std::vector<T>(n * n, T(1)),
                 c = std::vector<T>(n * n), da = std::vector<T>(n * n), db = std::vector<T>(n * n);
  void operator()() {
    openblas_set_num_threads(bench::threads_from_env());  // as MlpGemms: the given count, not xgrad's last
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1, g.data(), n, b.data(), n, 0, da.data(), n);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1, a.data(), n, g.data(), n, 0, db.data(), n);
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a.data(), n, b.data(), n, 0, c.data(), n);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1, g.data(), n, b.data(), n, 0, da.data(), n);
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, n, 1, a.data(), n, g.data(), n, 0, db.data(), n);
    }
    benchmark::DoNotOptimize(db.data());
    benchmark::ClobberMemory();
  }
};

void matmul_512(benchmark::State& state, Dtype dtype) {
  manual_seed(0);
  TensorOptions opt = TensorOptions(dtype).requires_grad(true);
  Tensor a = randn({512, 512}, opt), b = randn({512, 512}, opt);
  auto step = [&] {
    a.mutable_grad() = Tensor();
    b.mutable_grad() = Tensor();
    matmul(a, b).sum().backward();
  };
  Cblas3Gemm<float> limit32;
  Cblas3Gemm<double> limit64;
  if (dtype == kFloat32) run_paired(state, step, limit32);
  else run_paired(state, step, limit64);
}

template <class T>
void cblas_3gemm_512(benchmark::State& state) {
  Cblas3Gemm<T> gemms;
  for (auto _ : state) gemms();
}

// ---- 5. elementwise_1M, and its limit: a STREAM-like triad ------------------------------------
struct Triad {
  std::vector<float> a = std::vector<float>(kElems), b = std::vector<float>(kElems, 1.0f),
                     c = std::vector<float>(kElems, 2.0f);
  void operator()() {
    float* pa = a.data();
    const float* pb = b.data();
    const float* pc = c.data();
    for (std::int64_t i = 0; i < kElems; ++i) pa[i] = pb[i] + 3.0f * pc[i];
    benchmark::DoNotOptimize(pa);
    benchmark::ClobberMemory();
  }
};

void elementwise_1M(benchmark::State& state) {
  manual_seed(0);
  Tensor x = randn({kElems}, TensorOptions(kFloat32).requires_grad(true));
  Tensor a = randn({kElems}), b = randn({kElems});
  Triad triad;
  run_paired(
      state,
      [&] {
        x.mutable_grad() = Tensor();
        tanh(x * a + b).sum().backward();
        // x.grad is a pending fused result (see set_fusion_min_numel): read it, so that the work is
        // done inside the timed iteration.
        benchmark::DoNotOptimize(x.grad().impl()->data());
      },
      triad);
  state.SetItemsProcessed(state.iterations() * kElems);
}

void triad_1M(benchmark::State& state) {
  Triad triad;
  for (auto _ : state) triad();
  state.SetBytesProcessed(state.iterations() * kElems * 3 * static_cast<std::int64_t>(sizeof(float)));
}

// ---- 6. adam_step_1M ---------------------------------------------------------------------------
void adam_step_1M(benchmark::State& state) {
  manual_seed(0);
  Tensor p = randn({kElems}, TensorOptions(kFloat32).requires_grad(true));
  p.mutable_grad() = randn({kElems});
  optim::Adam adam({p}, optim::AdamOptions(1e-3));
  for (auto _ : state) adam.step();
}

// ---- 7. gradcheck of tanh(A B), 20x20, float64 -------------------------------------------------
// Counters: calls of fn and of backward made by the check (with the values of the formula in
// autograd/gradcheck.hpp alongside), and the check's own operator-new allocations between two
// consecutive calls of fn (median over the check; in slow mode there are two calls per perturbed
// element, so this is what a perturbed element costs beyond fn itself).
void gradcheck_case(benchmark::State& state, bool fast) {
  manual_seed(0);
  TensorOptions opt = TensorOptions(kFloat64).requires_grad(true);
  tensor_list inputs = {randn({20, 20}, opt), randn({20, 20}, opt)};
  std::vector<long> gaps;
  gaps.reserve(4096);
  long last_end = -1;
  auto fn = [&](const tensor_list& in) {
    if (last_end >= 0 && gaps.size() < gaps.capacity()) gaps.push_back(g_allocations.load() - last_end);
    Tensor out = tanh(matmul(in[0], in[1]));
    last_end = g_allocations.load();
    return out;
  };
  const auto options = autograd::GradcheckOptions().fast_mode(fast);
  autograd::GradcheckResult r;
  for (auto _ : state) {
    gaps.clear();
    last_end = -1;
    r = autograd::gradcheck_report(fn, inputs, options);
    if (!r.passed) state.SkipWithError("gradcheck failed");
  }
  std::sort(gaps.begin(), gaps.end());
  const long n = 800, d = 2, m = 400, k = 1, u = 1;  // N, D, M, K, U of the formula
  state.counters["fwd_calls"] = static_cast<double>(r.forward_calls);
  state.counters["bwd_calls"] = static_cast<double>(r.backward_calls);
  state.counters["fwd_expected"] = static_cast<double>(fast ? 1 + 2 * d : 1 + 2 * n);
  state.counters["bwd_expected"] = static_cast<double>(fast ? 2 * k + 1 + u : 2 * m + 1 + u);
  state.counters["allocs_between_calls"] = gaps.empty() ? 0.0 : static_cast<double>(gaps[gaps.size() / 2]);
}

// ---- 8. conv_small -----------------------------------------------------------------------------
void conv_small(benchmark::State& state) {
  manual_seed(0);
  nn::Conv2d conv(1, 16, 3, {.padding = 1});
  Tensor x = randn({64, 1, 8, 8});
  for (auto _ : state) {
    conv->zero_grad();
    F::max_pool2d(relu(conv->forward(x)), 2).sum().backward();
  }
}

// ---- 8b. conv_cifar, and its limit: the five GEMMs of its convolutions through cblas -------------
// A CIFAR-sized CNN step: conv 3->32, relu, max-pool 2, conv 32->64, relu, max-pool 2, sum, on a
// batch of 64 32x32 images (3x3 kernels, padding 1). The input needs no gradient, so the backward
// runs the weight gradients of both convolutions and the input gradient of the second only.
struct ConvCifar {
  nn::Conv2d c1{3, 32, 3, {.padding = 1}}, c2{32, 64, 3, {.padding = 1}};
  Tensor x = randn({64, 3, 32, 32});
  void step() {
    c1->zero_grad();
    c2->zero_grad();
    Tensor h = F::max_pool2d(relu(c1->forward(x)), 2);
    F::max_pool2d(relu(c2->forward(h)), 2).sum().backward();
  }
};

// The same GEMMs, one per pass over the whole batch (columns [K, N*L] with K = C_in * 9):
// conv1 forward [32, 27] x [27, 65536] and weight gradient [32, 65536] x [65536, 27]; conv2
// forward [64, 288] x [288, 16384], weight gradient [64, 16384] x [16384, 288] and input
// gradient [288, 64] x [64, 16384]. Operands hold constants: the time does not depend on them.
struct ConvCifarGemms {
  static constexpr int l1 = 64 * 32 * 32, l2 = 64 * 16 * 16, k1 = 27, k2 = 288;
  std::vector<float> cols1 = std::vector<float>(k1 * l1, 0.5f), y1 = std::vector<float>(32 * l1, 1.0f),
                     w1 = std::vector<float>(32 * k1, 0.25f), cols2 = std::vector<float>(k2 * l2, 0.5f),
                     y2 = std::vector<float>(64 * l2, 1.0f), w2 = std::vector<float>(64 * k2, 0.25f),
                     gw1 = std::vector<float>(32 * k1), gw2 = std::vector<float>(64 * k2),
                     gcols2 = std::vector<float>(k2 * l2);
  void operator()() {
    constexpr auto N = CblasNoTrans, T = CblasTrans;
    openblas_set_num_threads(bench::threads_from_env());  // as MlpGemms: the given count, not xgrad's last
    cblas_sgemm(CblasRowMajor, N, N, 32, l1, k1, 1, w1.data(), k1, cols1.data(), l1, 0, y1.data(), l1);
    cblas_sgemm(CblasRowMajor, N, N, 64, l2, k2, 1, w2.data(), k2, cols2.data(), l2, 0, y2.data(), l2);
    cblas_sgemm(CblasRowMajor, N, T, 64, k2, l2, 1, y2.data(), l2, cols2.data(), l2, 0, gw2.data(), k2);
    cblas_sgemm(CblasRowMajor, T, N, k2, l2, 64, 1, w2.data(), k2, y2.data(), l2, 0, gcols2.data(), l2);
    cblas_sgemm(CblasRowMajor, N, T, 32, k1, l1, 1, y1.data(), l1, cols1.data(), l1, 0, gw1.data(), k1);
    benchmark::DoNotOptimize(gw1.data());
    benchmark::ClobberMemory();
  }
};

void conv_cifar(benchmark::State& state) {
  manual_seed(0);
  ConvCifar net;
  ConvCifarGemms limit;
  run_paired(
      state, [&] { net.step(); }, limit);
}

void conv_cifar_gemms(benchmark::State& state) {
  ConvCifarGemms gemms;
  for (auto _ : state) gemms();
}

// ---- 9. functional: hvp against one gradient, hessian against n hvps ----------------------------
// f(x) = sum(tanh(W x)^2), W [256, n]. Issue 20's bounds: hvp at most 3x functional/grad (one
// gradient), and functional/hessian at most n (the counter) x functional/hvp, since it records
// the gradient once and runs n backwards of it. LibTorch has no functional API in C++, so these
// cases are xgrad's only (make_results.py does not list them yet).
constexpr std::int64_t kFunctionalN = 64;
struct FunctionalCase {
  Tensor w = randn({256, kFunctionalN}, TensorOptions(kFloat64));
  Tensor x = randn({kFunctionalN}, TensorOptions(kFloat64));
  Tensor v = randn({kFunctionalN}, TensorOptions(kFloat64));
  Tensor f(const Tensor& t) const { return tanh(matmul(w, t)).square().sum(); }
};

void functional_case(benchmark::State& state, int which) {
  namespace fn = xgrad::autograd::functional;
  manual_seed(0);
  FunctionalCase c;
  auto f = [&c](const Tensor& t) { return c.f(t); };
  for (auto _ : state) {
    switch (which) {
      case 0: benchmark::DoNotOptimize(fn::vjp(f, c.x).second); break;
      case 1: benchmark::DoNotOptimize(fn::hvp(f, c.x, c.v).second); break;
      case 2: benchmark::DoNotOptimize(fn::vhp(f, c.x, c.v).second); break;
      default: benchmark::DoNotOptimize(fn::hessian(f, c.x)); break;
    }
  }
  state.counters["n"] = static_cast<double>(kFunctionalN);
}

}  // namespace

BENCHMARK(op_overhead_fwd_bwd)->Name("op_overhead/fwd_bwd")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(op_overhead_fwd_record)->Name("op_overhead/fwd_record")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(op_overhead_fwd_nograd)->Name("op_overhead/fwd_nograd")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mlp_step, small, kSmall)->Name("mlp_step_small")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mlp_gemms, small, kSmall)->Name("mlp_step_small/gemms")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mlp_step, large, kLarge)->Name("mlp_step_large")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(mlp_gemms, large, kLarge)->Name("mlp_step_large/gemms")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(matmul_512, f32, kFloat32)->Name("matmul_512/f32")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(matmul_512, f64, kFloat64)->Name("matmul_512/f64")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(cblas_3gemm_512<float>)->Name("matmul_512/cblas_f32")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(cblas_3gemm_512<double>)->Name("matmul_512/cblas_f64")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(elementwise_1M)->Name("elementwise_1M")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(triad_1M)->Name("elementwise_1M/triad")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(adam_step_1M)->Name("adam_step_1M")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(gradcheck_case, slow, false)->Name("gradcheck/slow")->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(gradcheck_case, fast, true)->Name("gradcheck/fast")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(conv_small)->Name("conv_small")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(conv_cifar)->Name("conv_cifar")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(conv_cifar_gemms)->Name("conv_cifar/cblas_gemms")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(functional_case, grad, 0)->Name("functional/grad")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(functional_case, hvp, 1)->Name("functional/hvp")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(functional_case, vhp, 2)->Name("functional/vhp")->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(functional_case, hessian, 3)
    ->Name("functional/hessian")
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

namespace bench {

void set_threads(int n) {
  openblas_set_num_threads(n);
  xgrad::set_num_threads(n);
}

void run_rss_steps(long steps, void (*report)(long)) {
  manual_seed(0);
  MlpStep m(64, 128, 128, 10, 64);
  for (long s = 1; s <= steps; ++s) {
    m.step();
    if (s == 1000 || s == steps) report(s);
  }
}

}  // namespace bench

int main(int argc, char** argv) { return bench::main_impl(argc, argv, "xgrad"); }
