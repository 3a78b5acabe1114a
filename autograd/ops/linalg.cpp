// Matrix products through BLAS: matmul (torch.matmul semantics), mm, dot and outer. A matrix
// operand whose strides BLAS can describe (row-major, or column-major = the transpose of a
// row-major block, as `t()` gives) is handed over in place with the matching transpose flag
// and leading dimension; anything else (expanded, strided in both dims) is copied first.
#include <cblas.h>

#include <algorithm>
#include <climits>

#include "../blas_threads.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

// ---- BLAS calls for float and double ------------------------------------------------------
inline float blas_dot(int n, const float* x, int incx, const float* y, int incy) {
  return cblas_sdot(n, x, incx, y, incy);
}
inline double blas_dot(int n, const double* x, int incx, const double* y, int incy) {
  return cblas_ddot(n, x, incx, y, incy);
}
inline void blas_gemv(CBLAS_TRANSPOSE ta, int rows, int cols, const float* a, int lda, const float* x, int incx,
                      float* y) {
  cblas_sgemv(CblasRowMajor, ta, rows, cols, 1.0f, a, lda, x, incx, 0.0f, y, 1);
}
inline void blas_gemv(CBLAS_TRANSPOSE ta, int rows, int cols, const double* a, int lda, const double* x, int incx,
                      double* y) {
  cblas_dgemv(CblasRowMajor, ta, rows, cols, 1.0, a, lda, x, incx, 0.0, y, 1);
}
inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float* a, int lda,
                      const float* b, int ldb, float* c) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
}
inline void blas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const double* a, int lda,
                      const double* b, int ldb, double* c) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, n);
}

// How BLAS reads one rows x cols matrix: `trans` = stored column-major (pass the transpose
// flag), `ld` its leading dimension, `inc` the element step when it is really a vector.
struct Layout {
  bool ok = false;
  bool trans = false;
  std::int64_t ld = 1;
  std::int64_t inc = 1;
};

Layout blas_layout(std::int64_t rows, std::int64_t cols, std::int64_t rs, std::int64_t cs) {
  // Strides along size-1 dims are never stepped, so they do not constrain the layout.
  Layout l;
  if (rows == 0 || cols == 0) {  // never read: product() returns before any BLAS call
    l.ok = true;
    return l;
  }
  if (rows == 1 || cols == 1) l.inc = rows == 1 ? (cols == 1 ? 1 : cs) : rs;
  const std::int64_t row_ld = rows == 1 ? std::max<std::int64_t>(cols, 1) : rs;
  const std::int64_t col_ld = cols == 1 ? std::max<std::int64_t>(rows, 1) : cs;
  if ((cols == 1 || cs == 1) && row_ld >= std::max<std::int64_t>(cols, 1)) {
    l.ok = true;
    l.ld = row_ld;
  } else if ((rows == 1 || rs == 1) && col_ld >= std::max<std::int64_t>(rows, 1)) {
    l.ok = l.trans = true;
    l.ld = col_ld;
  }
  if (l.ld > INT_MAX || l.inc > INT_MAX || l.inc < 1) l.ok = false;
  return l;
}

// C[m, n] (contiguous) = A[m, k] B[k, n], with m, n, k >= 1. Vector shapes go to dot / gemv,
// whose fixed cost is lower than gemm's on the small products of small models. Small products
// run on the calling thread (blas_threads.hpp): a second thread costs more than it saves there.
template <class T>
void gemm_block(const T* a, const Layout& la, const T* b, const Layout& lb, T* c, int m, int n, int k) {
  const int lda = static_cast<int>(la.ld), ldb = static_cast<int>(lb.ld);
  use_blas_threads(static_cast<double>(m) * n * k);
  if (m == 1 && n == 1) {
    *c = blas_dot(k, a, static_cast<int>(la.inc), b, static_cast<int>(lb.inc));
  } else if (n == 1) {  // c = A b
    if (la.trans) blas_gemv(CblasTrans, k, m, a, lda, b, static_cast<int>(lb.inc), c);
    else blas_gemv(CblasNoTrans, m, k, a, lda, b, static_cast<int>(lb.inc), c);
  } else if (m == 1) {  // c = B^T a
    if (lb.trans) blas_gemv(CblasNoTrans, n, k, b, ldb, a, static_cast<int>(la.inc), c);
    else blas_gemv(CblasTrans, k, n, b, ldb, a, static_cast<int>(la.inc), c);
  } else {
    blas_gemm(la.trans ? CblasTrans : CblasNoTrans, lb.trans ? CblasTrans : CblasNoTrans, m, n, k, a, lda, b, ldb, c);
  }
}

