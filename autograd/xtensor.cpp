// The non-template parts of xtensor.hpp: a tensor over borrowed memory, and as_xtensor's checks.
#include "xtensor.hpp"

#include <memory>

#include "fusion/fusion.hpp"

namespace xgrad::detail {

Tensor borrowed_tensor(void* data, std::size_t nbytes, Dtype dtype, const Shape& shape, const Shape& strides,
                       const TensorOptions& options) {
  if (shape.size() != strides.size()) {
    throw std::invalid_argument("adapt: shape " + shape_str(shape) + " and strides " + shape_str(strides) +
                                " differ in length");
  }
  const std::int64_t numel = checked_numel(shape, "adapt");
  std::int64_t last = 0;  // the farthest element, in elements from data
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (strides[i] < 0) throw std::invalid_argument("adapt: negative strides " + shape_str(strides));
    if (shape[i] > 0) last += (shape[i] - 1) * strides[i];
  }
  const std::size_t es = element_size(dtype);
  if (numel > 0 && (data == nullptr || static_cast<std::size_t>(last + 1) * es > nbytes)) {
    throw std::invalid_argument("adapt: shape " + shape_str(shape) + " with strides " + shape_str(strides) +
                                " reaches past the array's " + std::to_string(nbytes / es) + " elements");
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = fusion::Access::borrow(data, nbytes);
  impl->shape = shape;
  impl->numel = numel;
  impl->dtype = dtype;
  impl->set_contiguous_strides();  // then the array's own strides, if they differ
  bool contiguous = true;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] != 1 && strides[i] != impl->strides[i]) contiguous = false;
  }
  if (!contiguous) {
    impl->strides = strides;
    impl->contiguous = false;
  }
  Tensor t(std::move(impl));
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

void check_as_xtensor(const Tensor& t, Dtype wanted) {
  if (!t.defined()) throw std::invalid_argument("as_xtensor: the tensor is undefined");
  if (t.dtype() != wanted) {
    throw std::invalid_argument(std::string("as_xtensor: the tensor holds ") + dtype_name(t.dtype()) +
                                ", not the requested " + dtype_name(wanted));
  }
  if (!t.is_contiguous()) {
    throw std::invalid_argument("as_xtensor: the tensor of shape " + shape_str(t.sizes()) + " and strides " +
                                shape_str(t.strides()) +
                                " is not contiguous; call .contiguous() first, or copy it with to_xarray");
  }
}

}  // namespace xgrad::detail
