// Sums and means over all elements or over dims, and sum_to (the reduction every broadcasting
// op's backward relies on).
#include "kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace kernels {

// Sorted, wrapped, de-duplicated dims (empty input = all dims).
std::vector<bool> reduced_mask(const Tensor& x, const Shape& dims, const char* op) {
  std::vector<bool> mask(static_cast<std::size_t>(x.dim()), dims.empty());
  for (auto d : dims) {
    auto w = static_cast<std::size_t>(wrap_dim(d, x.dim(), op, x.shape()));
    if (x.dim() == 0) continue;
    if (mask[w]) throw std::invalid_argument(std::string(op) + ": dim " + std::to_string(d) + " appears multiple times in " + shape_str(dims));
    mask[w] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdim) {
  Shape out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!mask[i]) out.push_back(in[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

// out[j] = sum of x over the masked dims, accumulated in T.
Tensor sum_kernel(const Tensor& x, const std::vector<bool>& mask, bool keepdim, const char* op) {
  const TensorImpl& xi = *x.impl();
  Shape kshape = reduced_shape(xi.shape, mask, true);
  Tensor out = zeros(kshape, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xi.template data_as<T>();
    T* po = out.impl()->template data_as<T>();
    bool all = true;
    for (bool m : mask) all = all && m;
    if (all && xi.contiguous) {
      po[0] = xi.numel == 0 ? T(0) : T(xt::sum(flat(px, xi.numel))());
      return;
    }
    Shape os = contiguous_strides(kshape);
    for (std::size_t i = 0; i < mask.size(); ++i) if (mask[i]) os[i] = 0;
    for_each_offset(xi.shape, &xi.strides, &os, nullptr, 0, 0, 0,
                    [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) { po[o] += px[a]; });
  });
  (void)op;
  if (!keepdim) out = view(out, reduced_shape(xi.shape, mask, false));
  return out;
}

}  // namespace kernels

namespace {
struct SumBackward0 final : Node {
  Shape in_shape;
  Shape keep_shape;  // the output's shape with reduced dims kept as 1
  std::string name() const override { return "SumBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {expand(reshape(g[0], keep_shape), in_shape)}; }
};
}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  check_defined(x, "sum");
  auto mask = reduced_mask(x, dims, "sum");
  Tensor out = sum_kernel(x, mask, keepdim, "sum");
  if (auto n = record<SumBackward0>({&x}, out)) {
    n->in_shape = x.shape();
    n->keep_shape = reduced_shape(x.shape(), mask, true);
  }
  return out;
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  check_defined(x, "mean");
  if (!x.is_floating_point()) {
    throw std::invalid_argument("mean: could not infer output dtype; input " + describe(x) +
                                " is not floating point. Convert it with to(kFloat32) first.");
  }
  auto mask = reduced_mask(x, dims, "mean");
  std::int64_t count = 1;
  for (std::size_t i = 0; i < mask.size(); ++i) if (mask[i]) count *= x.shape()[i];
  return sum(x, dims, keepdim) / static_cast<double>(count);
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor sum_to(const Tensor& x, const Shape& shape) {
  check_defined(x, "sum_to");
  if (x.shape() == shape) return x;
  const Shape& in = x.shape();
  if (shape.size() > in.size()) {
    throw std::invalid_argument("sum_to: cannot sum " + describe(x) + " to the larger shape " + shape_str(shape));
  }
  std::size_t lead = in.size() - shape.size();
  Shape dims;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (i < lead) {
      dims.push_back(static_cast<std::int64_t>(i));
    } else if (shape[i - lead] == 1 && in[i] != 1) {
      dims.push_back(static_cast<std::int64_t>(i));
    } else if (shape[i - lead] != in[i]) {
      throw std::invalid_argument("sum_to: shape " + shape_str(shape) + " is not broadcastable to " + describe(x));
    }
  }
  Tensor r = dims.empty() ? x : sum(x, dims, true);
  return lead == 0 && r.shape() == shape ? r : reshape(r, shape);
}

}  // namespace xgrad
