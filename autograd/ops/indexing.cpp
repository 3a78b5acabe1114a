// Picking parts of a tensor: the views narrow, slice and select, and the index-driven copies
// index_select, gather and scatter_add. The views' backwards scatter the gradient into zeros
// through small recorded ops of their own, so that create_graph can differentiate them again.
#include <algorithm>

#include "../kernels/view_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// The geometry of x[..., start:start+length*step:step, ...] along dim.
Tensor slice_view(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length, std::int64_t step) {
  auto d = static_cast<std::size_t>(dim);
  Shape shape = x.shape(), strides = x.strides();
  std::int64_t offset = x.impl()->offset + start * strides[d];
  shape[d] = length;
  strides[d] *= step;
  return make_view(x, shape, strides, offset);
}

Tensor select_view(const Tensor& x, std::int64_t dim, std::int64_t index) {
  auto d = static_cast<std::ptrdiff_t>(dim);
  Shape shape = x.shape(), strides = x.strides();
  std::int64_t offset = x.impl()->offset + index * strides[static_cast<std::size_t>(dim)];
  shape.erase(shape.begin() + d);
  strides.erase(strides.begin() + d);
  return make_view(x, shape, strides, offset);
}

std::int64_t slice_length(std::int64_t start, std::int64_t end, std::int64_t step) {
  return end <= start ? 0 : (end - start + step - 1) / step;
}

// Shape and strides with a 0-d tensor seen as [1]: gather/scatter treat both alike, as PyTorch.
struct Geometry {
  Shape shape, strides;
};
Geometry nonempty(const Tensor& t) {
  if (t.dim() == 0) return {Shape{1}, Shape{1}};
  return {t.shape(), t.strides()};
}

}  // namespace

// ---- slice: the gradient goes back into the sliced positions of zeros ----------------------
namespace {
struct SliceBackwardBackward0 final : Node {
  std::int64_t dim = 0, start = 0, end = 0, step = 1;
  tensor_list apply(tensor_list&& g) override { return {slice(g[0], dim, start, end, step)}; }
};

// zeros(in_shape) with g written at [start:end:step] along dim (start/end already normalised).
Tensor slice_backward(const Tensor& g, const Shape& in_shape, std::int64_t dim, std::int64_t start, std::int64_t end,
                      std::int64_t step) {
  Tensor out = zeros(in_shape, g.dtype());
  copy_into(slice_view(out, dim, start, slice_length(start, end, step), step), g);
  if (auto n = record<SliceBackwardBackward0>({&g}, out)) {
    n->dim = dim;
    n->start = start;
    n->end = end;
    n->step = step;
  }
  return out;
}

struct SliceBackward0 final : Node {
  Shape in_shape;
  std::int64_t dim = 0, start = 0, end = 0, step = 1;
  tensor_list apply(tensor_list&& g) override { return {slice_backward(g[0], in_shape, dim, start, end, step)}; }
};
}  // namespace

Tensor slice(const Tensor& x, std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
             std::int64_t step) {
  check_defined(x, "slice");
  if (x.dim() == 0) throw std::out_of_range("slice: cannot be applied to a 0-dim tensor " + describe(x));
  if (step <= 0) {
    throw std::invalid_argument("slice: step must be positive, got " + std::to_string(step) + " for input " +
                                describe(x));
  }
  std::int64_t d = wrap_dim(dim, x.dim(), "slice", x.shape());
  const std::int64_t size = x.size(d);
  // Python slicing: negative bounds count from the end, then everything clamps to [0, size].
  auto normalise = [size](std::int64_t v) { return std::clamp<std::int64_t>(v < 0 ? v + size : v, 0, size); };
  std::int64_t s = start ? normalise(*start) : 0;
  std::int64_t e = end ? normalise(*end) : size;
  if (e < s) e = s;
  Tensor out = slice_view(x, d, s, slice_length(s, e, step), step);
  if (auto n = record<SliceBackward0>({&x}, out)) {
    n->in_shape = x.shape();
    n->dim = d;
    n->start = s;
    n->end = e;
    n->step = step;
  }
  return out;
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  check_defined(x, "narrow");
  if (x.dim() == 0) throw std::out_of_range("narrow: cannot be applied to a 0-dim tensor " + describe(x));
  std::int64_t d = wrap_dim(dim, x.dim(), "narrow", x.shape());
  const std::int64_t size = x.size(d);
  if (start < -size || start > size) {
    throw std::out_of_range("narrow: start " + std::to_string(start) + " is out of range [" + std::to_string(-size) +
                            ", " + std::to_string(size) + "] for dimension " + std::to_string(d) + " of " +
                            describe(x));
  }
  if (length < 0) {
    throw std::invalid_argument("narrow: length must be non-negative, got " + std::to_string(length) + " for " +
                                describe(x));
  }
  std::int64_t s = start < 0 ? start + size : start;
  if (s + length > size) {
    throw std::out_of_range("narrow: start (" + std::to_string(s) + ") + length (" + std::to_string(length) +
                            ") exceeds size " + std::to_string(size) + " of dimension " + std::to_string(d) + " of " +
                            describe(x));
  }
  return slice(x, d, s, s + length, 1);
}

