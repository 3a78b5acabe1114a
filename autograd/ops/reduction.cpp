// Sums and means over all elements or over dims, and sum_to (the reduction every broadcasting
// op's backward relies on).
#include <algorithm>
#include <type_traits>

#include "../fusion/fusion.hpp"
#include "../kernels/reduce_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {
struct SumBackward0 final : Node {
  Shape in_shape;
  Shape keep_shape;  // the output's shape with reduced dims kept as 1
  tensor_list apply(tensor_list&& g) override { return {expand(reshape(g[0], keep_shape), in_shape)}; }
};
}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  check_defined(x, "sum");
  if (x.dtype() == Dtype::Bool) return sum(copy_as(x, Dtype::Int64), dims, keepdim);  // counts, as PyTorch
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
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) count *= x.shape()[i];
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
