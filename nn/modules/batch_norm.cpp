// BatchNorm1d and BatchNorm2d: the running statistics and their bookkeeping (the normalisation
// and its backward are F::batch_norm, nn/functional/batch_norm.cpp).
#include <sstream>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "../functional/normalization.hpp"
#include "../init.hpp"
#include "normalization.hpp"

namespace xgrad::nn {

using autograd::check_defined;
using autograd::describe;

BatchNormBase::BatchNormBase(const char* type_name, std::int64_t n, const BatchNormConfig& o, std::int64_t min_dim,
                             std::int64_t max_dim)
    : Module(type_name), num_features(n), options(o), min_dim_(min_dim), max_dim_(max_dim) {
  if (n < 1)
    throw std::invalid_argument(std::string(type_name) + ": num_features must be positive, got " + std::to_string(n));
  if (o.affine) {
    weight = register_parameter("weight", ones({n}));
    bias = register_parameter("bias", zeros({n}));
  }
  if (o.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({n}));
    running_var = register_buffer("running_var", ones({n}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  num_batches_tracked.impl()->data_as<std::int64_t>()[0] = 0;
  num_batches_tracked.impl()->storage->bump_version();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (options.affine) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNormBase::forward(const Tensor& input) {
  check_defined(input, type_name().c_str(), "input");
  if (input.dim() < min_dim_ || input.dim() > max_dim_ || input.size(1) != num_features) {
    std::string want = min_dim_ == max_dim_ ? std::to_string(min_dim_) + "-D"
                                            : std::to_string(min_dim_) + "-D or " + std::to_string(max_dim_) + "-D";
    throw std::invalid_argument(type_name() + ": expected " + want + " input with " + std::to_string(num_features) +
                                " channels in dim 1, got " + describe(input));
  }
  double factor = 0.0;
  std::int64_t* count = nullptr;
  if (is_training() && options.track_running_stats) {
    count = &num_batches_tracked.impl()->data_as<std::int64_t>()[0];
    factor = options.momentum ? *options.momentum : 1.0 / static_cast<double>(*count + 1);
  }
  const bool use_batch_stats = is_training() || !options.track_running_stats;
  const bool pass_running = !is_training() || options.track_running_stats;
  Tensor out =
      functional::batch_norm(input, pass_running ? running_mean : Tensor(), pass_running ? running_var : Tensor(),
                             weight, bias, use_batch_stats, factor, options.eps);
  if (count) {  // counted only once the batch is accepted: a refused input leaves no trace
    ++*count;
    num_batches_tracked.impl()->storage->bump_version();
  }
  return out;
}

std::string BatchNormBase::extra_repr() const {
  std::ostringstream os;
  os << num_features << ", eps=" << options.eps << ", momentum=";
  if (options.momentum) os << *options.momentum;
  else os << "None";
  os << ", affine=" << (options.affine ? "true" : "false")
     << ", track_running_stats=" << (options.track_running_stats ? "true" : "false");
  return os.str();
}

}  // namespace xgrad::nn
