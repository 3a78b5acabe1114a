// Activations as modules (LibTorch's ReLUImpl ... with holders nn::ReLU ...); each forwards to
// the op of the same name (see functional.hpp). Options as LibTorch's: LeakyReLUOptions()
// .negative_slope(0.2), SoftmaxOptions(1), GELUOptions().approximate("tanh"), FlattenOptions()
// .start_dim(1), UnflattenOptions(1, {2, 3}). `inplace` is accepted for source compatibility
// and computes out of place (the result is the same; the input is left unchanged).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../module.hpp"
#include "../options.hpp"

namespace xgrad::nn {

struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: as LibTorch
  XGRAD_ARG(bool, inplace, {})
};
class ReLUImpl : public Module {
 public:
  explicit ReLUImpl(const ReLUOptions& options = {}) : Module("ReLU"), options(options) {}
  Tensor forward(const Tensor& input);
  ReLUOptions options;
};
XGRAD_MODULE(ReLU);

struct LeakyReLUOptions {
  XGRAD_ARG(double, negative_slope, 0.01)
  XGRAD_ARG(bool, inplace, false)
};
class LeakyReLUImpl : public Module {
 public:
  explicit LeakyReLUImpl(double negative_slope) : LeakyReLUImpl(LeakyReLUOptions().negative_slope(negative_slope)) {}
  explicit LeakyReLUImpl(const LeakyReLUOptions& options = {})
      : Module("LeakyReLU"), negative_slope(options.negative_slope()), options(options) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  double negative_slope;
  LeakyReLUOptions options;
};
XGRAD_MODULE(LeakyReLU);

// approximate: "none" (exact, with erf) or "tanh" (std::invalid_argument otherwise).
struct GELUOptions {
  XGRAD_ARG(std::string, approximate, "none")
};
class GELUImpl : public Module {
 public:
  explicit GELUImpl(std::string approximate);
  explicit GELUImpl(const GELUOptions& options = {}) : GELUImpl(options.approximate()) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::string approximate;
};
XGRAD_MODULE(GELU);

class TanhImpl : public Module {
 public:
  TanhImpl() : Module("Tanh") {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Tanh);

class SigmoidImpl : public Module {
 public:
  SigmoidImpl() : Module("Sigmoid") {}
  Tensor forward(const Tensor& input);
};
XGRAD_MODULE(Sigmoid);

// Softmax / LogSoftmax along `dim` (no default, as in LibTorch: the dim always matters).
struct SoftmaxOptions {
  SoftmaxOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(std::int64_t dim) : Module("Softmax"), dim(dim) {}
  explicit SoftmaxImpl(const SoftmaxOptions& options) : SoftmaxImpl(options.dim()) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::int64_t dim;
};
XGRAD_MODULE(Softmax);

struct LogSoftmaxOptions {
  LogSoftmaxOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::int64_t, dim, {})
};
class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(std::int64_t dim) : Module("LogSoftmax"), dim(dim) {}
  explicit LogSoftmaxImpl(const LogSoftmaxOptions& options) : LogSoftmaxImpl(options.dim()) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::int64_t dim;
};
XGRAD_MODULE(LogSoftmax);

// Flattens dims start_dim..end_dim into one (defaults keep the batch dim: [N, *] -> [N, prod]).
struct FlattenOptions {
  XGRAD_ARG(std::int64_t, start_dim, 1)
  XGRAD_ARG(std::int64_t, end_dim, -1)
};
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(std::int64_t start_dim, std::int64_t end_dim = -1)
      : Module("Flatten"), start_dim(start_dim), end_dim(end_dim) {}
  explicit FlattenImpl(const FlattenOptions& options = {}) : FlattenImpl(options.start_dim(), options.end_dim()) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  std::int64_t start_dim, end_dim;
};
XGRAD_MODULE(Flatten);

// Splits dim `dim` into `sizes` (their product must equal that dim's size; one entry may be
// -1 and is inferred): [N, 6] with UnflattenOptions(1, {2, 3}) -> [N, 2, 3].
struct UnflattenOptions {
  UnflattenOptions(std::int64_t dim, std::vector<std::int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  XGRAD_ARG(std::int64_t, dim, {})
  XGRAD_ARG(std::vector<std::int64_t>, sizes, {})
};
class UnflattenImpl : public Module {
 public:
  UnflattenImpl(std::int64_t dim, std::vector<std::int64_t> sizes)
      : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(const UnflattenOptions& options) : Module("Unflatten"), options(options) {}
  // std::invalid_argument naming the shapes when the sizes do not fit.
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  UnflattenOptions options;
};
XGRAD_MODULE(Unflatten);

}  // namespace xgrad::nn
