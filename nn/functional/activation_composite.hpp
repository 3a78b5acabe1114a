// The activations PyTorch writes as compositions of other ops: relu6, hardshrink, softshrink,
// threshold, glu, prelu and rrelu (at top level as LibTorch's torch::relu6 ..., and in F::),
// tanhshrink, softmin and softmax2d (F:: only, as PyTorch has no torch::tanhshrink). Each is
// built from differentiable ops, so it is differentiable twice; gradients at the kinks are
// PyTorch's (stated per op). Errors are std::invalid_argument naming the op and the shapes.
// Each costs a few elementwise passes forward and backward.
#pragma once
#include <cstdint>

#include "../../autograd/tensor.hpp"

namespace xgrad {

// min(max(x, 0), 6), i.e. hardtanh(x, 0, 6): gradient 0 at 0 and at 6, as PyTorch.
Tensor relu6(const Tensor& x);
// x where |x| > lambd, else 0; gradient 1 where |x| > lambd, else 0.
Tensor hardshrink(const Tensor& x, double lambd = 0.5);
// x - lambd where x > lambd, x + lambd where x < -lambd, else 0 (lambd >= 0, else throws);
// gradient 1 where |x| > lambd, else 0.
Tensor softshrink(const Tensor& x, double lambd = 0.5);
// x where x > threshold, else value; gradient 1 where x > threshold, else 0.
Tensor threshold(const Tensor& x, double threshold, double value);
// a * sigmoid(b), a and b the two halves of x along dim (whose size must be even; x must have
// a dimension): the result's dim is half as large.
Tensor glu(const Tensor& x, std::int64_t dim = -1);
// max(0, x) + weight * min(0, x), weight [1] or [C] with C = x.size(1) (the channel dim; inputs
// of fewer than 2 dims take a single weight). Gradient to x: 1 where x > 0, weight elsewhere
// (at 0 too); to weight: the sum of x * g where x <= 0.
Tensor prelu(const Tensor& x, const Tensor& weight);
// Randomised leaky ReLU: in training, each element x <= 0 is multiplied by its own slope drawn
// from U[lower, upper) (xgrad's generator: manual_seed); otherwise leaky_relu with slope
// (lower + upper) / 2. The gradient is the slope used (1 for x > 0). lower > upper throws.
Tensor rrelu(const Tensor& x, double lower = 1.0 / 8, double upper = 1.0 / 3, bool training = false);

namespace nn::functional {
using xgrad::glu;
using xgrad::hardshrink;
using xgrad::prelu;
using xgrad::relu6;
using xgrad::rrelu;
using xgrad::softshrink;
using xgrad::threshold;
// x - tanh(x).
Tensor tanhshrink(const Tensor& x);
// softmax(-x, dim).
Tensor softmin(const Tensor& x, std::int64_t dim);
// softmax over the channel dim (-3) of a [C, H, W] or [N, C, H, W] input (other ranks throw).
Tensor softmax2d(const Tensor& x);
}  // namespace nn::functional

}  // namespace xgrad
