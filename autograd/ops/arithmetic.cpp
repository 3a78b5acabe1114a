// + - * / between tensors and with scalars. Each op's backward sits next to its forward;
// gradients of broadcast inputs are summed back to their shapes by the engine (sum_to).
#include "../fusion/fusion.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

// ---- add / sub: d(a + alpha b) = (g, alpha g) --------------------------------------------
namespace {
struct AddBackward0 final : Node {
  double alpha = 1;
  std::string name() const override { return alpha < 0 ? "SubBackward0" : "AddBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor gb = should_compute_output(1) ? (alpha == 1 ? g[0] : g[0] * alpha) : Tensor();
    return {g[0], gb};
  }
};
struct AddBackward1 final : Node {
  tensor_list apply(tensor_list&& g) override { return {std::move(g[0])}; }
};
}  // namespace

namespace {
// `op` names the public function in error messages (sub is add with -alpha).
Tensor add_impl(const Tensor& a, const Tensor& b, double alpha, const char* op) {
  Tensor out = alpha == 1    ? fusion::defer(fusion::Op::Add, a, b)
               : alpha == -1 ? fusion::defer(fusion::Op::Sub, a, b)
                             : Tensor();
  if (!out.defined()) {
    out = alpha == 1 ? binary_kernel(a, b, op, [](const auto& x, const auto& y) { return x + y; })
                     : binary_kernel(a, b, op, [alpha](const auto& x, const auto& y) { return x + y * alpha; });
  }
  if (auto n = record<AddBackward0>({&a, &b}, out)) n->alpha = alpha;
  return out;
}
}  // namespace

Tensor add(const Tensor& a, const Tensor& b, double alpha) { return add_impl(a, b, alpha, "add"); }

Tensor sub(const Tensor& a, const Tensor& b, double alpha) { return add_impl(a, b, -alpha, "sub"); }

Tensor add(const Tensor& a, double b) {
  Tensor out = fusion::defer(fusion::Op::Add, a, b);
  if (!out.defined()) out = scalar_kernel(a, b, "add", [](const auto& x, const auto& s) { return x + s; });
  record<AddBackward1>({&a}, out);
  return out;
}

Tensor sub(const Tensor& a, double b) { return add(a, -b); }

// ---- mul: d(a b) = (g b, g a) ---------------------------------------------------------------
namespace {
struct MulBackward0 final : Node {
  SavedVariable a, b;
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &a}, {"other", &b}});
  }
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? g[0] * b.unpack() : Tensor(),
            should_compute_output(1) ? g[0] * a.unpack() : Tensor()};
  }
  void release_variables() override {
    a.reset();
    b.reset();
  }
};
struct MulBackward1 final : Node {
  double s = 1;
  tensor_list apply(tensor_list&& g) override { return {g[0] * s}; }
};
}  // namespace

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = fusion::defer(fusion::Op::Mul, a, b);
  if (!out.defined()) out = binary_kernel(a, b, "mul", [](const auto& x, const auto& y) { return x * y; });
  if (auto n = record<MulBackward0>({&a, &b}, out)) {
    if (n->should_compute_output(0)) n->b = save(b);
    if (n->should_compute_output(1)) n->a = save(a);
  }
  return out;
}

Tensor mul(const Tensor& a, double b) {
  Tensor out = fusion::defer(fusion::Op::Mul, a, b);
  if (!out.defined()) out = scalar_kernel(a, b, "mul", [](const auto& x, const auto& s) { return x * s; });
  if (auto n = record<MulBackward1>({&a}, out)) n->s = b;
  return out;
}

// ---- div: d(a / b) = (g / b, -g a / b^2) ----------------------------------------------------
namespace {
struct DivBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &a}, {"other", &b}});
  }
  SavedVariable a, b;
  tensor_list apply(tensor_list&& g) override {
    Tensor bv = b.unpack();
    return {should_compute_output(0) ? g[0] / bv : Tensor(),
            should_compute_output(1) ? -g[0] * a.unpack() / (bv * bv) : Tensor()};
  }
  void release_variables() override {
    a.reset();
    b.reset();
  }
};
struct DivBackward1 final : autograd::SavedOneNode {  // d(s / a) = -g s / a^2
  double s = 1;
  tensor_list apply(tensor_list&& g) override {
    Tensor av = saved.unpack();
    return {g[0] * (-s) / (av * av)};
  }
};
}  // namespace

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = fusion::defer(fusion::Op::Div, a, b);
  if (!out.defined())
    out = binary_kernel(
        a, b, "div", [](const auto& x, const auto& y) { return x / y; }, /*int_to_float=*/true);
  if (auto n = record<DivBackward0>({&a, &b}, out)) {
    n->b = save(b);
    if (n->should_compute_output(1)) n->a = save(a);
  }
  return out;
}

Tensor div(const Tensor& a, double b) { return mul(a.is_floating_point() ? a : a.to(default_dtype()), 1.0 / b); }

Tensor rsub(const Tensor& a, double b) { return add(neg(a), b); }

Tensor rdiv(const Tensor& a, double b) {
  Tensor out = scalar_kernel(
      a, b, "rdiv", [](const auto& x, const auto& s) { return s / x; }, /*int_ok=*/false);
  if (auto n = record<DivBackward1>({&a}, out)) {
    n->saved = save(a);
    n->s = b;
  }
  return out;
}

// ---- neg ----------------------------------------------------------------------------------
namespace {
struct NegBackward0 final : Node {
  tensor_list apply(tensor_list&& g) override { return {neg(g[0])}; }
};
}  // namespace

Tensor neg(const Tensor& x) {
  check_defined(x, "neg");
  Tensor out = fusion::defer(fusion::Op::Neg, x);
  if (!out.defined())
    out = dispatch(x.dtype(), [&](auto tag) {
      return map_unary<decltype(tag)>(
          x, [](const auto& v) { return -v; }, "neg");
    });
  record<NegBackward0>({&x}, out);
  return out;
}

// ---- operators --------------------------------------------------------------------------------
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) { return rdiv(b, a); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, double b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, double b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, double b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, double b) { return a.div_(b); }

}  // namespace xgrad
