// GroupNorm, InstanceNorm1d and InstanceNorm2d (the computations are F::group_norm and
// F::instance_norm, nn/functional/group_norm.hpp), as LibTorch's Impls with holders:
//   nn::GroupNorm gn(nn::GroupNormOptions(2, 6).eps(1e-3));   // 2 groups of 3 channels
//   nn::InstanceNorm2d in(nn::InstanceNorm2dOptions(6).affine(true).track_running_stats(true));
#pragma once
#include <cstdint>
#include <string>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

struct GroupNormOptions {
  GroupNormOptions(std::int64_t num_groups, std::int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  XGRAD_ARG(std::int64_t, num_groups, {})
  XGRAD_ARG(std::int64_t, num_channels, {})
  XGRAD_ARG(double, eps, 1e-5)
  XGRAD_ARG(bool, affine, true)
};

// Input [N, C, *] with C = num_channels. Parameters (when affine): weight (ones), bias (zeros) [C].
// num_channels not divisible by num_groups throws at construction.
class GroupNormImpl : public Module {
 public:
  explicit GroupNormImpl(const GroupNormOptions& options);
  GroupNormImpl(std::int64_t num_groups, std::int64_t num_channels)
      : GroupNormImpl(GroupNormOptions(num_groups, num_channels)) {}
  Tensor forward(const Tensor& input);
  void reset_parameters();
  std::string extra_repr() const override;
  GroupNormOptions options;
  Tensor weight, bias;  // undefined unless affine
};
XGRAD_MODULE(GroupNorm);

// PyTorch's defaults: no affine parameters, no running statistics.
struct InstanceNormOptions {
  InstanceNormOptions(std::int64_t num_features) : num_features_(num_features) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, num_features, {})
  XGRAD_ARG(double, eps, 1e-5)
  XGRAD_ARG(double, momentum, 0.1)
  XGRAD_ARG(bool, affine, false)
  XGRAD_ARG(bool, track_running_stats, false)
};
using InstanceNorm1dOptions = InstanceNormOptions;
using InstanceNorm2dOptions = InstanceNormOptions;

// Normalises each (sample, channel) over its spatial positions. In training, or when not
// tracking, with its own statistics (updating running_mean / running_var when tracking);
// in eval mode with tracking, with the running statistics. Buffers when tracking:
// running_mean (zeros), running_var (ones), num_batches_tracked (kept for state-dict parity
// with PyTorch, which never increments it here).
class InstanceNormBase : public Module {
 public:
  Tensor forward(const Tensor& input);
  void reset_running_stats();
  void reset_parameters();
  std::string extra_repr() const override;
  InstanceNormOptions options;
  Tensor weight, bias;                                    // undefined unless affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined unless tracking

 protected:
  InstanceNormBase(const char* type_name, const InstanceNormOptions& options, std::int64_t batched_dim);

 private:
  std::int64_t batched_dim_;
};

// Input [N, C, L] or unbatched [C, L].
class InstanceNorm1dImpl : public InstanceNormBase {
 public:
  explicit InstanceNorm1dImpl(const InstanceNormOptions& o) : InstanceNormBase("InstanceNorm1d", o, 3) {}
  explicit InstanceNorm1dImpl(std::int64_t num_features) : InstanceNorm1dImpl(InstanceNormOptions(num_features)) {}
};
XGRAD_MODULE(InstanceNorm1d);

// Input [N, C, H, W] or unbatched [C, H, W].
class InstanceNorm2dImpl : public InstanceNormBase {
 public:
  explicit InstanceNorm2dImpl(const InstanceNormOptions& o) : InstanceNormBase("InstanceNorm2d", o, 4) {}
  explicit InstanceNorm2dImpl(std::int64_t num_features) : InstanceNorm2dImpl(InstanceNormOptions(num_features)) {}
};
XGRAD_MODULE(InstanceNorm2d);

}  // namespace xgrad::nn
