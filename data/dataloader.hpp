// DataLoader: iterates over a dataset in batches, reshuffled every epoch. The batch size picks
// the regime of gradient descent: batch_size = N is full-batch GD, 1 < batch_size < N mini-batch
// GD, batch_size = 1 stochastic GD.
#pragma once
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <vector>

#include "../autograd/tensor.hpp"
#include "../optim/arg.hpp"
#include "dataset.hpp"
#include "sampler.hpp"

namespace xgrad::data {

// Options of both loaders: this file's DataLoader, and LibTorch's make_data_loader
// (stateless_data_loader.hpp), which takes batch_size, drop_last, workers, max_jobs and
// enforce_ordering and leaves the order to its sampler (shuffle and seed are this DataLoader's).
class DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  DataLoaderOptions(std::int64_t batch_size) : batch_size_(batch_size) {}  // NOLINT: implicit, as LibTorch

  XGRAD_ARG(std::int64_t, batch_size, 1)
  XGRAD_ARG(bool, shuffle, false)
  XGRAD_ARG(bool, drop_last, false)  // drop the last batch when it is smaller than batch_size
  // Seed of the shuffling; unset draws one from the global generator (see manual_seed) when
  // the loader is created. The order of epoch e depends only on (seed, e).
  XGRAD_ARG(std::optional<std::uint64_t>, seed, std::nullopt)
  // make_data_loader only: threads that load batches ahead (0: the iterating thread loads each
  // batch itself), and how many batches may be requested ahead (default 2 * workers). Batches
  // always arrive in the sampler's order, so enforce_ordering(false) changes nothing.
  XGRAD_ARG(std::size_t, workers, 0)
  XGRAD_ARG(std::optional<std::size_t>, max_jobs, std::nullopt)
  XGRAD_ARG(bool, enforce_ordering, true)
  // Where set, the sampler picks the indices of each epoch (e.g. a DistributedSampler's shard)
  // and size() counts its indices; shuffle must then be false (the sampler shuffles).
  XGRAD_ARG(std::shared_ptr<const Sampler>, sampler, nullptr)
};

class DataLoader {
 public:
  // Throws std::invalid_argument for a null dataset, batch_size < 1, or a sampler with shuffle.
  DataLoader(std::shared_ptr<const Dataset> dataset, const DataLoaderOptions& options = DataLoaderOptions());
  // Takes a copy of a concrete dataset: DataLoader(TensorDataset(x, y), options).
  template <class D>
  requires std::derived_from<D, Dataset> DataLoader(D dataset, const DataLoaderOptions& options = DataLoaderOptions())
      : DataLoader(std::make_shared<const D>(std::move(dataset)), options) {}

  class Iterator;
  struct Sentinel {};

  // Starts the next epoch (the first call starts epoch 0) and returns its first batch.
  Iterator begin();
  Sentinel end() const noexcept { return {}; }

  std::int64_t size() const;                                       // batches per epoch
  std::int64_t epoch() const noexcept { return next_epoch_ - 1; }  // the epoch begin() last started
  // The epoch the next begin() starts (to resume a run).
  void set_epoch(std::int64_t epoch) noexcept { next_epoch_ = epoch; }
  // The example order of `epoch` (the identity without shuffle).
  std::vector<std::int64_t> epoch_order(std::int64_t epoch) const;
  const Dataset& dataset() const noexcept { return *dataset_; }
  const DataLoaderOptions& options() const noexcept { return options_; }

  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example<>;
    using difference_type = std::ptrdiff_t;
    using pointer = const Example<>*;
    using reference = const Example<>&;

    Iterator() = default;
    const Example<>& operator*() const { return current_; }
    const Example<>* operator->() const { return &current_; }
    Iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const Iterator& it, Sentinel) noexcept { return it.batch_ >= it.batches_; }

   private:
    friend class DataLoader;
    void load();
    const DataLoader* loader_ = nullptr;
    std::vector<std::int64_t> order_;
    std::int64_t batch_ = 0, batches_ = 0;
    Example<> current_;
  };

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::uint64_t seed_;
  std::int64_t next_epoch_ = 0;
};

}  // namespace xgrad::data
