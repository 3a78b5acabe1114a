// F::adaptive_avg_pool1d / 2d and F::adaptive_max_pool1d / 2d: pooling to a requested output
// size, whatever the input size (the modules are nn/modules/adaptive_pool.hpp).
//
// Output position i of a dim of input size `in` and output size `out` covers the input
// positions [floor(i * in / out), ceil((i + 1) * in / out)), PyTorch's bins (they overlap when
// out does not divide in). Inputs: [N, C, L] or [C, L] (1-d), [N, C, H, W] or [C, H, W] (2-d),
// Float32 or Float64, every non-batch dim non-empty. Output sizes must be >= 0 (0 gives an
// empty output). Other inputs throw std::invalid_argument naming the op, shapes and dtypes.
// Max pooling: the gradient goes to the first maximum of each bin; NaN counts as the maximum.
// Its indices (Int64, the output's shape) are flat positions in the input plane (h * W + w),
// as PyTorch's. Costs: avg, two small matrix products per plane (see resample.hpp); max, one
// pass over each bin.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn {

// An (h, w) output size where either may be nullopt: "keep the input's size" (LibTorch's
// ExpandingArrayWithOptionalElem<2>). `7`, `{7, 5}` or `{std::nullopt, 5}`.
struct OptionalSize2 {
  std::optional<std::int64_t> h, w;
  OptionalSize2(std::int64_t v) : h(v), w(v) {}  // NOLINT: as LibTorch's expanding array
  OptionalSize2(std::optional<std::int64_t> height, std::optional<std::int64_t> width) : h(height), w(width) {}
  bool operator==(const OptionalSize2&) const = default;
};
// "(7, None)", as PyTorch prints it.
std::string to_string(const OptionalSize2& s);

// LibTorch's builders: nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({7, 7})).
struct AdaptiveAvgPool1dOptions {
  AdaptiveAvgPool1dOptions(std::int64_t output_size) : output_size_(output_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, output_size, {})
};
struct AdaptiveMaxPool1dOptions {
  AdaptiveMaxPool1dOptions(std::int64_t output_size) : output_size_(output_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, output_size, {})
};
struct AdaptiveAvgPool2dOptions {
  AdaptiveAvgPool2dOptions(OptionalSize2 output_size) : output_size_(output_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(OptionalSize2, output_size, 0)
};
struct AdaptiveMaxPool2dOptions {
  AdaptiveMaxPool2dOptions(OptionalSize2 output_size) : output_size_(output_size) {}  // NOLINT: as LibTorch
  XGRAD_ARG(OptionalSize2, output_size, 0)
};

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPool1dOptions;
using AdaptiveMaxPool1dFuncOptions = AdaptiveMaxPool1dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
using AdaptiveMaxPool2dFuncOptions = AdaptiveMaxPool2dOptions;

// Mean over each bin. grad_fn AdaptiveAvgPool2DBackward0 (1-d: AdaptiveAvgPool1DBackward0).
Tensor adaptive_avg_pool1d(const Tensor& input, std::int64_t output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, OptionalSize2 output_size);
// Maximum over each bin, and its index. grad_fn AdaptiveMaxPool2DBackward0 (1-d: ...1D...).
std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, std::int64_t output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, OptionalSize2 output_size);
Tensor adaptive_max_pool1d(const Tensor& input, std::int64_t output_size);
Tensor adaptive_max_pool2d(const Tensor& input, OptionalSize2 output_size);

// LibTorch's spellings: F::adaptive_avg_pool2d(x, F::AdaptiveAvgPool2dFuncOptions({2, 2})).
inline Tensor adaptive_avg_pool1d(const Tensor& input, const AdaptiveAvgPool1dOptions& o) {
  return adaptive_avg_pool1d(input, o.output_size());
}
inline Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dOptions& o) {
  return adaptive_avg_pool2d(input, o.output_size());
}
inline Tensor adaptive_max_pool1d(const Tensor& input, const AdaptiveMaxPool1dOptions& o) {
  return adaptive_max_pool1d(input, o.output_size());
}
inline Tensor adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dOptions& o) {
  return adaptive_max_pool2d(input, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input,
                                                                   const AdaptiveMaxPool1dOptions& o) {
  return adaptive_max_pool1d_with_indices(input, o.output_size());
}
inline std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                                   const AdaptiveMaxPool2dOptions& o) {
  return adaptive_max_pool2d_with_indices(input, o.output_size());
}

}  // namespace xgrad::nn::functional
