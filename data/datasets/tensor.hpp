// LibTorch's datasets::TensorDataset: the rows (along dim 0) of one tensor as unlabelled
// examples (TensorExample). Not xgrad::data::TensorDataset (dataset.hpp), which pairs data with
// targets for xgrad's own DataLoader.
#pragma once
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../../autograd/ops.hpp"
#include "base.hpp"

namespace xgrad::data::datasets {

class TensorDataset : public Dataset<TensorDataset, TensorExample> {
 public:
  // The tensors stacked along a new first dim.
  explicit TensorDataset(const std::vector<Tensor>& tensors) : TensorDataset(stack(tensors)) {}
  // Throws std::invalid_argument for an undefined or 0-dimensional tensor.
  explicit TensorDataset(Tensor tensor) : tensor(std::move(tensor)) {
    if (!this->tensor.defined() || this->tensor.dim() == 0)
      throw std::invalid_argument("TensorDataset: expected a tensor with a first (example) dim");
  }
  TensorExample get(std::size_t index) override {
    if (index >= static_cast<std::size_t>(tensor.size(0))) {
      throw std::out_of_range("TensorDataset::get: index " + std::to_string(index) + " is out of range for " +
                              std::to_string(tensor.size(0)) + " examples");
    }
    return tensor[static_cast<std::int64_t>(index)];
  }
  std::optional<std::size_t> size() const override { return static_cast<std::size_t>(tensor.size(0)); }

  Tensor tensor;
};

}  // namespace xgrad::data::datasets
