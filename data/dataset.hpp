// Datasets: indexable collections of (input, target) examples, the tensor-backed one, a seeded
// train/test split and feature standardisation.
#pragma once
#include <cstdint>
#include <vector>

#include "../autograd/tensor.hpp"
#include "example.hpp"

namespace xgrad::data {

// Example<> (example.hpp) is one example, or a batch of them stacked along a new first dim.

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  // Example `index` in [0, size()); throws std::out_of_range otherwise.
  virtual Example<> get(std::int64_t index) const = 0;
  // The examples at `indices`, stacked along a new first dim. The default calls get() for each
  // index; datasets that can gather rows directly override it.
  virtual Example<> get_batch(const std::vector<std::int64_t>& indices) const;
};

// Rows of `data` and `targets` (both indexed along dim 0) as examples. The tensors are
// detached: a dataset holds data, not graph history.
class TensorDataset : public Dataset {
 public:
  // Throws std::invalid_argument when sizes along dim 0 differ or data is 0-dimensional.
  TensorDataset(const Tensor& data, const Tensor& targets = Tensor());
  std::int64_t size() const override { return data_.size(0); }
  Example<> get(std::int64_t index) const override;
  Example<> get_batch(const std::vector<std::int64_t>& indices) const override;
  const Tensor& data() const noexcept { return data_; }
  const Tensor& targets() const noexcept { return targets_; }

 private:
  Tensor data_, targets_;
};

// Copies the rows (along dim 0) of `t` at `indices` into a fresh contiguous tensor of shape
// [indices.size(), ...]. Throws std::out_of_range for an index outside [0, t.size(0)).
Tensor take_rows(const Tensor& t, const std::vector<std::int64_t>& indices);

struct TrainTestSplit {
  Tensor x_train, y_train, x_test, y_test;
};

// Shuffles the rows with a generator seeded by `seed` (the same seed gives the same split) and
// puts ceil(test_fraction * n) of them in the test part. Throws std::invalid_argument unless
// 0 < test_fraction < 1, both parts are non-empty and x, y have the same number of rows.
TrainTestSplit train_test_split(const Tensor& x, const Tensor& y, double test_fraction, std::uint64_t seed);

// Per-feature (column) standardisation: x' = (x - mean) / std with the mean and the population
// standard deviation of the data it was fitted on (constant columns get std 1). Fit it on the
// training set and apply the same transform to the test set. Columns of values near the
// double range (+-1e300, 1.7e308) and near its bottom (1e-300) are handled without overflow.
class Standardizer {
 public:
  Standardizer() = default;
  // A fitted transform from saved statistics: mean and scale of shape [features].
  Standardizer(const Tensor& mean, const Tensor& scale);
  // x: [n, features] floating point, n >= 1, finite. Throws std::invalid_argument otherwise.
  Standardizer& fit(const Tensor& x);
  // x: [m, features] with the fitted number of features; same dtype out, no graph history.
  Tensor transform(const Tensor& x) const;
  Tensor fit_transform(const Tensor& x) { return fit(x).transform(x); }
  const Tensor& mean() const noexcept { return mean_; }
  const Tensor& scale() const noexcept { return scale_; }

 private:
  Tensor mean_, scale_;  // Float64 [features]
};

}  // namespace xgrad::data
