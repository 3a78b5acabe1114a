// Loss functions as free functions in nn::functional (the modules are in nn/modules/loss.hpp),
// with PyTorch's semantics for reduction (None: per element / per sample, Mean, Sum). Every loss is
// differentiable in its floating-point input (and target, where PyTorch's is) and throws
// std::invalid_argument naming the loss, the shapes and the dtypes when its inputs do not fit.
// Unlike PyTorch, an input and a target of different shapes are refused rather than
// broadcast (broadcasting [N, 1] against [N] is almost always a bug).
#pragma once
#include <cstdint>
#include <string>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"

namespace xgrad::nn {

enum class Reduction { None, Mean, Sum };
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;

struct CrossEntropyOptions {
  Tensor weight = Tensor();          // [C] rescaling of each class (optional)
  std::int64_t ignore_index = -100;  // class targets equal to it contribute nothing
  Reduction reduction = kMean;
  double label_smoothing = 0.0;  // in [0, 1]: target = (1 - s) target + s / C
};

struct NLLLossConfig {
  Tensor weight = Tensor();
  std::int64_t ignore_index = -100;
  Reduction reduction = kMean;
};

struct BCEWithLogitsOptions {
  Tensor weight = Tensor();      // broadcast to the input: rescales each element
  Tensor pos_weight = Tensor();  // broadcast to the input (usually [C]): weight of positive examples
  Reduction reduction = kMean;
};

// ---- LibTorch's builders (the modules take them; F:: takes them as XFuncOptions) -------------
// Each loss option converts implicitly from a Reduction, as LibTorch's: nn::MSELoss(nn::kSum).
struct MSELossOptions {
  MSELossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Reduction, reduction, {})
};
using L1LossOptions = MSELossOptions;
struct SmoothL1LossOptions {
  SmoothL1LossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Reduction, reduction, {})
  XGRAD_ARG(double, beta, 1.0)
};
struct HuberLossOptions {
  HuberLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}  // NOLINT: as LibTorch
  XGRAD_ARG(Reduction, reduction, {})
  XGRAD_ARG(double, delta, 1.0)
};
struct CrossEntropyLossOptions {
  XGRAD_ARG(Tensor, weight, Tensor())
  XGRAD_ARG(std::int64_t, ignore_index, -100)
  XGRAD_ARG(Reduction, reduction, kMean)
  XGRAD_ARG(double, label_smoothing, 0.0)
  CrossEntropyOptions config() const { return {weight_, ignore_index_, reduction_, label_smoothing_}; }
};
struct NLLLossOptions {
  XGRAD_ARG(Tensor, weight, Tensor())
  XGRAD_ARG(std::int64_t, ignore_index, -100)
  XGRAD_ARG(Reduction, reduction, kMean)
  NLLLossConfig config() const { return {weight_, ignore_index_, reduction_}; }
};
struct BCELossOptions {
  XGRAD_ARG(Tensor, weight, Tensor())
  XGRAD_ARG(Reduction, reduction, kMean)
};
struct BCEWithLogitsLossOptions {
  XGRAD_ARG(Tensor, weight, Tensor())
  XGRAD_ARG(Reduction, reduction, kMean)
  XGRAD_ARG(Tensor, pos_weight, Tensor())
  BCEWithLogitsOptions config() const { return {weight_, pos_weight_, reduction_}; }
};

namespace functional {

// (input - target)^2.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
// |input - target|.
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean);
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is l1.
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean, double beta = 1.0);
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta).
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = kMean, double delta = 1.0);

// Softmax cross entropy from unnormalised logits, fused and stable (log-sum-exp with the
// maximum subtracted). input [N, C], [C] or [N, C, d1, ...]; target either Int64 class
// indices of shape [N] / [] / [N, d1, ...], or class probabilities of the input's shape and
// dtype. Mean over class targets divides by the summed weights of the non-ignored targets
// (NaN if all are ignored), as PyTorch; over probability targets by the number of samples.
// A class index outside [0, C) other than ignore_index throws std::out_of_range.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});

// Negative log likelihood from log-probabilities: input [N, C] ([C], [N, C, d1, ...]),
// Int64 targets as for cross_entropy: -weight[t] * input[t].
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossConfig& options = {});

// -w (t log(x) + (1 - t) log(1 - x)) for probabilities x in [0, 1] (std::invalid_argument
// otherwise), each log clamped to >= -100 as PyTorch. weight is broadcast to the input.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = kMean);

// Sigmoid + binary cross entropy in one stable formula (no overflow for large logits):
// w ((1 - t) x + (1 + (pos_weight - 1) t) (log(1 + exp(-|x|)) + max(-x, 0))).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsOptions& options = {});

using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;

// The same losses with LibTorch's options: F::cross_entropy(x, y, F::CrossEntropyFuncOptions().reduction(kSum)).
inline Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossOptions& o) {
  return mse_loss(input, target, o.reduction());
}
inline Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossOptions& o) {
  return l1_loss(input, target, o.reduction());
}
inline Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossOptions& o) {
  return smooth_l1_loss(input, target, o.reduction(), o.beta());
}
inline Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossOptions& o) {
  return huber_loss(input, target, o.reduction(), o.delta());
}
inline Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyLossOptions& o) {
  return cross_entropy(input, target, o.config());
}
inline Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& o) {
  return nll_loss(input, target, o.config());
}
inline Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCELossOptions& o) {
  return binary_cross_entropy(input, target, o.weight(), o.reduction());
}
inline Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                               const BCEWithLogitsLossOptions& o) {
  return binary_cross_entropy_with_logits(input, target, o.config());
}

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {
// LibTorch spells the reductions torch::kMean / kSum / kNone.
using nn::kMean;
using nn::kNone;
using nn::kSum;
}  // namespace xgrad
