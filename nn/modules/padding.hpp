// The padding layers: ReflectionPad{1,2,3}d, ReplicationPad{1,2,3}d, CircularPad{1,2,3}d,
// ZeroPad{1,2}d and ConstantPad{1,2,3}d, as LibTorch's. Each is F::pad with its mode (see
// nn/functional/padding.hpp for the shapes, the width limits and the errors):
//   nn::ReflectionPad2d pad(2);                                          // 2 on every side
//   nn::ReplicationPad2d pad2(nn::ReplicationPad2dOptions({1, 1, 2, 0}));  // left, right, top, bottom
//   nn::ConstantPad1d pad3(nn::ConstantPad1dOptions(3, 0.5));
#pragma once
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "../functional/padding.hpp"
#include "../module.hpp"
#include "../options.hpp"
#include "../pimpl.hpp"

namespace xgrad::nn {

// D dims' (before, after) widths: one number for all 2 * D, or all 2 * D listed (LibTorch's
// ExpandingArray<2 * D>); the wrong count throws std::invalid_argument.
template <int D>
struct PadWidths {
  std::vector<std::int64_t> widths;
  PadWidths(std::int64_t v) : widths(2 * D, v) {}  // NOLINT: `ReflectionPad2d(2)`
  PadWidths(std::initializer_list<std::int64_t> list) : widths(list) {
    if (widths.size() != 2 * D) {
      throw std::invalid_argument("padding layer: expected " + std::to_string(2 * D) + " widths, got " +
                                  std::to_string(widths.size()));
    }
  }
};

template <int D>
struct PadLayerOptions {
  PadLayerOptions(PadWidths<D> padding) : padding_(std::move(padding.widths)) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::vector<std::int64_t>, padding, {})
};
template <int D>
struct ConstantPadLayerOptions {
  ConstantPadLayerOptions(PadWidths<D> padding, double value) : padding_(std::move(padding.widths)), value_(value) {}
  XGRAD_ARG(std::vector<std::int64_t>, padding, {})
  XGRAD_ARG(double, value, 0.0)
};

// The layers' shared body: forward = F::pad(input, widths, mode, value).
class PadLayerBase : public Module {
 public:
  PadLayerBase(const char* name, std::vector<std::int64_t> widths, PaddingMode mode, double value);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;

  std::vector<std::int64_t> widths;
  PaddingMode mode;
  double value;
};

#define XGRAD_PAD_LAYER(Name, D, Mode)                                                                       \
  using Name##Options = PadLayerOptions<D>;                                                                  \
  class Name##Impl : public PadLayerBase {                                                                   \
   public:                                                                                                   \
    Name##Impl(PadWidths<D> padding) : Name##Impl(Name##Options(std::move(padding))) {} /* NOLINT */         \
    explicit Name##Impl(const Name##Options& o) : PadLayerBase(#Name, o.padding(), Mode, 0.0), options(o) {} \
    Name##Options options;                                                                                   \
  };                                                                                                         \
  XGRAD_MODULE(Name)

#define XGRAD_CONSTANT_PAD_LAYER(Name, D)                                                                    \
  using Name##Options = ConstantPadLayerOptions<D>;                                                          \
  class Name##Impl : public PadLayerBase {                                                                   \
   public:                                                                                                   \
    Name##Impl(PadWidths<D> padding, double value) : Name##Impl(Name##Options(std::move(padding), value)) {} \
    explicit Name##Impl(const Name##Options& o)                                                              \
        : PadLayerBase(#Name, o.padding(), kConstant, o.value()), options(o) {}                              \
    Name##Options options;                                                                                   \
  };                                                                                                         \
  XGRAD_MODULE(Name)

XGRAD_PAD_LAYER(ReflectionPad1d, 1, kReflect);
XGRAD_PAD_LAYER(ReflectionPad2d, 2, kReflect);
XGRAD_PAD_LAYER(ReflectionPad3d, 3, kReflect);
XGRAD_PAD_LAYER(ReplicationPad1d, 1, kReplicate);
XGRAD_PAD_LAYER(ReplicationPad2d, 2, kReplicate);
XGRAD_PAD_LAYER(ReplicationPad3d, 3, kReplicate);
XGRAD_PAD_LAYER(CircularPad1d, 1, kCircular);
XGRAD_PAD_LAYER(CircularPad2d, 2, kCircular);
XGRAD_PAD_LAYER(CircularPad3d, 3, kCircular);
// Zero padding is constant padding by 0 (any number of leading dims, negative widths crop).
XGRAD_PAD_LAYER(ZeroPad1d, 1, kConstant);
XGRAD_PAD_LAYER(ZeroPad2d, 2, kConstant);
XGRAD_CONSTANT_PAD_LAYER(ConstantPad1d, 1);
XGRAD_CONSTANT_PAD_LAYER(ConstantPad2d, 2);
XGRAD_CONSTANT_PAD_LAYER(ConstantPad3d, 3);

#undef XGRAD_PAD_LAYER
#undef XGRAD_CONSTANT_PAD_LAYER

}  // namespace xgrad::nn
