// More elementwise ops (issue 23): the activations small models use, the special functions,
// rounding, clamping to tensor bounds and masked_fill. Same rules as ops.hpp: each is recorded
// when an input requires grad, with a backward named as PyTorch's; Int64 input becomes the
// default float dtype unless stated; errors are std::invalid_argument naming the op, shapes
// and dtypes. Gradients at kinks follow PyTorch's derivatives.yaml (stated per op). Each costs
// one pass over the input forward and a few elementwise ops backward.
#pragma once
#include <optional>

#include "tensor.hpp"

namespace xgrad {

// ---- activations (nn::functional lists them too) ---------------------------------------------
// elu: x for x > 0, alpha (exp(x) - 1) otherwise; gradient at 0 from the left branch (alpha).
Tensor elu(const Tensor& x, double alpha = 1.0);
// selu: scale elu(x, alpha) with PyTorch's constants (scale 1.0507..., alpha 1.6732...).
Tensor selu(const Tensor& x);
// celu: max(0, x) + min(0, alpha (exp(x / alpha) - 1)); alpha == 0 throws.
Tensor celu(const Tensor& x, double alpha = 1.0);
Tensor silu(const Tensor& x);         // x sigmoid(x)
Tensor mish(const Tensor& x);         // x tanh(softplus(x))
Tensor hardswish(const Tensor& x);    // x relu6(x + 3) / 6; gradient x / 3 + 1/2 on (-3, 3)
Tensor hardsigmoid(const Tensor& x);  // relu6(x + 3) / 6; gradient 1/6 on (-3, 3), 0 at the ends
// clamp to [min_val, max_val] whose gradient is 0 AT the bounds too (unlike clamp, as PyTorch);
// min_val > max_val throws.
Tensor hardtanh(const Tensor& x, double min_val = -1.0, double max_val = 1.0);
Tensor log_sigmoid(const Tensor& x);  // log(sigmoid(x)) without overflow (F::logsigmoid)

// ---- special functions ---------------------------------------------------------------------
Tensor expm1(const Tensor& x);       // exp(x) - 1, accurate for tiny x
Tensor erf(const Tensor& x);         // d = 2 / sqrt(pi) exp(-x^2)
Tensor erfc(const Tensor& x);        // 1 - erf(x), accurate for large x
Tensor rsqrt(const Tensor& x);       // 1 / sqrt(x)
Tensor reciprocal(const Tensor& x);  // 1 / x

// ---- rounding: Int64 stays Int64 (a copy); gradient zero, except frac (gradient 1, Int64 throws)
Tensor floor(const Tensor& x);
Tensor ceil(const Tensor& x);
Tensor round(const Tensor& x);  // half to even (round(2.5) = 2), as PyTorch
Tensor trunc(const Tensor& x);  // toward zero
Tensor frac(const Tensor& x);   // x - trunc(x), sign of x

// ---- clamp to tensor bounds (broadcasting all three) ----------------------------------------
// min(max(x, min), max); at least one bound. Gradients as PyTorch: x gets g where
// min <= x <= max (ties pass to x); min gets g where x < min (and min < max when both);
// max gets g where x > max, or everywhere max < min (the result is then max).
Tensor clamp(const Tensor& x, const std::optional<Tensor>& min, const std::optional<Tensor>& max = std::nullopt);
Tensor clamp_min(const Tensor& x, const Tensor& min);
Tensor clamp_max(const Tensor& x, const Tensor& max);

// ---- masked_fill: value where mask is nonzero (true), x elsewhere --------------------------------
// mask and x broadcast together; the result keeps x's dtype. The value tensor must have 0 dims
// (its gradient is the sum of g over the filled places). Gradient to x: g where mask is false.
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value);

// ---- where with a scalar operand: the scalar takes the tensor's dtype (default float for two) --
Tensor where(const Tensor& condition, double a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, double b);
Tensor where(const Tensor& condition, double a, double b);

}  // namespace xgrad
