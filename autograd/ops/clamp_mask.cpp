// clamp with tensor bounds, masked_fill, and where with scalar operands. The forwards reuse
// where / comparisons (without recording) and record one node of their own, named as PyTorch's.
#include <stdexcept>
#include <string>

#include "../grad_mode.hpp"
#include "../kernels/kernels.hpp"
#include "../ops_elementwise.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- clamp(x, min, max) with tensor bounds ----------------------------------------------------
// y = min(max(x, lo), hi). Gradients (PyTorch's clamp_backward and clamp_backward_min_max):
//   x:  g where lo <= x <= hi (only the given bounds tested; NaN x gets none)
//   lo: g where x < lo, and lo < hi when both are given
//   hi: g where x > hi, or (both given) where hi < lo, since the result is then hi
// The engine sums each gradient back to its input's broadcast shape.
namespace {
struct ClampBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"min", &lo}, {"max", &hi}});
  }
  SavedVariable self, lo, hi;
  bool has_lo = false, has_hi = false;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack(), l = has_lo ? lo.unpack() : Tensor(), h = has_hi ? hi.unpack() : Tensor();
    Tensor zero = scalar_tensor(0.0, g[0].dtype());
    tensor_list out(3);  // edges: x, min, max (undefined when not given)
    if (should_compute_output(0)) {
      Tensor pass = has_lo ? ge(x, l) : Tensor();
      if (has_hi) pass = pass.defined() ? mul(pass, le(x, h)) : le(x, h);
      out[0] = where(pass, g[0], zero);
    }
    if (has_lo && should_compute_output(1)) {
      Tensor below = lt(x, l);
      if (has_hi) below = mul(below, lt(l, h));
      out[1] = where(below, g[0], zero);
    }
    if (has_hi && should_compute_output(2)) {
      Tensor above = gt(x, h);
      if (has_lo) above = add(above, gt(l, h));  // logical or: nonzero when either holds
      out[2] = where(above, g[0], zero);
    }
    return out;
  }
  void release_variables() override {
    self.reset();
    lo.reset();
    hi.reset();
  }
};

[[noreturn]] void clamp_fail(const Tensor& x, const std::optional<Tensor>& min, const std::optional<Tensor>& max,
                             const std::string& why) {
  std::string s = "clamp: " + why + " (input " + describe(x);
  if (min) s += ", min " + (min->defined() ? describe(*min) : std::string("undefined"));
  if (max) s += ", max " + (max->defined() ? describe(*max) : std::string("undefined"));
  throw std::invalid_argument(s + ")");
}
}  // namespace

Tensor clamp(const Tensor& x, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  check_defined(x, "clamp");
  const bool has_lo = min && min->defined(), has_hi = max && max->defined();
  if (!has_lo && !has_hi) clamp_fail(x, min, max, "at least one of min and max must be given");
  Shape shape = x.shape();
  try {
    if (has_lo) shape = broadcast_shapes(shape, min->shape(), "clamp");
    if (has_hi) shape = broadcast_shapes(shape, max->shape(), "clamp");
  } catch (const std::invalid_argument&) {
    clamp_fail(x, min, max, "the input and the bounds cannot be broadcast together");
  }
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    out = x;
    // max then min, as PyTorch: with lo > hi every element becomes hi. NaN in x stays NaN.
    if (has_lo) out = where(lt(out, *min), *min, out);
    if (has_hi) out = where(gt(out, *max), *max, out);
    if (out.is_same(x)) out = x.clone();
    if (out.shape() != shape) out = expand(out, shape).contiguous();
  }
  const Tensor lo = has_lo ? *min : Tensor(), hi = has_hi ? *max : Tensor();
  if (auto n = record<ClampBackward0>({&x, &lo, &hi}, out)) {
    n->self = save(x);
    n->has_lo = has_lo;
    n->has_hi = has_hi;
    if (has_lo) n->lo = save(lo);
    if (has_hi) n->hi = save(hi);
  }
  return out;
}

Tensor clamp_min(const Tensor& x, const Tensor& min) { return clamp(x, min, std::nullopt); }
Tensor clamp_max(const Tensor& x, const Tensor& max) { return clamp(x, std::nullopt, max); }

// ---- masked_fill: where(mask, value, x) -------------------------------------------------------
// d/dx = g where mask is false (0 where filled); d/dvalue = sum of g where mask is true.
namespace {
struct MaskedFillBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"mask", &mask}});
  }
  Tensor mask;  // never requires grad: held directly
  tensor_list apply(tensor_list&& g) override {
    Tensor zero = scalar_tensor(0.0, g[0].dtype());
    return {should_compute_output(0) ? where(mask, zero, g[0]) : Tensor(),
            should_compute_output(1) ? sum(where(mask, g[0], zero)) : Tensor()};
  }
  void release_variables() override { mask = Tensor(); }
};

Tensor masked_fill_impl(const Tensor& x, const Tensor& mask, const Tensor& value, bool value_is_input) {
  check_defined(x, "masked_fill");
  check_defined(mask, "masked_fill", "mask");
  if (mask.is_floating_point() && mask.requires_grad()) {
    throw std::invalid_argument("masked_fill: the mask must not require grad (mask " + describe(mask) + ")");
  }
  Shape shape;
  try {
    shape = broadcast_shapes(x, mask, "masked_fill");
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("masked_fill: input " + describe(x) + " and mask " + describe(mask) +
                                " cannot be broadcast together");
  }
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    out = where(mask, as_dtype(value, x.dtype()), x);
    if (out.shape() != shape) out = expand(out, shape).contiguous();
  }
  const Tensor value_input = value_is_input ? value : Tensor();  // edges: x, value (if a tensor)
  if (auto n = record<MaskedFillBackward0>({&x, &value_input}, out)) n->mask = mask.detach();
  return out;
}
}  // namespace

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined(x, "masked_fill");
  if (!x.is_floating_point() && !is_int64_scalar(value)) {
    throw std::invalid_argument("masked_fill: value " + std::to_string(value) + " does not fit input " + describe(x));
  }
  return masked_fill_impl(x, mask, scalar_tensor(value, x.dtype()), false);
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, const Tensor& value) {
  check_defined(x, "masked_fill");
  check_defined(value, "masked_fill", "value");
  if (value.dim() != 0) {
    throw std::invalid_argument("masked_fill: the value tensor must have 0 dimensions, got " + describe(value) +
                                " (input " + describe(x) + ")");
  }
  return masked_fill_impl(x, mask, value, true);
}

// ---- where with scalar operands -----------------------------------------------------------------
Tensor where(const Tensor& condition, double a, const Tensor& b) {
  check_defined(b, "where", "second operand");
  return where(condition, scalar_tensor(a, b.is_floating_point() ? b.dtype() : default_dtype()), b);
}
Tensor where(const Tensor& condition, const Tensor& a, double b) {
  check_defined(a, "where", "first operand");
  return where(condition, a, scalar_tensor(b, a.is_floating_point() ? a.dtype() : default_dtype()));
}
Tensor where(const Tensor& condition, double a, double b) {
  return where(condition, scalar_tensor(a, default_dtype()), scalar_tensor(b, default_dtype()));
}

}  // namespace xgrad
