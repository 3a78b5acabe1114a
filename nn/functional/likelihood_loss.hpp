// kl_div, poisson_nll_loss and gaussian_nll_loss, with PyTorch's semantics. Composed from
// differentiable ops: differentiable in every floating input (twice). As the other losses
// (loss.hpp), input and target must have the same shape (no broadcasting) and be floating
// point, else std::invalid_argument naming the loss, shapes and dtypes.
#pragma once
#include <variant>

#include "loss.hpp"

namespace xgrad::nn {

// kl_div's extra reduction: the sum divided by the batch size input.size(0), which is the
// mathematical KL divergence per sample (PyTorch's reduction="batchmean").
struct BatchMean {};
inline constexpr BatchMean kBatchMean{};
using KLDivReduction = std::variant<Reduction, BatchMean>;

struct KLDivOptions {
  KLDivReduction reduction = kMean;  // kNone, kMean (over all elements), kSum or kBatchMean
  bool log_target = false;           // the target holds log-probabilities
};

struct PoissonNLLLossConfig {
  bool log_input = true;  // the input is log(rate)
  bool full = false;      // add Stirling's term t log t - t + 0.5 log(2 pi t) where t > 1
  double eps = 1e-8;      // log(input + eps) when !log_input
  Reduction reduction = kMean;
};

struct GaussianNLLLossConfig {
  bool full = false;  // add the constant 0.5 log(2 pi)
  double eps = 1e-6;  // var is clamped below at eps (in value only, as PyTorch)
  Reduction reduction = kMean;
};

// LibTorch's builders (modules KLDivLoss, PoissonNLLLoss, GaussianNLLLoss; F:: takes them as
// XFuncOptions); each converts to the struct above.
struct KLDivLossOptions {
  KLDivLossOptions(Reduction reduction = kMean) : reduction_(reduction) {}    // NOLINT: as LibTorch
  KLDivLossOptions(BatchMean) : reduction_(std::in_place_type<BatchMean>) {}  // NOLINT: as LibTorch
  // (Setters per alternative: assigning a whole variant holding the empty BatchMean trips
  // gcc's -Wmaybe-uninitialized.)
  KLDivLossOptions& reduction(Reduction r) {
    reduction_.emplace<Reduction>(r);
    return *this;
  }
  KLDivLossOptions& reduction(BatchMean) {
    reduction_.emplace<BatchMean>();
    return *this;
  }
  const KLDivReduction& reduction() const noexcept { return reduction_; }
  XGRAD_ARG(bool, log_target, false)
  operator KLDivOptions() const { return {reduction_, log_target_}; }  // NOLINT: F:: takes either

 private:
  KLDivReduction reduction_;

 public:
};
struct PoissonNLLLossOptions {
  XGRAD_ARG(bool, log_input, true)
  XGRAD_ARG(bool, full, false)
  XGRAD_ARG(double, eps, 1e-8)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator PoissonNLLLossConfig() const { return {log_input_, full_, eps_, reduction_}; }  // NOLINT
};
struct GaussianNLLLossOptions {
  XGRAD_ARG(bool, full, false)
  XGRAD_ARG(double, eps, 1e-6)
  XGRAD_ARG(Reduction, reduction, kMean)
  operator GaussianNLLLossConfig() const { return {full_, eps_, reduction_}; }  // NOLINT
};

namespace functional {

using KLDivFuncOptions = KLDivLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;

// Pointwise KL divergence with the input holding log-probabilities:
//   target (log(target) - input), 0 where target == 0   (log_target: exp(t) (t - input))
// reduced as options.reduction (kBatchMean: sum / input.size(0); a 0-dim input: the sum).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivOptions& options = {});

// Negative log likelihood of a Poisson target: exp(input) - target input (log_input), or
// input - target log(input + eps); `full` adds Stirling's approximation of log(target!)
// where target > 1.
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossConfig& options = {});

// Negative log likelihood of a Gaussian target with predicted mean `input` and variance `var`:
//   0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps))  (+ 0.5 log(2 pi) if full)
// var has the input's shape, or the input's shape without its last dimension, or with 1 as its
// last dimension (one variance shared by the last dimension). A negative entry of var throws
// std::invalid_argument; as PyTorch, the clamp at eps does not stop var's gradient.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossConfig& options = {});

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {
// LibTorch's top-level spellings (torch::kl_div, torch::poisson_nll_loss). As ATen's, kl_div
// takes no batchmean (use nn::functional::kl_div for it).
Tensor kl_div(const Tensor& input, const Tensor& target, nn::Reduction reduction = nn::kMean, bool log_target = false);
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        nn::Reduction reduction);
}  // namespace xgrad
