// Pooling layers (see functional::max_pool2d / avg_pool2d for shapes and rules).
#pragma once
#include <string>

#include "../functional/pooling.hpp"
#include "../module.hpp"

namespace xgrad::nn {

//   nn::MaxPool2d pool(2);                       // 2x2 windows, stride 2
//   nn::MaxPool2d pool(3, {.stride = 1, .padding = 1});
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, const functional::MaxPool2dOptions& options = {})
      : Module("MaxPool2d"), kernel_size(kernel_size), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size;
  functional::MaxPool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, const functional::AvgPool2dOptions& options = {})
      : Module("AvgPool2d"), kernel_size(kernel_size), options(options) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Size2 kernel_size;
  functional::AvgPool2dOptions options;
};

}  // namespace xgrad::nn
