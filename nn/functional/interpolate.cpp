// F::interpolate: nearest, nearest-exact, linear and bilinear resampling are separable linear
// maps (resample.hpp), built here from PyTorch's source-index formulas; area is adaptive
// average pooling.
#include "interpolate.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "adaptive_pool.hpp"
#include "resample.hpp"

namespace xgrad::nn {

const char* mode_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest: return "nearest";
    case InterpolateMode::NearestExact: return "nearest-exact";
    case InterpolateMode::Linear: return "linear";
    case InterpolateMode::Bilinear: return "bilinear";
    case InterpolateMode::Area: return "area";
  }
  return "?";
}

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

using namespace xgrad::autograd;

namespace {

struct UpsampleNearest1DBackward0 final : detail::SeparableNode {};
struct UpsampleNearest2DBackward0 final : detail::SeparableNode {};
struct UpsampleNearestExact1DBackward0 final : detail::SeparableNode {};
struct UpsampleNearestExact2DBackward0 final : detail::SeparableNode {};
struct UpsampleLinear1DBackward0 final : detail::SeparableNode {};
struct UpsampleBilinear2DBackward0 final : detail::SeparableNode {};

template <class V>
std::string list_str(const V& v) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
  os << "]";
  return os.str();
}

[[noreturn]] void fail(const Tensor& x, const InterpolateFuncOptions& o, const std::string& why) {
  std::string args = std::string("mode=") + mode_name(o.mode());
  if (o.size()) args += ", size=" + list_str(*o.size());
  if (o.scale_factor()) args += ", scale_factor=" + list_str(*o.scale_factor());
  throw std::invalid_argument("interpolate: " + why + " (input " + describe(x) + ", " + args + ")");
}

// Output sizes, as LibTorch's _interp_output_size: floor(in * scale) in double.
std::vector<std::int64_t> output_sizes(const Tensor& x, const InterpolateFuncOptions& o, std::size_t dims) {
  if (!o.size() && !o.scale_factor()) fail(x, o, "either size or scale_factor should be defined");
  if (o.size() && o.scale_factor()) fail(x, o, "only one of size or scale_factor should be defined");
  std::vector<std::int64_t> out;
  if (o.size()) {
    if (o.size()->size() != dims) fail(x, o, "size must have one entry per spatial dim");
    out = *o.size();
  } else {
    if (o.scale_factor()->size() != dims) fail(x, o, "scale_factor must have one entry per spatial dim");
    for (std::size_t k = 0; k < dims; ++k) {
      const double s = (*o.scale_factor())[k];
      if (!(s > 0) || !std::isfinite(s)) fail(x, o, "scale_factor must be positive and finite");
      out.push_back(static_cast<std::int64_t>(std::floor(static_cast<double>(x.size(2 + k)) * s)));
    }
  }
  for (std::int64_t s : out)
    if (s <= 0) fail(x, o, "input and output sizes should be greater than 0");
  return out;
}

