// LibTorch's top-level (ATen) spellings of adaptive pooling, the upsampling kernels, group and
// instance norm and embedding_renorm_, with ATen's positional arguments: thin forwards to
// nn::functional (semantics, shapes and errors are theirs). torch::mode is xgrad::mode (ops_scan.hpp).
#pragma once
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "adaptive_pool.hpp"
#include "embedding.hpp"
#include "group_norm.hpp"
#include "interpolate.hpp"

namespace xgrad {

using nn::functional::adaptive_avg_pool1d;
using nn::functional::adaptive_avg_pool2d;
using nn::functional::embedding_renorm_;
// As ATen: the max poolings return (values, indices).
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d(const Tensor& self, std::int64_t output_size) {
  return nn::functional::adaptive_max_pool1d_with_indices(self, output_size);
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d(const Tensor& self, nn::OptionalSize2 output_size) {
  return nn::functional::adaptive_max_pool2d_with_indices(self, output_size);
}

inline Tensor group_norm(const Tensor& input, std::int64_t num_groups, const Tensor& weight = Tensor(),
                         const Tensor& bias = Tensor(), double eps = 1e-5, bool /*cudnn_enabled*/ = true) {
  return nn::functional::group_norm(input, num_groups, weight, bias, eps);
}
inline Tensor instance_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                            const Tensor& running_var, bool use_input_stats, double momentum, double eps,
                            bool /*cudnn_enabled*/ = true) {
  return nn::functional::instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps);
}

// ATen's upsampling kernels: output_size given; scales, when all are given and
// floor(in * scale) gives output_size, are used in the source-index formula (as interpolate
// without recompute_scale_factor); otherwise they are ignored and in / out is used.
namespace detail {
inline Tensor upsample(const Tensor& self, const std::vector<std::int64_t>& output_size, nn::InterpolateMode mode,
                       std::optional<bool> align_corners, const std::vector<std::optional<double>>& scales) {
  // interpolate takes either sizes or scales; with scales it recomputes the sizes, so check they agree.
  bool all_scales = true;
  for (const auto& s : scales) all_scales = all_scales && s.has_value();
  auto o = nn::InterpolateFuncOptions().mode(mode).align_corners(align_corners);
  if (all_scales && !scales.empty()) {
    std::vector<double> sf;
    for (const auto& s : scales) sf.push_back(*s);
    Tensor y = nn::functional::interpolate(self, o.scale_factor(sf));
    bool same = true;
    for (std::size_t k = 0; k < output_size.size(); ++k) same = same && y.size(2 + k) == output_size[k];
    if (same) return y;
  }
  return nn::functional::interpolate(self, o.size(output_size));
}
}  // namespace detail
inline Tensor upsample_nearest1d(const Tensor& self, std::vector<std::int64_t> output_size,
                                 std::optional<double> scales = std::nullopt) {
  return detail::upsample(self, output_size, nn::kNearest, std::nullopt, {scales});
}
inline Tensor upsample_nearest2d(const Tensor& self, std::vector<std::int64_t> output_size,
                                 std::optional<double> scales_h = std::nullopt,
                                 std::optional<double> scales_w = std::nullopt) {
  return detail::upsample(self, output_size, nn::kNearest, std::nullopt, {scales_h, scales_w});
}
inline Tensor upsample_linear1d(const Tensor& self, std::vector<std::int64_t> output_size, bool align_corners,
                                std::optional<double> scales = std::nullopt) {
  return detail::upsample(self, output_size, nn::kLinear, align_corners, {scales});
}
inline Tensor upsample_bilinear2d(const Tensor& self, std::vector<std::int64_t> output_size, bool align_corners,
                                  std::optional<double> scales_h = std::nullopt,
                                  std::optional<double> scales_w = std::nullopt) {
  return detail::upsample(self, output_size, nn::kBilinear, align_corners, {scales_h, scales_w});
}

}  // namespace xgrad
