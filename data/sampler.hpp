// Sampler: which dataset indices a DataLoader visits in an epoch, and in which order (PyTorch's
// torch.utils.data.Sampler). The DataLoader calls indices(epoch) with its own epoch counter.
#pragma once
#include <cstdint>
#include <vector>

namespace xgrad::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The indices of `epoch`, in visiting order; every index in [0, dataset size).
  virtual std::vector<std::int64_t> indices(std::int64_t epoch) const = 0;
  // How many indices indices() returns (the same for every epoch).
  virtual std::int64_t size() const = 0;
};

}  // namespace xgrad::data
