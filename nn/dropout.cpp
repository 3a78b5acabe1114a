// Dropout and F::dropout: the mask is drawn from the global generator, so manual_seed makes
// a training run reproducible.
#include "dropout.hpp"

#include <sstream>
#include <stdexcept>

#include "../autograd/kernels/kernels.hpp"
#include "../autograd/random.hpp"
#include "functional.hpp"

namespace xgrad::nn {

namespace {
void check_p(double p, const char* op) {
  if (!(p >= 0.0 && p <= 1.0)) {
    std::ostringstream os;
    os << op << ": dropout probability has to be between 0 and 1, but got " << p;
    throw std::invalid_argument(os.str());
  }
}
}  // namespace

namespace functional {

Tensor dropout(const Tensor& input, double p, bool training) {
  kernels::check_defined(input, "dropout");
  check_p(p, "dropout");
  if (!training || p == 0.0) return input;
  if (!input.is_floating_point()) {
    throw std::invalid_argument("dropout: expected a Float32 or Float64 input, got " + kernels::describe(input));
  }
  // mask = 1/(1-p) with probability 1-p, else 0; multiplying keeps the graph differentiable.
  Tensor mask = kernels::empty_tensor(input.shape(), input.dtype(), "dropout");
  auto& gen = default_generator();
  kernels::dispatch_float(input.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.impl()->template data_as<T>();
    const T keep = p < 1.0 ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
    for (std::int64_t i = 0; i < mask.numel(); ++i) m[i] = gen.uniform() < 1.0 - p ? keep : T(0);
  });
  return input * mask;
}

}  // namespace functional

Dropout::Dropout(double prob) : Module("Dropout"), p(prob) { check_p(p, "Dropout"); }

Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

}  // namespace xgrad::nn
