// make_view (view_helpers.hpp): a tensor sharing another's storage with a new geometry.
#include "view_helpers.hpp"

#include "../small_block.hpp"

namespace xgrad::kernels {

namespace {

bool strides_contiguous(const Shape& shape, const Shape& strides) {
  std::int64_t expected = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

}  // namespace

Tensor make_view(const Tensor& x, const Shape& shape, const Shape& strides, std::int64_t offset) {
  const TensorImpl& xi = *x.impl();
  auto v = new_tensor_impl();
  v->storage = xi.storage;
  v->offset = offset;
  v->shape = shape;
  v->strides = strides;
  v->numel = checked_numel(shape, "view");
  v->dtype = xi.dtype;
  v->contiguous = strides_contiguous(shape, strides);
  v->is_view = true;
  return Tensor(std::move(v));
}

}  // namespace xgrad::kernels
