// DistributedDataParallel: N ranks on shards of a batch end with the weights one process gets
// on the whole batch, bit-identical on every rank after every step.
#include <xgrad/xgrad.hpp>

#include <cmath>
#include <memory>
#include <set>
#include <string>

#include "../ddp.hpp"
#include "mpi_test_util.hpp"

using namespace xgrad;
using namespace xgrad::distributed;
using testing::contains;
using testing::message_of;

namespace {

struct Mlp : nn::Module {
  std::shared_ptr<nn::LinearImpl> fc1, fc2, fc3;
  explicit Mlp(std::int64_t hidden = 16) : Module("Mlp") {
    fc1 = register_module("fc1", std::make_shared<nn::LinearImpl>(5, hidden));
    fc2 = register_module("fc2", std::make_shared<nn::LinearImpl>(hidden, 8));
    fc3 = register_module("fc3", std::make_shared<nn::LinearImpl>(8, 3));
  }
  Tensor forward(const Tensor& x) { return fc3->forward(tanh(fc2->forward(tanh(fc1->forward(x))))); }
};

constexpr std::int64_t kPerRank = 4;

// The global batch of step s (the same on every rank): x [N * 4, 5], y [N * 4, 3].
std::pair<Tensor, Tensor> global_batch(int step, Dtype dtype) {
  manual_seed(1000 + static_cast<std::uint64_t>(step));
  const std::int64_t n = kPerRank * world_size();
  return {randn({n, 5}, dtype), randn({n, 3}, dtype)};
}

std::unique_ptr<optim::Optimizer> make_optimizer(bool adam, const tensor_list& params) {
  if (adam) return std::make_unique<optim::Adam>(params, optim::AdamOptions(0.01));
  return std::make_unique<optim::SGD>(params, optim::SGDOptions(0.05).momentum(0.9));
}

// Largest |a - b| / (|b| + floor) over all parameters.
double max_rel_diff(const nn::Module& a, const nn::Module& b, double floor) {
  const auto pa = a.parameters(), pb = b.parameters();
  double worst = 0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const auto va = pa[i].to_vector<double>(), vb = pb[i].to_vector<double>();
    for (std::size_t j = 0; j < va.size(); ++j)
      worst = std::max(worst, std::abs(va[j] - vb[j]) / (std::abs(vb[j]) + floor));
  }
  return worst;
}

// Trains 20 steps with DDP on this rank's shard and, alongside, one model on the whole batch.
void train_and_compare(Dtype dtype, bool adam, std::int64_t bucket_bytes) {
  manual_seed(100);  // the reference starts from rank 0's initial weights
  auto reference = std::make_shared<Mlp>();
  reference->to(dtype);
  manual_seed(100 + static_cast<std::uint64_t>(rank()));  // different on each rank: DDP must broadcast
  auto model = std::make_shared<Mlp>();
  model->to(dtype);
  DistributedDataParallel ddp(model, DDPOptions().bucket_cap_bytes(bucket_bytes));
  auto opt = make_optimizer(adam, model->parameters());
  auto ref_opt = make_optimizer(adam, reference->parameters());
  const auto initial_buckets = static_cast<std::int64_t>(ddp.bucket_parameter_names().size());
  bool identical = true;
  for (int step = 0; step < 20; ++step) {
    auto [x, y] = global_batch(step, dtype);
    ref_opt->zero_grad();
    nn::functional::mse_loss(reference->forward(x), y).backward();
    ref_opt->step();
    opt->zero_grad();
    Tensor xs = x.narrow(0, rank() * kPerRank, kPerRank), ys = y.narrow(0, rank() * kPerRank, kPerRank);
    nn::functional::mse_loss(ddp(xs), ys).backward();
    opt->step();
    for (const auto& p : model->parameters()) identical = identical && testing::same_on_all_ranks(p);
  }
  CHECK(identical);
  const double diff = max_rel_diff(*model, *reference, dtype == kFloat64 ? 1.0 : 1e-3);
  CAPTURE(diff);
  CHECK(diff <= (dtype == kFloat64 ? 1e-12 : 1e-5));
  const DDPStats& stats = ddp.stats();
  CHECK(stats.steps == 20);
  // The first step used the initial buckets, the other 19 the rebuilt ones.
  CHECK(stats.buckets_reduced == initial_buckets + 19 * static_cast<std::int64_t>(ddp.bucket_parameter_names().size()));
  CHECK(stats.buckets_hidden <= stats.buckets_overlapped);
  CHECK(stats.exposed_seconds <= stats.backward_seconds);
}

}  // namespace

