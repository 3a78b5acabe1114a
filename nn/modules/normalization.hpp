// Normalisation layers: BatchNorm1d, BatchNorm2d (per-channel batch statistics, running
// averages for evaluation) and LayerNorm (per-sample statistics over the trailing dims).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "../module.hpp"

namespace xgrad::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // Weight of the newest batch in the running averages; nullopt: a cumulative average
  // (1 / num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learnable weight (ones) and bias (zeros) of shape [C]
  bool track_running_stats = true;  // else batch statistics are used in eval mode too
};

// Shared by BatchNorm1d and BatchNorm2d. Buffers: running_mean (zeros), running_var (ones),
// num_batches_tracked (Int64 scalar). In training, forward normalises with the batch mean
// and biased variance and updates the running averages (the variance unbiased); in eval it
// uses the running averages.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias;                                    // undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless tracking

 protected:
  BatchNormBase(const char* type_name, std::int64_t num_features, const BatchNormOptions& options, std::int64_t min_dim,
                std::int64_t max_dim);

 private:
  std::int64_t min_dim_, max_dim_;
};

// Input [N, C] or [N, C, L].
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormBase("BatchNorm1d", num_features, options, 2, 3) {}
};

// Input [N, C, H, W].
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {})
      : BatchNormBase("BatchNorm2d", num_features, options, 4, 4) {}
};

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;  // learnable weight (ones) of shape normalized_shape
  bool bias = true;                // and bias (zeros), when elementwise_affine
};

// Normalises each sample over its last normalized_shape.size() dims.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, const LayerNormOptions& options = {});
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  std::string extra_repr() const override;

  Shape normalized_shape;
  LayerNormOptions options;
  Tensor weight, bias;
};

}  // namespace xgrad::nn
