// Dropout and the channel-wise Dropout1d/2d/3d: active only in training mode; see
// functional::dropout / dropout2d. LibTorch's options: DropoutOptions(0.5).inplace(false)
// (`inplace` computes out of place).
#pragma once
#include <string>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: as LibTorch
  XGRAD_ARG(double, p, {})
  XGRAD_ARG(bool, inplace, false)
};
using Dropout1dOptions = DropoutOptions;
using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;

// Shared by the four: p in [0, 1] (std::invalid_argument otherwise), printing.
class DropoutBase : public Module {
 public:
  std::string extra_repr() const override;
  double p;
  DropoutOptions options;

 protected:
  DropoutBase(const char* type_name, const DropoutOptions& options);
};

class DropoutImpl : public DropoutBase {
 public:
  explicit DropoutImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout", options) {}
  explicit DropoutImpl(double p) : DropoutImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Dropout);

// Zeroes whole channels of [N, C, L] or [C, L].
class Dropout1dImpl : public DropoutBase {
 public:
  explicit Dropout1dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout1d", options) {}
  explicit Dropout1dImpl(double p) : Dropout1dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Dropout1d);

// Zeroes whole channels of [N, C, H, W] or [C, H, W].
class Dropout2dImpl : public DropoutBase {
 public:
  explicit Dropout2dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout2d", options) {}
  explicit Dropout2dImpl(double p) : Dropout2dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Dropout2d);

// Zeroes whole channels of [N, C, D, H, W] or [C, D, H, W].
class Dropout3dImpl : public DropoutBase {
 public:
  explicit Dropout3dImpl(const DropoutOptions& options = {}) : DropoutBase("Dropout3d", options) {}
  explicit Dropout3dImpl(double p) : Dropout3dImpl(DropoutOptions(p)) {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Dropout3d);

}  // namespace xgrad::nn
