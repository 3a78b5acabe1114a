#include "clip_grad.hpp"

#include <cmath>
#include <stdexcept>

#include "../../autograd/format.hpp"
#include "../../autograd/grad_mode.hpp"
#include "../../autograd/ops.hpp"
#include "../../optim/options_check.hpp"

namespace xgrad::nn::utils {

namespace {

// Visits each element of each defined gradient as a mutable T&, after making the gradient
// contiguous (so raw loops apply) and cut from any graph.
template <class F>
void for_each_grad(const std::vector<Tensor>& parameters, F&& f) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters) {
    if (!p.defined()) continue;
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous() || g.requires_grad()) {
      g = g.detach().contiguous();
      if (!g.is_same(p.grad())) g = g.clone();
      p.set_grad(g);
    }
    if (g.dtype() == Dtype::Float32) f(g.impl()->data_as<float>(), g.numel());
    else f(g.impl()->data_as<double>(), g.numel());
    g.impl()->storage->bump_version();
  }
}

}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  optim::detail::require(norm_type > 0, "clip_grad_norm_", "norm_type", norm_type, "must be > 0 (or infinity)");
  optim::detail::require(max_norm >= 0, "clip_grad_norm_", "max_norm", max_norm, "must be >= 0");
  const bool inf_norm = std::isinf(norm_type);
  Dtype out_dtype = Dtype::Float32;
  bool any = false;
  // Accumulate in double: the norm of many float32 gradients would otherwise lose digits.
  double acc = 0;
  for (const Tensor& p : parameters) {
    if (!p.defined() || !p.grad().defined()) continue;
    any = true;
    Tensor g = p.grad();
    if (g.dtype() == Dtype::Float64) out_dtype = Dtype::Float64;
    for (double v : g.to_vector<double>()) {
      const double a = std::abs(v);
      if (inf_norm) acc = (a > acc || std::isnan(a)) ? a : acc;
      else if (norm_type == 2) acc += a * a;
      else if (norm_type == 1) acc += a;
      else acc += std::pow(a, norm_type);
    }
  }
  if (!any) return scalar_tensor(0.0, out_dtype);
  double total = inf_norm         ? acc
                 : norm_type == 2 ? std::sqrt(acc)
                 : norm_type == 1 ? acc
                                  : std::pow(acc, 1.0 / norm_type);
  if (out_dtype == Dtype::Float32) total = static_cast<float>(total);
  if (error_if_nonfinite && !std::isfinite(total)) {
    throw std::runtime_error(
        "clip_grad_norm_: the total norm of order " + num_str(norm_type) +
        " for gradients from `parameters` is non-finite, so it cannot be clipped. To disable this "
        "error and scale the gradients by the non-finite norm anyway, set error_if_nonfinite=false");
  }
  // The coefficient is rounded like PyTorch's, which computes it in the gradients' dtype.
  double coef = out_dtype == Dtype::Float32
                    ? static_cast<double>(static_cast<float>(max_norm) / (static_cast<float>(total) + 1e-6f))
                    : max_norm / (total + 1e-6);
  if (coef > 1) coef = 1;
  for_each_grad(parameters, [coef](auto* data, std::int64_t n) {
    using T = std::remove_pointer_t<decltype(data)>;
    const T c = static_cast<T>(coef);
    for (std::int64_t i = 0; i < n; ++i) data[i] *= c;
  });
  return scalar_tensor(total, out_dtype);
}

Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  optim::detail::require(clip_value >= 0, "clip_grad_value_", "clip_value", clip_value, "must be >= 0");
  for_each_grad(parameters, [clip_value](auto* data, std::int64_t n) {
    using T = std::remove_pointer_t<decltype(data)>;
    const T hi = static_cast<T>(clip_value), lo = -hi;
    for (std::int64_t i = 0; i < n; ++i) data[i] = data[i] < lo ? lo : (data[i] > hi ? hi : data[i]);
  });
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace xgrad::nn::utils
