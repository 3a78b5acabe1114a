// DistributedSampler: disjoint shards covering the data set, PyTorch's padding and dropping,
// the same permutation on every rank, and its use in a DataLoader.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using data::DistributedSampler;

TEST_CASE("shards are disjoint and cover the data set when n divides evenly") {
  for (bool shuffle : {false, true}) {
    std::multiset<std::int64_t> all;
    for (int r = 0; r < 4; ++r) {
      DistributedSampler s(12, 4, r, shuffle, 5);
      CHECK(s.size() == 3);
      for (auto i : s.indices(2)) all.insert(i);
    }
    CHECK(all.size() == 12);
    CHECK(std::set<std::int64_t>(all.begin(), all.end()).size() == 12);
  }
  CHECK(DistributedSampler(6, 2, 1, false).indices(0) == std::vector<std::int64_t>{1, 3, 5});
}

TEST_CASE("padding (drop_last=false) wraps; drop_last drops the tail, as PyTorch") {
  // n = 10, 4 replicas: 3 each, total 12; the order 0..9 padded with 0, 1
  CHECK(DistributedSampler(10, 4, 0, false).indices(0) == std::vector<std::int64_t>{0, 4, 8});
  CHECK(DistributedSampler(10, 4, 2, false).indices(0) == std::vector<std::int64_t>{2, 6, 0});
  CHECK(DistributedSampler(10, 4, 3, false).indices(0) == std::vector<std::int64_t>{3, 7, 1});
  // drop_last: 2 each, total 8
  CHECK(DistributedSampler(10, 4, 3, false, 0, true).indices(0) == std::vector<std::int64_t>{3, 7});
  // fewer examples than replicas: padding wraps more than once
  CHECK(DistributedSampler(2, 5, 4, false).indices(0) == std::vector<std::int64_t>{0});
  CHECK(DistributedSampler(2, 5, 4, false, 0, true).size() == 0);
}

TEST_CASE("set_epoch reshuffles with the same permutation on every rank") {
  DistributedSampler a0(20, 2, 0, true, 9), a1(20, 2, 1, true, 9);
  auto e0 = a0.indices(0), e1 = a0.indices(1);
  CHECK(e0 != e1);
  a0.set_epoch(1);
  CHECK(a0.indices() == e1);
  // rank 1's shard interleaves with rank 0's in the same global order: together a permutation
  std::set<std::int64_t> both(e1.begin(), e1.end());
  for (auto i : a1.indices(1)) both.insert(i);
  CHECK(both.size() == 20);
}

TEST_CASE("a DataLoader with a sampler visits the shard; bad arguments throw") {
  Tensor x = arange(0, 10, 1, kFloat32).reshape({10, 1});
  auto sampler = std::make_shared<DistributedSampler>(10, 2, 1, false);
  data::DataLoader loader(data::TensorDataset(x, x), data::DataLoaderOptions().batch_size(2).sampler(sampler));
  CHECK(loader.size() == 3);
  std::vector<float> seen;
  for (const auto& batch : loader)
    for (float v : batch.data.to_vector<float>()) seen.push_back(v);
  CHECK(seen == std::vector<float>{1, 3, 5, 7, 9});
  CHECK_THROWS_WITH_AS(
      data::DataLoader(data::TensorDataset(x, x), data::DataLoaderOptions().shuffle(true).sampler(sampler)),
      doctest::Contains("mutually exclusive with shuffle"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(DistributedSampler(10, 2, 2), doctest::Contains("0 <= rank < num_replicas"),
                       std::invalid_argument);
}
