// Pooling layers (see functional::max_pool2d / avg_pool2d for shapes and rules), as LibTorch's
// MaxPool2dImpl / AvgPool2dImpl with holders:
//   nn::MaxPool2d pool(2);                                        // 2x2 windows, stride 2
//   nn::MaxPool2d pool(nn::MaxPool2dOptions(3).stride(1).padding(1));  // LibTorch's builder
//   nn::MaxPool2d pool(3, {.stride = 1, .padding = 1});           // xgrad's config
#pragma once
#include <memory>
#include <string>

#include "../functional/pooling.hpp"
#include "../module.hpp"

namespace xgrad::nn {

class MaxPool2dImpl : public Module {
 public:
  explicit MaxPool2dImpl(Size2 kernel_size, const functional::MaxPool2dConfig& options = {})
      : Module("MaxPool2d"), kernel_size(kernel_size), options(options) {}
  explicit MaxPool2dImpl(const MaxPool2dOptions& o) : MaxPool2dImpl(o.kernel_size(), functional::config_of(o)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  Size2 kernel_size;
  functional::MaxPool2dConfig options;
};
class MaxPool2d : public ModuleHolder<MaxPool2dImpl> {
 public:
  using ModuleHolder<MaxPool2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = MaxPool2dImpl;
  MaxPool2d(Size2 kernel_size, const functional::MaxPool2dConfig& config)  // the braced form
      : ModuleHolder<MaxPool2dImpl>(std::make_shared<MaxPool2dImpl>(kernel_size, config)) {}
};

class AvgPool2dImpl : public Module {
 public:
  explicit AvgPool2dImpl(Size2 kernel_size, const functional::AvgPool2dConfig& options = {})
      : Module("AvgPool2d"), kernel_size(kernel_size), options(options) {}
  explicit AvgPool2dImpl(const AvgPool2dOptions& o) : AvgPool2dImpl(o.kernel_size(), functional::config_of(o)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  Size2 kernel_size;
  functional::AvgPool2dConfig options;
};
class AvgPool2d : public ModuleHolder<AvgPool2dImpl> {
 public:
  using ModuleHolder<AvgPool2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = AvgPool2dImpl;
  AvgPool2d(Size2 kernel_size, const functional::AvgPool2dConfig& config)  // the braced form
      : ModuleHolder<AvgPool2dImpl>(std::make_shared<AvgPool2dImpl>(kernel_size, config)) {}
};

}  // namespace xgrad::nn
