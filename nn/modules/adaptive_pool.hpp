// Adaptive pooling layers (see functional/adaptive_pool.hpp for the bins, shapes and errors), as
// LibTorch's AdaptiveAvgPool1d/2dImpl and AdaptiveMaxPool1d/2dImpl with holders:
//   nn::AdaptiveAvgPool2d pool(1);                                          // global average
//   nn::AdaptiveAvgPool2d pool(nn::AdaptiveAvgPool2dOptions({7, 7}));       // LibTorch's builder
//   nn::AdaptiveMaxPool2d pool(OptionalSize2{std::nullopt, 4});            // keep H, pool W to 4
// The max layers' forward returns the values; forward_with_indices also the Int64 indices.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>

#include "../functional/adaptive_pool.hpp"
#include "../module.hpp"

namespace xgrad::nn {

class AdaptiveAvgPool1dImpl : public Module {
 public:
  explicit AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& o) : Module("AdaptiveAvgPool1d"), options(o) {}
  explicit AdaptiveAvgPool1dImpl(std::int64_t output_size)
      : AdaptiveAvgPool1dImpl(AdaptiveAvgPool1dOptions(output_size)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveAvgPool1dOptions options;
};
XGRAD_MODULE(AdaptiveAvgPool1d);

class AdaptiveMaxPool1dImpl : public Module {
 public:
  explicit AdaptiveMaxPool1dImpl(const AdaptiveMaxPool1dOptions& o) : Module("AdaptiveMaxPool1d"), options(o) {}
  explicit AdaptiveMaxPool1dImpl(std::int64_t output_size)
      : AdaptiveMaxPool1dImpl(AdaptiveMaxPool1dOptions(output_size)) {}
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveMaxPool1dOptions options;
};
XGRAD_MODULE(AdaptiveMaxPool1d);

class AdaptiveAvgPool2dImpl : public Module {
 public:
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& o) : Module("AdaptiveAvgPool2d"), options(o) {}
  explicit AdaptiveAvgPool2dImpl(OptionalSize2 output_size)
      : AdaptiveAvgPool2dImpl(AdaptiveAvgPool2dOptions(output_size)) {}
  explicit AdaptiveAvgPool2dImpl(std::int64_t output_size) : AdaptiveAvgPool2dImpl(OptionalSize2(output_size)) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveAvgPool2dOptions options;
};
class AdaptiveAvgPool2d : public ModuleHolder<AdaptiveAvgPool2dImpl> {
 public:
  using ModuleHolder<AdaptiveAvgPool2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = AdaptiveAvgPool2dImpl;
  AdaptiveAvgPool2d(std::optional<std::int64_t> h, std::optional<std::int64_t> w)  // nn::AdaptiveAvgPool2d({7, 7})
      : ModuleHolder<AdaptiveAvgPool2dImpl>(std::make_shared<AdaptiveAvgPool2dImpl>(OptionalSize2(h, w))) {}
};

class AdaptiveMaxPool2dImpl : public Module {
 public:
  explicit AdaptiveMaxPool2dImpl(const AdaptiveMaxPool2dOptions& o) : Module("AdaptiveMaxPool2d"), options(o) {}
  explicit AdaptiveMaxPool2dImpl(OptionalSize2 output_size)
      : AdaptiveMaxPool2dImpl(AdaptiveMaxPool2dOptions(output_size)) {}
  explicit AdaptiveMaxPool2dImpl(std::int64_t output_size) : AdaptiveMaxPool2dImpl(OptionalSize2(output_size)) {}
  Tensor forward(const Tensor& input);
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveMaxPool2dOptions options;
};
class AdaptiveMaxPool2d : public ModuleHolder<AdaptiveMaxPool2dImpl> {
 public:
  using ModuleHolder<AdaptiveMaxPool2dImpl>::ModuleHolder;
  using Impl [[maybe_unused]] = AdaptiveMaxPool2dImpl;
  AdaptiveMaxPool2d(std::optional<std::int64_t> h, std::optional<std::int64_t> w)  // nn::AdaptiveMaxPool2d({7, 7})
      : ModuleHolder<AdaptiveMaxPool2dImpl>(std::make_shared<AdaptiveMaxPool2dImpl>(OptionalSize2(h, w))) {}
};

}  // namespace xgrad::nn
