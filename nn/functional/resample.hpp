// Internal to nn/functional (adaptive_pool.cpp, interpolate.cpp): ops that are linear maps along
// each spatial dim separately. Adaptive average pooling, nearest and (bi)linear interpolation all
// compute, per plane, y = M_h x M_w^T (2-D) or y = x M_w^T (1-D), where each M is a small
// [out, in] matrix of weights fixed by the sizes alone. The forward runs as two matrix products
// without recording them; the op's named node (AdaptiveAvgPool2DBackward0, ...) returns
// M_h^T g M_w, built from recorded matmuls, so it is differentiable to any order.
// Cost per plane: out_h * in_h * in_w + out_h * in_w * out_w multiply-adds (dense M: a few times
// a direct kernel's work for these small sparse matrices, but BLAS-speed and simple).
#pragma once
#include <cstdint>
#include <vector>

#include "../../autograd/op_support.hpp"

namespace xgrad::nn::functional::detail {

// The weights along one dim, row-major [out, in], in double (converted to the input's dtype).
struct AxisMap {
  std::int64_t in = 0, out = 0;
  std::vector<double> w;  // out * in
  double& at(std::int64_t o, std::int64_t i) { return w[static_cast<std::size_t>(o * in + i)]; }
};

// mats[k] maps the k-th of the trailing mats.size() dims (1 or 2 of them).
struct SeparableNode : autograd::Node {
  std::vector<Tensor> mats;  // constants: [out, in] each, the input's dtype
  tensor_list apply(tensor_list&& g) override {
    Tensor r = g[0];
    if (mats.size() == 2) r = matmul(xgrad::t(mats[0]), r);  // [.., in_h, out_w]
    return {matmul(r, mats.back())};                         // [.., in_h, in_w]
  }
};

inline Tensor axis_matrix(const AxisMap& m, Dtype dtype) {
  return autograd::as_dtype(tensor(m.w, Shape{m.out, m.in}), dtype);
}

// y = M_h x M_w^T over x's last maps.size() dims, recorded as one node of type N.
template <class N>
Tensor apply_separable(const Tensor& x, const std::vector<AxisMap>& maps) {
  std::vector<Tensor> mats;
  for (const AxisMap& m : maps) mats.push_back(axis_matrix(m, x.dtype()));
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x;
    if (mats.size() == 2) y = matmul(mats[0], y);
    y = matmul(y, xgrad::t(mats.back())).contiguous();
  }
  if (auto n = autograd::record<N>({&x}, y)) n->mats = std::move(mats);
  return y;
}

}  // namespace xgrad::nn::functional::detail
