// Internal: ops that work along one dim (scans, sorting, median) see their input as rows: the
// dim moved last and made contiguous, so row r is elements [r L, (r + 1) L). Not installed.
#pragma once
#include "../grad_mode.hpp"
#include "kernels.hpp"

namespace xgrad::kernels {

struct Rows {
  Tensor t;                // contiguous, shape of x with dim moved last (0-d x: [1])
  std::int64_t dim = 0;    // the wrapped dim of x (0 for a 0-d x)
  std::int64_t len = 1;    // row length: x.size(dim)
  std::int64_t count = 0;  // number of rows
};

// x seen as rows along dim (a copy only when dim is not last or x is not contiguous).
inline Rows rows_along(const Tensor& x, std::int64_t dim, const char* op) {
  check_defined(x, op);
  autograd::NoGradGuard no_grad;
  Rows r;
  if (x.dim() == 0) {
    (void)wrap_dim(dim, 1, op, x.shape());  // PyTorch accepts dim 0 or -1 for a 0-d tensor
    r.t = x.reshape({1}).contiguous();
  } else {
    r.dim = wrap_dim(dim, x.dim(), op, x.shape());
    r.t = x.transpose(r.dim, -1).contiguous();
  }
  r.len = r.t.size(-1);
  r.count = 1;
  for (std::int64_t i = 0; i + 1 < r.t.dim(); ++i) r.count *= r.t.size(i);
  return r;
}

// A result computed in the rows layout (last dim possibly of another length) back in x's layout,
// contiguous.
inline Tensor from_rows(const Tensor& result, const Tensor& x, const Rows& r) {
  autograd::NoGradGuard no_grad;
  if (x.dim() == 0) return result.reshape({});
  return result.transpose(r.dim, -1).contiguous();
}

}  // namespace xgrad::kernels
