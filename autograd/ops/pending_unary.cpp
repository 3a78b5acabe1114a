// TEMPORARY: stubs for ops not written yet. Each is replaced by its real implementation
// (and this file deleted) by the work on this group.
#include <stdexcept>
#include "../ops.hpp"
namespace xgrad {
Tensor log(const Tensor&) { throw std::logic_error("log: not implemented yet"); }
Tensor log1p(const Tensor&) { throw std::logic_error("log1p: not implemented yet"); }
Tensor sqrt(const Tensor&) { throw std::logic_error("sqrt: not implemented yet"); }
Tensor abs(const Tensor&) { throw std::logic_error("abs: not implemented yet"); }
Tensor sin(const Tensor&) { throw std::logic_error("sin: not implemented yet"); }
Tensor cos(const Tensor&) { throw std::logic_error("cos: not implemented yet"); }
Tensor sigmoid(const Tensor&) { throw std::logic_error("sigmoid: not implemented yet"); }
Tensor relu(const Tensor&) { throw std::logic_error("relu: not implemented yet"); }
Tensor leaky_relu(const Tensor&, double) { throw std::logic_error("leaky_relu: not implemented yet"); }
Tensor gelu(const Tensor&, const std::string&) { throw std::logic_error("gelu: not implemented yet"); }
Tensor softplus(const Tensor&, double, double) { throw std::logic_error("softplus: not implemented yet"); }
Tensor square(const Tensor&) { throw std::logic_error("square: not implemented yet"); }
Tensor sign(const Tensor&) { throw std::logic_error("sign: not implemented yet"); }
Tensor clamp(const Tensor&, std::optional<double>, std::optional<double>) { throw std::logic_error("clamp: not implemented yet"); }
Tensor pow(const Tensor&, double) { throw std::logic_error("pow: not implemented yet"); }
Tensor pow(const Tensor&, const Tensor&) { throw std::logic_error("pow: not implemented yet"); }
Tensor pow(double, const Tensor&) { throw std::logic_error("pow: not implemented yet"); }
}  // namespace xgrad
