// Thread counts and results (issue 22). Fused elementwise programs around the size from which
// they are split over threads give the same bits with set_num_threads(1) and (2). So do BLAS
// calls below the size from which they get threads; above it OpenBLAS's threaded kernels may
// round differently from its serial ones (a property of OpenBLAS, as in PyTorch), so there they
// agree up to rounding. Also: small GEMMs leave OpenBLAS on one thread, large ones on xgrad's
// count, never above OpenBLAS's own setting.
#include <doctest/doctest.h>

#include <cblas.h>

#include <cstdint>
#include <functional>
#include <vector>

#include <xgrad/autograd/blas_threads.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// Sets xgrad's thread count (and optionally the BLAS threshold) for one test and restores them.
struct Settings {
  int threads = get_num_threads();
  std::int64_t blas_min = blas_parallel_min();
  std::int64_t fusion_min = fusion_min_numel();
  ~Settings() {
    set_num_threads(threads);
    set_blas_parallel_min(blas_min);
    set_fusion_min_numel(fusion_min);
  }
};

// f's result with 1 and with 2 threads: identical when `exact`, else equal up to rounding.
void check_threads_agree(const std::function<Tensor()>& f, bool exact = true) {
  set_num_threads(1);
  const Tensor one = f();
  set_num_threads(2);
  const Tensor two = f();
  if (exact) CHECK(equal(one, two));                                             // as torch.equal
  else CHECK(allclose(one, two, 1e-5, one.dtype() == kFloat32 ? 1e-4 : 1e-12));  // sums of ~128 terms of size ~1
}

}  // namespace

TEST_CASE("matmul below the BLAS threading threshold: the same bits with 1 and 2 threads") {
  Settings saved;
  const std::int64_t at = blas_parallel_min();  // 2^23 multiply-adds: 256 x 256 x 128
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(3);
    const Tensor b = randn({128, 256}, TensorOptions(dt));
    for (std::int64_t m : {at / (256 * 128) - 1, at / (256 * 128), at / (256 * 128) + 1}) {
      CAPTURE(m);
      const Tensor a = randn({m, 128}, TensorOptions(dt));
      const bool serial = m * 256 * 128 < at;
      check_threads_agree([&] { return matmul(a, b); }, serial);
      check_threads_agree([&] { return matmul(t(b), t(a)); }, serial);  // transposed operands
    }
  }
}

TEST_CASE("matrix-vector products around a lowered BLAS threshold, with 1 and 2 threads") {
  Settings saved;
  set_blas_parallel_min(4096);
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(4);
    for (std::int64_t rows : {31, 32, 33, 200}) {  // 32 x 128 = the threshold
      CAPTURE(rows);
      const Tensor a = randn({rows, 128}, TensorOptions(dt)), v = randn({128}, TensorOptions(dt));
      const bool serial = rows * 128 < 4096;
      check_threads_agree([&] { return matmul(a, v); }, serial);
      check_threads_agree([&] { return matmul(v, t(a)); }, serial);
    }
  }
}

TEST_CASE("a digits-sized linear layer's forward and backward: the same bits with 1 and 2 threads") {
  Settings saved;
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(6);
    const Tensor x = randn({64, 64}, TensorOptions(dt));
    Tensor w = randn({128, 64}, TensorOptions(dt).requires_grad(true));
    check_threads_agree([&] {
      w.mutable_grad() = Tensor();
      Tensor y = nn::functional::linear(x, w);
      nn::functional::linear(y, t(w)).square().sum().backward();  // gi = g W and gw = g^T x
      return cat({y.detach().reshape({-1}), w.grad().reshape({-1})});
    });
  }
}

TEST_CASE("fused elementwise programs around the split threshold: the same bits with 1 and 2 threads") {
  Settings saved;
  set_fusion_min_numel(0);
  const std::int64_t split = std::int64_t{1} << 18;  // fusion.cpp's kParallelMin
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (std::int64_t n : {split - 1, split, 2 * split - 1, 2 * split, 2 * split + 4097}) {
      CAPTURE(n);
      manual_seed(5);
      Tensor x = randn({n}, TensorOptions(dt).requires_grad(true));
      const Tensor a = randn({n}, TensorOptions(dt));
      check_threads_agree([&] { return tanh(x * a + 0.5).detach(); });
      check_threads_agree([&] { return tanh(x * a + 0.5).sum().detach(); });
      check_threads_agree([&] {
        x.mutable_grad() = Tensor();
        tanh(x * a + 0.5).sum().backward();
        return x.grad();
      });
    }
  }
}

TEST_CASE("small GEMMs run OpenBLAS on one thread, large ones on xgrad's count capped by OpenBLAS's own") {
  Settings saved;
  const int blas_saved = openblas_get_num_threads();
  openblas_set_num_threads(2);
  set_num_threads(2);
  set_blas_parallel_min(64 * 64 * 64);
  const Tensor small = randn({32, 64}), large = randn({64, 64});
  (void)matmul(small, large);
  CHECK(openblas_get_num_threads() == 1);
  (void)matmul(large, large);
  CHECK(openblas_get_num_threads() == 2);
  set_num_threads(1);
  (void)matmul(large, large);
  CHECK(openblas_get_num_threads() == 1);
  // A count set outside xgrad caps xgrad's.
  set_num_threads(4);
  openblas_set_num_threads(2);
  (void)matmul(large, large);
  CHECK(openblas_get_num_threads() == 2);
  CHECK_THROWS_WITH_AS(set_blas_parallel_min(-1), doctest::Contains("set_blas_parallel_min"), std::invalid_argument);
  openblas_set_num_threads(blas_saved);
}
