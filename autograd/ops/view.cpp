// Views: reshape, expand, transpose, permute, squeeze, unsqueeze. A view shares its input's
// storage (and so its version counter); only shape, strides and offset differ.
#include <numeric>

#include "../kernels/view_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- reshape / view -----------------------------------------------------------------------
namespace {
struct ViewBackward0 final : Node {
  Shape in_shape;
  tensor_list apply(tensor_list&& g) override { return {reshape(g[0], in_shape)}; }
};

Shape infer_shape(const Shape& requested, std::int64_t numel, const char* op, const Tensor& x) {
  Shape out = requested;
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer >= 0)
        throw std::invalid_argument(std::string(op) + ": only one dimension can be inferred (-1) in " +
                                    shape_str(requested));
      infer = static_cast<int>(i);
    } else if (out[i] < 0) {
      throw std::invalid_argument(std::string(op) + ": invalid size " + std::to_string(out[i]) + " in " +
                                  shape_str(requested));
    } else {
      known *= out[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0) {
      throw std::invalid_argument(std::string(op) + ": shape " + shape_str(requested) + " is invalid for input " +
                                  describe(x));
    }
    out[static_cast<std::size_t>(infer)] = numel / known;
  } else if (known != numel) {
    throw std::invalid_argument(std::string(op) + ": shape " + shape_str(requested) + " is invalid for input " +
                                describe(x) + " (" + std::to_string(numel) + " elements)");
  }
  return out;
}
}  // namespace

Tensor view(const Tensor& x, const Shape& shape) {
  check_defined(x, "view");
  Shape s = infer_shape(shape, x.numel(), "view", x);
  if (!x.is_contiguous()) {
    throw std::invalid_argument("view: the input " + describe(x) + " is not contiguous, so it cannot be viewed as " +
                                shape_str(s) + ". Use reshape() instead.");
  }
  Tensor out = make_view(x, s, contiguous_strides(s), x.impl()->offset);
  if (auto n = record<ViewBackward0>({&x}, out)) n->in_shape = x.shape();
  return out;
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  infer_shape(shape, x.numel(), "reshape", x);  // so that a bad shape is reported as reshape's
  if (x.is_contiguous()) return view(x, shape);
  return view(x.clone(), shape);
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  check_defined(x, "flatten");
  if (x.dim() == 0) return reshape(x, {1});
  std::int64_t s = wrap_dim(start_dim, x.dim(), "flatten", x.shape());
  std::int64_t e = wrap_dim(end_dim, x.dim(), "flatten", x.shape());
  if (s > e)
    throw std::invalid_argument("flatten: start_dim " + std::to_string(start_dim) + " comes after end_dim " +
                                std::to_string(end_dim));
  Shape out;
  for (std::int64_t i = 0; i < s; ++i) out.push_back(x.size(i));
  std::int64_t m = 1;
  for (std::int64_t i = s; i <= e; ++i) m *= x.size(i);
  out.push_back(m);
  for (std::int64_t i = e + 1; i < x.dim(); ++i) out.push_back(x.size(i));
  return reshape(x, out);
}

namespace {
// Dropping or adding size-1 dims never needs a copy, whatever x's strides: squeeze and
// unsqueeze stay views of non-contiguous inputs too (as in PyTorch).
Tensor restrided(const Tensor& x, const Shape& shape, const Shape& strides) {
  Tensor out = make_view(x, shape, strides, x.impl()->offset);
  if (auto n = record<ViewBackward0>({&x}, out)) n->in_shape = x.shape();
  return out;
}
}  // namespace

