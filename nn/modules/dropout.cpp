// The Dropout module (the mask is drawn by F::dropout, nn/functional/dropout.cpp).
#include "dropout.hpp"

#include <sstream>
#include <string>

#include "../functional/dropout.hpp"

namespace xgrad::nn {

Dropout::Dropout(double prob) : Module("Dropout"), p(prob) {
  functional::detail::check_dropout_probability(p, "Dropout");
}

Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

}  // namespace xgrad::nn
