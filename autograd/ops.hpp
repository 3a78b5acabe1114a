// The built-in differentiable operations. Each is recorded in the graph when an input
// requires grad (and grad mode is on) and has its backward written next to its forward in
// autograd/ops/*.cpp. Binary ops broadcast as NumPy does; gradients are summed back to each
// input's shape. Float32 with Float64 promotes to Float64; Int64 with a float type promotes to
// that float type. Every op throws std::invalid_argument naming the op, the shapes and the
// dtypes when its inputs do not fit.
#pragma once
#include <concepts>
#include <optional>
#include <string>
#include <tuple>

#include "tensor.hpp"

namespace xgrad {

// ---- elementwise, unary ------------------------------------------------------------------
// abs, sign, relu, square and clamp with whole-number bounds keep Int64 (as PyTorch); the others
// convert Int64 input to the default float dtype.
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);  // gradient 0 at 0, as PyTorch
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);  // gradient 0 at 0
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
// approximate: "none" (exact, erf) or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
// log(1 + exp(beta x)) / beta, linear above `threshold` for stability.
Tensor softplus(const Tensor& x, double beta = 1.0, double threshold = 20.0);
Tensor square(const Tensor& x);
Tensor sign(const Tensor& x);  // no gradient (zero)
// Clamps to [min, max]; either bound may be omitted. Gradient passes where min <= x <= max.
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max = std::nullopt);
Tensor pow(const Tensor& x, double exponent);
Tensor pow(const Tensor& x, const Tensor& exponent);
Tensor pow(double base, const Tensor& exponent);

// ---- lazy fusion of large elementwise chains ---------------------------------------------
// neg, exp, tanh, sigmoid, relu, + - * / (tensor or scalar; add/sub with alpha 1 only) and the
// backward passes of tanh, sigmoid and relu, on floating-point tensors of at least n elements
// whose operands are contiguous with the result's shape (or single elements), are not computed
// when called: the result holds a short program, and an op on such a result extends it. The
// whole chain then runs in one pass over memory, in cache-sized blocks, when the data is first
// read (data(), item(), any op that is not fused, printing, saving). `tanh(x * a + b)` reads x,
// a and b once and writes once, instead of three times each. Values, gradients, errors and
// in-place semantics are those of op-by-op evaluation (PyTorch needs torch.compile for this).
// Default n: 32768. 0 fuses every size; a huge n turns fusion off. Throws on n < 0.
void set_fusion_min_numel(std::int64_t n);
std::int64_t fusion_min_numel();

// Threads for xgrad's kernels: a fused program of >= 2^18 elements is split over them, a BLAS call
// of >= 2^23 multiply-adds runs on them (at most OpenBLAS's own count), a smaller one on 1 thread.
// Default: the machine's hardware threads. Throws on n < 1. Caveats: autograd/blas_threads.hpp.
void set_num_threads(int n);
int get_num_threads();

