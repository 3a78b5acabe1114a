// Adaptive average and max pooling. Average pooling is a separable linear map (resample.hpp).
// Max pooling is y = gather(x, argmax): its node scatters the gradient to the argmax with
// recorded ops (scatter_add, whose backward is a gather), so it is differentiable to any order.
#include "adaptive_pool.hpp"

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "resample.hpp"

namespace xgrad::nn {

std::string to_string(const OptionalSize2& s) {
  auto one = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("None"); };
  return "(" + one(s.h) + ", " + one(s.w) + ")";
}

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

namespace {

std::int64_t bin_start(std::int64_t i, std::int64_t in, std::int64_t out) { return (i * in) / out; }
std::int64_t bin_end(std::int64_t i, std::int64_t in, std::int64_t out) { return ((i + 1) * in + out - 1) / out; }

// Checks input (spatial = 1 or 2 trailing dims after [N, C] or [C]) and resolves the output
// sizes (nullopt: the input's). Returns the batched view's output sizes.
std::vector<std::int64_t> resolve_sizes(const Tensor& x, const char* op, int spatial,
                                        const std::vector<std::optional<std::int64_t>>& out) {
  check_defined(x, op);
  std::string sizes;
  for (const auto& o : out) sizes += (sizes.empty() ? "" : ", ") + (o ? std::to_string(*o) : std::string("None"));
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(op) + ": " + why + " (input " + describe(x) + ", output_size=(" + sizes +
                                "))");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (x.dim() != spatial + 1 && x.dim() != spatial + 2) {
    fail("expected a " + std::to_string(spatial + 1) + "-D (unbatched) or " + std::to_string(spatial + 2) +
         "-D (batched) input");
  }
  for (std::int64_t d = x.dim() == spatial + 2 ? 1 : 0; d < x.dim(); ++d)
    if (x.size(d) == 0) fail("expected non-zero sizes in the non-batch dims");
  std::vector<std::int64_t> res;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const std::int64_t in = x.size(x.dim() - spatial + static_cast<std::int64_t>(k));
    const std::int64_t o = out[k] ? *out[k] : in;
    if (o < 0) fail("output sizes must be non-negative");
    res.push_back(o);
  }
  return res;
}

detail::AxisMap avg_map(std::int64_t in, std::int64_t out) {
  detail::AxisMap m{in, out, std::vector<double>(static_cast<std::size_t>(in * out), 0.0)};
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t s = bin_start(o, in, out), e = bin_end(o, in, out);
    for (std::int64_t i = s; i < e; ++i) m.at(o, i) = 1.0 / static_cast<double>(e - s);
  }
  return m;
}

struct AdaptiveAvgPool1DBackward0 final : detail::SeparableNode {};
struct AdaptiveAvgPool2DBackward0 final : detail::SeparableNode {};

// Scatters g (the output's shape) into zeros of the input's shape at the flat plane indices.
struct AdaptiveMaxPoolNode : Node {
  Tensor index;  // Int64, the output's shape; no history, held directly
  Shape in_shape;
  tensor_list apply(tensor_list&& g) override {
    if (!index.defined()) return {Tensor()};  // released by a backward without retain_graph
    const std::int64_t spatial = static_cast<std::int64_t>(in_shape.size()) - 2;
    Tensor flat_g = flatten(g[0], 2), flat_i = flatten(index, 2);
    Shape plane_shape{in_shape[0], in_shape[1], 1};
    for (std::int64_t d = 0; d < spatial; ++d) plane_shape[2] *= in_shape[static_cast<std::size_t>(2 + d)];
    Tensor gx = scatter_add(zeros(plane_shape, g[0].dtype()), 2, flat_i, flat_g);
    return {reshape(gx, in_shape)};
  }
  void release_variables() override { index = Tensor(); }
};
struct AdaptiveMaxPool1DBackward0 final : AdaptiveMaxPoolNode {};
struct AdaptiveMaxPool2DBackward0 final : AdaptiveMaxPoolNode {};