// One operand seen as a stack of matrices: the leading `nbatch` dims are batch dims, then a
// rows x cols matrix. A 1-D operand is a single row (`vec_is_row`) or a single column.
struct Operand {
  Tensor t;
  std::size_t nbatch = 0;
  std::int64_t rows = 1, cols = 1;
  Layout layout;
};

// A tensor whose every element is one value (stride 0 along each dim of size > 1), as the
// gradient of sum() is, filled into contiguous memory; an undefined Tensor for any other.
Tensor filled_if_expanded_scalar(const Tensor& t, const char* op) {
  const Shape& sh = t.shape();
  const Shape& st = t.strides();
  bool expanded_scalar = t.numel() > 1 && t.is_floating_point();
  for (std::size_t d = 0; d < sh.size(); ++d) expanded_scalar = expanded_scalar && (sh[d] == 1 || st[d] == 0);
  if (!expanded_scalar) return Tensor();
  Tensor filled = empty_tensor(sh, t.dtype(), op);
  dispatch_float(t.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    T* p = filled.impl()->template data_as<T>();
    std::fill(p, p + filled.numel(), *t.impl()->template data_as<T>());
  });
  return filled;
}

Operand make_operand(const Tensor& t, bool vec_is_row, const char* op, bool copied = false) {
  Operand o;
  o.t = t;
  const Shape& sh = t.shape();
  const Shape& st = t.strides();
  std::int64_t rs = 0, cs = 0;
  if (sh.size() == 1) {
    (vec_is_row ? o.cols : o.rows) = sh[0];
    (vec_is_row ? cs : rs) = st[0];
  } else {
    o.nbatch = sh.size() - 2;
    o.rows = sh[o.nbatch];
    o.cols = sh[o.nbatch + 1];
    rs = st[o.nbatch];
    cs = st[o.nbatch + 1];
  }
  o.layout = blas_layout(o.rows, o.cols, rs, cs);
  if (o.layout.ok) return o;
  if (copied) {
    throw std::invalid_argument(std::string(op) + ": operand " + describe(t) +
                                " exceeds BLAS's 32-bit dimension limit");
  }
  // Only layouts BLAS cannot express (e.g. expanded rows) pay for a copy. The commonest, the
  // gradient of sum() (one value expanded to the whole shape), is filled rather than gathered.
  Tensor filled = filled_if_expanded_scalar(t, op);
  return make_operand(filled.defined() ? filled : copy_as(t, t.dtype()), vec_is_row, op, true);
}

// Strides of an operand's batch dims seen against the broadcast batch shape (0 = broadcast).
Shape batch_strides(const Operand& o, const Shape& batch) {
  Shape s(batch.size(), 0);
  const std::size_t lead = batch.size() - o.nbatch;
  for (std::size_t i = 0; i < o.nbatch; ++i) {
    if (o.t.shape()[i] != 1) s[lead + i] = o.t.strides()[i];
  }
  return s;
}

// True when the batch dims of `o` and its rows form one evenly strided run of rows, so the
// whole stack is one tall matrix (the common "[batch, m, k] times a weight" case).
bool rows_fold(const Operand& o) {
  if (o.layout.trans) return false;
  std::int64_t expected = o.rows * o.layout.ld;
  for (std::size_t d = o.nbatch; d-- > 0;) {
    if (o.t.shape()[d] != 1 && o.t.strides()[d] != expected) return false;
    expected *= o.t.shape()[d];
  }
  return true;
}

void check_blas_size(std::int64_t v, const char* op, const Operand& a, const Operand& b) {
  if (v > INT_MAX) {
    throw std::invalid_argument(std::string(op) + ": operands " + describe(a.t) + " and " + describe(b.t) +
                                " exceed BLAS's 32-bit dimension limit");
  }
}

