#include "dataloader.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>

#include "../autograd/random.hpp"

namespace xgrad::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options)
    : dataset_(std::move(dataset)), options_(options) {
  if (!dataset_) throw std::invalid_argument("DataLoader: dataset is null");
  if (options_.batch_size() < 1) {
    throw std::invalid_argument("DataLoader: batch_size must be a positive integer, got " +
                                std::to_string(options_.batch_size()));
  }
  if (options_.sampler() && options_.shuffle()) {
    throw std::invalid_argument(
        "DataLoader: the sampler option is mutually exclusive with shuffle (the sampler "
        "decides the order)");
  }
  seed_ = options_.seed() ? *options_.seed() : default_generator().engine()();
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = options_.sampler() ? options_.sampler()->size() : dataset_->size();
  const std::int64_t b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

std::vector<std::int64_t> DataLoader::epoch_order(std::int64_t epoch) const {
  if (options_.sampler()) return options_.sampler()->indices(epoch);
  std::vector<std::int64_t> order(static_cast<std::size_t>(dataset_->size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  if (!options_.shuffle()) return order;
  // A generator per epoch, seeded from (seed, epoch): any epoch can be replayed on its own.
  std::seed_seq seq{static_cast<std::uint32_t>(seed_), static_cast<std::uint32_t>(seed_ >> 32),
                    static_cast<std::uint32_t>(epoch),
                    static_cast<std::uint32_t>(static_cast<std::uint64_t>(epoch) >> 32)};
  std::mt19937_64 engine(seq);
  for (std::size_t i = order.size(); i-- > 1;) {
    std::uniform_int_distribution<std::size_t> pick(0, i);
    std::swap(order[i], order[pick(engine)]);
  }
  return order;
}

DataLoader::Iterator DataLoader::begin() {
  Iterator it;
  it.loader_ = this;
  it.order_ = epoch_order(next_epoch_++);
  it.batches_ = size();
  it.load();
  return it;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++batch_;
  load();
  return *this;
}

void DataLoader::Iterator::load() {
  if (batch_ >= batches_) {
    current_ = Example<>();
    return;
  }
  const std::int64_t b = loader_->options_.batch_size();
  const auto first = static_cast<std::size_t>(batch_ * b);
  const std::size_t last = std::min(order_.size(), first + static_cast<std::size_t>(b));
  current_ = loader_->dataset_->get_batch(std::vector<std::int64_t>(
      order_.begin() + static_cast<std::ptrdiff_t>(first), order_.begin() + static_cast<std::ptrdiff_t>(last)));
}

}  // namespace xgrad::data
