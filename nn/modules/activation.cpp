// Activation modules and Flatten.
#include "activation.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/format.hpp"
#include "../../autograd/op_support.hpp"
#include "../../autograd/ops.hpp"

namespace xgrad::nn {

Tensor ReLUImpl::forward(const Tensor& input) { return relu(input); }

Tensor LeakyReLUImpl::forward(const Tensor& input) { return leaky_relu(input, negative_slope); }
std::string LeakyReLUImpl::extra_repr() const { return "negative_slope=" + num_str(negative_slope); }

GELUImpl::GELUImpl(std::string approx) : Module("GELU"), approximate(std::move(approx)) {
  if (approximate != "none" && approximate != "tanh") {
    throw std::invalid_argument("GELU: approximate must be \"none\" or \"tanh\", got \"" + approximate + "\"");
  }
}
Tensor GELUImpl::forward(const Tensor& input) { return gelu(input, approximate); }
std::string GELUImpl::extra_repr() const { return "approximate='" + approximate + "'"; }

Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }

Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, dim); }
std::string SoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, dim); }
std::string LogSoftmaxImpl::extra_repr() const { return "dim=" + std::to_string(dim); }

Tensor FlattenImpl::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }
std::string FlattenImpl::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

Tensor UnflattenImpl::forward(const Tensor& input) {
  const auto& sizes = options.sizes();
  const auto n = static_cast<std::int64_t>(input.dim());
  std::int64_t d = options.dim() < 0 ? options.dim() + n : options.dim();
  if (d < 0 || d >= n) {
    throw std::invalid_argument("Unflatten: dim " + std::to_string(options.dim()) + " is out of range for input " +
                                autograd::describe(input));
  }
  Shape shape;
  for (std::int64_t i = 0; i < d; ++i) shape.push_back(input.size(i));
  for (auto s : sizes) shape.push_back(s);
  for (std::int64_t i = d + 1; i < n; ++i) shape.push_back(input.size(i));
  std::int64_t known = 1, unknown = 0;
  for (auto s : sizes) {
    if (s == -1) ++unknown;
    else known *= s;
  }
  const std::int64_t size = input.size(d);
  if (unknown > 1 || sizes.empty() || (unknown == 0 && known != size) ||
      (unknown == 1 && (known == 0 || size % known != 0))) {
    throw std::invalid_argument("Unflatten: sizes " + shape_str(Shape(sizes.begin(), sizes.end())) +
                                " do not multiply to " + std::to_string(size) + ", the size of dim " +
                                std::to_string(d) + " of input " + autograd::describe(input));
  }
  return input.reshape(shape);
}

std::string UnflattenImpl::extra_repr() const {
  return "dim=" + std::to_string(options.dim()) +
         ", unflattened_size=" + shape_str(Shape(options.sizes().begin(), options.sizes().end()));
}

}  // namespace xgrad::nn
