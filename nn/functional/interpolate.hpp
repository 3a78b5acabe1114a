// F::interpolate (torch.nn.functional.interpolate) for 1-d and 2-d spatial inputs; the module
// nn::Upsample is in nn/modules/upsample.hpp.
//
// Input [N, C, L] (1-d) or [N, C, H, W] (2-d), Float32 or Float64. Exactly one of size (output
// sizes, one per spatial dim) and scale_factor (one per spatial dim; output = floor(in * s))
// must be given. Modes, with PyTorch's source-index formulas:
//   kNearest:      src = min(floor(dst * scale), in - 1), computed in float as PyTorch
//                  (out == in copies, out == 2 in takes dst / 2)
//   kNearestExact: src = min(floor((dst + 0.5) * scale), in - 1)
//   kLinear (3-D), kBilinear (4-D): src = scale * dst with align_corners, else
//                  max(scale * (dst + 0.5) - 0.5, 0); weights to floor(src) and the next sample
//   kArea:         adaptive_avg_pool1d / 2d to the output size
// where scale = (in - 1) / (out - 1) with align_corners (0 if out == 1), else 1 / scale_factor
// when a scale_factor is given and recompute_scale_factor is not true, else in / out.
// align_corners may only be set for kLinear / kBilinear (default false there).
// Gradients: the grad_fn is UpsampleNearest1DBackward0 / UpsampleNearest2DBackward0 /
// UpsampleNearestExact*, UpsampleLinear1DBackward0 / UpsampleBilinear2DBackward0, differentiable
// to any order (the op is linear; see resample.hpp for how and what it costs).
// Errors (std::invalid_argument naming interpolate, the shapes and dtypes): neither or both of
// size / scale_factor, a wrong number of sizes or scales, non-positive sizes, a mode / input
// rank mismatch ("Got 4D input, but linear mode needs 3D input"), align_corners with kNearest.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn {

enum class InterpolateMode { Nearest, NearestExact, Linear, Bilinear, Area };
inline constexpr InterpolateMode kNearest = InterpolateMode::Nearest;
inline constexpr InterpolateMode kNearestExact = InterpolateMode::NearestExact;
inline constexpr InterpolateMode kLinear = InterpolateMode::Linear;
inline constexpr InterpolateMode kBilinear = InterpolateMode::Bilinear;
inline constexpr InterpolateMode kArea = InterpolateMode::Area;
// "nearest", "bilinear", ... as PyTorch spells the mode.
const char* mode_name(InterpolateMode mode);

// LibTorch's builder. size and scale_factor also take a braced list directly:
// F::InterpolateFuncOptions().scale_factor({2, 2}).mode(nn::kBilinear).align_corners(false).
struct InterpolateFuncOptions {
  XGRAD_ARG(std::optional<std::vector<std::int64_t>>, size, std::nullopt)
  XGRAD_ARG(std::optional<std::vector<double>>, scale_factor, std::nullopt)
  XGRAD_ARG(InterpolateMode, mode, kNearest)
  XGRAD_ARG(std::optional<bool>, align_corners, std::nullopt)
  XGRAD_ARG(std::optional<bool>, recompute_scale_factor, std::nullopt)
 public:
  auto& size(std::vector<std::int64_t> v) { return size(std::optional<std::vector<std::int64_t>>(std::move(v))); }
  auto& scale_factor(std::vector<double> v) { return scale_factor(std::optional<std::vector<double>>(std::move(v))); }
};

// nn::Upsample's options (no recompute_scale_factor: Upsample never recomputes).
struct UpsampleOptions {
  XGRAD_ARG(std::optional<std::vector<std::int64_t>>, size, std::nullopt)
  XGRAD_ARG(std::optional<std::vector<double>>, scale_factor, std::nullopt)
  XGRAD_ARG(InterpolateMode, mode, kNearest)
  XGRAD_ARG(std::optional<bool>, align_corners, std::nullopt)
 public:
  auto& size(std::vector<std::int64_t> v) { return size(std::optional<std::vector<std::int64_t>>(std::move(v))); }
  auto& scale_factor(std::vector<double> v) { return scale_factor(std::optional<std::vector<double>>(std::move(v))); }
};

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

using InterpolateFuncOptions = nn::InterpolateFuncOptions;
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

}  // namespace xgrad::nn::functional

// LibTorch spells the modes torch::kBilinear ...: the same names at the top level.
namespace xgrad {
using nn::kArea;
using nn::kBilinear;
using nn::kLinear;
using nn::kNearest;
using nn::kNearestExact;
}  // namespace xgrad
