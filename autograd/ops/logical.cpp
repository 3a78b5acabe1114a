// Bool-producing ops beyond the comparisons (logical_*, all, any), the comparison operators,
// and the vector norm (a composite of differentiable ops, so that it is twice differentiable).
#include <cmath>
#include <limits>

#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;

Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, b); }
Tensor operator<(const Tensor& a, double b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, double b) { return le(a, b); }
Tensor operator>(const Tensor& a, double b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, b); }

namespace {
Tensor truth(const Tensor& x, const char* op) {
  check_defined(x, op);
  return x.dtype() == Dtype::Bool ? x : ne(x, 0.0);
}
}  // namespace

Tensor logical_not(const Tensor& x) { return eq(truth(x, "logical_not"), 0.0); }
Tensor logical_and(const Tensor& a, const Tensor& b) {
  return ne(mul(truth(a, "logical_and"), truth(b, "logical_and")), 0.0);
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return ne(add(truth(a, "logical_or"), truth(b, "logical_or")), 0.0);
}
Tensor logical_xor(const Tensor& a, const Tensor& b) { return ne(truth(a, "logical_xor"), truth(b, "logical_xor")); }
Tensor operator!(const Tensor& x) { return logical_not(x); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return logical_and(a, b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return logical_or(a, b); }

// all: no element is false; any: some element is true (counts of Int64, then compared).
Tensor all(const Tensor& x) { return eq(sum(logical_not(x)), 0.0); }
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim) {
  return eq(sum(logical_not(x), Shape{dim}, keepdim), 0.0);
}
Tensor any(const Tensor& x) { return ne(sum(truth(x, "any")), 0.0); }
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim) {
  return ne(sum(truth(x, "any"), Shape{dim}, keepdim), 0.0);
}

// ---- norm ------------------------------------------------------------------------------------
namespace {
// max or min of |x| over dims, keeping them (no history: only the selection mask uses it).
Tensor extreme_keepdim(const Tensor& a, const Shape& dims, bool largest) {
  Tensor m = a.detach();
  if (dims.empty()) {
    Tensor v = largest ? max(m) : min(m);
    Shape ones_shape(static_cast<std::size_t>(a.dim()), 1);
    return v.reshape(ones_shape);
  }
  for (std::int64_t d : dims) m = std::get<0>(largest ? max(m, d, true) : min(m, d, true));
  return m;
}

Tensor inf_norm(const Tensor& x, const Shape& dims, bool keepdim, bool largest) {
  Tensor a = abs(x);
  if (x.numel() == 0) throw std::invalid_argument("norm: the infinity norm of an empty tensor is undefined");
  // The extreme elements share the gradient equally, as PyTorch: sum of the tied ones / count.
  Tensor mask = eq(a, extreme_keepdim(a, dims, largest)).to(x.dtype());
  return sum(a * mask, dims, keepdim) / sum(mask, dims, keepdim);
}

Tensor two_norm(const Tensor& x, const Shape& dims, bool keepdim) {
  Tensor s = sum(x * x, dims, keepdim);
  // sqrt'(0) is infinite; the gradient must be 0 there (PyTorch's subgradient), so the zero
  // sums take a harmless branch whose gradient is masked out.
  Tensor zero = eq(s, 0.0);
  Tensor safe = where(zero, ones_like(s), s);
  return where(zero, zeros_like(s), sqrt(safe));
}
}  // namespace

Tensor norm(const Tensor& x, double p, const Shape& dims, bool keepdim) {
  check_defined(x, "norm");
  if (!x.is_floating_point()) {
    throw std::invalid_argument("norm: expected a floating point tensor as input, got " + describe(x));
  }
  for (std::int64_t d : dims) wrap_dim(d, x.dim(), "norm", x.shape());
  if (p == 2) return two_norm(x, dims, keepdim);
  if (p == 1) return sum(abs(x), dims, keepdim);
  if (std::isinf(p)) return inf_norm(x, dims, keepdim, p > 0);
  if (p == 0) return sum(ne(x, 0.0), dims, keepdim).to(x.dtype());
  if (std::isnan(p)) throw std::invalid_argument("norm: p must not be NaN");
  return pow(sum(pow(abs(x), p), dims, keepdim), 1.0 / p);
}

Tensor norm(const Tensor& x, const std::string& p, const Shape& dims, bool keepdim) {
  if (p == "fro") return norm(x, 2.0, dims, keepdim);
  throw std::invalid_argument("norm: unsupported norm '" + p + "' (xgrad has \"fro\" and numeric p; no \"nuc\")");
}

Tensor Tensor::norm(double p) const { return xgrad::norm(*this, p); }
Tensor Tensor::norm(double p, const Shape& dims, bool keepdim) const { return xgrad::norm(*this, p, dims, keepdim); }
Tensor Tensor::norm(const std::string& p, const Shape& dims, bool keepdim) const {
  return xgrad::norm(*this, p, dims, keepdim);
}
Tensor Tensor::eq(double other) const { return xgrad::eq(*this, other); }
Tensor Tensor::ne(double other) const { return xgrad::ne(*this, other); }
Tensor Tensor::lt(double other) const { return xgrad::lt(*this, other); }
Tensor Tensor::le(double other) const { return xgrad::le(*this, other); }
Tensor Tensor::gt(double other) const { return xgrad::gt(*this, other); }
Tensor Tensor::ge(double other) const { return xgrad::ge(*this, other); }
Tensor Tensor::logical_not() const { return xgrad::logical_not(*this); }
Tensor Tensor::logical_and(const Tensor& other) const { return xgrad::logical_and(*this, other); }
Tensor Tensor::logical_or(const Tensor& other) const { return xgrad::logical_or(*this, other); }
Tensor Tensor::logical_xor(const Tensor& other) const { return xgrad::logical_xor(*this, other); }
Tensor Tensor::all() const { return xgrad::all(*this); }
Tensor Tensor::all(std::int64_t dim, bool keepdim) const { return xgrad::all(*this, dim, keepdim); }
Tensor Tensor::any() const { return xgrad::any(*this); }
Tensor Tensor::any(std::int64_t dim, bool keepdim) const { return xgrad::any(*this, dim, keepdim); }

// ---- item() as a Scalar, devices ---------------------------------------------------------------
Scalar Tensor::item() const {
  switch (dtype()) {
    case Dtype::Bool: return Scalar(item<bool>());
    case Dtype::Int64: return Scalar(item<std::int64_t>());
    default: return Scalar(item<double>());
  }
}

Tensor Tensor::to(Device device) const {
  check_cpu_device(device, "to");
  return *this;
}
Tensor Tensor::to(Device device, Dtype dtype) const {
  check_cpu_device(device, "to");
  return to(dtype);
}
Tensor Tensor::to(const TensorOptions& options) const {
  check_cpu_device(options.device(), "to");
  return options.has_dtype() ? to(options.dtype()) : *this;
}

}  // namespace xgrad