// out (shape `out_shape`, laid out as [batch..., m, n]) = a @ b, both already of one float dtype.
Tensor product(const Operand& a, const Operand& b, const Shape& batch, const Shape& out_shape, const char* op) {
  const Dtype dt = a.t.dtype();
  Tensor out = empty_tensor(out_shape, dt, op);
  const std::int64_t m = a.rows, k = a.cols, n = b.cols;
  if (out.numel() == 0) return out;
  return dispatch_float(dt, op, [&](auto tag) {
    using T = decltype(tag);
    T* pc = out.impl()->template data_as<T>();
    if (k == 0) {
      std::fill(pc, pc + out.numel(), T(0));
      return out;
    }
    const T* pa = a.t.impl()->template data_as<T>();
    const T* pb = b.t.impl()->template data_as<T>();
    check_blas_size(n, op, a, b);
    check_blas_size(k, op, a, b);
    if (b.nbatch == 0 && rows_fold(a)) {
      const std::int64_t rows = a.nbatch == 0 ? m : out.numel() / n;
      if (rows <= INT_MAX) {
        gemm_block(pa, a.layout, pb, b.layout, pc, static_cast<int>(rows), static_cast<int>(n), static_cast<int>(k));
        return out;
      }
    }
    check_blas_size(m, op, a, b);
    Shape sa = batch_strides(a, batch), sb = batch_strides(b, batch);
    const std::int64_t step = m * n;
    for_each_offset(batch, &sa, &sb, nullptr, 0, 0, 0,
                    [&](std::int64_t i, std::int64_t oa, std::int64_t ob, std::int64_t) {
                      gemm_block(pa + oa, a.layout, pb + ob, b.layout, pc + i * step, static_cast<int>(m),
                                 static_cast<int>(n), static_cast<int>(k));
                    });
    return out;
  });
}

// The common dtype of two float operands; Int64 (no BLAS for it) throws naming both.
Dtype float_operands(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op, "first operand");
  check_defined(b, op, "second operand");
  if (!a.is_floating_point() || !b.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected Float32 or Float64 operands, got " + describe(a) +
                                " and " + describe(b));
  }
  return promote_types(a.dtype(), b.dtype());
}

void check_inner(std::int64_t ka, std::int64_t kb, const Tensor& a, const Tensor& b, const char* op) {
  if (ka != kb) {
    throw std::invalid_argument(std::string(op) + ": shapes " + shape_str(a.shape()) + " and " + shape_str(b.shape()) +
                                " cannot be multiplied (" + std::to_string(ka) + " != " + std::to_string(kb) +
                                "; operands " + describe(a) + " and " + describe(b) + ")");
  }
}

// Forward of matmul for every shape case; mm and dot call it after their own shape checks.
Tensor matmul_forward(const Tensor& a, const Tensor& b, const char* op) {
  const Dtype dt = float_operands(a, b, op);
  const std::size_t da = a.shape().size(), db = b.shape().size();
  if (da == 0 || db == 0) {
    throw std::invalid_argument(std::string(op) + ": both operands must be at least 1-D, got " + describe(a) + " and " +
                                describe(b));
  }
  check_inner(a.shape()[da - 1], db == 1 ? b.shape()[0] : b.shape()[db - 2], a, b, op);
  // Batch dims broadcast as NumPy does, right-aligned.
  const std::size_t na = da > 2 ? da - 2 : 0, nb = db > 2 ? db - 2 : 0;
  Shape batch(std::max(na, nb), 1);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const std::int64_t x = i < batch.size() - na ? 1 : a.shape()[i - (batch.size() - na)];
    const std::int64_t y = i < batch.size() - nb ? 1 : b.shape()[i - (batch.size() - nb)];
    if (x != y && x != 1 && y != 1) {
      throw std::invalid_argument(std::string(op) + ": batch dimensions of " + describe(a) + " and " + describe(b) +
                                  " cannot be broadcast (" + std::to_string(x) + " vs " + std::to_string(y) + ")");
    }
    batch[i] = x == 1 ? y : x;
  }
  Operand oa = make_operand(as_dtype(a, dt), /*vec_is_row=*/true, op);
  Operand ob = make_operand(as_dtype(b, dt), /*vec_is_row=*/false, op);
  Shape out_shape = batch;
  if (da >= 2) out_shape.push_back(oa.rows);
  if (db >= 2) out_shape.push_back(ob.cols);
  return product(oa, ob, batch, out_shape, op);
}

