// The padding layers' shared forward and repr (nn/functional/padding.cpp computes).
#include "padding.hpp"

#include "../../autograd/format.hpp"

namespace xgrad::nn {

PadLayerBase::PadLayerBase(const char* name, std::vector<std::int64_t> w, PaddingMode m, double v)
    : Module(name), widths(std::move(w)), mode(m), value(v) {}

Tensor PadLayerBase::forward(const Tensor& input) { return functional::pad(input, widths, mode, value); }

// PyTorch's: "(1, 1, 2, 0)", or "padding=(1, 1), value=0.5" for ConstantPad.
std::string PadLayerBase::extra_repr() const {
  std::string s = "(";
  for (std::size_t i = 0; i < widths.size(); ++i) s += (i ? ", " : "") + std::to_string(widths[i]);
  s += ")";
  if (mode == kConstant && type_name().rfind("Constant", 0) == 0) return "padding=" + s + ", value=" + num_str(value);
  return s;
}

}  // namespace xgrad::nn
