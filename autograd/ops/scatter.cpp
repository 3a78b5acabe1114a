// index_add, scatter (tensor or value) and masked_select, with PyTorch's node names. Index
// tensors follow ops.hpp's rules (Int64, values in range, else IndexError / std::out_of_range).
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "../grad_mode.hpp"
#include "../kernels/kernels.hpp"
#include "../kernels/view_helpers.hpp"
#include "../ops_elementwise.hpp"
#include "../ops_manip.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- index_add: out = x; out[index[i]] += alpha source[i] along dim ------------------------------
// d/dx = g; d/dsource = alpha index_select(g, dim, index).
namespace {
struct IndexAddBackward0 final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  std::int64_t dim = 0;
  double alpha = 1;
  bool scalar = false;
  tensor_list apply(tensor_list&& g) override {
    Tensor gs;
    if (should_compute_output(1)) {
      gs = scalar ? g[0] : index_select(g[0], dim, saved.unpack());
      if (alpha != 1) gs = gs * alpha;
    }
    return {should_compute_output(0) ? g[0] : Tensor(), gs};
  }
};
}  // namespace

Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  check_defined(x, "index_add");
  check_index_tensor(index, "index_add");
  check_defined(source, "index_add", "source");
  const std::int64_t nd = std::max<std::int64_t>(x.dim(), 1);
  const std::int64_t d = wrap_dim(dim, nd, "index_add", x.shape());
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("index_add: " + why + " (input " + describe(x) + ", index " + describe(index) +
                                ", source " + describe(source) + ", dim " + std::to_string(dim) + ")");
  };
  if (index.dim() > 1) fail("index must be 0-D or 1-D");
  if (source.dtype() != x.dtype()) fail("source must have the input's dtype");
  Shape xs = x.dim() == 0 ? Shape{1} : x.shape(), ss = source.dim() == 0 ? Shape{1} : source.shape();
  if (xs.size() != ss.size()) fail("source must have as many dims as the input");
  for (std::size_t k = 0; k < xs.size(); ++k) {
    if (static_cast<std::int64_t>(k) != d && xs[k] != ss[k]) fail("source must match the input outside dim");
  }
  if (ss[static_cast<std::size_t>(d)] != index.numel()) fail("source.size(dim) must equal the number of indices");
  for (auto v : index.to_vector<std::int64_t>())
    check_index_value(v, d, xs[static_cast<std::size_t>(d)], "index_add", x);
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    Shape idx_shape(xs.size(), 1);
    idx_shape[static_cast<std::size_t>(d)] = index.numel();
    Tensor idx = expand(reshape(index, idx_shape), ss).contiguous();
    Tensor src = reshape(alpha == 1 ? source : source * alpha, ss).to(x.dtype());
    out = reshape(scatter_add(reshape(x, xs), d, idx, src), x.shape());
  }
  if (auto n = record<IndexAddBackward0>({&x, &source}, out)) {
    n->dim = d;
    n->alpha = alpha;
    n->scalar = x.dim() == 0;
    n->saved = save(reshape(index, {-1}));
  }
  return out;
}

