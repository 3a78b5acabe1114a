// The Dropout modules (the masks are drawn by F::dropout*, nn/functional/dropout.cpp).
#include "dropout.hpp"

#include <sstream>
#include <string>

#include "../functional/dropout.hpp"

namespace xgrad::nn {

DropoutBase::DropoutBase(const char* type_name, const DropoutOptions& o) : Module(type_name), p(o.p()), options(o) {
  functional::detail::check_dropout_probability(p, type_name);
}

std::string DropoutBase::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

Tensor DropoutImpl::forward(const Tensor& input) { return functional::dropout(input, p, is_training()); }
Tensor Dropout1dImpl::forward(const Tensor& input) { return functional::dropout1d(input, p, is_training()); }
Tensor Dropout2dImpl::forward(const Tensor& input) { return functional::dropout2d(input, p, is_training()); }
Tensor Dropout3dImpl::forward(const Tensor& input) { return functional::dropout3d(input, p, is_training()); }

}  // namespace xgrad::nn
