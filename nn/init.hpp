// Initialisers (PyTorch's torch.nn.init): each overwrites a tensor in place, without recording
// anything in the graph, drawing from the global generator (see manual_seed), and returns it.
// They work on parameters that require grad (that is their purpose) and on strided views.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "../autograd/tensor.hpp"

namespace xgrad::nn::init {

enum class Nonlinearity { Linear, Conv1d, Conv2d, Sigmoid, Tanh, ReLU, LeakyReLU, SELU };
enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh), sqrt(2)
// (relu), sqrt(2 / (1 + slope^2)) (leaky_relu; slope defaults to 0.01), 3/4 (selu).
double calculate_gain(Nonlinearity nonlinearity, std::optional<double> param = std::nullopt);
// (fan_in, fan_out) = (size(1), size(0)) times the product of the remaining sizes.
// Throws std::invalid_argument for tensors of fewer than 2 dims.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

// Floating-point tensors only (std::invalid_argument otherwise).
Tensor uniform_(Tensor tensor, double a = 0.0, double b = 1.0);  // U[a, b)
Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);
// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0);
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0);
// U(-b, b) with b = gain(nonlinearity, a) * sqrt(3 / fan); Linear and Conv2d use a = sqrt(5).
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);
// N(0, std^2) with std = gain(nonlinearity, a) / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU);

}  // namespace xgrad::nn::init
