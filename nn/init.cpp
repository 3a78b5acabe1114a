// nn::init. Values are written straight into storage (after a version bump, as any in-place
// write), so initialising a leaf that requires grad needs no NoGradGuard from the caller.
#include "init.hpp"

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include "../autograd/grad_mode.hpp"
#include "../autograd/op_support.hpp"
#include "../autograd/random.hpp"

namespace xgrad::nn::init {

namespace {

// t[i] = value(), visiting elements in row-major order whatever t's strides.
template <class F>
Tensor fill_with(Tensor t, const char* op, F&& value) {
  autograd::check_defined(t, op);
  NoGradGuard guard;
  TensorImpl& ti = *t.impl();
  autograd::dispatch_float(ti.dtype, op, [&](auto tag) {
    using T = decltype(tag);
    T* p = ti.template data_as<T>();
    autograd::for_each_offset(
        ti.shape, &ti.strides, nullptr, nullptr, 0, 0, 0,
        [&](std::int64_t, std::int64_t o, std::int64_t, std::int64_t) { p[o] = static_cast<T>(value()); });
  });
  ti.storage->bump_version();
  return t;
}

std::int64_t fan(const Tensor& t, FanMode mode) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return mode == FanMode::FanIn ? in : out;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param) {
  switch (nonlinearity) {
    case Nonlinearity::Tanh: return 5.0 / 3.0;
    case Nonlinearity::ReLU: return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU: {
      double slope = param.value_or(0.01);
      return std::sqrt(2.0 / (1.0 + slope * slope));
    }
    case Nonlinearity::SELU: return 3.0 / 4.0;
    default: return 1.0;
  }
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  autograd::check_defined(t, "calculate_fan_in_and_fan_out");
  if (t.dim() < 2) {
    throw std::invalid_argument(
        "calculate_fan_in_and_fan_out: fan in and fan out can not be computed for a tensor with "
        "fewer than 2 dimensions, got " +
        autograd::describe(t));
  }
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(Tensor t, double a, double b) {
  if (!(a <= b))
    throw std::invalid_argument("uniform_: expects a <= b, got a=" + std::to_string(a) + ", b=" + std::to_string(b));
  auto& g = default_generator();
  return fill_with(std::move(t), "uniform_", [&] { return a + (b - a) * g.uniform(); });
}

Tensor normal_(Tensor t, double mean, double std) {
  if (!(std >= 0)) throw std::invalid_argument("normal_: expects std >= 0, got " + std::to_string(std));
  std::normal_distribution<double> dist(0.0, 1.0);
  auto& g = default_generator();
  return fill_with(std::move(t), "normal_", [&] { return mean + std * dist(g.engine()); });
}

Tensor constant_(Tensor t, double value) {
  return fill_with(std::move(t), "constant_", [value] { return value; });
}

Tensor zeros_(Tensor t) { return constant_(std::move(t), 0.0); }
Tensor ones_(Tensor t) { return constant_(std::move(t), 1.0); }

Tensor xavier_uniform_(Tensor t, double gain) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  double a = gain * std::sqrt(6.0 / static_cast<double>(in + out));
  return uniform_(std::move(t), -a, a);
}

Tensor xavier_normal_(Tensor t, double gain) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return normal_(std::move(t), 0.0, gain * std::sqrt(2.0 / static_cast<double>(in + out)));
}

Tensor kaiming_uniform_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
  if (t.numel() == 0) return t;  // nothing to fill, and the fan may be 0
  double bound = calculate_gain(nonlinearity, a) * std::sqrt(3.0 / static_cast<double>(fan(t, mode)));
  return uniform_(std::move(t), -bound, bound);
}

Tensor kaiming_normal_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
  if (t.numel() == 0) return t;
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(t, mode)));
  return normal_(std::move(t), 0.0, std);
}

}  // namespace xgrad::nn::init
