// The samplers of LibTorch's data API: SequentialSampler (0, 1, ..., size - 1), RandomSampler
// (a fresh permutation per epoch, drawn from the global generator: manual_seed makes it
// repeatable) and the distributed ones, which give each of num_replicas processes its own
// part of each epoch (the caller sets rank, num_replicas and, per epoch, set_epoch; no MPI here).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base.hpp"

namespace xgrad::data::samplers {

class SequentialSampler : public Sampler<> {
 public:
  explicit SequentialSampler(std::size_t size) : size_(size) {}
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return index_; }

 private:
  std::size_t size_, index_ = 0;
};

class RandomSampler : public Sampler<> {
 public:
  // Draws the first permutation now (randperm); reset() draws the next.
  explicit RandomSampler(std::int64_t size);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return index_; }

 private:
  std::vector<std::size_t> indices_;
  std::size_t index_ = 0;
};

// Shared by the distributed samplers: this replica's share of `size` examples per epoch. With
// allow_duplicates every replica gets ceil(size / num_replicas) examples (the first ones are
// reused to fill up), without it floor(size / num_replicas) (the rest are left out).
class DistributedSampler : public Sampler<> {
 public:
  DistributedSampler(std::size_t size, std::size_t num_replicas, std::size_t rank, bool allow_duplicates);
  void set_epoch(std::size_t epoch) noexcept { epoch_ = epoch; }
  std::size_t epoch() const noexcept { return epoch_; }
  std::size_t local_sample_count() const noexcept;
  std::optional<std::vector<std::size_t>> next(std::size_t batch_size) override;
  std::size_t index() const noexcept { return index_; }

 protected:
  // This replica's indices for the epoch, from the order of all `size` indices.
  void take_share(const std::vector<std::size_t>& all);
  std::size_t size_, num_replicas_, rank_, epoch_ = 0, index_ = 0;
  bool allow_duplicates_;
  std::vector<std::size_t> indices_;
};

// Every replica shuffles all indices with the same seed, the epoch (set_epoch before each
// epoch for a new order), and takes its own contiguous part.
class DistributedRandomSampler : public DistributedSampler {
 public:
  explicit DistributedRandomSampler(std::size_t size, std::size_t num_replicas = 1, std::size_t rank = 0,
                                    bool allow_duplicates = true);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
};

class DistributedSequentialSampler : public DistributedSampler {
 public:
  explicit DistributedSequentialSampler(std::size_t size, std::size_t num_replicas = 1, std::size_t rank = 0,
                                        bool allow_duplicates = true);
  void reset(std::optional<std::size_t> new_size = std::nullopt) override;
};

}  // namespace xgrad::data::samplers
