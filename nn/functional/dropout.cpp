// F::dropout: the mask is drawn from the global generator, so manual_seed makes a training run
// reproducible.
#include <sstream>
#include <stdexcept>

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

Tensor dropout(const Tensor& input, double p, bool training) {
  autograd::check_defined(input, "dropout");
  detail::check_dropout_probability(p, "dropout");
  if (!training || p == 0.0) return input;
  if (!input.is_floating_point()) {
    throw std::invalid_argument("dropout: expected a Float32 or Float64 input, got " + autograd::describe(input));
  }
  // mask = 1/(1-p) with probability 1-p, else 0; multiplying keeps the graph differentiable.
  Tensor mask = autograd::empty_tensor(input.shape(), input.dtype(), "dropout");
  auto& gen = default_generator();
  autograd::dispatch_float(input.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.impl()->template data_as<T>();
    const T keep = p < 1.0 ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
    for (std::int64_t i = 0; i < mask.numel(); ++i) m[i] = gen.uniform() < 1.0 - p ? keep : T(0);
  });
  return input * mask;
}

}  // namespace xgrad::nn::functional
