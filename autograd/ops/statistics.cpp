// Variance and standard deviation over dims, with PyTorch's `correction` (1 = Bessel).
// The forward is a two-pass kernel accumulating in double (stable for float32 and for data
// far from zero); the backward is written with differentiable ops.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../kernels/reduce_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// Shared by var and std: what the reduction covers, worked out once.
struct VarPlan {
  std::vector<bool> mask;
  Shape keep_shape;  // output shape with reduced dims kept as 1
  Shape out_shape;
  std::int64_t count = 1;  // elements reduced into each output
};

VarPlan plan_var(const Tensor& x, const Shape& dims, bool keepdim, const char* op) {
  check_defined(x, op);
  if (!x.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": only supports Float32 and Float64 input, got " + describe(x));
  }
  VarPlan p;
  p.mask = reduced_mask(x, dims, op);
  p.keep_shape = reduced_shape(x.shape(), p.mask, true);
  p.out_shape = reduced_shape(x.shape(), p.mask, keepdim);
  for (std::size_t i = 0; i < p.mask.size(); ++i)
    if (p.mask[i]) p.count *= x.shape()[i];
  return p;
}

// var (or its square root) of x over p.mask, divided by max(0, N - correction) as PyTorch does:
// 0/0 gives NaN and m2/0 gives inf, never a crash.
Tensor var_kernel(const Tensor& x, const VarPlan& p, double correction, bool take_sqrt, const char* op) {
  const TensorImpl& xi = *x.impl();
  Tensor out = empty_tensor(p.out_shape, x.dtype(), op);
  const std::int64_t n_out = out.numel();
  // The keepdim output is laid out like the plain one, so the same element offsets serve both.
  Shape os = contiguous_strides(p.keep_shape);
  for (std::size_t i = 0; i < p.mask.size(); ++i)
    if (p.mask[i]) os[i] = 0;
  std::vector<double> means(static_cast<std::size_t>(n_out), 0.0), m2(static_cast<std::size_t>(n_out), 0.0);
  dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = xi.template data_as<T>();
    for_each_offset(xi.shape, &xi.strides, &os, nullptr, 0, 0, 0,
                    [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) { means[o] += px[a]; });
    const double n = static_cast<double>(p.count);
    for (double& m : means) m /= n;
    for_each_offset(xi.shape, &xi.strides, &os, nullptr, 0, 0, 0,
                    [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) {
                      const double d = px[a] - means[o];
                      m2[o] += d * d;
                    });
    const double divisor = std::max(0.0, n - correction);
    T* po = out.impl()->template data_as<T>();
    for (std::int64_t j = 0; j < n_out; ++j) {
      const double v = m2[j] / divisor;
      po[j] = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
    }
  });
  return out;
}

}  // namespace

// ---- var: d var = g 2 (x - mean) / (N - correction) -------------------------------------------
namespace {
struct VarBackward0 final : autograd::SavedOneNode {
  Shape dims;
  Shape keep_shape;
  double dof = 0;  // N - correction, unclamped as in PyTorch's var_backward
  tensor_list apply(tensor_list&& g) override {
    Tensor x = saved.unpack();
    return {reshape(g[0], keep_shape) * (x - mean(x, dims, true)) * (2.0 / dof)};
  }
};
}  // namespace

Tensor var(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  VarPlan p = plan_var(x, dims, keepdim, "var");
  Tensor out = var_kernel(x, p, correction, false, "var");
  if (auto n = record<VarBackward0>({&x}, out)) {
    n->saved = save(x);
    n->dims = dims;
    n->keep_shape = p.keep_shape;
    n->dof = static_cast<double>(p.count) - correction;
  }
  return out;
}

Tensor var(const Tensor& x) { return var(x, {}, 1, false); }

// ---- std: d std = g (x - mean) / ((N - correction) std), zero where std == 0 (as PyTorch) ------
namespace {

// Constant 0/1 tensor (no history): 1 where s == 0. Lets the backward divide by std + mask and
// then zero those entries with 1 - mask, staying differentiable w.r.t. std and g.
Tensor zero_indicator(const Tensor& s) {
  Tensor z = empty_tensor(s.shape(), s.dtype(), "std");
  Tensor sc = s.contiguous();
  dispatch_float(s.dtype(), "std", [&](auto tag) {
    using T = decltype(tag);
    const T* ps = sc.impl()->template data_as<T>();
    T* pz = z.impl()->template data_as<T>();
    for (std::int64_t i = 0; i < z.numel(); ++i) pz[i] = ps[i] == T(0) ? T(1) : T(0);
  });
  return z;
}

bool any_nonzero(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (v != 0) return true;
  return false;
}

struct StdBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  Shape dims;
  Shape keep_shape;
  double dof = 0;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack();
    Tensor s = reshape(result.unpack(), keep_shape);
    Tensor gk = reshape(g[0], keep_shape);
    Tensor zeros_at = zero_indicator(s);
    Tensor scale = any_nonzero(zeros_at) ? gk * rsub(zeros_at, 1.0) / ((s + zeros_at) * dof) : gk / (s * dof);
    return {scale * (x - mean(x, dims, true))};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};
}  // namespace

Tensor std(const Tensor& x, const Shape& dims, double correction, bool keepdim) {
  VarPlan p = plan_var(x, dims, keepdim, "std");
  Tensor out = var_kernel(x, p, correction, true, "std");
  if (auto n = record<StdBackward0>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, /*is_output=*/true);
    n->dims = dims;
    n->keep_shape = p.keep_shape;
    n->dof = static_cast<double>(p.count) - correction;
  }
  return out;
}

Tensor std(const Tensor& x) { return std(x, {}, 1, false); }

}  // namespace xgrad
