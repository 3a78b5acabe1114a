// LibTorch's dataset interfaces (torch::data::datasets), as CRTP base classes:
//
//   struct MyData : data::datasets::Dataset<MyData> {          // examples are Example<>
//     data::Example<> get(size_t index) override { ... }
//     std::optional<size_t> size() const override { ... }
//   };
//
// BatchDataset<Self, Batch, Request> returns a whole batch for a request (a list of indices);
// Dataset<Self, SingleExample> returns one example per index and makes a batch of them as a
// std::vector. `.map(transform)` wraps either in a MapDataset (map.hpp) that applies a transform
// (data/transforms/) to every batch. Datasets are copied into each loader worker thread
// (make_data_loader with workers(n)), so get() must only read shared state.
#pragma once
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "../example.hpp"

namespace xgrad {
// LibTorch code spells size()'s type torch::optional<size_t> (a using-declaration: repeating it
// elsewhere is harmless).
using std::nullopt;
using std::optional;
}  // namespace xgrad

namespace xgrad::data::datasets {

template <class SourceDataset, class AppliedTransform>
class MapDataset;
template <class D, class T>
MapDataset<D, T> map(D dataset, T transform);

template <class Self, class Batch = std::vector<Example<>>, class BatchRequest = std::vector<std::size_t>>
class BatchDataset {
 public:
  using SelfType = Self;
  using BatchType = Batch;
  using BatchRequestType = BatchRequest;
  static constexpr bool is_stateful = false;

  virtual ~BatchDataset() = default;
  // The batch for `request` (the indices a sampler chose).
  virtual Batch get_batch(BatchRequest request) = 0;
  // The number of examples; std::nullopt when unknown (make_data_loader then needs a sampler).
  virtual std::optional<std::size_t> size() const = 0;

  // This dataset (copied, or moved out of an rvalue) with `transform` applied to each batch.
  template <class TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return datasets::map(static_cast<Self&>(*this), std::move(transform));
  }
  template <class TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return datasets::map(std::move(static_cast<Self&>(*this)), std::move(transform));
  }
};

template <class Self, class SingleExample = Example<>>
class Dataset : public BatchDataset<Self, std::vector<SingleExample>> {
 public:
  using ExampleType = SingleExample;

  // Example `index`, for index in [0, size()).
  virtual ExampleType get(std::size_t index) = 0;

  // get() for each index, in order.
  std::vector<ExampleType> get_batch(std::vector<std::size_t> indices) override {
    std::vector<ExampleType> batch;
    batch.reserve(indices.size());
    for (const std::size_t i : indices) batch.push_back(get(i));
    return batch;
  }
};

}  // namespace xgrad::data::datasets

#include "map.hpp"
