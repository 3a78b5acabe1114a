// Batch normalisation. Training mode is one fused node: the forward computes the per-channel
// statistics and the output in two passes; the backward is a fused kernel, or (when the
// backward itself is being recorded, create_graph) the same formula written with
// differentiable ops so that second derivatives are exact. Eval mode is an affine map of
// the input built from ops.
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "../../autograd/op_support.hpp"
#include "normalization.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

namespace {

// x [N, C, S...] viewed as N blocks of C rows of S elements.
struct Layout {
  std::int64_t N, C, S;
  std::int64_t count() const { return N * S; }  // values per channel
};

Layout layout_of(const Tensor& x) {
  std::int64_t S = 1;
  for (std::int64_t d = 2; d < x.dim(); ++d) S *= x.size(d);
  return {x.size(0), x.size(1), S};
}

Shape reduce_dims(const Tensor& x) {
  Shape dims{0};
  for (std::int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

Shape channel_shape(const Tensor& x) {  // [1, C, 1, ...] to broadcast a [C] tensor
  Shape s(static_cast<std::size_t>(x.dim()), 1);
  s[1] = x.size(1);
  return s;
}

// Per-channel mean and biased variance (two passes).
template <class T>
void channel_stats(const T* x, const Layout& l, std::vector<double>& mean, std::vector<double>& var) {
  mean.assign(static_cast<std::size_t>(l.C), 0.0);
  var.assign(static_cast<std::size_t>(l.C), 0.0);
  for (std::int64_t n = 0; n < l.N; ++n)
    for (std::int64_t c = 0; c < l.C; ++c) {
      const T* row = x + (n * l.C + c) * l.S;
      mean[static_cast<std::size_t>(c)] += autograd::lane_sum<T>(l.S, [&](std::int64_t i) { return row[i]; });
    }
  for (auto& m : mean) m /= static_cast<double>(l.count());
  for (std::int64_t n = 0; n < l.N; ++n)
    for (std::int64_t c = 0; c < l.C; ++c) {
      const T* row = x + (n * l.C + c) * l.S;
      const T m = static_cast<T>(mean[static_cast<std::size_t>(c)]);
      var[static_cast<std::size_t>(c)] +=
          autograd::lane_sum<T>(l.S, [&](std::int64_t i) { return (row[i] - m) * (row[i] - m); });
    }
  for (auto& v : var) v /= static_cast<double>(l.count());
}

// y = (x - mean) * invstd * w + b, per channel.
template <class T>
void normalize(const T* x, const Layout& l, const T* mean, const T* invstd, const T* w, const T* b, T* y) {
  for (std::int64_t n = 0; n < l.N; ++n)
    for (std::int64_t c = 0; c < l.C; ++c) {
      const T scale = invstd[c] * (w ? w[c] : T(1));
      const T shift = (b ? b[c] : T(0)) - mean[c] * scale;
      const T* xr = x + (n * l.C + c) * l.S;
      T* yr = y + (n * l.C + c) * l.S;
      for (std::int64_t i = 0; i < l.S; ++i) yr[i] = xr[i] * scale + shift;
    }
}

// running = (1 - momentum) running + momentum stat, written in place (no graph).
template <class T>
void update_running(const Tensor& running, const std::vector<double>& stat, double momentum, double factor) {
  T* p = running.impl()->template data_as<T>();
  const std::int64_t stride = running.strides()[0];
  for (std::size_t c = 0; c < stat.size(); ++c) {
    T& r = p[static_cast<std::int64_t>(c) * stride];
    r = static_cast<T>((1.0 - momentum) * static_cast<double>(r) + momentum * stat[c] * factor);
  }
  running.impl()->storage->bump_version();
}

struct NativeBatchNormBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"input", &x}, {"weight", &w}, {"save_mean", &mean}, {"save_invstd", &invstd}});
  }
  SavedVariable x, w;
  Tensor mean, invstd;  // batch statistics [C], no history
  double eps = 1e-5;

  tensor_list apply(tensor_list&& grads) override {
    Tensor xv = x.unpack(), wv = w.unpack();
    if (autograd::GradMode::is_enabled()) return differentiable(grads[0], xv, wv);
    Tensor g = grads[0].contiguous();
    Layout l = layout_of(xv);
    Tensor gx = should_compute_output(0) ? empty_tensor(xv.shape(), xv.dtype(), "batch_norm backward") : Tensor();
    Tensor gw = empty_tensor({l.C}, xv.dtype(), "batch_norm backward");
    Tensor gb = empty_tensor({l.C}, xv.dtype(), "batch_norm backward");
    dispatch_float(xv.dtype(), "batch_norm backward", [&](auto tag) {
      using T = decltype(tag);
      const T *px = ptr_or_null<T>(xv), *pg = ptr_or_null<T>(g), *pw = ptr_or_null<T>(wv);
      const T *pm = ptr_or_null<T>(mean), *pi = ptr_or_null<T>(invstd);
      T *pgw = gw.impl()->template data_as<T>(), *pgb = gb.impl()->template data_as<T>();
      std::vector<double> sum_g(static_cast<std::size_t>(l.C), 0.0), sum_gxhat(static_cast<std::size_t>(l.C), 0.0);
      for (std::int64_t n = 0; n < l.N; ++n)
        for (std::int64_t c = 0; c < l.C; ++c) {
          const T *xr = px + (n * l.C + c) * l.S, *gr = pg + (n * l.C + c) * l.S;
          const T m = pm[c];
          sum_g[static_cast<std::size_t>(c)] += autograd::lane_sum<T>(l.S, [&](std::int64_t i) { return gr[i]; });
          sum_gxhat[static_cast<std::size_t>(c)] +=
              autograd::lane_sum<T>(l.S, [&](std::int64_t i) { return gr[i] * (xr[i] - m); }) * pi[c];
        }
      for (std::int64_t c = 0; c < l.C; ++c) {
        pgw[c] = static_cast<T>(sum_gxhat[static_cast<std::size_t>(c)]);
        pgb[c] = static_cast<T>(sum_g[static_cast<std::size_t>(c)]);
      }
      if (!gx.defined()) return;
      T* pgx = gx.impl()->template data_as<T>();
      const double M = static_cast<double>(l.count());
      for (std::int64_t n = 0; n < l.N; ++n)
        for (std::int64_t c = 0; c < l.C; ++c) {
          const auto cs = static_cast<std::size_t>(c);
          const T k = pi[c] * (pw ? pw[c] : T(1)), m = pm[c], b = pi[c] * static_cast<T>(sum_gxhat[cs] / M);
          const T mg = static_cast<T>(sum_g[cs] / M);
          const T *xr = px + (n * l.C + c) * l.S, *gr = pg + (n * l.C + c) * l.S;
          T* out = pgx + (n * l.C + c) * l.S;
          for (std::int64_t i = 0; i < l.S; ++i) out[i] = k * (gr[i] - mg - (xr[i] - m) * b);
        }
    });
    return {gx, should_compute_output(1) ? gw : Tensor(), should_compute_output(2) ? gb : Tensor()};
  }

  // The same gradients from differentiable ops, statistics recomputed from x.
  tensor_list differentiable(const Tensor& g, const Tensor& xv, const Tensor& wv) {
    Shape dims = reduce_dims(xv), cs = channel_shape(xv);
    Tensor mu = mean_of(xv, dims);
    Tensor xc = xv - mu;
    Tensor inv = pow(mean_of(xc * xc, dims) + eps, -0.5);
    Tensor xhat = xc * inv;
    Tensor gxhat = wv.defined() ? g * reshape(wv, cs) : g;
    Tensor gx =
        should_compute_output(0) ? inv * (gxhat - mean_of(gxhat, dims) - xhat * mean_of(gxhat * xhat, dims)) : Tensor();
    return {gx, should_compute_output(1) ? sum(g * xhat, dims) : Tensor(),
            should_compute_output(2) ? sum(g, dims) : Tensor()};
  }
  static Tensor mean_of(const Tensor& t, const Shape& dims) { return xgrad::mean(t, dims, true); }

  void release_variables() override {
    x.reset();
    w.reset();
    mean = Tensor();
    invstd = Tensor();
  }
};

