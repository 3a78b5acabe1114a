// Factories, dtype conversion and copies.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "../kernels/kernels.hpp"
#include "../random.hpp"

namespace xgrad {

using namespace kernels;

// ---- factories -------------------------------------------------------------------------------

namespace {
Tensor finish(Tensor t, const TensorOptions& o) {
  check_cpu_device(o.device(), "tensor creation");
  if (o.requires_grad()) t.requires_grad_(true);
  return t;
}
template <class F>
Tensor fill_with(const Shape& shape, const TensorOptions& o, const char* op, F&& value_at) {
  Tensor t = empty_tensor(shape, o.dtype(), op);
  dispatch_all(o.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.impl()->template data_as<T>();
    if constexpr (std::is_same_v<T, bool>) {
      for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = value_at(i) != 0;
    } else {
      for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = checked_cast<T>(value_at(i), op);
    }
  });
  return finish(t, o);
}
}  // namespace

Tensor empty(const Shape& shape, const TensorOptions& o) { return finish(empty_tensor(shape, o.dtype(), "empty"), o); }

Tensor zeros(const Shape& shape, const TensorOptions& o) {
  Tensor t = empty_tensor(shape, o.dtype(), "zeros");
  std::memset(t.impl()->data(), 0, static_cast<std::size_t>(t.numel()) * element_size(o.dtype()));
  return finish(t, o);
}

Tensor full(const Shape& shape, double value, const TensorOptions& o) {
  return fill_with(shape, o, "full", [value](std::int64_t) { return value; });
}

Tensor ones(const Shape& shape, const TensorOptions& o) {
  return fill_with(shape, o, "ones", [](std::int64_t) { return 1.0; });
}

Tensor eye(std::int64_t n, const TensorOptions& o) { return eye(n, n, o); }

Tensor eye(std::int64_t n, std::int64_t m, const TensorOptions& o) {
  return fill_with({n, m}, o, "eye", [m](std::int64_t i) { return (i / m) == (i % m) ? 1.0 : 0.0; });
}

Tensor arange(double end, const TensorOptions& o) { return arange(0, end, 1, o); }

Tensor arange(double start, double end, double step, const TensorOptions& o) {
  // PyTorch's checks and wording; each also keeps the size's conversion to Int64 defined.
  if (!std::isfinite(start) || !std::isfinite(end)) {
    throw std::invalid_argument("arange: unsupported range: " + num_str(start) + " -> " + num_str(end));
  }
  if (step == 0 || (end - start) / step < 0) {
    throw std::invalid_argument("arange: upper bound and step sign are inconsistent (start=" + std::to_string(start) +
                                ", end=" + std::to_string(end) + ", step=" + std::to_string(step) + ")");
  }
  const double size = std::ceil((end - start) / step);
  if (!(size >= 0 && size < 0x1p63)) {
    throw std::invalid_argument("arange: invalid size, possible overflow? (start=" + num_str(start) +
                                ", end=" + num_str(end) + ", step=" + num_str(step) + ")");
  }
  auto n = static_cast<std::int64_t>(size);
  return fill_with({n}, o, "arange", [=](std::int64_t i) { return start + static_cast<double>(i) * step; });
}

Tensor linspace(double start, double end, std::int64_t steps, const TensorOptions& o) {
  if (steps < 0)
    throw std::invalid_argument("linspace: number of steps must be non-negative, got " + std::to_string(steps));
  double h = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0;
  return fill_with({steps}, o, "linspace", [=](std::int64_t i) { return start + static_cast<double>(i) * h; });
}

Tensor randn(const Shape& shape, const TensorOptions& o) {
  std::normal_distribution<double> dist(0.0, 1.0);
  auto& g = default_generator();
  return fill_with(shape, o, "randn", [&](std::int64_t) { return dist(g.engine()); });
}

Tensor rand(const Shape& shape, const TensorOptions& o) {
  auto& g = default_generator();
  return fill_with(shape, o, "rand", [&](std::int64_t) { return g.uniform(); });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, const TensorOptions& o) {
  if (high <= low) {
    throw std::invalid_argument("randint: expected low < high, got low=" + std::to_string(low) +
                                ", high=" + std::to_string(high));
  }
  std::uniform_int_distribution<std::int64_t> dist(low, high - 1);
  auto& g = default_generator();
  return fill_with(shape, o, "randint", [&](std::int64_t) { return static_cast<double>(dist(g.engine())); });
}

