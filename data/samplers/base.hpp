// LibTorch's Sampler interface (torch::data::samplers): the source of the index lists that a
// data loader turns into batches. reset() starts a new epoch (optionally with a new dataset
// size); next(n) returns the next up to n indices, or std::nullopt when the epoch is over.
#pragma once
#include <cstddef>
#include <optional>
#include <vector>

namespace xgrad::data::samplers {

template <class BatchRequest = std::vector<std::size_t>>
class Sampler {
 public:
  using BatchRequestType = BatchRequest;
  virtual ~Sampler() = default;
  virtual void reset(std::optional<std::size_t> new_size) = 0;
  virtual std::optional<BatchRequest> next(std::size_t batch_size) = 0;
};

}  // namespace xgrad::data::samplers