// x [P, H, W] contiguous planes (1-d: H = 1); out sizes Ho, Wo. PyTorch's rule: a value
// replaces the running maximum if greater or NaN (first maximum wins, then the last NaN).
template <class T>
void max_kernel(const T* x, std::int64_t P, std::int64_t H, std::int64_t W, std::int64_t Ho, std::int64_t Wo, T* y,
                std::int64_t* idx) {
  for (std::int64_t p = 0; p < P; ++p)
    for (std::int64_t oh = 0; oh < Ho; ++oh) {
      const std::int64_t h0 = bin_start(oh, H, Ho), h1 = bin_end(oh, H, Ho);
      for (std::int64_t ow = 0; ow < Wo; ++ow) {
        const std::int64_t w0 = bin_start(ow, W, Wo), w1 = bin_end(ow, W, Wo);
        T m = -std::numeric_limits<T>::infinity();
        std::int64_t best = h0 * W + w0;
        for (std::int64_t h = h0; h < h1; ++h)
          for (std::int64_t w = w0; w < w1; ++w) {
            const T v = x[p * H * W + h * W + w];
            if (v > m || v != v) m = v, best = h * W + w;
          }
        y[(p * Ho + oh) * Wo + ow] = m;
        idx[(p * Ho + oh) * Wo + ow] = best;
      }
    }
}

// Runs f on a batched view of x ([C, ...] unsqueezed when x has spatial + 1 dims) and undoes it.
template <class F>
auto with_batch(const Tensor& x, int spatial, F&& f) {
  const bool unbatched = x.dim() == spatial + 1;
  auto [y, i] = f(unbatched ? unsqueeze(x, 0) : x);
  if (unbatched) return std::make_tuple(squeeze(y, 0), squeeze(i, 0));
  return std::make_tuple(y, i);
}

template <class N>
std::tuple<Tensor, Tensor> adaptive_max(const Tensor& input, const char* op, int spatial,
                                        const std::vector<std::optional<std::int64_t>>& out_sizes) {
  const auto sizes = resolve_sizes(input, op, spatial, out_sizes);
  return with_batch(input, spatial, [&](const Tensor& xb) {
    Tensor x = xb.contiguous();
    const std::int64_t P = x.size(0) * x.size(1);
    const std::int64_t H = spatial == 2 ? x.size(2) : 1, W = x.size(-1);
    const std::int64_t Ho = spatial == 2 ? sizes[0] : 1, Wo = sizes.back();
    Shape out_shape{x.size(0), x.size(1)};
    for (std::int64_t s : sizes) out_shape.push_back(s);
    Tensor y = empty_tensor(out_shape, x.dtype(), op);
    Tensor idx = empty_tensor(out_shape, kInt64, op);
    dispatch_float(x.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      max_kernel<T>(x.impl()->template data_as<T>(), P, H, W, Ho, Wo, y.impl()->template data_as<T>(),
                    idx.impl()->data_as<std::int64_t>());
    });
    if (auto n = record<N>({&x}, y)) {
      n->index = idx;
      n->in_shape = x.shape();
    }
    return std::make_tuple(y, idx);
  });
}

}  // namespace

Tensor adaptive_avg_pool1d(const Tensor& input, std::int64_t output_size) {
  const auto sizes = resolve_sizes(input, "adaptive_avg_pool1d", 1, {output_size});
  return detail::apply_separable<AdaptiveAvgPool1DBackward0>(input, {avg_map(input.size(-1), sizes[0])});
}

Tensor adaptive_avg_pool2d(const Tensor& input, OptionalSize2 output_size) {
  const auto sizes = resolve_sizes(input, "adaptive_avg_pool2d", 2, {output_size.h, output_size.w});
  return detail::apply_separable<AdaptiveAvgPool2DBackward0>(
      input, {avg_map(input.size(-2), sizes[0]), avg_map(input.size(-1), sizes[1])});
}

std::tuple<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, std::int64_t output_size) {
  return adaptive_max<AdaptiveMaxPool1DBackward0>(input, "adaptive_max_pool1d", 1, {output_size});
}

std::tuple<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, OptionalSize2 output_size) {
  return adaptive_max<AdaptiveMaxPool2DBackward0>(input, "adaptive_max_pool2d", 2, {output_size.h, output_size.w});
}

Tensor adaptive_max_pool1d(const Tensor& input, std::int64_t output_size) {
  return std::get<0>(adaptive_max_pool1d_with_indices(input, output_size));
}

Tensor adaptive_max_pool2d(const Tensor& input, OptionalSize2 output_size) {
  return std::get<0>(adaptive_max_pool2d_with_indices(input, output_size));
}

}  // namespace xgrad::nn::functional