TEST_CASE("DDP with SGD momentum and Adam matches one process on the concatenated batches") {
  for (Dtype dtype : {kFloat64, kFloat32}) {
    for (bool adam : {false, true}) {
      CAPTURE(dtype_name(dtype));
      CAPTURE(adam);
      train_and_compare(dtype, adam, 25 * 1024 * 1024);
      train_and_compare(dtype, adam, 256);  // many buckets, started during backward
    }
  }
}

TEST_CASE("buckets: reverse registration order, capped by size") {
  auto model = std::make_shared<Mlp>();
  DistributedDataParallel ddp(model, DDPOptions().bucket_cap_bytes(200));
  const auto buckets = ddp.bucket_parameter_names();
  REQUIRE(buckets.size() >= 3);
  CHECK(buckets.front().front() == "fc3.bias");
  CHECK(buckets.back().back() == "fc1.weight");
  DistributedDataParallel one(std::make_shared<Mlp>());
  CHECK(one.bucket_parameter_names().size() == 1);
}

TEST_CASE("after the first step the buckets follow the order the gradients came in, on every rank") {
  auto model = std::make_shared<Mlp>();
  DistributedDataParallel ddp(model, DDPOptions().bucket_cap_bytes(200));
  // Backward reaches fc3 first, then fc2, then fc1; the layout is rank 0's on every rank.
  for (int step = 0; step < 2; ++step) {
    manual_seed(7 + static_cast<std::uint64_t>(rank()));
    nn::functional::mse_loss(ddp(randn({4, 5})), randn({4, 3})).backward();
    const auto buckets = ddp.bucket_parameter_names();
    std::vector<std::string> flat;
    for (const auto& b : buckets) flat.insert(flat.end(), b.begin(), b.end());
    CAPTURE(step);
    REQUIRE(flat.size() == 6);
    CHECK(std::set<std::string>(flat.begin(), flat.end()).size() == 6);  // each parameter once
    CHECK(flat.front().rfind("fc3.", 0) == 0);                           // the first gradients first
    CHECK(flat.back().rfind("fc1.", 0) == 0);
    // The same layout everywhere: the count of buckets and the position of each name agree.
    std::int64_t code = static_cast<std::int64_t>(buckets.size());
    for (const auto& name : flat)
      code = code * 31 + static_cast<std::int64_t>(name[2]) * 7 + static_cast<std::int64_t>(name.size());
    Tensor c = tensor(std::vector<std::int64_t>{code});
    CHECK(testing::same_on_all_ranks(c));
  }
}

TEST_CASE("a model that differs across ranks is refused at construction on every rank") {
  auto model = std::make_shared<Mlp>(rank() == 1 ? 17 : 16);
  const std::string msg = message_of([&] { DistributedDataParallel ddp(model); });
  CAPTURE(msg);
  CHECK(contains(msg, "the model differs across ranks"));
  CHECK(contains(msg, "rank 0 has 'parameter fc1.weight: Float32 [16, 5]'"));
  CHECK(contains(msg, "rank 1 has 'parameter fc1.weight: Float32 [17, 5]'"));
}

