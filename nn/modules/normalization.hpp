// Normalisation layers: BatchNorm1d, BatchNorm2d (per-channel batch statistics, running
// averages for evaluation) and LayerNorm (per-sample statistics over the trailing dims).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

// xgrad's designated-initialiser configuration: nn::BatchNorm1d bn(16, {.momentum = 0.01}).
struct BatchNormConfig {
  double eps = 1e-5;
  // Weight of the newest batch in the running averages; nullopt: a cumulative average
  // (1 / num_batches_tracked), as PyTorch's momentum=None.
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learnable weight (ones) and bias (zeros) of shape [C]
  bool track_running_stats = true;  // else batch statistics are used in eval mode too
};

// LibTorch's builder: nn::BatchNorm2d(nn::BatchNorm2dOptions(16).eps(1e-3).affine(false)).
struct BatchNormOptions {
  BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, num_features, {})
  XGRAD_ARG(double, eps, 1e-5)
  XGRAD_ARG(std::optional<double>, momentum, 0.1)
  XGRAD_ARG(bool, affine, true)
  XGRAD_ARG(bool, track_running_stats, true)
  BatchNormConfig config() const { return {eps_, momentum_, affine_, track_running_stats_}; }
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

// Shared by BatchNorm1d and BatchNorm2d. Buffers: running_mean (zeros), running_var (ones),
// num_batches_tracked (Int64 scalar). In training, forward normalises with the batch mean
// and biased variance and updates the running averages (the variance unbiased); in eval it
// uses the running averages.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& input);
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t num_features;
  BatchNormConfig options;
  Tensor weight, bias;                                    // undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless tracking

 protected:
  BatchNormBase(const char* type_name, std::int64_t num_features, const BatchNormConfig& options, std::int64_t min_dim,
                std::int64_t max_dim);

 private:
  std::int64_t min_dim_, max_dim_;
};

// Input [N, C] or [N, C, L].
class BatchNorm1dImpl : public BatchNormBase {
 public:
  explicit BatchNorm1dImpl(std::int64_t num_features, const BatchNormConfig& options = {})
      : BatchNormBase("BatchNorm1d", num_features, options, 2, 3) {}
  explicit BatchNorm1dImpl(const BatchNormOptions& o) : BatchNorm1dImpl(o.num_features(), o.config()) {}
};
class BatchNorm1d : public ModuleHolder<BatchNorm1dImpl> {
 public:
  using ModuleHolder<BatchNorm1dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = BatchNorm1dImpl;
  BatchNorm1d(std::int64_t num_features, const BatchNormConfig& config)  // the braced form
      : ModuleHolder<BatchNorm1dImpl>(std::make_shared<BatchNorm1dImpl>(num_features, config)) {}
};

// Input [N, C, H, W].
class BatchNorm2dImpl : public BatchNormBase {
 public:
  explicit BatchNorm2dImpl(std::int64_t num_features, const BatchNormConfig& options = {})
      : BatchNormBase("BatchNorm2d", num_features, options, 4, 4) {}
  explicit BatchNorm2dImpl(const BatchNormOptions& o) : BatchNorm2dImpl(o.num_features(), o.config()) {}
};
class BatchNorm2d : public ModuleHolder<BatchNorm2dImpl> {
 public:
  using ModuleHolder<BatchNorm2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = BatchNorm2dImpl;
  BatchNorm2d(std::int64_t num_features, const BatchNormConfig& config)  // the braced form
      : ModuleHolder<BatchNorm2dImpl>(std::make_shared<BatchNorm2dImpl>(num_features, config)) {}
};

// xgrad's designated-initialiser configuration: nn::LayerNorm({8}, {.elementwise_affine = false}).
struct LayerNormConfig {
  double eps = 1e-5;
  bool elementwise_affine = true;  // learnable weight (ones) of shape normalized_shape
  bool bias = true;                // and bias (zeros), when elementwise_affine
};

// LibTorch's builder: nn::LayerNorm(nn::LayerNormOptions({8}).eps(1e-6)).
struct LayerNormOptions {
  LayerNormOptions(std::vector<std::int64_t> normalized_shape)  // NOLINT: as LibTorch
      : normalized_shape_(std::move(normalized_shape)) {}
  XGRAD_ARG(std::vector<std::int64_t>, normalized_shape, {})
  XGRAD_ARG(double, eps, 1e-5)
  XGRAD_ARG(bool, elementwise_affine, true)
  XGRAD_ARG(bool, bias, true)
};

// Normalises each sample over its last normalized_shape.size() dims.
class LayerNormImpl : public Module {
 public:
  explicit LayerNormImpl(Shape normalized_shape, const LayerNormConfig& options = {});
  explicit LayerNormImpl(const LayerNormOptions& o)
      : LayerNormImpl(Shape(o.normalized_shape().begin(), o.normalized_shape().end()),
                      {o.eps(), o.elementwise_affine(), o.bias()}) {}
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;

  Shape normalized_shape;
  LayerNormConfig options;
  Tensor weight, bias;
};
class LayerNorm : public ModuleHolder<LayerNormImpl> {
 public:
  using ModuleHolder<LayerNormImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = LayerNormImpl;
  LayerNorm(Shape normalized_shape, const LayerNormConfig& config = {})  // the braced forms
      : ModuleHolder<LayerNormImpl>(std::make_shared<LayerNormImpl>(std::move(normalized_shape), config)) {}
};

}  // namespace xgrad::nn
