// The ConvTranspose2d and ConvTranspose1d modules (nn/functional/conv_transpose.cpp computes).
#include "conv_transpose.hpp"

#include <cmath>
#include <stdexcept>

#include "../../autograd/kernels/kernels.hpp"
#include "../init.hpp"

namespace xgrad::nn {

namespace F = functional;

namespace {
void check_config(const char* layer, std::int64_t in, std::int64_t out, Size2 kernel, std::int64_t groups,
                  PaddingMode mode) {
  if (in < 1 || out < 1 || kernel.h < 1 || kernel.w < 1 || groups < 1 || in % groups != 0 || out % groups != 0) {
    throw std::invalid_argument(std::string(layer) + ": invalid configuration in_channels=" + std::to_string(in) +
                                ", out_channels=" + std::to_string(out) + ", kernel_size=" + to_string(kernel) +
                                ", groups=" + std::to_string(groups) +
                                " (sizes must be positive and both channel counts divisible by groups)");
  }
  if (mode != kZeros) {
    throw std::invalid_argument(std::string(layer) + ": only padding_mode kZeros is supported (as PyTorch), got " +
                                to_string(mode));
  }
}

void init_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(weight);
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    init::uniform_(bias, -bound, bound);
  }
}
}  // namespace

ConvTranspose2dImpl::ConvTranspose2dImpl(const ConvTranspose2dOptions& o) : Module("ConvTranspose2d"), options(o) {
  check_config("ConvTranspose2d", o.in_channels(), o.out_channels(), o.kernel_size(), o.groups(), o.padding_mode());
  const Size2 k = o.kernel_size();
  weight = register_parameter("weight", empty({o.in_channels(), o.out_channels() / o.groups(), k.h, k.w}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void ConvTranspose2dImpl::reset_parameters() { init_parameters(weight, bias); }

Tensor ConvTranspose2dImpl::forward(const Tensor& input, const std::optional<std::vector<std::int64_t>>& output_size) {
  const auto& o = options;
  F::ConvTranspose2dFuncConfig c{o.stride(), o.padding(), o.output_padding(), o.groups(), o.dilation()};
  if (output_size) {
    kernels::check_defined(input, "ConvTranspose2d", "input");
    c.output_padding = F::output_padding_for(input, *output_size, o.kernel_size(), c, 2);
  }
  return F::conv_transpose2d(input, weight, bias, c);
}

std::string ConvTranspose2dImpl::extra_repr() const {
  const auto& o = options;
  std::string s = std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) +
                  ", kernel_size=" + to_string(o.kernel_size()) + ", stride=" + to_string(o.stride());
  if (o.padding() != Size2{0}) s += ", padding=" + to_string(o.padding());
  if (o.output_padding() != Size2{0}) s += ", output_padding=" + to_string(o.output_padding());
  if (o.dilation() != Size2{1}) s += ", dilation=" + to_string(o.dilation());
  if (o.groups() != 1) s += ", groups=" + std::to_string(o.groups());
  if (!o.bias()) s += ", bias=false";
  return s;
}

ConvTranspose1dImpl::ConvTranspose1dImpl(const ConvTranspose1dOptions& o) : Module("ConvTranspose1d"), options(o) {
  check_config("ConvTranspose1d", o.in_channels(), o.out_channels(), {1, o.kernel_size()}, o.groups(),
               o.padding_mode());
  weight = register_parameter("weight", empty({o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()}));
  if (o.bias()) bias = register_parameter("bias", empty({o.out_channels()}));
  reset_parameters();
}

void ConvTranspose1dImpl::reset_parameters() { init_parameters(weight, bias); }

Tensor ConvTranspose1dImpl::forward(const Tensor& input, const std::optional<std::vector<std::int64_t>>& output_size) {
  const auto& o = options;
  auto fo = F::ConvTranspose1dFuncOptions()
                .bias(bias)
                .stride(o.stride())
                .padding(o.padding())
                .output_padding(o.output_padding())
                .groups(o.groups())
                .dilation(o.dilation());
  if (output_size) {
    kernels::check_defined(input, "ConvTranspose1d", "input");
    F::ConvTranspose2dFuncConfig c{{1, o.stride()}, {0, o.padding()}, 0, o.groups(), {1, o.dilation()}};
    fo.output_padding(F::output_padding_for(input, *output_size, {1, o.kernel_size()}, c, 1).w);
  }
  return F::conv_transpose1d(input, weight, fo);
}

std::string ConvTranspose1dImpl::extra_repr() const {
  const auto& o = options;
  auto one = [](std::int64_t v) { return "(" + std::to_string(v) + ",)"; };
  std::string s = std::to_string(o.in_channels()) + ", " + std::to_string(o.out_channels()) +
                  ", kernel_size=" + one(o.kernel_size()) + ", stride=" + one(o.stride());
  if (o.padding() != 0) s += ", padding=" + one(o.padding());
  if (o.output_padding() != 0) s += ", output_padding=" + one(o.output_padding());
  if (o.dilation() != 1) s += ", dilation=" + one(o.dilation());
  if (o.groups() != 1) s += ", groups=" + std::to_string(o.groups());
  if (!o.bias()) s += ", bias=false";
  return s;
}

}  // namespace xgrad::nn