// ---- matmul backward: d(a @ b) = (g @ b^T, a^T @ g), per shape case -----------------------
// Transposes are views, so BLAS receives a flag rather than a copy. Batched gradients may keep
// the broadcast batch shape: the engine sums them back to each operand's shape.
struct MatmulBackward0 final : Node {
  SavedVariable a, b;
  std::size_t adim = 0, bdim = 0;
  const char* label = "MatmulBackward0";
  std::string name() const override { return label; }
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &a}, {"other", &b}});
  }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
    const bool need_a = should_compute_output(0), need_b = should_compute_output(1);
    if (!g.defined()) return {Tensor(), Tensor()};
    const Tensor av = need_b ? a.unpack() : Tensor();
    const Tensor bv = need_a ? b.unpack() : Tensor();
    Tensor ga, gb;
    if (adim == 1 && bdim == 1) {  // dot: g is a scalar
      if (need_a) ga = g * bv;
      if (need_b) gb = g * av;
    } else if (adim == 1 && bdim == 2) {  // [k] @ [k, n]
      if (need_a) ga = matmul(bv, g);
      if (need_b) gb = outer(av, g);
    } else if (adim == 2 && bdim == 1) {  // [m, k] @ [k]
      if (need_a) ga = outer(g, bv);
      if (need_b) gb = matmul(g, av);
    } else if (bdim == 1) {  // [..., m, k] @ [k]: a's batch is the output's, so fold it into rows
      if (need_a) ga = unsqueeze(g, -1) * bv;
      if (need_b) gb = matmul(reshape(g, {-1}), reshape(av, {-1, av.size(-1)}));
    } else if (adim == 1) {  // [k] @ [..., k, n]
      if (need_a) ga = squeeze(matmul(bv, unsqueeze(g, -1)), -1);
      if (need_b) gb = unsqueeze(av, -1) * unsqueeze(g, -2);
    } else if (bdim == 2) {  // [..., m, k] @ [k, n]: one gemm over all rows for grad_b
      // (2-D operands are used as they are: reshape would copy an expanded g element by element)
      auto rows = [](const Tensor& x) { return x.dim() == 2 ? x : reshape(x, {-1, x.size(-1)}); };
      if (need_a) ga = matmul(g, t(bv));
      if (need_b) gb = matmul(t(rows(av)), rows(g));
    } else {
      if (need_a) ga = matmul(g, transpose(bv, -1, -2));
      if (need_b) gb = matmul(transpose(av, -1, -2), g);
    }
    return {ga, gb};
  }
  void release_variables() override {
    a.reset();
    b.reset();
  }
};

Tensor record_matmul(const Tensor& a, const Tensor& b, Tensor out, const char* label) {
  if (auto n = record<MatmulBackward0>({&a, &b}, out)) {
    n->adim = a.shape().size();
    n->bdim = b.shape().size();
    n->label = label;
    if (n->should_compute_output(0)) n->b = save(b);
    if (n->should_compute_output(1)) n->a = save(a);
  }
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  Tensor out = matmul_forward(a, b, "matmul");
  const std::size_t da = a.shape().size(), db = b.shape().size();
  const char* label = da == 1 && db == 1   ? "DotBackward0"
                      : da == 2 && db == 1 ? "MvBackward0"
                      : da == 2 && db == 2 ? "MmBackward0"
                                           : "MatmulBackward0";
  return record_matmul(a, b, std::move(out), label);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  float_operands(a, b, "mm");
  if (a.dim() != 2 || b.dim() != 2) {
    throw std::invalid_argument("mm: expected two 2-D operands, got " + describe(a) + " and " + describe(b));
  }
  return record_matmul(a, b, matmul_forward(a, b, "mm"), "MmBackward0");
}

Tensor dot(const Tensor& a, const Tensor& b) {
  float_operands(a, b, "dot");
  if (a.dim() != 1 || b.dim() != 1 || a.size(0) != b.size(0)) {
    throw std::invalid_argument("dot: expected two 1-D operands of the same length, got " + describe(a) + " and " +
                                describe(b));
  }
  return record_matmul(a, b, matmul_forward(a, b, "dot"), "DotBackward0");
}

// ---- outer: d(a b^T) = (g b, g^T a) ---------------------------------------------------------
namespace {
struct OuterBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &a}, {"vec2", &b}});
  }
  SavedVariable a, b;
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor()};
    return {should_compute_output(0) ? matmul(g, b.unpack()) : Tensor(),
            should_compute_output(1) ? matmul(a.unpack(), g) : Tensor()};
  }
  void release_variables() override {
    a.reset();
    b.reset();
  }
};
}  // namespace

Tensor outer(const Tensor& a, const Tensor& b) {
  const Dtype dt = float_operands(a, b, "outer");
  if (a.dim() != 1 || b.dim() != 1) {
    throw std::invalid_argument("outer: expected two 1-D operands, got " + describe(a) + " and " + describe(b));
  }
  // A column times a row: a gemm with k = 1.
  Operand oa = make_operand(as_dtype(a, dt), /*vec_is_row=*/false, "outer");
  Operand ob = make_operand(as_dtype(b, dt), /*vec_is_row=*/true, "outer");
  Tensor out = product(oa, ob, Shape{}, Shape{oa.rows, ob.cols}, "outer");
  if (auto n = record<OuterBackward0>({&a, &b}, out)) {
    if (n->should_compute_output(0)) n->b = save(b);
    if (n->should_compute_output(1)) n->a = save(a);
  }
  return out;
}

}  // namespace xgrad