// The [out, in] map of one dim. `scale` is the user's scale_factor for this dim when it is used.
detail::AxisMap axis_map(InterpolateMode mode, std::int64_t in, std::int64_t out, std::optional<double> scale,
                         bool align_corners, bool is_float) {
  detail::AxisMap m{in, out, std::vector<double>(static_cast<std::size_t>(in * out), 0.0)};
  const bool use_scale = scale && *scale > 0;
  if (mode == kNearest || mode == kNearestExact) {
    // PyTorch computes the nearest-neighbour ratio in float, whatever the dtype.
    const float r = use_scale ? static_cast<float>(1.0 / *scale) : static_cast<float>(in) / static_cast<float>(out);
    for (std::int64_t o = 0; o < out; ++o) {
      std::int64_t src;
      if (mode == kNearestExact) src = static_cast<std::int64_t>(std::floor((static_cast<double>(o) + 0.5) * r));
      else if (out == in) src = o;
      else if (out == 2 * in) src = o >> 1;
      else src = static_cast<std::int64_t>(std::floor(static_cast<float>(o) * r));
      m.at(o, std::min(src, in - 1)) = 1.0;
    }
    return m;
  }
  // Linear: the ratio in the input's precision, the source index in double (PyTorch's accscalar).
  auto ratio = [&](auto zero) {
    using T = decltype(zero);
    if (align_corners) return out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : zero;
    return use_scale ? static_cast<T>(1.0 / *scale) : static_cast<T>(in) / static_cast<T>(out);
  };
  const double r = is_float ? static_cast<double>(ratio(0.0f)) : ratio(0.0);
  for (std::int64_t o = 0; o < out; ++o) {
    if (out == in) {
      m.at(o, o) = 1.0;
      continue;
    }
    double src = align_corners ? r * static_cast<double>(o) : r * (static_cast<double>(o) + 0.5) - 0.5;
    if (src < 0) src = 0;
    const auto i0 = static_cast<std::int64_t>(src);
    const std::int64_t i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const double l1 = src - static_cast<double>(i0);
    m.at(o, i0) += 1.0 - l1;
    m.at(o, i1) += l1;
  }
  return m;
}

template <class N1, class N2>
Tensor resample(const Tensor& x, const InterpolateFuncOptions& o, const std::vector<std::int64_t>& out,
                bool align_corners) {
  const std::size_t dims = out.size();
  const bool pass_scales = o.scale_factor() && !o.recompute_scale_factor().value_or(false);
  std::vector<detail::AxisMap> maps;
  for (std::size_t k = 0; k < dims; ++k) {
    std::optional<double> s = pass_scales ? std::optional<double>((*o.scale_factor())[k]) : std::nullopt;
    maps.push_back(axis_map(o.mode(), x.size(2 + k), out[k], s, align_corners, x.dtype() == kFloat32));
  }
  if (dims == 1) return detail::apply_separable<N1>(x, maps);
  return detail::apply_separable<N2>(x, maps);
}

}  // namespace

Tensor interpolate(const Tensor& x, const InterpolateFuncOptions& o) {
  check_defined(x, "interpolate");
  const InterpolateMode mode = o.mode();
  if (!x.is_floating_point()) fail(x, o, "input must be Float32 or Float64");
  if (x.dim() != 3 && x.dim() != 4) fail(x, o, "expected a 3-D [N, C, L] or 4-D [N, C, H, W] input");
  const bool linear = mode == kLinear || mode == kBilinear;
  if (!linear && o.align_corners()) {
    fail(x, o, "align_corners option can only be set with the interpolating modes: linear | bilinear");
  }
  const std::string rank = std::to_string(x.dim()) + "D";
  if (mode == kLinear && x.dim() != 3) fail(x, o, "Got " + rank + " input, but linear mode needs 3D input");
  if (mode == kBilinear && x.dim() != 4) fail(x, o, "Got " + rank + " input, but bilinear mode needs 4D input");
  for (std::int64_t d = 2; d < x.dim(); ++d)
    if (x.size(d) == 0) fail(x, o, "input and output sizes should be greater than 0");
  const auto out = output_sizes(x, o, static_cast<std::size_t>(x.dim() - 2));
  const bool align = o.align_corners().value_or(false);
  switch (mode) {
    case InterpolateMode::Nearest:
      return resample<UpsampleNearest1DBackward0, UpsampleNearest2DBackward0>(x, o, out, false);
    case InterpolateMode::NearestExact:
      return resample<UpsampleNearestExact1DBackward0, UpsampleNearestExact2DBackward0>(x, o, out, false);
    case InterpolateMode::Linear:
    case InterpolateMode::Bilinear:
      return resample<UpsampleLinear1DBackward0, UpsampleBilinear2DBackward0>(x, o, out, align);
    case InterpolateMode::Area:
      return x.dim() == 3 ? adaptive_avg_pool1d(x, out[0]) : adaptive_avg_pool2d(x, {out[0], out[1]});
  }
  fail(x, o, "unknown mode");
}

}  // namespace xgrad::nn::functional
