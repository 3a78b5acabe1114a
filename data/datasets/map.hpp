// MapDataset: a dataset whose batches are another dataset's batches passed through a transform
// (transform.apply_batch). Made by `dataset.map(transform)`; maps chain:
// MNIST(root).map(Normalize<>(0.1307, 0.3081)).map(Stack<>()).
#pragma once
#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "base.hpp"

namespace xgrad::data::datasets {

template <class SourceDataset, class AppliedTransform>
class MapDataset
    : public BatchDataset<MapDataset<SourceDataset, AppliedTransform>, typename AppliedTransform::OutputBatchType,
                          typename SourceDataset::BatchRequestType> {
 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using BatchType = typename AppliedTransform::OutputBatchType;
  using BatchRequestType = typename SourceDataset::BatchRequestType;
  static_assert(std::is_convertible_v<typename SourceDataset::BatchType, typename AppliedTransform::InputBatchType>,
                "map: the transform's input batch type is not the dataset's batch type");

  MapDataset(SourceDataset dataset, AppliedTransform transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  BatchType get_batch(BatchRequestType request) override {
    return transform_.apply_batch(dataset_.get_batch(std::move(request)));
  }
  std::optional<std::size_t> size() const override { return dataset_.size(); }

  const SourceDataset& dataset() noexcept { return dataset_; }
  const AppliedTransform& transform() noexcept { return transform_; }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

template <class D, class T>
MapDataset<D, T> map(D dataset, T transform) {
  return MapDataset<D, T>(std::move(dataset), std::move(transform));
}

}  // namespace xgrad::data::datasets
