// group_norm and instance_norm as composites of recorded ops (see group_norm.hpp).
#include "group_norm.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

namespace {

std::string describe_all(const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& rm = Tensor(),
                         const Tensor& rv = Tensor()) {
  std::string s = "input " + describe(x);
  if (w.defined()) s += ", weight " + describe(w);
  if (b.defined()) s += ", bias " + describe(b);
  if (rm.defined()) s += ", running_mean " + describe(rm);
  if (rv.defined()) s += ", running_var " + describe(rv);
  return s;
}

// Checks that each defined t is a [C] floating tensor (of x's dtype when same_dtype).
void check_per_channel(const char* op, const Tensor& x, std::initializer_list<std::pair<const char*, const Tensor*>> ts,
                       const std::string& all, bool same_dtype = true) {
  for (const auto& [name, t] : ts) {
    if (!t->defined()) continue;
    const bool dtype_ok = same_dtype ? t->dtype() == x.dtype() : t->is_floating_point();
    if (t->dim() != 1 || t->size(0) != x.size(1) || !dtype_ok) {
      throw std::invalid_argument(std::string(op) + ": " + name + " must be a [" + std::to_string(x.size(1)) +
                                  (same_dtype ? "] tensor of the input's dtype (" : "] floating-point tensor (") + all +
                                  ")");
    }
  }
}

// [C] -> [1, C, 1, ...] to broadcast against x.
Tensor per_channel(const Tensor& t, std::int64_t ndim) {
  Shape s(static_cast<std::size_t>(ndim), 1);
  s[1] = t.size(0);
  return reshape(t, s);
}

Tensor affine(Tensor y, const Tensor& weight, const Tensor& bias) {
  if (weight.defined()) y = y * per_channel(weight, y.dim());
  if (bias.defined()) y = y + per_channel(bias, y.dim());
  return y;
}

}  // namespace

Tensor group_norm(const Tensor& x, std::int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  check_defined(x, "group_norm");
  const std::string all = describe_all(x, weight, bias) + ", num_groups=" + std::to_string(num_groups);
  auto fail = [&](const std::string& why) { throw std::invalid_argument("group_norm: " + why + " (" + all + ")"); };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (x.dim() < 2) fail("expected an input [N, C, *] with at least 2 dims");
  if (num_groups < 1 || x.size(1) % num_groups != 0) fail("the number of channels must be divisible by num_groups");
  check_per_channel("group_norm", x, {{"weight", &weight}, {"bias", &bias}}, all);
  std::int64_t per_group = x.size(1) / num_groups;
  for (std::int64_t d = 2; d < x.dim(); ++d) per_group *= x.size(d);
  Tensor xg = reshape(x, {x.size(0), num_groups, per_group});
  Tensor mu = mean(xg, Shape{2}, true);
  Tensor v = var(xg, Shape{2}, 0, true);
  Tensor y = reshape((xg - mu) / sqrt(v + eps), x.shape());
  return affine(y, weight, bias);
}

Tensor instance_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                     const Tensor& bias, bool use_input_stats, double momentum, double eps) {
  check_defined(x, "instance_norm");
  const std::string all = describe_all(x, weight, bias, running_mean, running_var);
  auto fail = [&](const std::string& why) { throw std::invalid_argument("instance_norm: " + why + " (" + all + ")"); };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (x.dim() < 3) fail("expected an input [N, C, *] with at least one spatial dim");
  check_per_channel("instance_norm", x, {{"weight", &weight}, {"bias", &bias}}, all);
  check_per_channel("instance_norm", x, {{"running_mean", &running_mean}, {"running_var", &running_var}}, all, false);
  if (running_mean.defined() != running_var.defined()) {
    fail("running_mean and running_var must both be given or both be omitted");
  }
  Shape spatial;
  std::int64_t count = 1;
  for (std::int64_t d = 2; d < x.dim(); ++d) spatial.push_back(d), count *= x.size(d);
  if (!use_input_stats) {
    if (!running_mean.defined()) fail("running_mean and running_var are required when use_input_stats is false");
    Tensor rm = as_dtype(running_mean.detach(), x.dtype()), rv = as_dtype(running_var.detach(), x.dtype());
    Tensor y = (x - per_channel(rm, x.dim())) / sqrt(per_channel(rv, x.dim()) + eps);
    return affine(y, weight, bias);
  }
  if (count <= 1) fail("expected more than 1 spatial element when training");
  Tensor mu = mean(x, spatial, true);
  Tensor v = var(x, spatial, 0, true);
  if (running_mean.defined() && x.size(0) > 0) {
    NoGradGuard no_grad;
    // The per-instance statistics averaged over the batch; the variance unbiased, as batch_norm's.
    Tensor batch_mean = mean(reshape(mu, {x.size(0), x.size(1)}), Shape{0});
    Tensor batch_var = mean(reshape(v, {x.size(0), x.size(1)}), Shape{0}) * (double(count) / double(count - 1));
    Tensor rm = running_mean, rv = running_var;  // handles: the buffers are written in place
    rm.mul_(1.0 - momentum).add_(as_dtype(batch_mean, rm.dtype()), momentum);
    rv.mul_(1.0 - momentum).add_(as_dtype(batch_var, rv.dtype()), momentum);
  }
  return affine((x - mu) / sqrt(v + eps), weight, bias);
}

}  // namespace xgrad::nn::functional
