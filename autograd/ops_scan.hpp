// Products, scans, multi-dim extrema, sorting and selection (issue 23). Same conventions as
// ops.hpp: a dim may be negative; a dim out of range throws std::out_of_range; bad arguments
// throw std::invalid_argument naming the op, shapes and dtypes. Int64 input keeps Int64 (no
// gradient). Costs: scans and products O(n); sort, topk and median O(n log L) along a dim of
// length L, with one contiguous copy of x when dim is not the last.
#pragma once
#include <optional>
#include <tuple>

#include "tensor.hpp"

namespace xgrad {

// ---- products and scans ---------------------------------------------------------------------
// Gradients exact with zeros, as PyTorch: with no zero, g y / x; otherwise the product of the
// other elements (through exclusive cumulative products), so one zero gets the product of the
// rest and every other element 0 (two zeros: all 0).
Tensor prod(const Tensor& x);
Tensor prod(const Tensor& x, std::int64_t dim, bool keepdim = false);
// Running sum / product along dim (output has x's shape). cumprod's gradient is exact with zeros.
Tensor cumsum(const Tensor& x, std::int64_t dim);
Tensor cumprod(const Tensor& x, std::int64_t dim);

// ---- extrema over several dims (empty dims = all) -----------------------------------------------
// The gradient is split evenly among the elements equal to the extremum (ties), as PyTorch's.
// A reduced dim of size 0 throws. NaN propagates.
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);

// ---- sorting and selection (values, Int64 indices along dim) -------------------------------------
// NaN sorts as the largest value. Sorting is always stable (equal values keep their order), so
// `stable` only documents intent. The gradient of the values goes back to the selected elements.
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> stable, std::int64_t dim = -1,
                                bool descending = false);
Tensor argsort(const Tensor& x, std::int64_t dim = -1, bool descending = false);
// The k largest (or smallest) along dim, in sorted order; k outside [0, size(dim)] throws.
std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim = -1, bool largest = true,
                                bool sorted = true);
// Lower median (the ((n - 1) / 2)-th smallest); NaN if there is a NaN. The whole-tensor form
// splits its gradient evenly among the elements equal to the median (as PyTorch); along a dim
// it goes to the returned index. An empty input throws.
Tensor median(const Tensor& x);
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim = false);

}  // namespace xgrad
