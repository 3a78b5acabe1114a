// SyncBatchNorm: global batch statistics (forward) and global gradient sums (backward).
#include "sync_batch_norm.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "../autograd/function.hpp"
#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"
#include "collectives.hpp"

namespace xgrad::distributed {

namespace {

using autograd::AutogradContext;

Shape reduced_dims(const Tensor& x) {  // every dim but the channel dim 1
  Shape d{0};
  for (std::int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return d;
}

Shape channel_view(const Tensor& x) {  // [1, C, 1, ...]: broadcasts per channel
  Shape s(static_cast<std::size_t>(x.dim()), 1);
  s[1] = x.size(1);
  return s;
}

// y = (x - mean) * invstd * weight + bias with mean and invstd of the global batch (constants);
// backward all-reduces the two per-channel sums the input gradient needs.
struct SyncBatchNormFunction : autograd::Function<SyncBatchNormFunction> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const Tensor& mean, const Tensor& invstd, double count) {
    const Shape cv = channel_view(x);
    Tensor y = (x - mean.reshape(cv)) * invstd.reshape(cv);
    if (weight.defined()) y = y * weight.reshape(cv);
    if (bias.defined()) y = y + bias.reshape(cv);
    ctx->save_for_backward({x, weight, mean, invstd});
    ctx->saved_data["count"] = count;
    return y;
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list g) {
    const tensor_list s = ctx->get_saved_variables();
    const Tensor &x = s[0], &weight = s[1], &mean = s[2], &invstd = s[3];
    const double count = ctx->saved_data["count"].toDouble();
    const Shape cv = channel_view(x), dims = reduced_dims(x);
    const Tensor dy = g[0];
    const Tensor xmu = x - mean.reshape(cv);
    const Tensor local_dy = sum(dy, dims), local_dy_xmu = sum(dy * xmu, dims);
    Tensor sums = cat({local_dy, local_dy_xmu}, 0);
    all_reduce(sums);  // over the global batch
    const std::int64_t c = x.size(1);
    const Tensor sum_dy = sums.narrow(0, 0, c).reshape(cv), sum_dy_xmu = sums.narrow(0, c, c).reshape(cv);
    const Tensor is = invstd.reshape(cv);
    Tensor gx = (dy - sum_dy / count - xmu * (is * is) * (sum_dy_xmu / count)) * is;
    if (weight.defined()) gx = gx * weight.reshape(cv);
    Tensor gw = weight.defined() ? sum(dy * xmu * is, dims) : Tensor();
    Tensor gb = local_dy;
    return {gx, gw, ctx->needs_input_grad(2) ? gb : Tensor(), Tensor(), Tensor(), Tensor()};
  }
};

}  // namespace

Tensor SyncBatchNormImpl::forward(const Tensor& input) {
  if (!is_training()) return BatchNormBase::forward(input);  // running statistics: no communication
  if (!input.defined() || input.dim() < 2 || input.dim() > 5 || input.size(1) != num_features) {
    throw std::invalid_argument("SyncBatchNorm: expected 2-D to 5-D input [N, C, *] with " +
                                std::to_string(num_features) + " channels in dim 1, got " +
                                (input.defined() ? shape_str(input.shape()) : std::string("an undefined tensor")));
  }
  const std::int64_t c = num_features;
  Tensor mean, var, stats;
  {
    NoGradGuard no_grad;
    const Shape dims = reduced_dims(input);
    const Tensor x = input.detach();
    const double local = static_cast<double>(x.numel() / c);
    mean = local > 0 ? xgrad::mean(x, dims) : zeros({c}, x.dtype());  // an empty shard counts 0
    var = local > 0 ? xgrad::mean(square(x - mean.reshape(channel_view(x))), dims) : zeros({c}, x.dtype());
    stats = cat({mean.to(kFloat64), var.to(kFloat64), full({1}, local, kFloat64)}, 0);
  }
  const Tensor all = all_gather_into_tensor(stats);  // [ranks, 2C + 1]
  Tensor gmean, invstd;
  double n = 0;
  {
    NoGradGuard no_grad;
    const Tensor counts = all.narrow(1, 2 * c, 1);  // [ranks, 1]
    n = sum(counts).item<double>();
    if (n <= 1) {
      throw std::invalid_argument("SyncBatchNorm: expected more than 1 value per channel when training, got " +
                                  std::to_string(static_cast<std::int64_t>(n)) + " over all ranks (input " +
                                  shape_str(input.shape()) + " on this rank)");
    }
    const Tensor means = all.narrow(1, 0, c), vars = all.narrow(1, c, c);
    gmean = sum(means * counts, {0}) / n;
    const Tensor gvar = sum((vars + square(means - gmean)) * counts, {0}) / n;  // biased
    if (options.track_running_stats) {
      auto* tracked = &num_batches_tracked.impl()->data_as<std::int64_t>()[0];
      const double m = options.momentum ? *options.momentum : 1.0 / static_cast<double>(*tracked + 1);
      running_mean.mul_(1 - m).add_(gmean.to(running_mean.dtype()) * m);
      running_var.mul_(1 - m).add_((gvar * (n / (n - 1))).to(running_var.dtype()) * m);
      ++*tracked;
      num_batches_tracked.impl()->storage->bump_version();
    }
    invstd = (1.0 / sqrt(gvar + options.eps)).to(input.dtype());
    gmean = gmean.to(input.dtype());
  }
  return SyncBatchNormFunction::apply(input, weight, bias, gmean, invstd, n);
}

}  // namespace xgrad::distributed
