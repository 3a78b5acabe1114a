// SyncBatchNorm over N ranks equals BatchNorm in one process on the concatenated batch: outputs,
// running statistics, input gradients, and (summed over ranks) weight and bias gradients.
#include <xgrad/xgrad.hpp>

#include <cmath>

#include "../sync_batch_norm.hpp"
#include "mpi_test_util.hpp"

using namespace xgrad;
using namespace xgrad::distributed;
using testing::contains;
using testing::message_of;

namespace {

constexpr std::int64_t kPerRank = 3, kC = 4, kL = 5;

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double worst = 0;
  for (std::size_t i = 0; i < va.size(); ++i) worst = std::max(worst, std::abs(va[i] - vb[i]));
  return worst;
}

Tensor shard(const Tensor& t) { return t.narrow(0, rank() * kPerRank, kPerRank); }

}  // namespace

TEST_CASE("SyncBatchNorm on shards equals BatchNorm on the whole batch, forward and backward") {
  manual_seed(5);  // the same on every rank: the global batch, the loss weights, the affine params
  const std::int64_t n = kPerRank * world_size();
  nn::BatchNorm1d ref(kC);
  ref->to(kFloat64);
  SyncBatchNorm bn(kC);
  bn->to(kFloat64);
  {
    NoGradGuard g;
    ref->weight.copy_(randn({kC}, kFloat64));
    ref->bias.copy_(randn({kC}, kFloat64));
    bn->weight.copy_(ref->weight);
    bn->bias.copy_(ref->bias);
  }
  for (int step = 0; step < 3; ++step) {  // three steps: the running averages accumulate
    CAPTURE(step);
    const Tensor X = (randn({n, kC, kL}, kFloat64) * 2.0 + 1.0).requires_grad_();
    const Tensor W = randn({n, kC, kL}, kFloat64);
    ref->weight.mutable_grad() = Tensor();
    ref->bias.mutable_grad() = Tensor();
    bn->weight.mutable_grad() = Tensor();
    bn->bias.mutable_grad() = Tensor();
    const Tensor y_ref = ref(X);
    (y_ref * W).sum().backward();
    const Tensor x = shard(X).detach().requires_grad_();
    const Tensor y = bn(x);
    (y * shard(W)).sum().backward();
    CHECK(max_abs_diff(y, shard(y_ref)) <= 1e-12);
    CHECK(max_abs_diff(x.grad(), shard(X.grad())) <= 1e-12);
    Tensor gw = bn->weight.grad().clone(), gb = bn->bias.grad().clone();
    all_reduce(gw);  // local sums; over all ranks, the whole batch's
    all_reduce(gb);
    CHECK(max_abs_diff(gw, ref->weight.grad()) <= 1e-11);
    CHECK(max_abs_diff(gb, ref->bias.grad()) <= 1e-11);
    CHECK(max_abs_diff(bn->running_mean, ref->running_mean) <= 1e-12);
    CHECK(max_abs_diff(bn->running_var, ref->running_var) <= 1e-12);
    CHECK(bn->num_batches_tracked.item<std::int64_t>() == step + 1);
  }
  // Eval mode: the running statistics, no communication, as BatchNorm.
  ref->eval();
  bn->eval();
  const Tensor X = randn({n, kC, kL}, kFloat64);
  CHECK(max_abs_diff(bn(shard(X)), shard(ref(X))) <= 1e-12);
}

TEST_CASE("SyncBatchNorm refuses bad input on every rank") {
  SyncBatchNorm bn(kC);
  CHECK(contains(message_of([&] { bn(randn({2, kC + 1})); }), "SyncBatchNorm: expected 2-D to 5-D input"));
  CHECK(contains(message_of([&] { bn(randn({2})); }), "with 4 channels in dim 1"));
  // One value per channel over all ranks only when there is one rank (the tests run 2 and 3).
  CHECK(message_of([&] { bn(randn({1, kC})); }).empty());
}