// ---- select: as slice, with the dim removed -------------------------------------------------
namespace {
struct SelectBackwardBackward0 final : Node {
  std::int64_t dim = 0, index = 0;
  tensor_list apply(tensor_list&& g) override { return {select(g[0], dim, index)}; }
};

Tensor select_backward(const Tensor& g, const Shape& in_shape, std::int64_t dim, std::int64_t index) {
  Tensor out = zeros(in_shape, g.dtype());
  copy_into(select_view(out, dim, index), g);
  if (auto n = record<SelectBackwardBackward0>({&g}, out)) {
    n->dim = dim;
    n->index = index;
  }
  return out;
}

struct SelectBackward0 final : Node {
  Shape in_shape;
  std::int64_t dim = 0, index = 0;
  tensor_list apply(tensor_list&& g) override { return {select_backward(g[0], in_shape, dim, index)}; }
};
}  // namespace

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  check_defined(x, "select");
  if (x.dim() == 0) throw std::out_of_range("select: cannot be applied to a 0-dim tensor " + describe(x));
  std::int64_t d = wrap_dim(dim, x.dim(), "select", x.shape());
  const std::int64_t size = x.size(d);
  if (index < -size || index >= size) {
    throw std::out_of_range("select: index " + std::to_string(index) + " is out of range for dimension " +
                            std::to_string(d) + " with size " + std::to_string(size) + " of " + describe(x));
  }
  std::int64_t i = index < 0 ? index + size : index;
  Tensor out = select_view(x, d, i);
  if (auto n = record<SelectBackward0>({&x}, out)) {
    n->in_shape = x.shape();
    n->dim = d;
    n->index = i;
  }
  return out;
}

// ---- index_select / its backward index_add ------------------------------------------------
namespace {

// Sizes around `dim` for the block loops: [outer, size, inner] (a 0-d shape counts as [1]).
struct Blocks {
  std::int64_t outer = 1, size = 1, inner = 1;
};
Blocks blocks_of(const Shape& shape, std::int64_t dim) {
  Blocks b;
  if (shape.empty()) return b;
  for (std::int64_t i = 0; i < dim; ++i) b.outer *= shape[static_cast<std::size_t>(i)];
  b.size = shape[static_cast<std::size_t>(dim)];
  for (std::size_t i = static_cast<std::size_t>(dim) + 1; i < shape.size(); ++i) b.inner *= shape[i];
  return b;
}

// The validated values of a 0-D or 1-D index along a dim of `size`.
std::vector<std::int64_t> index_values(const Tensor& index, std::int64_t dim, std::int64_t size, const char* op,
                                       const Tensor& input) {
  std::vector<std::int64_t> v = index.to_vector<std::int64_t>();
  for (auto i : v) check_index_value(i, dim, size, op, input);
  return v;
}

struct IndexAddBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override { return {index_select(g[0], dim, saved.unpack())}; }
};