// ---- elementwise, binary (broadcasting) --------------------------------------------------
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a + alpha * b
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1.0);  // a - alpha * b
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor sub(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor div(const Tensor& a, double b);
Tensor rsub(const Tensor& a, double b);            // b - a
Tensor rdiv(const Tensor& a, double b);            // b / a
Tensor minimum(const Tensor& a, const Tensor& b);  // ties split the gradient equally
Tensor maximum(const Tensor& a, const Tensor& b);
// Elementwise choice: condition != 0 ? a : b (condition of any dtype, usually Bool; no gradient to it).
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// Comparisons give Bool tensors (as PyTorch); never differentiable. Bool operands compare as 0 / 1.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, double b);
Tensor ne(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
Tensor le(const Tensor& a, double b);
Tensor gt(const Tensor& a, double b);
Tensor ge(const Tensor& a, double b);
// Comparison operators, as LibTorch: Bool results, as eq / ne / lt / le / gt / ge.
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, double b);
Tensor operator!=(const Tensor& a, double b);
Tensor operator<(const Tensor& a, double b);
Tensor operator<=(const Tensor& a, double b);
Tensor operator>(const Tensor& a, double b);
Tensor operator>=(const Tensor& a, double b);
// Logical ops on any dtype (non-zero is true, NaN included), broadcasting; Bool results.
Tensor logical_not(const Tensor& x);
Tensor logical_and(const Tensor& a, const Tensor& b);
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);
Tensor operator!(const Tensor& x);                    // logical_not (LibTorch has ~ for Bool)
Tensor operator&&(const Tensor& a, const Tensor& b);  // logical_and
Tensor operator||(const Tensor& a, const Tensor& b);  // logical_or
// Whether every / any element is non-zero: a 0-D Bool over all elements, or over one dim.
// all() of an empty tensor is true, any() false.
Tensor all(const Tensor& x);
Tensor all(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor any(const Tensor& x);
Tensor any(const Tensor& x, std::int64_t dim, bool keepdim = false);
// True when shapes match and |a - b| <= atol + rtol |b| everywhere (NaNs unequal).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
bool equal(const Tensor& a, const Tensor& b);  // same shape and identical values

Tensor operator-(const Tensor& x);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(double a, const Tensor& b);
// Tensor-Scalar arithmetic as LibTorch spells it (`x.mm(w) + b.item()`): the Scalar acts as its
// double value, exactly as `x + 2.0`.
inline Tensor operator+(const Tensor& a, const Scalar& b) { return a + b.toDouble(); }
inline Tensor operator-(const Tensor& a, const Scalar& b) { return a - b.toDouble(); }
inline Tensor operator*(const Tensor& a, const Scalar& b) { return a * b.toDouble(); }
inline Tensor operator/(const Tensor& a, const Scalar& b) { return a / b.toDouble(); }
inline Tensor operator+(const Scalar& a, const Tensor& b) { return a.toDouble() + b; }
inline Tensor operator-(const Scalar& a, const Tensor& b) { return a.toDouble() - b; }
inline Tensor operator*(const Scalar& a, const Tensor& b) { return a.toDouble() * b; }
inline Tensor operator/(const Scalar& a, const Tensor& b) { return a.toDouble() / b; }
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, double b);
Tensor& operator-=(Tensor& a, double b);
Tensor& operator*=(Tensor& a, double b);
Tensor& operator/=(Tensor& a, double b);

// ---- reductions ----------------------------------------------------------------------------
// `dims` lists dimensions to reduce (negative counts from the end; empty = all). With keepdim
// the reduced dims stay as size 1. A dim out of range throws std::out_of_range.
Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
// One dim as a plain integer, as LibTorch: sum(x, 0), mean(x, 1, true).
template <std::integral I>
Tensor sum(const Tensor& x, I dim, bool keepdim = false) {
  return sum(x, Shape{static_cast<std::int64_t>(dim)}, keepdim);
}
template <std::integral I>
Tensor mean(const Tensor& x, I dim, bool keepdim = false) {
  return mean(x, Shape{static_cast<std::int64_t>(dim)}, keepdim);
}
// Vector p-norm of the elements (dims empty: all), as torch.norm / linalg.vector_norm, for
// floating-point x (Int64 and Bool throw). p = 2 ("fro"), 1, INFINITY, -INFINITY, 0 (count of
// non-zeros; no gradient) or any other real p. Gradients: p = 2 gives 0 where the norm is 0
// (PyTorch's subgradient); p = 1 gives sign(x) (0 at 0); +-inf shares the gradient equally
// between tied extreme elements. Other p at a zero vector give NaN gradients.
Tensor norm(const Tensor& x, double p = 2, const Shape& dims = {}, bool keepdim = false);
Tensor norm(const Tensor& x, const std::string& p, const Shape& dims = {}, bool keepdim = false);
// Variance with Bessel's correction by default (correction = 1), as torch.var.
Tensor var(const Tensor& x, const Shape& dims, double correction = 1, bool keepdim = false);
Tensor var(const Tensor& x);
Tensor std(const Tensor& x, const Shape& dims, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& x);
// Over all elements; ties share the gradient equally (as PyTorch's amax).
Tensor max(const Tensor& x);
Tensor min(const Tensor& x);
// Along one dim: values and Int64 indices of the first maximum; gradient goes to that index.
std::tuple<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);  // index into the flattened tensor
Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x);
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& x, const Shape& dims, bool keepdim = false);  // stable
Tensor softmax(const Tensor& x, std::int64_t dim);                           // stable (max subtracted)
Tensor log_softmax(const Tensor& x, std::int64_t dim);                       // stable

