// Activations composed of other ops (see activation_composite.hpp for the semantics).
#include "activation_composite.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/format.hpp"
#include "../../autograd/op_support.hpp"
#include "../../autograd/ops.hpp"
#include "../../autograd/ops_elementwise.hpp"

namespace xgrad {

using autograd::check_defined;
using autograd::describe;

Tensor relu6(const Tensor& x) {
  check_defined(x, "relu6");
  return hardtanh(x, 0.0, 6.0);
}

// where() routes the gradient to the branch chosen, so x gets 1 where it is kept, 0 elsewhere.
Tensor hardshrink(const Tensor& x, double lambd) {
  check_defined(x, "hardshrink");
  return where(abs(x) > lambd, x, 0.0);
}

// clamp passes the gradient at its bounds, so x - clamp(x) has gradient 0 at |x| == lambd.
Tensor softshrink(const Tensor& x, double lambd) {
  check_defined(x, "softshrink");
  if (!(lambd >= 0)) {
    throw std::invalid_argument("softshrink: lambd must be >= 0, got " + num_str(lambd));
  }
  return x - clamp(x, -lambd, lambd);
}

Tensor threshold(const Tensor& x, double threshold, double value) {
  check_defined(x, "threshold");
  return where(x > threshold, x, value);
}

Tensor glu(const Tensor& x, std::int64_t dim) {
  check_defined(x, "glu");
  const auto n = static_cast<std::int64_t>(x.dim());
  if (n == 0) throw std::invalid_argument("glu: does not support 0-dimensional input " + describe(x));
  const std::int64_t d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= n) {
    throw std::out_of_range("glu: dim " + std::to_string(dim) + " is out of range for input " + describe(x));
  }
  const std::int64_t size = x.size(d);
  if (size % 2 != 0) {
    throw std::invalid_argument("glu: halving dimension must be even, but dim " + std::to_string(d) + " of input " +
                                describe(x) + " has size " + std::to_string(size));
  }
  return x.narrow(d, 0, size / 2) * sigmoid(x.narrow(d, size / 2, size / 2));
}

Tensor prelu(const Tensor& x, const Tensor& weight) {
  check_defined(x, "prelu");
  check_defined(weight, "prelu", "weight");
  const std::int64_t c = weight.numel();
  const bool channels = x.dim() >= 2 && c == x.size(1);
  if (weight.dim() > 1 || (c != 1 && !channels)) {
    throw std::invalid_argument("prelu: weight " + describe(weight) + " must have 1 element or one per channel (" +
                                (x.dim() >= 2 ? std::to_string(x.size(1)) : std::string("no channel dim")) +
                                ") of input " + describe(x));
  }
  if (!x.is_floating_point() || !weight.is_floating_point()) {
    throw std::invalid_argument("prelu: expected floating-point input and weight, got " + describe(x) + " and " +
                                describe(weight));
  }
  // [1, C, 1, ...] along the channel dim; one slope for fewer dims (a scalar keeps x's shape).
  Shape shape(x.dim() >= 2 ? x.dim() : 0, 1);
  if (x.dim() >= 2) shape[1] = c;
  Tensor w = weight.reshape(shape);
  return where(x > 0.0, x, w * x);
}

Tensor rrelu(const Tensor& x, double lower, double upper, bool training) {
  check_defined(x, "rrelu");
  if (!(lower <= upper)) {
    throw std::invalid_argument("rrelu: lower " + num_str(lower) + " must not exceed upper " + num_str(upper));
  }
  if (!training) return leaky_relu(x, (lower + upper) / 2);
  if (!x.is_floating_point()) throw std::invalid_argument("rrelu: expected floating-point input, got " + describe(x));
  // The slopes are constants of the graph: the gradient is the slope each element used.
  Tensor slopes = rand(x.shape(), TensorOptions(x.dtype())) * (upper - lower) + lower;
  return x * where(x <= 0.0, slopes, 1.0);
}

namespace nn::functional {

Tensor tanhshrink(const Tensor& x) {
  check_defined(x, "tanhshrink");
  return x - xgrad::tanh(x);
}

Tensor softmin(const Tensor& x, std::int64_t dim) {
  check_defined(x, "softmin");
  return xgrad::softmax(-x, dim);
}

Tensor softmax2d(const Tensor& x) {
  check_defined(x, "softmax2d");
  if (x.dim() != 3 && x.dim() != 4) {
    throw std::invalid_argument("softmax2d: expected a [C, H, W] or [N, C, H, W] input, got " + describe(x));
  }
  return xgrad::softmax(x, -3);
}

}  // namespace nn::functional

}  // namespace xgrad
