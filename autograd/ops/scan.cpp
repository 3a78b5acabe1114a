// prod, cumsum and cumprod. Forwards are plain loops over rows (kernels/rows.hpp); backwards are
// differentiable ops (flip, cumsum, cumprod, cat), so double backward works, and exact where
// the input holds zeros (the formula g y / x would divide by zero there).
#include <stdexcept>
#include <string>

#include "../kernels/kernels.hpp"
#include "../kernels/rows.hpp"
#include "../ops_elementwise.hpp"
#include "../ops_manip.hpp"
#include "../ops_scan.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// Runs f(in_row, out_row) over every row of x along dim; out has x's shape and dtype.
template <class F>
Tensor scan_rows(const Tensor& x, std::int64_t dim, const char* op, F&& f) {
  Rows r = rows_along(x, dim, op);
  Tensor out = dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor o = empty_tensor(r.t.shape(), x.dtype(), op);
    const T* pi = r.t.impl()->template data_as<T>();
    T* po = o.impl()->template data_as<T>();
    for (std::int64_t row = 0; row < r.count; ++row) f(pi + row * r.len, po + row * r.len, r.len);
    return o;
  });
  return from_rows(out, x, r);
}

// sum_{j >= i} t_j along d: the adjoint of cumsum.
Tensor reverse_cumsum(const Tensor& t, std::int64_t d) { return flip(cumsum(flip(t, {d}), d), {d}); }

// prod_{j < i} x_j along d (1 at i = 0), differentiable.
Tensor exclusive_cumprod(const Tensor& x, std::int64_t d) {
  const std::int64_t len = x.size(d);
  if (len == 0) return x;
  Tensor one = ones_like(narrow(x, d, 0, 1));
  return cat({one, narrow(cumprod(x, d), d, 0, len - 1)}, d);
}

bool has_zero(const Tensor& x) { return sum(eq(x, 0.0)).item<std::int64_t>() > 0; }

}  // namespace

// ---- cumsum: y_i = sum_{j <= i} x_j; d = reverse cumsum of g ------------------------------------
namespace {
struct CumsumBackward0 final : Node {
  std::int64_t dim = 0;
  bool scalar = false;
  tensor_list apply(tensor_list&& g) override { return {scalar ? g[0] : reverse_cumsum(g[0], dim)}; }
};
}  // namespace

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  Tensor out = scan_rows(x, dim, "cumsum", [](const auto* in, auto* o, std::int64_t n) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(in)>>;
    T acc = 0;
    for (std::int64_t i = 0; i < n; ++i) o[i] = acc += in[i];
  });
  if (auto n = record<CumsumBackward0>({&x}, out)) {
    n->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "cumsum", x.shape());
    n->scalar = x.dim() == 0;
  }
  return out;
}

// ---- cumprod: y_i = prod_{j <= i} x_j ----------------------------------------------------------
// d x_i = sum_{j >= i} g_j prod_{m <= j, m != i} x_m. Before a row's first zero k this is
// reverse_cumsum(g y)_i / x_i; at k it is reverse_cumsum(g cumprod(z))_k with z = x whose zero
// at k is replaced by 1; after k every term holds x_k = 0. Exact to first order, but after k the
// gradient is built as the constant 0, whose derivative with respect to x_k (wanted by a double
// backward through a zero) is missing: a known limitation (no zeros: fully twice differentiable).
namespace {
struct CumprodBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  std::int64_t dim = 0;
  bool scalar = false;
  tensor_list apply(tensor_list&& g) override {
    if (scalar) return {g[0]};
    Tensor x = self.unpack(), y = result.unpack();
    if (!has_zero(x)) return {reverse_cumsum(g[0] * y, dim) / x};
    Tensor before, at;  // 1 before each row's first zero / at it (constants)
    {
      autograd::NoGradGuard no_grad;
      Tensor z = eq(x, 0.0).to(kInt64);          // counted, so not Bool
      Tensor zeros_before = cumsum(z, dim) - z;  // zeros strictly before i
      before = eq(zeros_before + z, 0);
      at = logical_and(z, eq(zeros_before, 0));
    }
    Tensor x_safe = where(before, x, 1.0), z = where(at, 1.0, x);
    Tensor zero = scalar_tensor(0.0, g[0].dtype());
    return {where(before, reverse_cumsum(g[0] * y, dim) / x_safe, zero) +
            where(at, reverse_cumsum(g[0] * cumprod(z, dim), dim), zero)};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};
}  // namespace

Tensor cumprod(const Tensor& x, std::int64_t dim) {
  Tensor out = scan_rows(x, dim, "cumprod", [](const auto* in, auto* o, std::int64_t n) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(in)>>;
    T acc = 1;
    for (std::int64_t i = 0; i < n; ++i) o[i] = acc *= in[i];
  });
  if (auto n = record<CumprodBackward0>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, true);
    n->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "cumprod", x.shape());
    n->scalar = x.dim() == 0;
  }
  return out;
}

// ---- prod -------------------------------------------------------------------------------------
// d x_i = g prod_{j != i} x_j: g y / x without zeros, else g excl_cumprod(x) rev_excl_cumprod(x)
// (PyTorch's prod_safe_zeros_backward), exact for any number of zeros and differentiable.
namespace {
struct ProdBackward final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  std::int64_t dim = 0;
  bool all = false, keepdim = false;
  std::string name() const override { return all ? "ProdBackward0" : "ProdBackward1"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack(), y = result.unpack(), gk = g[0];
    if (x.dim() == 0) return {g[0]};
    Shape shape = x.shape();
    std::int64_t d = dim;
    if (all) {
      x = reshape(x, {-1});
      y = reshape(y, {1});
      gk = reshape(gk, {1});
      d = 0;
    } else if (!keepdim) {
      y = unsqueeze(y, d);
      gk = unsqueeze(gk, d);
    }
    Tensor gx;
    if (!has_zero(x)) {
      gx = gk * y / x;
    } else {
      Tensor after = flip(exclusive_cumprod(flip(x, {d}), d), {d});
      gx = gk * exclusive_cumprod(x, d) * after;
    }
    return {all ? reshape(gx, shape) : gx};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};

Tensor prod_rows(const Tensor& x, std::int64_t dim, bool keepdim) {
  Rows r = rows_along(x, dim, "prod");
  Shape out_shape = x.shape();
  if (x.dim() > 0) {
    if (keepdim) out_shape[static_cast<std::size_t>(r.dim)] = 1;
    else out_shape.erase(out_shape.begin() + r.dim);
  }
  return dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor o = empty_tensor(out_shape, x.dtype(), "prod");
    const T* pi = r.t.impl()->template data_as<T>();
    T* po = o.impl()->template data_as<T>();
    // Rows are in x's order with dim removed: the output's row-major order.
    for (std::int64_t row = 0; row < r.count; ++row) {
      T acc = 1;
      for (std::int64_t i = 0; i < r.len; ++i) acc *= pi[row * r.len + i];
      po[row] = acc;
    }
    return o;
  });
}
}  // namespace

Tensor prod(const Tensor& x) {
  check_defined(x, "prod");
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    out = prod_rows(reshape(x, {-1}), 0, false);
  }
  if (auto n = record<ProdBackward>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, true);
    n->all = true;
  }
  return out;
}

Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_defined(x, "prod");
  Tensor out = prod_rows(x, dim, keepdim);
  if (auto n = record<ProdBackward>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, true);
    n->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "prod", x.shape());
    n->keepdim = keepdim;
  }
  return out;
}

}  // namespace xgrad