Tensor squeeze(const Tensor& x) {
  check_defined(x, "squeeze");
  Shape out, strides;
  for (std::size_t i = 0; i < x.shape().size(); ++i) {
    if (x.shape()[i] == 1) continue;
    out.push_back(x.shape()[i]);
    strides.push_back(x.strides()[i]);
  }
  return restrided(x, out, strides);
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  check_defined(x, "squeeze");
  std::int64_t d = wrap_dim(dim, x.dim(), "squeeze", x.shape());
  Shape out = x.shape(), strides = x.strides();
  if (x.dim() > 0 && x.size(d) == 1) {
    out.erase(out.begin() + d);
    strides.erase(strides.begin() + d);
  }
  return restrided(x, out, strides);
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  check_defined(x, "unsqueeze");
  std::int64_t d = wrap_dim(dim, x.dim() + 1, "unsqueeze", x.shape());
  Shape out = x.shape(), strides = x.strides();
  std::int64_t stride =
      d < x.dim() ? x.strides()[static_cast<std::size_t>(d)] * x.shape()[static_cast<std::size_t>(d)] : 1;
  out.insert(out.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return restrided(x, out, strides);
}

// ---- expand ---------------------------------------------------------------------------------
namespace {
struct ExpandBackward0 final : Node {
  Shape in_shape;
  tensor_list apply(tensor_list&& g) override { return {sum_to(g[0], in_shape)}; }
};
}  // namespace

Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined(x, "expand");
  const Shape& in = x.shape();
  if (shape.size() < in.size()) {
    throw std::invalid_argument("expand: the number of sizes provided (" + std::to_string(shape.size()) + ", " +
                                shape_str(shape) + ") must be greater or equal to the number of dimensions of " +
                                describe(x));
  }
  std::size_t lead = shape.size() - in.size();
  Shape out(shape.size()), strides(shape.size(), 0);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      if (shape[i] < 0)
        throw std::invalid_argument("expand: -1 is not allowed in a leading, new dimension: " + shape_str(shape));
      out[i] = shape[i];
      continue;
    }
    if (shape[i] < -1)
      throw std::invalid_argument("expand: invalid size " + std::to_string(shape[i]) + " in " + shape_str(shape));
    std::int64_t have = in[i - lead];
    std::int64_t want = shape[i] == -1 ? have : shape[i];
    if (have != want && have != 1) {
      throw std::invalid_argument("expand: the expanded size (" + std::to_string(want) +
                                  ") must match the existing size (" + std::to_string(have) +
                                  ") at non-singleton dimension " + std::to_string(i) +
                                  ". Target sizes: " + shape_str(shape) + ", tensor " + describe(x));
    }
    out[i] = want;
    strides[i] = have == want ? x.strides()[i - lead] : 0;
  }
  if (out == in) return x;
  checked_numel(out, "expand");  // so that an overflowing size is reported as expand's, not view's
  Tensor r = make_view(x, out, strides, x.impl()->offset);
  if (auto n = record<ExpandBackward0>({&x}, r)) n->in_shape = in;
  return r;
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) { return expand(x, shape); }
Tensor Tensor::expand_as(const Tensor& other) const { return xgrad::expand(*this, other.shape()); }

// ---- permute / transpose ----------------------------------------------------------------------
namespace {
struct PermuteBackward0 final : Node {
  Shape inverse;
  tensor_list apply(tensor_list&& g) override { return {permute(g[0], inverse)}; }
};
}  // namespace

Tensor permute(const Tensor& x, const Shape& dims) {
  check_defined(x, "permute");
  const std::int64_t nd = x.dim();
  if (static_cast<std::int64_t>(dims.size()) != nd) {
    throw std::invalid_argument("permute: number of dims " + shape_str(dims) + " doesn't match " + describe(x));
  }
  Shape shape(dims.size()), strides(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto d = static_cast<std::size_t>(wrap_dim(dims[i], nd, "permute", x.shape()));
    if (seen[d]) throw std::invalid_argument("permute: repeated dim in " + shape_str(dims));
    seen[d] = true;
    shape[i] = x.shape()[d];
    strides[i] = x.strides()[d];
    inverse[d] = static_cast<std::int64_t>(i);
  }
  Tensor out = make_view(x, shape, strides, x.impl()->offset);
  if (auto n = record<PermuteBackward0>({&x}, out)) n->inverse = inverse;
  return out;
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  check_defined(x, "transpose");
  if (x.dim() == 0) {  // a scalar has one valid dim spelling (0 or -1), and transposing it is a no-op
    wrap_dim(dim0, 0, "transpose", x.shape());
    wrap_dim(dim1, 0, "transpose", x.shape());
    return x;
  }
  Shape dims(static_cast<std::size_t>(x.dim()));
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[static_cast<std::size_t>(wrap_dim(dim0, x.dim(), "transpose", x.shape()))],
            dims[static_cast<std::size_t>(wrap_dim(dim1, x.dim(), "transpose", x.shape()))]);
  return permute(x, dims);
}

Tensor t(const Tensor& x) {
  check_defined(x, "t");
  if (x.dim() > 2)
    throw std::invalid_argument("t: expects a tensor with <= 2 dimensions, got " + describe(x) + "; use transpose()");
  return x.dim() < 2 ? x : transpose(x, 0, 1);
}

}  // namespace xgrad
