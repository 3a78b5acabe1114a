// Embedding's max_norm: PyTorch's embedding_renorm_, an in-place, unrecorded rescaling of the
// looked-up rows whose norm is too large, before the lookup.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../autograd/format.hpp"
#include "../../autograd/op_support.hpp"
#include "embedding.hpp"

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

Tensor embedding_renorm_(const Tensor& weight, const Tensor& indices, double max_norm, double norm_type) {
  check_defined(weight, "embedding_renorm_", "weight");
  check_defined(indices, "embedding_renorm_", "indices");
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("embedding_renorm_: " + why + " (weight " + describe(weight) + ", indices " +
                                describe(indices) + ", max_norm=" + num_str(max_norm) +
                                ", norm_type=" + num_str(norm_type) + ")");
  };
  if (indices.dtype() != kInt64 || weight.dim() != 2 || !weight.is_floating_point()) {
    fail("expected Int64 indices and a 2-D floating weight");
  }
  if (!(max_norm >= 0)) fail("max_norm must be non-negative");
  if (!(norm_type > 0)) fail("norm_type must be positive");
  std::vector<std::int64_t> rows = copy_as(indices, kInt64).to_vector<std::int64_t>();
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  for (std::int64_t r : rows) {
    if (r < 0 || r >= weight.size(0)) {
      throw std::out_of_range("embedding_renorm_: index " + std::to_string(r) + " is out of range for weight " +
                              describe(weight));
    }
  }
  NoGradGuard no_grad;
  for (std::int64_t r : rows) {
    Tensor row = weight.select(0, r);
    const double n = norm(row, norm_type).item<double>();
    if (n > max_norm) row.mul_(max_norm / (n + 1e-7));
  }
  return weight;
}

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<std::int64_t> padding_idx,
                 std::optional<double> max_norm, double norm_type) {
  if (max_norm) {
    check_defined(indices, "embedding", "indices");
    check_defined(weight, "embedding", "weight");
    if (indices.dtype() == kInt64 && weight.dim() == 2 && weight.is_floating_point()) {
      // Bad indices are reported by the lookup below, before any row is touched.
      const std::vector<std::int64_t> all = copy_as(indices, kInt64).to_vector<std::int64_t>();
      const bool in_range =
          std::all_of(all.begin(), all.end(), [&](std::int64_t i) { return i >= 0 && i < weight.size(0); });
      if (in_range) embedding_renorm_(weight, indices, *max_norm, norm_type);
      else return embedding(indices, weight, padding_idx);  // throws, naming the index
    }
  }
  return embedding(indices, weight, padding_idx);
}

}  // namespace xgrad::nn::functional
