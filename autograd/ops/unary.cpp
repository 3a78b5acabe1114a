// Elementwise math on one tensor. Forward kernels are generic lambdas: on contiguous data
// they run as xtensor expressions (vectorised by xsimd), elsewhere element by element.
// Backward formulas use differentiable ops, so second derivatives come for free.
#include "kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- exp: d exp(x) = g exp(x) (saves its output, held weakly: no reference cycle) ----------
namespace {
struct ExpBackward0 final : Node {
  SavedVariable result;
  std::string name() const override { return "ExpBackward0"; }
  tensor_list apply(tensor_list&& g) override { return {g[0] * result.unpack()}; }
  void release_variables() override { result.reset(); }
};
}  // namespace

Tensor exp(const Tensor& x) {
  Tensor out = unary_kernel(x, "exp", [](const auto& v) { using std::exp; return exp(v); });
  if (auto n = record<ExpBackward0>({&x}, out)) n->result = save(out, /*is_output=*/true);
  return out;
}

// ---- tanh: d tanh(x) = g (1 - tanh(x)^2) ----------------------------------------------------
namespace {
struct TanhBackward0 final : Node {
  SavedVariable result;
  std::string name() const override { return "TanhBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor y = result.unpack();
    return {g[0] * rsub(y * y, 1.0)};
  }
  void release_variables() override { result.reset(); }
};
}  // namespace

Tensor tanh(const Tensor& x) {
  Tensor out = unary_kernel(x, "tanh", [](const auto& v) { using std::tanh; return tanh(v); });
  if (auto n = record<TanhBackward0>({&x}, out)) n->result = save(out, true);
  return out;
}

}  // namespace xgrad
