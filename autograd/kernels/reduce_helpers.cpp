// The reduction helpers of reduce_helpers.hpp (mask, shape, sum without history).
#include <algorithm>
#include <type_traits>

#include "../fusion/fusion.hpp"
#include "reduce_helpers.hpp"

namespace xgrad::kernels {

// Sorted, wrapped, de-duplicated dims (empty input = all dims).
std::vector<bool> reduced_mask(const Tensor& x, const Shape& dims, const char* op) {
  std::vector<bool> mask(static_cast<std::size_t>(x.dim()), dims.empty());
  for (auto d : dims) {
    auto w = static_cast<std::size_t>(wrap_dim(d, x.dim(), op, x.shape()));
    if (x.dim() == 0) continue;
    if (mask[w])
      throw std::invalid_argument(std::string(op) + ": dim " + std::to_string(d) + " appears multiple times in " +
                                  shape_str(dims));
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

// Sum of n contiguous elements, block by block (see block_sum in kernels.hpp): the rounding
// error grows with n / 1024 rather than with n, close to PyTorch's cascade sum.
template <class T>
T sum_contiguous(const T* p, std::int64_t n) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  Acc total = 0;
  for (std::int64_t b = 0; b < n; b += kSumBlock) total += block_sum(p + b, std::min(kSumBlock, n - b));
  return static_cast<T>(total);
}

// Dims of a reduction after merging neighbours that are both reduced (or both kept) and
// adjacent in memory, so that the innermost loop is as long as the layout allows.
struct ReductionLoop {
  Shape shape, in_strides, out_strides;  // outer dims first
  bool inner_reduced = false;
};

ReductionLoop plan_reduction(const TensorImpl& xi, const std::vector<bool>& mask, const Shape& out_strides_full) {
  ReductionLoop r;
  std::vector<bool> reduced;
  for (std::size_t d = 0; d < xi.shape.size(); ++d) {
    if (xi.shape[d] == 1) continue;
    const std::int64_t os = mask[d] ? 0 : out_strides_full[d];
    if (!r.shape.empty() && reduced.back() == mask[d] && r.in_strides.back() == xi.strides[d] * xi.shape[d] &&
        r.out_strides.back() == os * xi.shape[d]) {
      r.shape.back() *= xi.shape[d];
      r.in_strides.back() = xi.strides[d];
      r.out_strides.back() = os;
    } else {
      r.shape.push_back(xi.shape[d]);
      r.in_strides.push_back(xi.strides[d]);
      r.out_strides.push_back(os);
      reduced.push_back(mask[d]);
    }
  }
  if (!r.shape.empty()) r.inner_reduced = reduced.back();
  return r;
}

// out[j] = sum of x over the masked dims, accumulated in T (in double per block for whole
// contiguous runs). The innermost merged dim picks the loop: a reduced run is summed with
// sum_contiguous, a kept run is added row by row (both vectorise); other layouts go element-wise.
Tensor sum_kernel(const Tensor& x, const std::vector<bool>& mask, bool keepdim, const char* op) {
  const TensorImpl& xi = *x.impl();
  Shape kshape = reduced_shape(xi.shape, mask, true);
  Tensor out = zeros(kshape, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* po = out.impl()->template data_as<T>();
    if (xi.numel == 0) return;
    ReductionLoop r = plan_reduction(xi, mask, contiguous_strides(kshape));
    if constexpr (std::is_floating_point_v<T>) {
      // A pending result summed whole: sum each block as the fused program writes it, rather
      // than in a second pass. The block sums are added in order, so the value is the same.
      if (r.shape.size() == 1 && r.inner_reduced && fusion::pending_whole(x)) {
        std::vector<T> sums(static_cast<std::size_t>((xi.numel + kSumBlock - 1) / kSumBlock));
        if (fusion::run_summing(x, sums.data())) {
          double total = 0;
          for (T v : sums) total += v;
          po[0] += static_cast<T>(total);  // as the eager loop below (0 + -0 is +0)
          return;
        }
      }
    }
    const T* px = xi.template data_as<T>();  // runs x's program if x is pending
    if (r.shape.empty()) {                   // every dim has size 1
      po[0] = px[0];
      return;
    }
    const std::int64_t n = r.shape.back(), is = r.in_strides.back(), os = r.out_strides.back();
    r.shape.pop_back(), r.in_strides.pop_back(), r.out_strides.pop_back();
    for_each_offset(r.shape, &r.in_strides, &r.out_strides, nullptr, 0, 0, 0,
                    [&](std::int64_t, std::int64_t a, std::int64_t o, std::int64_t) {
                      const T* src = px + a;
                      if (r.inner_reduced && is == 1) {
                        po[o] += sum_contiguous(src, n);
                      } else if (!r.inner_reduced && is == 1 && os == 1) {
                        T* dst = po + o;
                        for (std::int64_t k = 0; k < n; ++k) dst[k] += src[k];
                      } else {
                        for (std::int64_t k = 0; k < n; ++k) po[o + k * os] += src[k * is];
                      }
                    });
  });
  (void)op;
  if (!keepdim) out = view(out, reduced_shape(xi.shape, mask, false));
  return out;
}

}  // namespace xgrad::kernels