// ---- scatter: out = x; out[..., index[p], ...] = src[p] (dim replaced by the index) --------------
// d/dx = g with the written places zeroed; d/dsrc = gather(g, dim, index) (ScatterBackward0).
// The value form (ScatterBackward1) has only the first.
namespace {
struct ScatterBackward final : autograd::SavedOneNode {
  const char* saved_name() const override { return "index"; }
  std::int64_t dim = 0;
  bool value_form = false;
  Shape src_shape;
  std::string name() const override { return value_form ? "ScatterBackward1" : "ScatterBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor idx = saved.unpack();
    tensor_list out{should_compute_output(0) ? scatter(g[0], dim, idx, 0.0) : Tensor()};
    if (value_form) return {out[0], Tensor()};  // edges: x, src (undefined for a value)
    Tensor gs;
    if (should_compute_output(1)) {
      gs = gather(g[0], dim, idx);
      if (gs.shape() != src_shape) {  // src beyond the index's extent was never written
        Shape widths;
        for (std::size_t k = src_shape.size(); k-- > 0;) {
          widths.push_back(0);
          widths.push_back(src_shape[k] - gs.shape()[k]);
        }
        gs = pad(gs, widths);
      }
    }
    out.push_back(gs);
    return out;
  }
};

// The shape rules of torch.scatter (0-d counted as 1-d): same number of dims; index no larger than
// src anywhere, nor than x outside dim.
void check_scatter(const Tensor& x, std::int64_t d, const Tensor& index, const Tensor* src) {
  auto fail = [&](const std::string& why) {
    std::string msg = "scatter: " + why + " (input " + describe(x) + ", index " + describe(index);
    if (src) msg += ", src " + describe(*src);
    throw std::invalid_argument(msg + ", dim " + std::to_string(d) + ")");
  };
  const std::int64_t nx = std::max<std::int64_t>(x.dim(), 1), ni = std::max<std::int64_t>(index.dim(), 1);
  if (nx != ni) fail("index must have the same number of dims as the input");
  if (src && std::max<std::int64_t>(src->dim(), 1) != ni) fail("index must have the same number of dims as src");
  if (src && src->dtype() != x.dtype()) fail("src must have the input's dtype");
  for (std::int64_t k = 0; k < ni && index.dim() > 0; ++k) {
    if (k != d && x.dim() > 0 && index.size(k) > x.size(k)) fail("index is larger than the input outside dim");
    if (src && src->dim() > 0 && index.size(k) > src->size(k)) fail("index is larger than src");
  }
}

Tensor scatter_impl(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor* src, double value) {
  check_defined(x, "scatter");
  check_index_tensor(index, "scatter");
  if (src) check_defined(*src, "scatter", "src");
  const std::int64_t d = wrap_dim(dim, std::max<std::int64_t>(x.dim(), 1), "scatter", x.shape());
  check_scatter(x, d, index, src);
  Tensor out = copy_as(x, x.dtype());
  if (index.numel() == 0) return out;
  Tensor idx = index.dim() == 0 ? reshape(index, {1}) : index;
  Tensor o1 = out.dim() == 0 ? view(out, {1}) : out;  // a view: writes reach out
  Tensor s1 = src ? (src->dim() == 0 ? reshape(*src, {1}) : *src) : Tensor();
  const auto ud = static_cast<std::size_t>(d);
  const std::int64_t size = o1.shape()[ud], stride = o1.strides()[ud];
  Shape os = o1.strides();
  os[ud] = 0;  // the index supplies the position along dim
  const Shape istr = idx.strides();
  const Shape sstr = s1.defined() ? s1.strides() : Shape(idx.shape().size(), 0);
  const std::int64_t* pi = idx.impl()->data_as<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T fill = static_cast<T>(value);
    const T* ps = s1.defined() ? s1.impl()->template data_as<T>() : &fill;
    T* po = o1.impl()->template data_as<T>();
    for_each_offset(idx.shape(), &istr, &sstr, &os, 0, 0, 0,
                    [&](std::int64_t, std::int64_t oi, std::int64_t osrc, std::int64_t oo) {
                      const std::int64_t v = pi[oi];
                      check_index_value(v, d, size, "scatter", x);
                      po[oo + v * stride] = ps[osrc];
                    });
  });
  const Tensor src_input = src ? *src : Tensor();
  if (auto n = record<ScatterBackward>({&x, &src_input}, out)) {
    n->dim = d;
    n->value_form = src == nullptr;
    n->saved = save(index);
    if (src) n->src_shape = src->shape();
  }
  return out;
}
}  // namespace

Tensor scatter(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(x, dim, index, &src, 0.0);
}
Tensor scatter(const Tensor& x, std::int64_t dim, const Tensor& index, double value) {
  check_defined(x, "scatter");
  if (!x.is_floating_point() && !is_int64_scalar(value)) {
    throw std::invalid_argument("scatter: value " + std::to_string(value) + " does not fit input " + describe(x));
  }
  return scatter_impl(x, dim, index, nullptr, value);
}

// ---- masked_select: the elements of broadcast(x, mask) where mask != 0, in row-major order -------
// d/dx = g written back at those places (zeros elsewhere), summed to x's shape by the engine.
namespace {
struct MaskedSelectBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"positions", &positions}});
  }
  Tensor positions;  // Int64 flat positions in the broadcast shape (no history)
  Shape shape;
  tensor_list apply(tensor_list&& g) override {
    std::int64_t n = 1;
    for (auto s : shape) n *= s;
    Tensor gx = index_add(zeros({n}, g[0].dtype()), 0, positions, g[0]);
    return {reshape(gx, shape)};
  }
  void release_variables() override { positions = Tensor(); }
};
}  // namespace

Tensor masked_select(const Tensor& x, const Tensor& mask) {
  check_defined(x, "masked_select");
  check_defined(mask, "masked_select", "mask");
  Shape shape;
  try {
    shape = broadcast_shapes(x, mask, "masked_select");
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("masked_select: input " + describe(x) + " and mask " + describe(mask) +
                                " cannot be broadcast together");
  }
  Tensor positions, out;
  {
    autograd::NoGradGuard no_grad;
    auto m = expand(mask, shape).to_vector<double>();
    std::vector<std::int64_t> pos;
    for (std::size_t i = 0; i < m.size(); ++i)
      if (m[i] != 0) pos.push_back(static_cast<std::int64_t>(i));
    positions = tensor(pos, {static_cast<std::int64_t>(pos.size())});
    out = index_select(reshape(expand(x, shape).contiguous(), {-1}), 0, positions);
  }
  if (auto n = record<MaskedSelectBackward0>({&x}, out)) {
    n->positions = positions;
    n->shape = shape;
  }
  return out;
}

}  // namespace xgrad
