// GroupNorm and InstanceNorm1d/2d modules: parameters, buffers and the unbatched case.
#include "group_norm.hpp"

#include <sstream>
#include <stdexcept>

#include "../../autograd/op_support.hpp"
#include "../functional/group_norm.hpp"
#include "../init.hpp"

namespace xgrad::nn {

GroupNormImpl::GroupNormImpl(const GroupNormOptions& o) : Module("GroupNorm"), options(o) {
  if (o.num_groups() < 1 || o.num_channels() < 1 || o.num_channels() % o.num_groups() != 0) {
    throw std::invalid_argument(
        "GroupNorm: num_channels must be divisible by num_groups (num_groups=" + std::to_string(o.num_groups()) +
        ", num_channels=" + std::to_string(o.num_channels()) + ")");
  }
  if (o.affine()) {
    weight = register_parameter("weight", ones({o.num_channels()}));
    bias = register_parameter("bias", zeros({o.num_channels()}));
  }
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return functional::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

std::string GroupNormImpl::extra_repr() const {
  std::ostringstream os;
  os << options.num_groups() << ", " << options.num_channels() << ", eps=" << options.eps()
     << ", affine=" << (options.affine() ? "true" : "false");
  return os.str();
}

InstanceNormBase::InstanceNormBase(const char* type_name, const InstanceNormOptions& o, std::int64_t batched_dim)
    : Module(type_name), options(o), batched_dim_(batched_dim) {
  const std::int64_t n = o.num_features();
  if (n < 1)
    throw std::invalid_argument(std::string(type_name) + ": num_features must be positive, got " + std::to_string(n));
  if (o.affine()) {
    weight = register_parameter("weight", ones({n}));
    bias = register_parameter("bias", zeros({n}));
  }
  if (o.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({n}));
    running_var = register_buffer("running_var", ones({n}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
}

Tensor InstanceNormBase::forward(const Tensor& input) {
  autograd::check_defined(input, type_name().c_str(), "input");
  if (input.dim() != batched_dim_ && input.dim() != batched_dim_ - 1) {
    throw std::invalid_argument(type_name() + ": expected " + std::to_string(batched_dim_ - 1) + "-D (unbatched) or " +
                                std::to_string(batched_dim_) + "-D (batched) input, got " + autograd::describe(input));
  }
  if (input.dim() == batched_dim_ - 1) return squeeze(forward(unsqueeze(input, 0)), 0);
  return functional::instance_norm(input, running_mean, running_var, weight, bias,
                                   is_training() || !options.track_running_stats(), options.momentum(), options.eps());
}

void InstanceNormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  num_batches_tracked.impl()->data_as<std::int64_t>()[0] = 0;
  num_batches_tracked.impl()->storage->bump_version();
}

void InstanceNormBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

std::string InstanceNormBase::extra_repr() const {
  std::ostringstream os;
  os << options.num_features() << ", eps=" << options.eps() << ", momentum=" << options.momentum()
     << ", affine=" << (options.affine() ? "true" : "false")
     << ", track_running_stats=" << (options.track_running_stats() ? "true" : "false");
  return os.str();
}

}  // namespace xgrad::nn