Tensor randperm(std::int64_t n, const TensorOptions& o) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(checked_numel({n}, "randperm")));
  for (std::int64_t i = 0; i < n; ++i) p[static_cast<std::size_t>(i)] = i;
  auto& g = default_generator();
  for (std::int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates with our own uniform ints
    std::uniform_int_distribution<std::int64_t> dist(0, i);
    std::swap(p[static_cast<std::size_t>(i)], p[static_cast<std::size_t>(dist(g.engine()))]);
  }
  return fill_with({n}, o, "randperm",
                   [&](std::int64_t i) { return static_cast<double>(p[static_cast<std::size_t>(i)]); });
}

Tensor randint(std::int64_t high, const Shape& shape, const TensorOptions& o) { return randint(0, high, shape, o); }

namespace {
// The options of a *_like factory: t's dtype unless o names one.
TensorOptions like(const Tensor& t, const TensorOptions& o) { return o.has_dtype() ? o : o.dtype(t.dtype()); }
}  // namespace
Tensor zeros_like(const Tensor& t, const TensorOptions& o) { return zeros(t.shape(), like(t, o)); }
Tensor ones_like(const Tensor& t, const TensorOptions& o) { return ones(t.shape(), like(t, o)); }
Tensor full_like(const Tensor& t, double v, const TensorOptions& o) { return full(t.shape(), v, like(t, o)); }
Tensor empty_like(const Tensor& t, const TensorOptions& o) { return empty(t.shape(), like(t, o)); }
Tensor randn_like(const Tensor& t, const TensorOptions& o) { return randn(t.shape(), like(t, o)); }
Tensor rand_like(const Tensor& t, const TensorOptions& o) { return rand(t.shape(), like(t, o)); }
Tensor randint_like(const Tensor& t, std::int64_t low, std::int64_t high, const TensorOptions& o) {
  return randint(low, high, t.shape(), like(t, o));
}
Tensor scalar_tensor(double value, const TensorOptions& o) { return full({}, value, o); }

Tensor from_blob_copy(const void* data, Dtype dtype, const Shape& shape, const TensorOptions& o) {
  Tensor t = empty_tensor(shape, dtype, "from_blob_copy");
  // memcpy from the null data() of an empty vector is undefined even for zero bytes.
  if (t.numel() > 0) std::memcpy(t.impl()->data(), data, static_cast<std::size_t>(t.numel()) * element_size(dtype));
  if (o.has_dtype() && o.dtype() != dtype) t = copy_as(t, o.dtype());
  return finish(t, o);
}

Tensor tensor_from_values(const void* data, Dtype dtype, std::size_t count, const Shape& shape_in,
                          const TensorOptions& o) {
  Shape shape = shape_in.empty() ? Shape{static_cast<std::int64_t>(count)} : shape_in;
  std::int64_t n = checked_numel(shape, "tensor");
  if (static_cast<std::size_t>(n) != count) {
    throw std::invalid_argument("tensor: " + std::to_string(count) + " values do not fill shape " + shape_str(shape) +
                                " (" + std::to_string(n) + " elements)");
  }
  return from_blob_copy(data, dtype, shape, o);
}

// ---- conversions and copies (differentiable) ----------------------------------------------

namespace {
struct ToCopyBackward0 final : Node {
  Dtype from;
  tensor_list apply(tensor_list&& g) override { return {g[0].to(from)}; }
};
struct CloneBackward0 final : Node {
  tensor_list apply(tensor_list&& g) override { return {std::move(g[0])}; }
};
}  // namespace

Tensor Tensor::to(Dtype d) const {
  if (dtype() == d) return *this;
  if (requires_grad() && !xgrad::is_floating_point(d)) {
    // Int64 results carry no gradient: the conversion simply ends the graph here.
    return copy_as(*this, d);
  }
  Tensor out = copy_as(*this, d);
  if (auto n = autograd::record<ToCopyBackward0>({this}, out)) n->from = dtype();
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = copy_as(*this, dtype());
  autograd::record<CloneBackward0>({this}, out);
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

}  // namespace xgrad
