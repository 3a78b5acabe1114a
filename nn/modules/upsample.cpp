// The Upsample module (the computation is F::interpolate, nn/functional/interpolate.cpp).
#include "upsample.hpp"

#include <sstream>

namespace xgrad::nn {

Tensor UpsampleImpl::forward(const Tensor& input) {
  return functional::interpolate(input, functional::InterpolateFuncOptions()
                                            .size(options.size())
                                            .scale_factor(options.scale_factor())
                                            .mode(options.mode())
                                            .align_corners(options.align_corners())
                                            .recompute_scale_factor(false));
}

std::string UpsampleImpl::extra_repr() const {
  std::ostringstream os;
  auto list = [&](const auto& v) {
    if (v.size() == 1) {
      os << v[0];
      return;
    }
    os << "(";
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    os << ")";
  };
  if (options.scale_factor()) {
    os << "scale_factor=";
    list(*options.scale_factor());
  } else if (options.size()) {
    os << "size=";
    list(*options.size());
  }
  os << ", mode='" << mode_name(options.mode()) << "'";
  return os.str();
}

}  // namespace xgrad::nn
