// Internal to the optimizers (not part of the API): per-parameter state lookups shared by the
// update rules added after Adam (Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop).
#pragma once
#include "fused_update.hpp"
#include "optimizer.hpp"

namespace xgrad::optim::detail {

// The buffer `name` of a parameter's state, created as zeros shaped like `param` on first use.
inline Tensor state_buffer(ParamState& st, const Tensor& param, const char* name) {
  auto it = st.buffers.find(name);
  if (it == st.buffers.end()) it = st.buffers.emplace(name, zeros_like_param(param)).first;
  return it->second;
}

// A scalar entry of a parameter's state (NAdam's mu_product, ASGD's eta and mu), kept as a
// 0-dim Float64 tensor so that state_dict saves it like PyTorch does (a 0-dim tensor). It is
// double whatever the parameter's dtype: PyTorch keeps these in its default dtype, and the
// reference values are those of PyTorch with torch.float64 as default dtype.
inline double& scalar_state(ParamState& st, const char* name, double init) {
  auto it = st.buffers.find(name);
  if (it == st.buffers.end()) it = st.buffers.emplace(name, scalar_tensor(init, kFloat64)).first;
  return *it->second.impl()->template data_as<double>();
}

// As PyTorch's lerp (see adam.cpp): start + w (end - start), from the nearer end.
template <class V, class T>
V lerp(const V& start, const V& end, T w) {
  return w < T(0.5) ? start + w * (end - start) : end - (end - start) * (T(1) - w);
}

}  // namespace xgrad::optim::detail