// ---- linear algebra (through BLAS) ---------------------------------------------------------
// matmul follows torch.matmul: 1-D·1-D dot, 2-D·2-D matrix product, 1-D operands promoted to
// matrices and the added dim removed, batched (>2-D) operands broadcast over batch dims.
// Transposed operands reach BLAS as transpose flags, not copies.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);     // 2-D only
Tensor outer(const Tensor& a, const Tensor& b);  // 1-D a [n], 1-D b [m] -> [n, m]
Tensor dot(const Tensor& a, const Tensor& b);    // 1-D, same length -> scalar

// ---- shape and indexing ----------------------------------------------------------------------
// Views share storage with their input (writes through one are seen by the other).
Tensor reshape(const Tensor& x, const Shape& shape);  // one size may be -1; copies if needed
Tensor view(const Tensor& x, const Shape& shape);     // must be contiguous
Tensor flatten(const Tensor& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1);  // view
Tensor t(const Tensor& x);                                                // transpose of a <= 2-D tensor
Tensor permute(const Tensor& x, const Shape& dims);                       // view
Tensor squeeze(const Tensor& x);
Tensor squeeze(const Tensor& x, std::int64_t dim);
Tensor unsqueeze(const Tensor& x, std::int64_t dim);
// Broadcast view (stride 0) to `shape`; -1 keeps a size. Gradient is summed back.
Tensor expand(const Tensor& x, const Shape& shape);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// Copies the tensors, joined along an existing dim (cat) or a new one (stack), into one
// fresh tensor of their promoted dtype. Shapes must agree except along the cat dim (stack:
// exactly); cat skips 1-D empty tensors as PyTorch does. An empty list, a 0-d tensor in cat
// or a mismatch throws std::invalid_argument naming the position and the shapes.
Tensor cat(const tensor_list& tensors, std::int64_t dim = 0);
Tensor stack(const tensor_list& tensors, std::int64_t dim = 0);
// Views of consecutive pieces along dim: of split_size each (the last may be shorter), or
// `chunks` pieces of ceil(size / chunks) each (possibly fewer pieces), as torch.split/chunk.
tensor_list split(const Tensor& x, std::int64_t split_size, std::int64_t dim = 0);
tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim = 0);
// View of x[start : start + length] along dim (start may be negative); out of range throws
// std::out_of_range.
Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length);
// View of x[start:end:step] along dim with Python's rules: omitted bounds mean the whole dim,
// negative ones count from the end, all clamp to the size. step must be > 0.
Tensor slice(const Tensor& x, std::int64_t dim = 0, std::optional<std::int64_t> start = std::nullopt,
             std::optional<std::int64_t> end = std::nullopt, std::int64_t step = 1);
// View of x[index] along dim, which is removed (negative index counts from the end).
Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index);
// Index tensors below must be Int64 (else IndexError, errors.hpp) with values in [0, size)
// (else std::out_of_range naming the op, the value, the dim and its size).
// Rows (along dim) picked by a 0-D or 1-D index; repeats allowed (their gradients add up).
Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index);
// out[i][j] = x[index[i][j]][j] for dim 0 (and likewise for other dims), as torch.gather.
// index has x's number of dims and is no larger than x outside dim; out has index's shape.
Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index);
// Copy of x with src added at index along dim, as torch.scatter_add. src has x's dtype and
// is at least as large as index in every dim.
Tensor scatter_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
// Constant padding; `pad` lists (before, after) pairs starting from the LAST dim, as F.pad.
// Negative widths crop.
Tensor pad(const Tensor& x, const Shape& pad, double value = 0.0);
// Sums a broadcast gradient back down to `shape` (the reduction every binary op's backward uses).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace xgrad
