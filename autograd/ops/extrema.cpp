// max / min over all elements or along one dim, argmax / argmin. NaN wins every comparison,
// as in PyTorch: the extremum of data holding a NaN is NaN, at the first NaN's index.
#include <cmath>
#include <limits>
#include <vector>

#include "../kernels/reduce_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Whether v should replace the current best; strict, so ties keep the first index.
template <bool IsMax, class T>
bool better(T v, T best) {
  if (is_nan(best)) return false;
  if (is_nan(v)) return true;
  return IsMax ? v > best : v < best;
}

void check_nonempty(const Tensor& x, const char* op) {
  if (x.numel() == 0) {
    throw std::invalid_argument(std::string(op) + ": cannot reduce an empty tensor (" + describe(x) +
                                ") without a dim; the operation has no identity. Pass a dim instead.");
  }
}

// Value and row-major (flattened) index of the first extremum of a non-empty x.
template <bool IsMax, class T>
std::pair<T, std::int64_t> extremum_all(const TensorImpl& xi) {
  const T* px = xi.template data_as<T>();
  T best = px[0];
  std::int64_t at = 0;
  if (xi.contiguous) {
    for (std::int64_t i = 1; i < xi.numel; ++i) {
      if (better<IsMax>(px[i], best)) {
        best = px[i];
        at = i;
      }
    }
  } else {
    for_each_offset(xi.shape, &xi.strides, nullptr, nullptr, 0, 0, 0,
                    [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) {
                      if (better<IsMax>(px[o], best)) {
                        best = px[o];
                        at = i;
                      }
                    });
  }
  return {best, at};
}

// Along dim d (wrapped): for each output element, value and index of the first extremum.
// `values` may be null when only indices are wanted. Both outputs are contiguous in the
// keepdim layout (which is also the plain layout).
template <bool IsMax, class T>
void extremum_dim(const TensorImpl& xi, std::int64_t d, T* values, std::int64_t* indices) {
  const T* px = xi.template data_as<T>();
  const bool scalar = xi.shape.empty();
  const std::int64_t len = scalar ? 1 : xi.shape[static_cast<std::size_t>(d)];
  const std::int64_t step = scalar ? 0 : xi.strides[static_cast<std::size_t>(d)];
  Shape rows = xi.shape;
  if (!scalar) rows[static_cast<std::size_t>(d)] = 1;
  for_each_offset(rows, &xi.strides, nullptr, nullptr, 0, 0, 0,
                  [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) {
                    T best = px[o];
                    std::int64_t at = 0;
                    for (std::int64_t k = 1; k < len; ++k) {
                      const T v = px[o + k * step];
                      if (better<IsMax>(v, best)) {
                        best = v;
                        at = k;
                      }
                    }
                    if (values) values[i] = best;
                    indices[i] = at;
                  });
}

// Wraps dim and refuses a reduction over a zero-size dim (it would have no value to return).
std::int64_t checked_reduce_dim(const Tensor& x, std::int64_t dim, const char* op) {
  check_defined(x, op);
  std::int64_t d = wrap_dim(dim, x.dim(), op, x.shape());
  if (x.dim() > 0 && x.size(d) == 0) {
    throw std::invalid_argument(std::string(op) + ": cannot reduce over dim " + std::to_string(dim) +
                                " of size 0 (input " + describe(x) + "); the operation has no identity");
  }
  return d;
}

Shape dim_output_shape(const Tensor& x, std::int64_t d, bool keepdim) {
  Shape s = x.shape();
  if (x.dim() == 0) return s;
  if (keepdim) s[static_cast<std::size_t>(d)] = 1;
  else s.erase(s.begin() + d);
  return s;
}

}  // namespace

// ---- max() / min(): the gradient is shared equally between tied extrema (amax semantics) --------
namespace {
struct ExtremumAllBackward final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  bool is_max = true;
  std::string name() const override { return is_max ? "MaxBackward1" : "MinBackward1"; }
  tensor_list apply(tensor_list&& g) override { return {g[0] * share_mask(self.unpack(), result.unpack())}; }
  void release_variables() override {
    self.reset();
    result.reset();
  }

  // Constant: 1/count where x equals the result (where x is NaN if the result is NaN), else 0.
  static Tensor share_mask(const Tensor& x, const Tensor& r) {
    Tensor mask = empty_tensor(x.shape(), x.dtype(), "max");
    dispatch_float(x.dtype(), "max", [&](auto tag) {
      using T = decltype(tag);
      const T target = r.item<T>();
      const bool nan = std::isnan(target);
      std::vector<T> xs = x.to_vector<T>();
      T* pm = mask.impl()->template data_as<T>();
      std::int64_t count = 0;
      for (std::size_t i = 0; i < xs.size(); ++i) {
        const bool hit = nan ? std::isnan(xs[i]) : xs[i] == target;
        pm[i] = hit ? T(1) : T(0);
        count += hit;
      }
      const T share = T(1) / static_cast<T>(count);
      for (std::size_t i = 0; i < xs.size(); ++i) pm[i] *= share;
    });
    return mask;
  }
};