// zeros(in_shape) with src's slices added at `index` along dim; differentiable in src.
Tensor index_add_into_zeros(const Shape& in_shape, std::int64_t dim, const Tensor& index, const Tensor& src) {
  Tensor out = zeros(in_shape, src.dtype());
  Blocks ob = blocks_of(in_shape, dim);
  auto idx = index_values(index, dim, ob.size, "index_add", out);
  const auto n = static_cast<std::int64_t>(idx.size());
  Shape expected = in_shape;
  if (!expected.empty()) expected[static_cast<std::size_t>(dim)] = n;
  if (src.shape() != expected) {
    throw std::invalid_argument("index_add: expected a source of shape " + shape_str(expected) + ", got " +
                                describe(src));
  }
  Tensor sc = src.is_contiguous() ? src : copy_as(src, src.dtype());
  dispatch(src.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* po = out.impl()->template data_as<T>();
    const T* ps = sc.impl()->template data_as<T>();
    for (std::int64_t o = 0; o < ob.outer; ++o)
      for (std::int64_t j = 0; j < n; ++j) {
        T* dst = po + (o * ob.size + idx[static_cast<std::size_t>(j)]) * ob.inner;
        const T* s = ps + (o * n + j) * ob.inner;
        for (std::int64_t k = 0; k < ob.inner; ++k) dst[k] += s[k];
      }
  });
  if (auto node = record<IndexAddBackward0>({&src}, out)) {
    node->dim = dim;
    node->saved = save(index);
  }
  return out;
}

struct IndexSelectBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  Shape in_shape;
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override { return {index_add_into_zeros(in_shape, dim, saved.unpack(), g[0])}; }
};
}  // namespace

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_defined(x, "index_select");
  check_index_tensor(index, "index_select");
  if (index.dim() > 1) {
    throw std::invalid_argument("index_select: index must be a 0-D or 1-D tensor, got " + describe(index) +
                                " for input " + describe(x));
  }
  std::int64_t d = wrap_dim(dim, x.dim(), "index_select", x.shape());
  Blocks xb = blocks_of(x.shape(), d);
  auto idx = index_values(index, d, xb.size, "index_select", x);
  const auto n = static_cast<std::int64_t>(idx.size());
  Shape out_shape = x.shape();
  if (x.dim() == 0) {
    if (n != 1) {
      throw std::invalid_argument("index_select: indexing a 0-dim tensor " + describe(x) +
                                  " needs exactly one index, got " + describe(index));
    }
  } else {
    out_shape[static_cast<std::size_t>(d)] = n;
  }
  Tensor out = empty_tensor(out_shape, x.dtype(), "index_select");
  Tensor xc = x.is_contiguous() ? x : copy_as(x, x.dtype());
  const std::size_t row_bytes = static_cast<std::size_t>(xb.inner) * element_size(x.dtype());
  const auto* px = static_cast<const char*>(xc.impl()->data());
  auto* po = static_cast<char*>(out.impl()->data());
  for (std::int64_t o = 0; o < xb.outer; ++o)
    for (std::int64_t j = 0; j < n; ++j) {
      std::memcpy(po + static_cast<std::size_t>(o * n + j) * row_bytes,
                  px + static_cast<std::size_t>(o * xb.size + idx[static_cast<std::size_t>(j)]) * row_bytes, row_bytes);
    }
  if (auto node = record<IndexSelectBackward0>({&x}, out)) {
    node->in_shape = x.shape();
    node->dim = d;
    node->saved = save(index);
  }
  return out;
}