TEST_CASE("no_sync accumulates locally; the next backward reduces the sum") {
  manual_seed(3);
  auto reference = std::make_shared<Mlp>();
  reference->to(kFloat64);
  manual_seed(3);
  auto model = std::make_shared<Mlp>();
  model->to(kFloat64);
  DistributedDataParallel ddp(model);
  auto [x1, y1] = global_batch(1, kFloat64);
  auto [x2, y2] = global_batch(2, kFloat64);
  const auto shard = [](const Tensor& t) { return t.narrow(0, rank() * kPerRank, kPerRank); };
  {
    auto guard = ddp.no_sync();
    nn::functional::mse_loss(ddp(shard(x1)), shard(y1)).backward();
  }
  CHECK(ddp.stats().steps == 0);
  nn::functional::mse_loss(ddp(shard(x2)), shard(y2)).backward();
  CHECK(ddp.stats().steps == 1);
  nn::functional::mse_loss(reference->forward(x1), y1).backward();
  nn::functional::mse_loss(reference->forward(x2), y2).backward();
  const auto p = model->parameters(), r = reference->parameters();
  for (std::size_t i = 0; i < p.size(); ++i) {
    CHECK(testing::same_on_all_ranks(p[i].grad()));
    CHECK((p[i].grad() - r[i].grad()).abs().max().item<double>() < 1e-12);
  }
}

namespace {
// fc_extra is used only on rank 0; fc_never on no rank.
struct Branchy : nn::Module {
  std::shared_ptr<nn::LinearImpl> fc, fc_extra, fc_never;
  Branchy() : Module("Branchy") {
    fc = register_module("fc", std::make_shared<nn::LinearImpl>(3, 2));
    fc_extra = register_module("fc_extra", std::make_shared<nn::LinearImpl>(3, 2));
    fc_never = register_module("fc_never", std::make_shared<nn::LinearImpl>(3, 2));
  }
  Tensor forward(const Tensor& x) {
    Tensor y = fc->forward(x);
    return rank() == 0 ? y + fc_extra->forward(x) : y;
  }
};
}  // namespace

TEST_CASE("unused parameters: an error naming them, or zeros with find_unused_parameters") {
  auto model = std::make_shared<Branchy>();
  {
    DistributedDataParallel ddp(model, DDPOptions().bucket_cap_bytes(16));
    const std::string msg = message_of([&] { ddp(ones({2, 3})).sum().backward(); });
    CAPTURE(msg);
    CHECK(contains(msg, "received no gradient"));
    CHECK(contains(msg, "fc_never.weight"));
  }
  model->zero_grad();
  DistributedDataParallel ddp(model, DDPOptions().find_unused_parameters(true).bucket_cap_bytes(16));
  for (int step = 0; step < 2; ++step) {
    model->zero_grad();
    ddp(ones({2, 3})).sum().backward();
    // d/d bias of sum over 2 rows = 2 on the ranks that use it; averaged over ranks
    CHECK(model->fc->bias.grad().at<float>({0}) == doctest::Approx(2.0));
    CHECK(model->fc_extra->bias.grad().at<float>({0}) == doctest::Approx(2.0 / world_size()));
    CHECK(!model->fc_never->bias.grad().defined());
  }
}

TEST_CASE("full-batch GD over the ranks' shards is one process's full-batch GD on the whole data") {
  const std::int64_t n = 6 * world_size();  // a multiple of the rank count: no padding
  manual_seed(11);
  Tensor x = randn({n, 5}, kFloat64), y = randn({n, 3}, kFloat64);
  auto sampler = std::make_shared<data::DistributedSampler>(n, world_size(), rank(), /*shuffle=*/true, 4);
  data::DataLoader loader(data::TensorDataset(x, y), data::DataLoaderOptions().batch_size(n).sampler(sampler));
  REQUIRE(loader.size() == 1);
  manual_seed(5);
  auto reference = std::make_shared<Mlp>();
  reference->to(kFloat64);
  manual_seed(5);
  auto model = std::make_shared<Mlp>();
  model->to(kFloat64);
  DistributedDataParallel ddp(model);
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.1));
  optim::SGD ref_opt(reference->parameters(), optim::SGDOptions(0.1));
  for (int epoch = 0; epoch < 5; ++epoch) {
    for (const auto& batch : loader) {
      CHECK(batch.data.size(0) == 6);
      opt.zero_grad();
      nn::functional::mse_loss(ddp(batch.data), batch.target).backward();
      opt.step();
    }
    ref_opt.zero_grad();
    nn::functional::mse_loss(reference->forward(x), y).backward();
    ref_opt.step();
  }
  CHECK(max_rel_diff(*model, *reference, 1.0) <= 1e-12);
}