template <bool IsMax>
Tensor extremum_all_op(const Tensor& x, const char* op) {
  check_defined(x, op);
  check_nonempty(x, op);
  Tensor out = empty_tensor({}, x.dtype(), op);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    *out.impl()->template data_as<T>() = extremum_all<IsMax, T>(*x.impl()).first;
  });
  if (auto n = record<ExtremumAllBackward>({&x}, out)) {
    n->is_max = IsMax;
    n->self = save(x);
    n->result = save(out, /*is_output=*/true);
  }
  return out;
}
}  // namespace

Tensor max(const Tensor& x) { return extremum_all_op<true>(x, "max"); }
Tensor min(const Tensor& x) { return extremum_all_op<false>(x, "min"); }

// ---- max(dim) / min(dim): the gradient goes to the index returned -------------------------------
namespace {
struct ExtremumDimBackward final : autograd::SavedOneNode {
  const char* saved_name() const override { return "indices"; }
  Shape in_shape;
  Dtype in_dtype = Dtype::Float32;
  std::int64_t dim = 0;
  bool keepdim = false;
  bool is_max = true;
  std::string name() const override { return is_max ? "MaxBackward0" : "MinBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor gk = keepdim || in_shape.empty() ? g[0] : unsqueeze(g[0], dim);
    return {gk * one_hot(saved.unpack())};
  }

  // Constant tensor of the input's shape: 1 at each returned index along dim, 0 elsewhere.
  // Built raw (no history), so the product with g stays differentiable w.r.t. g only.
  Tensor one_hot(const Tensor& idx) const {
    Tensor mask = zeros(in_shape, in_dtype);
    Tensor ic = idx.contiguous();
    const std::int64_t* pi = ic.impl()->template data_as<std::int64_t>();
    const bool scalar = in_shape.empty();
    const std::int64_t step = scalar ? 0 : mask.strides()[static_cast<std::size_t>(dim)];
    Shape rows = in_shape;
    if (!scalar) rows[static_cast<std::size_t>(dim)] = 1;
    const Shape& ms = mask.strides();
    dispatch_float(in_dtype, "max", [&](auto tag) {
      using T = decltype(tag);
      T* pm = mask.impl()->template data_as<T>();
      for_each_offset(rows, &ms, nullptr, nullptr, 0, 0, 0,
                      [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { pm[o + pi[i] * step] = T(1); });
    });
    return mask;
  }
};

template <bool IsMax>
std::tuple<Tensor, Tensor> extremum_dim_op(const Tensor& x, std::int64_t dim, bool keepdim, const char* op) {
  std::int64_t d = checked_reduce_dim(x, dim, op);
  Shape shape = dim_output_shape(x, d, keepdim);
  Tensor values = empty_tensor(shape, x.dtype(), op);
  Tensor indices = empty_tensor(shape, kInt64, op);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    extremum_dim<IsMax, T>(*x.impl(), d, values.impl()->template data_as<T>(),
                           indices.impl()->template data_as<std::int64_t>());
  });
  if (auto n = record<ExtremumDimBackward>({&x}, values)) {
    n->is_max = IsMax;
    n->saved = save(indices);
    n->in_shape = x.shape();
    n->in_dtype = x.dtype();
    n->dim = d;
    n->keepdim = keepdim;
  }
  return {values, indices};
}
}  // namespace

std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extremum_dim_op<true>(x, dim, keepdim, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim) {
  return extremum_dim_op<false>(x, dim, keepdim, "min");
}

// ---- argmax / argmin (Int64, never differentiable) ------------------------------------------
namespace {
template <bool IsMax>
Tensor arg_all(const Tensor& x, const char* op) {
  check_defined(x, op);
  check_nonempty(x, op);
  Tensor out = empty_tensor({}, kInt64, op);
  *out.impl()->template data_as<std::int64_t>() =
      dispatch(x.dtype(), [&](auto tag) { return extremum_all<IsMax, decltype(tag)>(*x.impl()).second; });
  return out;
}

template <bool IsMax>
Tensor arg_dim(const Tensor& x, std::int64_t dim, bool keepdim, const char* op) {
  std::int64_t d = checked_reduce_dim(x, dim, op);
  Tensor indices = empty_tensor(dim_output_shape(x, d, keepdim), kInt64, op);
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    extremum_dim<IsMax, T>(*x.impl(), d, nullptr, indices.impl()->template data_as<std::int64_t>());
  });
  return indices;
}
}  // namespace

Tensor argmax(const Tensor& x) { return arg_all<true>(x, "argmax"); }
Tensor argmin(const Tensor& x) { return arg_all<false>(x, "argmin"); }
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) { return arg_dim<true>(x, dim, keepdim, "argmax"); }
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) { return arg_dim<false>(x, dim, keepdim, "argmin"); }

}  // namespace xgrad
