// Internal helpers for ops that build views or write into parts of a tensor (join, indexing,
// pad). Not installed: users never include this.
#pragma once
#include <cstring>

#include "../errors.hpp"
#include "kernels.hpp"

namespace xgrad::kernels {

// A view of x's storage with the given geometry (defined in view.cpp). Records nothing: the
// caller wires the autograd node. Shares x's version counter.
Tensor make_view(const Tensor& x, const Shape& shape, const Shape& strides, std::int64_t offset);

// dst[...] = src[...] elementwise, converting to dst's dtype; both of the same shape, any
// strides. Records nothing and bumps no version: meant for freshly allocated outputs.
// Throws std::invalid_argument if the shapes differ (e.g. a hook returned a gradient of
// the wrong shape), rather than reading out of bounds.
inline void copy_into(const Tensor& dst, const Tensor& src) {
  const TensorImpl& di = *dst.impl();
  const TensorImpl& si = *src.impl();
  if (di.shape != si.shape) {
    throw std::invalid_argument("copy: cannot copy " + describe(src) + " into a region of shape " +
                                shape_str(di.shape));
  }
  if (di.numel == 0) return;
  if (di.dtype == si.dtype && di.contiguous && si.contiguous) {
    std::memcpy(di.data(), si.data(), static_cast<std::size_t>(di.numel) * element_size(di.dtype));
    return;
  }
  dispatch_all(di.dtype, [&](auto dtag) {
    using D = decltype(dtag);
    dispatch_all(si.dtype, [&](auto stag) {
      using S = decltype(stag);
      D* pd = di.template data_as<D>();
      const S* ps = si.template data_as<S>();
      for_each_offset(
          di.shape, &di.strides, &si.strides, nullptr, 0, 0, 0,
          [&](std::int64_t, std::int64_t a, std::int64_t b, std::int64_t) { pd[a] = static_cast<D>(ps[b]); });
    });
  });
}

// Throws std::out_of_range naming `op` unless `index` is a defined Int64 tensor.
// PyTorch's IndexError and wording, e.g. "index_select(): Expected dtype int64 for index".
inline void check_index_tensor(const Tensor& index, const char* op) {
  check_defined(index, op, "index");
  if (index.dtype() != Dtype::Int64) {
    throw IndexError(std::string(op) + "(): Expected dtype int64 for index (an Int64 tensor), got " + describe(index));
  }
}

// Throws std::out_of_range naming op, the index value, the dim and its size unless
// 0 <= value < size.
// `input` is the indexed tensor, named in the error with its shape and dtype.
inline void check_index_value(std::int64_t value, std::int64_t dim, std::int64_t size, const char* op,
                              const Tensor& input) {
  if (value < 0 || value >= size) {
    throw std::out_of_range(std::string(op) + ": index " + std::to_string(value) + " is out of bounds for dimension " +
                            std::to_string(dim) + " with size " + std::to_string(size) + " of input " +
                            describe(input));
  }
}

}  // namespace xgrad::kernels