std::string describe_args(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w, const Tensor& b) {
  std::string s = "input " + describe(x);
  if (rm.defined()) s += ", running_mean " + describe(rm);
  if (rv.defined()) s += ", running_var " + describe(rv);
  if (w.defined()) s += ", weight " + describe(w);
  if (b.defined()) s += ", bias " + describe(b);
  return s;
}

void check_batch_norm_args(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w, const Tensor& b) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("batch_norm: " + why + " (" + describe_args(x, rm, rv, w, b) + ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (x.dim() < 2) fail("expected an input of at least 2 dims [N, C, *]");
  for (const Tensor* t : {&rm, &rv, &w, &b}) {
    if (!t->defined()) continue;
    if (t->dtype() != x.dtype()) fail("all tensors must have the input's dtype");
    if (t->dim() != 1 || t->size(0) != x.size(1))
      fail("per-channel tensors must have shape [" + std::to_string(x.size(1)) + "]");
  }
  if (rm.defined() != rv.defined()) fail("running_mean and running_var must both be given or both be omitted");
}

}  // namespace

namespace functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_defined(input, "batch_norm", "input");
  check_batch_norm_args(input, running_mean, running_var, weight, bias);
  if (!training) {
    if (!running_mean.defined()) {
      throw std::invalid_argument("batch_norm: running_mean and running_var are required in evaluation mode (" +
                                  describe_args(input, running_mean, running_var, weight, bias) + ")");
    }
    // y = x * scale + shift with scale = w / sqrt(rv + eps), shift = b - rm * scale.
    Shape cs = channel_shape(input);
    Tensor inv;
    {
      NoGradGuard guard;
      inv = pow(running_var.detach() + eps, -0.5);
    }
    Tensor scale = weight.defined() ? weight * inv : inv;
    Tensor shift = neg(running_mean.detach() * scale);
    if (bias.defined()) shift = shift + bias;
    return input * reshape(scale, cs) + reshape(shift, cs);
  }

  Tensor x = input.contiguous();
  Layout l = layout_of(x);
  if (l.count() <= 1) {
    throw std::invalid_argument("batch_norm: expected more than 1 value per channel when training, got input " +
                                describe(input));
  }
  Tensor w = weight.defined() ? weight.contiguous() : weight, b = bias.defined() ? bias.contiguous() : bias;
  Tensor y = empty_tensor(x.shape(), x.dtype(), "batch_norm");
  Tensor mean = empty_tensor({l.C}, x.dtype(), "batch_norm"), invstd = empty_tensor({l.C}, x.dtype(), "batch_norm");
  dispatch_float(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    std::vector<double> m, v;
    channel_stats(ptr_or_null<T>(x), l, m, v);
    T *pm = mean.impl()->template data_as<T>(), *pi = invstd.impl()->template data_as<T>();
    for (std::int64_t c = 0; c < l.C; ++c) {
      pm[c] = static_cast<T>(m[static_cast<std::size_t>(c)]);
      pi[c] = static_cast<T>(1.0 / std::sqrt(v[static_cast<std::size_t>(c)] + eps));
    }
    normalize(ptr_or_null<T>(x), l, pm, pi, ptr_or_null<T>(w), ptr_or_null<T>(b), y.impl()->template data_as<T>());
    if (running_mean.defined()) {
      const double n = static_cast<double>(l.count());
      update_running<T>(running_mean, m, momentum, 1.0);
      update_running<T>(running_var, v, momentum, n / (n - 1.0));
    }
  });
  if (auto n = record<NativeBatchNormBackward0>({&x, &w, &b}, y)) {
    n->x = save(x);
    n->w = save(w);
    n->mean = mean;
    n->invstd = invstd;
    n->eps = eps;
  }
  return y;
}

}  // namespace functional
}  // namespace xgrad::nn
