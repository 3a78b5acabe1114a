// DistributedSampler: the shard of a dataset that one rank of a data-parallel job visits, as
// PyTorch's torch.utils.data.distributed.DistributedSampler. Needs no MPI: pass the world size
// and rank (distributed::world_size(), distributed::rank()).
//
//   auto sampler = std::make_shared<data::DistributedSampler>(dataset.size(), world, rank);
//   data::DataLoader loader(dataset, data::DataLoaderOptions().batch_size(32).sampler(sampler));
//
// Every epoch, all ranks compute the same order of the whole data set (a permutation seeded by
// (seed, epoch) with shuffle, 0..n-1 without), make its length a multiple of num_replicas, then
// rank r takes positions r, r + R, r + 2R, ...: the shards are disjoint and together cover the
// data set. Making the length a multiple (PyTorch's rules):
//   drop_last = false: pad by repeating indices from the start of the order (wrapping again if
//                      n < R), so a few examples are seen twice per epoch;
//   drop_last = true:  drop the tail, so a few examples are not seen this epoch.
// Inside a DataLoader the loader's epoch drives the reshuffle (DataLoader::set_epoch to resume);
// set_epoch() here serves indices() without an argument, for use outside a loader.
//
// Exactness: averaging per-rank mean gradients equals the gradient of the mean over all data
// only when every rank's batch has the same size. Full-batch GD on N ranks equals one process
// on the whole data set when n is a multiple of N (no padding). Otherwise use a sum loss divided
// by the global example count, or accept that padded duplicates weigh twice (as PyTorch does).
#pragma once
#include <cstdint>
#include <vector>

#include "sampler.hpp"

namespace xgrad::data {

class DistributedSampler : public Sampler {
 public:
  // Throws std::invalid_argument unless dataset_size >= 0, num_replicas >= 1 and
  // 0 <= rank < num_replicas.
  DistributedSampler(std::int64_t dataset_size, std::int64_t num_replicas, std::int64_t rank, bool shuffle = true,
                     std::uint64_t seed = 0, bool drop_last = false);

  std::vector<std::int64_t> indices(std::int64_t epoch) const override;
  std::vector<std::int64_t> indices() const { return indices(epoch_); }
  std::int64_t size() const override { return num_samples_; }  // per rank
  std::int64_t total_size() const noexcept { return num_samples_ * num_replicas_; }
  void set_epoch(std::int64_t epoch) noexcept { epoch_ = epoch; }
  std::int64_t epoch() const noexcept { return epoch_; }

 private:
  std::int64_t n_, num_replicas_, rank_;
  bool shuffle_;
  std::uint64_t seed_;
  bool drop_last_;
  std::int64_t num_samples_;
  std::int64_t epoch_ = 0;
};

}  // namespace xgrad::data
