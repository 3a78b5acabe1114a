// The Conv2d and Conv1d modules (the convolutions are F::conv2d / F::conv1d, nn/functional/).
#include "conv.hpp"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "../../autograd/kernels/kernels.hpp"
#include "../functional/padding.hpp"
#include "../init.hpp"

namespace xgrad::nn {

namespace F = functional;

namespace {
Conv2dConfig config_of(const Conv2dOptions& o) {
  const ConvPadding& p = o.padding();
  return {o.stride(), p.kind() == PaddingKind::Explicit ? p.size() : Size2(0), o.dilation(), o.groups(), o.bias()};
}

// The layer-time checks PyTorch makes on the padding options.
void check_padding_options(const char* layer, const ConvPadding& padding, Size2 stride, PaddingMode mode) {
  if (mode == kConstant) {
    throw std::invalid_argument(std::string(layer) +
                                ": padding_mode must be kZeros, kReflect, kReplicate or kCircular, got constant");
  }
  if (padding.is_same() && stride != Size2(1)) {
    throw std::invalid_argument(
        std::string(layer) + ": padding='same' is not supported for strided convolutions (stride=" + to_string(stride) +
        ")");
  }
}

// F::pad widths (last dim first) equal to the convolution's own padding, for padding_mode.
std::vector<std::int64_t> mode_widths(const ConvPadding& p, Size2 kernel, Size2 dilation, int dims) {
  std::pair<std::int64_t, std::int64_t> h{0, 0}, w{0, 0};
  if (p.is_same()) {
    h = F::same_padding(kernel.h, dilation.h);
    w = F::same_padding(kernel.w, dilation.w);
  } else if (!p.is_valid()) {
    h = {p.size().h, p.size().h};
    w = {p.size().w, p.size().w};
  }
  if (dims == 1) return {w.first, w.second};
  return {w.first, w.second, h.first, h.second};
}

void init_conv_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    init::uniform_(bias, -1.0 / std::sqrt(static_cast<double>(fan_in)), 1.0 / std::sqrt(static_cast<double>(fan_in)));
  }
}

std::string padding_repr(const ConvPadding& p, PaddingMode mode, bool one_d) {
  std::string s;
  if (p.kind() != PaddingKind::Explicit) {
    s += ", padding=" + to_string(p);
  } else if (p.size() != Size2{0}) {
    s += ", padding=" + (one_d ? "(" + std::to_string(p.size().w) + ",)" : to_string(p.size()));
  }
  if (mode != kZeros) s += std::string(", padding_mode=") + to_string(mode);
  return s;
}
}  // namespace

Conv2dImpl::Conv2dImpl(const Conv2dOptions& o)
    : Conv2dImpl(o.in_channels(), o.out_channels(), o.kernel_size(), config_of(o)) {
  check_padding_options("Conv2d", o.padding(), o.stride(), o.padding_mode());
  options = o;
}

Conv2dImpl::Conv2dImpl(std::int64_t in, std::int64_t out, Size2 kernel, const Conv2dConfig& o)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(kernel),
      config(o),
      options(Conv2dOptions(in, out, kernel)
                  .stride(o.stride)
                  .padding(o.padding)
                  .dilation(o.dilation)
                  .groups(o.groups)
                  .bias(o.bias)) {
  if (in < 1 || out < 1 || kernel.h < 1 || kernel.w < 1 || o.groups < 1 || in % o.groups != 0 || out % o.groups != 0) {
    throw std::invalid_argument("Conv2d: invalid configuration in_channels=" + std::to_string(in) +
                                ", out_channels=" + std::to_string(out) + ", kernel_size=" + to_string(kernel) +
                                ", groups=" + std::to_string(o.groups) +
                                " (sizes must be positive and both channel counts divisible by groups)");
  }
  weight = register_parameter("weight", empty({out, in / o.groups, kernel.h, kernel.w}));
  if (o.bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv2dImpl::reset_parameters() { init_conv_parameters(weight, bias); }

Tensor Conv2dImpl::forward(const Tensor& input) {
  const Conv2dOptions& o = options;
  auto fo = F::Conv2dFuncOptions()
                .bias(bias)
                .stride(o.stride())
                .padding(o.padding())
                .dilation(o.dilation())
                .groups(o.groups());
  if (o.padding_mode() == kZeros) return F::conv2d(input, weight, fo);
  kernels::check_defined(input, "Conv2d", "input");
  Tensor x = F::pad(input, mode_widths(o.padding(), o.kernel_size(), o.dilation(), 2), o.padding_mode());
  return F::conv2d(x, weight, fo.padding(0));
}

std::string Conv2dImpl::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + to_string(kernel_size) + ", stride=" + to_string(options.stride());
  s += padding_repr(options.padding(), options.padding_mode(), false);
  if (config.dilation != Size2{1}) s += ", dilation=" + to_string(config.dilation);
  if (config.groups != 1) s += ", groups=" + std::to_string(config.groups);
  if (!config.bias) s += ", bias=false";
  return s;
}

Conv1dImpl::Conv1dImpl(const Conv1dOptions& o) : Module("Conv1d"), options(o) {
  const std::int64_t in = o.in_channels(), out = o.out_channels(), k = o.kernel_size(), g = o.groups();
  if (in < 1 || out < 1 || k < 1 || g < 1 || in % g != 0 || out % g != 0) {
    throw std::invalid_argument("Conv1d: invalid configuration in_channels=" + std::to_string(in) +
                                ", out_channels=" + std::to_string(out) + ", kernel_size=" + std::to_string(k) +
                                ", groups=" + std::to_string(g) +
                                " (sizes must be positive and both channel counts divisible by groups)");
  }
  check_padding_options("Conv1d", o.padding(), o.stride(), o.padding_mode());
  weight = register_parameter("weight", empty({out, in / g, k}));
  if (o.bias()) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Conv1dImpl::reset_parameters() { init_conv_parameters(weight, bias); }

Tensor Conv1dImpl::forward(const Tensor& input) {
  const Conv1dOptions& o = options;
  auto fo = F::Conv1dFuncOptions()
                .bias(bias)
                .stride(o.stride())
                .padding(o.padding())
                .dilation(o.dilation())
                .groups(o.groups());
  if (o.padding_mode() == kZeros) return F::conv1d(input, weight, fo);
  kernels::check_defined(input, "Conv1d", "input");
  Tensor x = F::pad(input, mode_widths(o.padding(), {1, o.kernel_size()}, {1, o.dilation()}, 1), o.padding_mode());
  return F::conv1d(x, weight, fo.padding(0));
}

std::string Conv1dImpl::extra_repr() const {
  const Conv1dOptions& o = options;
  std::string s = std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) + ", kernel_size=(" +
                  std::to_string(o.kernel_size()) + ",), stride=(" + std::to_string(o.stride()) + ",)";
  s += padding_repr(o.padding(), o.padding_mode(), true);
  if (o.dilation() != 1) s += ", dilation=(" + std::to_string(o.dilation()) + ",)";
  if (o.groups() != 1) s += ", groups=" + std::to_string(o.groups());
  if (!o.bias()) s += ", bias=false";
  return s;
}

}  // namespace xgrad::nn
