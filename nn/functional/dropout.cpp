// F::dropout: the mask is drawn from the global generator, so manual_seed makes a training run
// reproducible.
#include <sstream>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "../../autograd/random.hpp"
#include "dropout.hpp"

namespace xgrad::nn::functional {

namespace detail {
void check_dropout_probability(double p, const char* op) {
  if (!(p >= 0.0 && p <= 1.0)) {
    std::ostringstream os;
    os << op << ": dropout probability has to be between 0 and 1, but got " << p;
    throw std::invalid_argument(os.str());
  }
}
}  // namespace detail

namespace {
// mask = 1/(1-p) with probability 1-p, else 0; multiplying keeps the graph differentiable.
Tensor draw_mask(const Shape& shape, Dtype dtype, double p, const char* op) {
  Tensor mask = autograd::empty_tensor(shape, dtype, op);
  auto& gen = default_generator();
  autograd::dispatch_float(dtype, op, [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.impl()->template data_as<T>();
    const T keep = p < 1.0 ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
    for (std::int64_t i = 0; i < mask.numel(); ++i) m[i] = gen.uniform() < 1.0 - p ? keep : T(0);
  });
  return mask;
}
}  // namespace

Tensor dropout(const Tensor& input, double p, bool training) {
  autograd::check_defined(input, "dropout");
  detail::check_dropout_probability(p, "dropout");
  if (!training || p == 0.0) return input;
  if (!input.is_floating_point()) {
    throw std::invalid_argument("dropout: expected a Float32 or Float64 input, got " + autograd::describe(input));
  }
  return input * draw_mask(input.shape(), input.dtype(), p, "dropout");
}

namespace {
// Shared by dropout1d/2d/3d: one draw per channel of input [N, C, *] (or [C, *] unbatched), the
// mask broadcast over the trailing spatial dims, as PyTorch's feature dropout.
Tensor feature_dropout(const Tensor& input, double p, bool training, std::int64_t spatial, const char* op) {
  autograd::check_defined(input, op);
  detail::check_dropout_probability(p, op);
  const std::int64_t n = input.dim();
  if (n != spatial + 1 && n != spatial + 2) {
    throw std::invalid_argument(std::string(op) + ": expected a " + std::to_string(spatial + 1) + "-D (unbatched) or " +
                                std::to_string(spatial + 2) + "-D (batched) input, got " + autograd::describe(input));
  }
  if (!training || p == 0.0) return input;
  if (!input.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected a Float32 or Float64 input, got " +
                                autograd::describe(input));
  }
  Shape mask_shape = input.shape();
  for (std::int64_t d = n - spatial; d < n; ++d) mask_shape[static_cast<std::size_t>(d)] = 1;
  return input * draw_mask(mask_shape, input.dtype(), p, op);
}
}  // namespace

Tensor dropout1d(const Tensor& input, double p, bool training) {
  return feature_dropout(input, p, training, 1, "dropout1d");
}
Tensor dropout2d(const Tensor& input, double p, bool training) {
  return feature_dropout(input, p, training, 2, "dropout2d");
}
Tensor dropout3d(const Tensor& input, double p, bool training) {
  return feature_dropout(input, p, training, 3, "dropout3d");
}

}  // namespace xgrad::nn::functional
