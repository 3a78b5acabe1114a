#include "samplers.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

#include "../../autograd/tensor.hpp"

namespace xgrad::data::samplers {

namespace {
// The next up to batch_size entries of `indices` from `index` (advanced), or nullopt at the end.
std::optional<std::vector<std::size_t>> take(const std::vector<std::size_t>& indices, std::size_t& index,
                                             std::size_t batch_size, const char* who) {
  if (batch_size == 0) throw std::invalid_argument(std::string(who) + ": batch_size must be positive");
  if (index >= indices.size()) return std::nullopt;
  const std::size_t end = std::min(indices.size(), index + batch_size);
  std::vector<std::size_t> out(indices.begin() + static_cast<std::ptrdiff_t>(index),
                               indices.begin() + static_cast<std::ptrdiff_t>(end));
  index = end;
  return out;
}

std::vector<std::size_t> permutation(std::int64_t size) {
  if (size < 0) throw std::invalid_argument("RandomSampler: negative size " + std::to_string(size));
  const std::vector<std::int64_t> p = randperm(size).to_vector<std::int64_t>();
  return std::vector<std::size_t>(p.begin(), p.end());
}
}  // namespace

void SequentialSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) size_ = *new_size;
  index_ = 0;
}

std::optional<std::vector<std::size_t>> SequentialSampler::next(std::size_t batch_size) {
  if (batch_size == 0) throw std::invalid_argument("SequentialSampler: batch_size must be positive");
  if (index_ >= size_) return std::nullopt;
  const std::size_t end = std::min(size_, index_ + batch_size);
  std::vector<std::size_t> out(end - index_);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = index_ + i;
  index_ = end;
  return out;
}

RandomSampler::RandomSampler(std::int64_t size) : indices_(permutation(size)) {}

void RandomSampler::reset(std::optional<std::size_t> new_size) {
  indices_ = permutation(static_cast<std::int64_t>(new_size.value_or(indices_.size())));
  index_ = 0;
}

std::optional<std::vector<std::size_t>> RandomSampler::next(std::size_t batch_size) {
  return take(indices_, index_, batch_size, "RandomSampler");
}

DistributedSampler::DistributedSampler(std::size_t size, std::size_t num_replicas, std::size_t rank,
                                       bool allow_duplicates)
    : size_(size), num_replicas_(num_replicas), rank_(rank), allow_duplicates_(allow_duplicates) {
  if (num_replicas == 0 || rank >= num_replicas) {
    throw std::invalid_argument("DistributedSampler: rank " + std::to_string(rank) +
                                " is not in [0, num_replicas = " + std::to_string(num_replicas) + ")");
  }
}

std::size_t DistributedSampler::local_sample_count() const noexcept {
  return allow_duplicates_ ? (size_ + num_replicas_ - 1) / num_replicas_ : size_ / num_replicas_;
}

void DistributedSampler::take_share(const std::vector<std::size_t>& all) {
  const std::size_t local = local_sample_count();
  indices_.resize(local);
  for (std::size_t i = 0; i < local; ++i) indices_[i] = all.empty() ? 0 : all[(rank_ * local + i) % all.size()];
  index_ = 0;
}

std::optional<std::vector<std::size_t>> DistributedSampler::next(std::size_t batch_size) {
  return take(indices_, index_, batch_size, "DistributedSampler");
}

DistributedRandomSampler::DistributedRandomSampler(std::size_t size, std::size_t num_replicas, std::size_t rank,
                                                   bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  reset(size_);
}

void DistributedRandomSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) size_ = *new_size;
  std::vector<std::size_t> all(size_);
  for (std::size_t i = 0; i < size_; ++i) all[i] = i;
  // Seeded by the epoch only: every replica computes the same order without talking.
  std::mt19937_64 engine(epoch_);
  for (std::size_t i = all.size(); i-- > 1;) {
    std::uniform_int_distribution<std::size_t> pick(0, i);
    std::swap(all[i], all[pick(engine)]);
  }
  take_share(all);
}

DistributedSequentialSampler::DistributedSequentialSampler(std::size_t size, std::size_t num_replicas, std::size_t rank,
                                                           bool allow_duplicates)
    : DistributedSampler(size, num_replicas, rank, allow_duplicates) {
  reset(size_);
}

void DistributedSequentialSampler::reset(std::optional<std::size_t> new_size) {
  if (new_size) size_ = *new_size;
  std::vector<std::size_t> all(size_);
  for (std::size_t i = 0; i < size_; ++i) all[i] = i;
  take_share(all);
}

}  // namespace xgrad::data::samplers
