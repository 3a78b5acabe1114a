// LibTorch's data loader (torch::data::make_data_loader): batches of a dataset in the order of
// a sampler, optionally loaded ahead by worker threads.
//
//   auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
//       std::move(dataset), data::DataLoaderOptions().batch_size(64).workers(2));
//   for (auto& batch : *loader) { ... batch.data ... batch.target ... }
//
// Each `begin()` starts an epoch: it resets the sampler (RandomSampler draws a new permutation
// from the global generator) and returns an iterator over the epoch's batches. A batch is
// whatever the dataset's get_batch returns: a std::vector<Example<>> for a Dataset, one stacked
// Example<> after .map(transforms::Stack<>()). With drop_last, a last batch smaller than
// batch_size is left out.
//
// workers(n) > 0 starts n threads, each with its own copy of the dataset (the dataset must be
// copyable, and its get/get_batch must be safe to run on copies in parallel: read-only shared
// tensors are). They load up to max_jobs (default 2n) batches ahead; batches are always handed
// out in the sampler's order, so a loader gives the same batches whatever its workers. An
// exception thrown while loading a batch is rethrown when the iteration reaches that batch.
// The threads are joined by join() or the destructor.
#pragma once
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "dataloader.hpp"
#include "samplers/samplers.hpp"
#include "worker_queue.hpp"

namespace xgrad::data {

// An input iterator over one epoch's batches; equal to end() when the epoch is over.
template <class Batch>
class Iterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = Batch;
  using difference_type = std::ptrdiff_t;
  using pointer = Batch*;
  using reference = Batch&;

  Iterator() = default;  // the end
  explicit Iterator(std::function<std::optional<Batch>()> next)
      : state_(std::make_shared<State>(State{std::move(next), std::nullopt})) {
    state_->current = state_->next();
  }
  Batch& operator*() const {
    if (at_end()) throw std::out_of_range("data loader iterator: dereferenced past the end");
    return *state_->current;
  }
  Batch* operator->() const { return &**this; }
  Iterator& operator++() {
    if (at_end()) throw std::out_of_range("data loader iterator: incremented past the end");
    state_->current = state_->next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const Iterator& a, const Iterator& b) {
    return (a.at_end() && b.at_end()) || a.state_ == b.state_;
  }

 private:
  struct State {
    std::function<std::optional<Batch>()> next;
    std::optional<Batch> current;
  };
  bool at_end() const { return !state_ || !state_->current; }
  std::shared_ptr<State> state_;
};

template <class Dataset, class Sampler>
class StatelessDataLoader {
 public:
  using BatchType = typename Dataset::BatchType;
  using BatchRequestType = typename Sampler::BatchRequestType;

  // Throws std::invalid_argument for batch_size < 1, or workers > 0 with a dataset that cannot
  // be copied.
  StatelessDataLoader(Dataset dataset, Sampler sampler, DataLoaderOptions options)
      : sampler_(std::move(sampler)), options_(std::move(options)) {
    if (options_.batch_size() < 1) {
      throw std::invalid_argument("make_data_loader: batch_size must be positive, got " +
                                  std::to_string(options_.batch_size()));
    }
    if (options_.workers() == 0) {
      dataset_.emplace(std::move(dataset));
      return;
    }
    if constexpr (std::is_copy_constructible_v<Dataset>) {
      std::vector<typename Queue::Fetch> fetchers;
      for (std::size_t w = 0; w < options_.workers(); ++w) {
        fetchers.push_back([copy = dataset](BatchRequestType r) mutable { return copy.get_batch(std::move(r)); });
      }
      queue_ = std::make_unique<Queue>();
      queue_->start(std::move(fetchers));
    } else {
      throw std::invalid_argument(
          "make_data_loader: workers(n) copies the dataset into each worker, and this "
          "dataset type cannot be copied (use workers(0))");
    }
  }
  ~StatelessDataLoader() { join(); }
  StatelessDataLoader(const StatelessDataLoader&) = delete;
  StatelessDataLoader& operator=(const StatelessDataLoader&) = delete;

  // Starts a new epoch; see the top of the file.
  Iterator<BatchType> begin() {
    sampler_.reset(std::nullopt);
    if (queue_) {
      queue_->reset();
      prefetch();
    }
    return Iterator<BatchType>([this] { return next(); });
  }
  Iterator<BatchType> end() { return Iterator<BatchType>(); }
  // Stops and joins the worker threads; with workers, a later begin() throws std::logic_error.
  void join() {
    if (queue_) queue_->stop();
  }
  const DataLoaderOptions& options() const noexcept { return options_; }

 private:
  using Queue = detail::WorkerQueue<BatchRequestType, BatchType>;

  std::optional<BatchRequestType> next_request() {
    auto request = sampler_.next(static_cast<std::size_t>(options_.batch_size()));
    if (!request) return std::nullopt;
    if (options_.drop_last() && request->size() < static_cast<std::size_t>(options_.batch_size())) return std::nullopt;
    return request;
  }
  void prefetch() {
    const std::size_t max_jobs = options_.max_jobs().value_or(2 * options_.workers());
    while (queue_->in_flight() < std::max<std::size_t>(max_jobs, 1)) {
      auto request = next_request();
      if (!request) break;
      queue_->push(std::move(*request));
    }
  }
  std::optional<BatchType> next() {
    if (!queue_) {
      auto request = next_request();
      if (!request) return std::nullopt;
      return dataset_->get_batch(std::move(*request));
    }
    if (queue_->in_flight() == 0) return std::nullopt;
    BatchType batch = queue_->pop();
    prefetch();
    return batch;
  }

  Sampler sampler_;
  DataLoaderOptions options_;
  std::optional<Dataset> dataset_;  // workers(0): loaded by the iterating thread
  std::unique_ptr<Queue> queue_;    // workers(n)
};

// The loader of `dataset` (moved in) with `sampler`.
template <class Dataset, class Sampler>
requires std::derived_from<Sampler, samplers::Sampler<typename Sampler::BatchRequestType>>
    std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset, Sampler sampler,
                                                                            DataLoaderOptions options) {
  return std::make_unique<StatelessDataLoader<Dataset, Sampler>>(std::move(dataset), std::move(sampler),
                                                                 std::move(options));
}

// With a Sampler (RandomSampler by default, as LibTorch) made from dataset.size(). Throws
// std::invalid_argument when the dataset has no size.
template <class Sampler = samplers::RandomSampler, class Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(
    Dataset dataset, DataLoaderOptions options = DataLoaderOptions()) {
  const std::optional<std::size_t> size = dataset.size();
  if (!size) throw std::invalid_argument("make_data_loader: the dataset has no size(); pass a sampler");
  Sampler sampler(*size);
  return make_data_loader(std::move(dataset), std::move(sampler), std::move(options));
}

template <class Sampler = samplers::RandomSampler, class Dataset>
std::unique_ptr<StatelessDataLoader<Dataset, Sampler>> make_data_loader(Dataset dataset, std::size_t batch_size) {
  return make_data_loader<Sampler>(std::move(dataset), DataLoaderOptions(static_cast<std::int64_t>(batch_size)));
}

}  // namespace xgrad::data
