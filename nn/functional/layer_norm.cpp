// Layer normalisation: one fused node over x viewed as [R rows, D normalised elements],
// with a fused backward, or (under create_graph) the same formula from differentiable ops.
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "normalization.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

struct NativeLayerNormBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"input", &x}, {"weight", &w}, {"mean", &mean}, {"rstd", &invstd}});
  }
  SavedVariable x, w;
  Tensor mean, invstd;  // per row [R], no history
  std::int64_t D = 1;
  std::size_t ndims = 1;  // trailing dims normalised
  Shape affine_shape;     // normalized_shape: the shape of the weight and bias gradients
  double eps = 1e-5;

  tensor_list apply(tensor_list&& grads) override {
    Tensor xv = x.unpack(), wv = w.unpack();
    if (autograd::GradMode::is_enabled()) return differentiable(grads[0], xv, wv);
    Tensor g = grads[0].contiguous();
    const std::int64_t R = D == 0 ? 0 : xv.numel() / D;
    Tensor gx = should_compute_output(0) ? empty_tensor(xv.shape(), xv.dtype(), "layer_norm backward") : Tensor();
    Tensor gw, gb;
    // The bias gradient has normalized_shape even without a weight (not [D]: issue 23).
    if (wv.defined()) gw = zeros(affine_shape, xv.dtype());
    if (should_compute_output(2)) gb = zeros(affine_shape, xv.dtype());
    dispatch_float(xv.dtype(), "layer_norm backward", [&](auto tag) {
      using T = decltype(tag);
      const T *px = ptr_or_null<T>(xv), *pg = ptr_or_null<T>(g), *pw = ptr_or_null<T>(wv);
      const T *pm = ptr_or_null<T>(mean), *pi = ptr_or_null<T>(invstd);
      T* pgx = gx.defined() ? gx.impl()->template data_as<T>() : nullptr;
      T* pgw = gw.defined() ? gw.impl()->template data_as<T>() : nullptr;
      T* pgb = gb.defined() ? gb.impl()->template data_as<T>() : nullptr;
      for (std::int64_t r = 0; r < R; ++r) {
        const T *xr = px + r * D, *gr = pg + r * D;
        double a = 0, b = 0;
        for (std::int64_t d = 0; d < D; ++d) {
          const T xhat = (xr[d] - pm[r]) * pi[r];
          const T gxhat = gr[d] * (pw ? pw[d] : T(1));
          a += gxhat;
          b += gxhat * xhat;
          if (pgw) pgw[d] += gr[d] * xhat;
          if (pgb) pgb[d] += gr[d];
        }
        if (!pgx) continue;
        const T ma = static_cast<T>(a / static_cast<double>(D)), mb = static_cast<T>(b / static_cast<double>(D));
        for (std::int64_t d = 0; d < D; ++d) {
          const T xhat = (xr[d] - pm[r]) * pi[r];
          pgx[r * D + d] = pi[r] * (gr[d] * (pw ? pw[d] : T(1)) - ma - xhat * mb);
        }
      }
    });
    return {gx, should_compute_output(1) ? gw : Tensor(), gb};
  }

  tensor_list differentiable(const Tensor& g, const Tensor& xv, const Tensor& wv) {
    Shape dims;
    for (std::size_t i = 0; i < ndims; ++i) dims.push_back(-1 - static_cast<std::int64_t>(i));
    auto mean_of = [&](const Tensor& t) { return xgrad::mean(t, dims, true); };
    Tensor xc = xv - mean_of(xv);
    Tensor inv = pow(mean_of(xc * xc) + eps, -0.5);
    Tensor xhat = xc * inv;
    Tensor gxhat = wv.defined() ? g * wv : g;
    Tensor gx = should_compute_output(0) ? inv * (gxhat - mean_of(gxhat) - xhat * mean_of(gxhat * xhat)) : Tensor();
    return {gx, should_compute_output(1) ? sum_to(g * xhat, affine_shape) : Tensor(),
            should_compute_output(2) ? sum_to(g, affine_shape) : Tensor()};
  }

  void release_variables() override {
    x.reset();
    w.reset();
    mean = Tensor();
    invstd = Tensor();
  }
};

}  // namespace

namespace functional {

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_defined(input, "layer_norm", "input");
  auto fail = [&](const std::string& why) {
    std::string s =
        "layer_norm: " + why + " (input " + describe(input) + ", normalized_shape " + shape_str(normalized_shape);
    if (weight.defined()) s += ", weight " + describe(weight);
    if (bias.defined()) s += ", bias " + describe(bias);
    throw std::invalid_argument(s + ")");
  };
  if (!input.is_floating_point()) fail("input must be Float32 or Float64");
  const auto k = static_cast<std::int64_t>(normalized_shape.size());
  if (k == 0) fail("normalized_shape must not be empty");
  bool fits = input.dim() >= k;
  for (std::int64_t i = 0; fits && i < k; ++i)
    fits = input.size(input.dim() - k + i) == normalized_shape[static_cast<std::size_t>(i)];
  if (!fits) fail("the input's trailing dims must equal normalized_shape");
  for (const Tensor* t : {&weight, &bias}) {
    if (t->defined() && (t->shape() != normalized_shape || t->dtype() != input.dtype())) {
      fail("weight and bias must have shape normalized_shape and the input's dtype");
    }
  }
  Tensor x = input.contiguous();
  Tensor w = weight.defined() ? weight.contiguous() : weight, b = bias.defined() ? bias.contiguous() : bias;
  std::int64_t D = 1;
  for (auto s : normalized_shape) D *= s;
  const std::int64_t R = D == 0 ? 0 : x.numel() / D;
  Tensor y = empty_tensor(x.shape(), x.dtype(), "layer_norm");
  Tensor mean = empty_tensor({R}, x.dtype(), "layer_norm"), invstd = empty_tensor({R}, x.dtype(), "layer_norm");
  dispatch_float(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const T *px = ptr_or_null<T>(x), *pw = ptr_or_null<T>(w), *pb = ptr_or_null<T>(b);
    T *py = y.impl()->template data_as<T>(), *pm = mean.impl()->template data_as<T>();
    T* pi = invstd.impl()->template data_as<T>();
    for (std::int64_t r = 0; r < R; ++r) {
      const T* xr = px + r * D;
      const T m =
          static_cast<T>(autograd::lane_sum<T>(D, [&](std::int64_t d) { return xr[d]; }) / static_cast<double>(D));
      const double ss = autograd::lane_sum<T>(D, [&](std::int64_t d) { return (xr[d] - m) * (xr[d] - m); });
      const T inv = static_cast<T>(1.0 / std::sqrt(ss / static_cast<double>(D) + eps));
      pm[r] = m;
      pi[r] = inv;
      T* yr = py + r * D;
      if (pw && pb) {
        for (std::int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - m) * inv * pw[d] + pb[d];
      } else {
        for (std::int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - m) * inv * (pw ? pw[d] : T(1)) + (pb ? pb[d] : T(0));
      }
    }
  });
  if (auto n = record<NativeLayerNormBackward0>({&x, &w, &b}, y)) {
    n->x = save(x);
    n->w = save(w);
    n->mean = mean;
    n->invstd = invstd;
    n->D = D;
    n->ndims = normalized_shape.size();
    n->affine_shape = normalized_shape;
    n->eps = eps;
  }
  return y;
}

}  // namespace functional
}  // namespace xgrad::nn