// ---- gather / scatter_add ------------------------------------------------------------------
namespace {

// PyTorch's shape rules: same number of dims (0-d counts as 1-d), index no larger than
// `other` in every dim but `dim` (and no larger than `src`, when given, in every dim).
void check_scatter_shapes(const char* op, std::int64_t dim, const Tensor& self, const Tensor& index,
                          const Tensor* src = nullptr) {
  Geometry s = nonempty(self), i = nonempty(index);
  auto mismatch = [&](const std::string& why) {
    std::string msg = std::string(op) + ": " + why + " (input " + describe(self) + ", index " + describe(index);
    if (src) msg += ", src " + describe(*src);
    throw std::invalid_argument(msg + ", dim " + std::to_string(dim) + ")");
  };
  if (s.shape.size() != i.shape.size()) mismatch("index must have the same number of dimensions as input");
  if (src && nonempty(*src).shape.size() != i.shape.size())
    mismatch("index must have the same number of dimensions as src");
  for (std::size_t k = 0; k < i.shape.size(); ++k) {
    if (static_cast<std::int64_t>(k) != dim && i.shape[k] > s.shape[k]) {
      mismatch("index size " + std::to_string(i.shape[k]) + " exceeds input size " + std::to_string(s.shape[k]) +
               " at dimension " + std::to_string(k));
    }
    if (src && i.shape[k] > nonempty(*src).shape[k]) {
      mismatch("index size " + std::to_string(i.shape[k]) + " exceeds src size " +
               std::to_string(nonempty(*src).shape[k]) + " at dimension " + std::to_string(k));
    }
  }
}

struct ScatterAddBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  std::int64_t dim = 0;
  Shape src_shape;
  tensor_list apply(tensor_list&& g) override {
    Tensor gsrc;
    if (should_compute_output(1)) {
      Tensor idx = saved.unpack();
      gsrc = gather(g[0], dim, idx);
      // src entries beyond the index's extent were never added anywhere: zero gradient.
      if (gsrc.shape() != src_shape && !src_shape.empty()) {
        if (gsrc.dim() == 0) gsrc = reshape(gsrc, {1});
        Shape widths;
        for (std::size_t k = src_shape.size(); k-- > 0;) {
          widths.push_back(0);
          widths.push_back(src_shape[k] - gsrc.shape()[k]);
        }
        gsrc = pad(gsrc, widths);
      }
    }
    return {should_compute_output(0) ? g[0] : Tensor(), gsrc};
  }
};

struct GatherBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  Shape in_shape;
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override {
    return {scatter_add(zeros(in_shape, g[0].dtype()), dim, saved.unpack(), g[0])};
  }
};

}  // namespace

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_defined(x, "gather");
  check_index_tensor(index, "gather");
  std::int64_t d = wrap_dim(dim, x.dim(), "gather", x.shape());
  check_scatter_shapes("gather", d, x, index);
  Geometry xg = nonempty(x), ig = nonempty(index);
  const auto ud = static_cast<std::size_t>(d);
  const std::int64_t size = xg.shape[ud], stride = xg.strides[ud];
  Shape xs = xg.strides;
  xs[ud] = 0;  // the index supplies the position along dim
  Tensor out = empty_tensor(index.shape(), x.dtype(), "gather");
  const std::int64_t* pi = index.impl()->data_as<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for_each_offset(ig.shape, &ig.strides, &xs, nullptr, 0, 0, 0,
                    [&](std::int64_t i, std::int64_t oi, std::int64_t ox, std::int64_t) {
                      const std::int64_t v = pi[oi];
                      check_index_value(v, d, size, "gather", x);
                      po[i] = px[ox + v * stride];
                    });
  });
  if (auto n = record<GatherBackward0>({&x}, out)) {
    n->in_shape = x.shape();
    n->dim = d;
    n->saved = save(index);
  }
  return out;
}

Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "scatter_add");
  check_index_tensor(index, "scatter_add");
  check_defined(src, "scatter_add", "src");
  if (src.dtype() != x.dtype()) {
    throw std::invalid_argument("scatter_add: expected src to have the input's dtype, got input " + describe(x) +
                                " and src " + describe(src));
  }
  std::int64_t d = wrap_dim(dim, x.dim(), "scatter_add", x.shape());
  check_scatter_shapes("scatter_add", d, x, index, &src);
  Tensor out = copy_as(x, x.dtype());
  Geometry og = nonempty(out), ig = nonempty(index), sg = nonempty(src);
  const auto ud = static_cast<std::size_t>(d);
  const std::int64_t size = og.shape[ud], stride = og.strides[ud];
  Shape os = og.strides;
  os[ud] = 0;
  const std::int64_t* pi = index.impl()->data_as<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* ps = src.impl()->template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    for_each_offset(ig.shape, &ig.strides, &sg.strides, &os, 0, 0, 0,
                    [&](std::int64_t, std::int64_t oi, std::int64_t osrc, std::int64_t oo) {
                      const std::int64_t v = pi[oi];
                      check_index_value(v, d, size, "scatter_add", x);
                      po[oo + v * stride] += ps[osrc];
                    });
  });
  if (auto n = record<ScatterAddBackward0>({&x, &src}, out)) {
    n->dim = d;
    n->saved = save(index);
    n->src_shape = src.shape();
  }
  return out;
}

}  // namespace xgrad
