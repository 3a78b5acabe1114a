#include "distributed_sampler.hpp"

#include <random>
#include <stdexcept>
#include <string>

namespace xgrad::data {

DistributedSampler::DistributedSampler(std::int64_t dataset_size, std::int64_t num_replicas, std::int64_t rank,
                                       bool shuffle, std::uint64_t seed, bool drop_last)
    : n_(dataset_size),
      num_replicas_(num_replicas),
      rank_(rank),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  if (dataset_size < 0 || num_replicas < 1 || rank < 0 || rank >= num_replicas) {
    throw std::invalid_argument(
        "DistributedSampler: need dataset_size >= 0, num_replicas >= 1 and 0 <= rank < "
        "num_replicas, got dataset_size " +
        std::to_string(dataset_size) + ", num_replicas " + std::to_string(num_replicas) + ", rank " +
        std::to_string(rank));
  }
  // drop_last: the largest multiple of R not above n; else the smallest not below it.
  num_samples_ =
      (drop_last_ && n_ % num_replicas_ != 0) ? n_ / num_replicas_ : (n_ + num_replicas_ - 1) / num_replicas_;
}

std::vector<std::int64_t> DistributedSampler::indices(std::int64_t epoch) const {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n_));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  if (shuffle_) {
    // The same generator on every rank: the same permutation everywhere.
    std::seed_seq seq{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32),
                      static_cast<std::uint32_t>(epoch),
                      static_cast<std::uint32_t>(static_cast<std::uint64_t>(epoch) >> 32)};
    std::mt19937_64 engine(seq);
    for (std::size_t i = order.size(); i-- > 1;) {
      std::uniform_int_distribution<std::size_t> pick(0, i);
      std::swap(order[i], order[pick(engine)]);
    }
  }
  const auto total = static_cast<std::size_t>(total_size());
  if (order.size() > total) order.resize(total);
  for (std::size_t i = 0; order.size() < total; ++i) order.push_back(order[i]);  // wraps: n < R repeats
  std::vector<std::int64_t> mine;
  mine.reserve(static_cast<std::size_t>(num_samples_));
  for (auto i = static_cast<std::size_t>(rank_); i < total; i += static_cast<std::size_t>(num_replicas_))
    mine.push_back(order[i]);
  return mine;
}

}  // namespace xgrad::data
