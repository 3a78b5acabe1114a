// Tensor manipulation (issue 23): flip, roll, repeat, repeat_interleave, tril / triu, bmm,
// einsum, index_add, scatter and masked_select. Same conventions as ops.hpp. Every result is a
// fresh contiguous tensor (no views), costing one pass over it.
#pragma once
#include <optional>
#include <string>

#include "tensor.hpp"

namespace xgrad {

// Reverses the order along each of dims (negative dims count from the end; repeats throw).
Tensor flip(const Tensor& x, const Shape& dims);
// Shifts elements along dims by shifts (wrapping around); with no dims, x is flattened, rolled
// and reshaped back, as torch.roll. shifts and dims must have the same length.
Tensor roll(const Tensor& x, const Shape& shifts, const Shape& dims = {});
// Tiles x: repeats[i] copies along dim i; repeats may have more entries than x has dims (leading
// dims of size 1 are added). Fewer entries than dims, or a negative count, throws.
Tensor repeat(const Tensor& x, const Shape& repeats);
// Each element (or slice along dim) repeated `repeats` times, or repeats[i] times for the i-th
// (an Int64 1-D tensor with size(dim) entries, or one entry). Without dim, x is flattened.
Tensor repeat_interleave(const Tensor& x, std::int64_t repeats, std::optional<std::int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& x, const Tensor& repeats, std::optional<std::int64_t> dim = std::nullopt);
// Lower / upper triangle of the last two dims (batched), the rest zeroed: j - i <= diagonal
// (tril) or j - i >= diagonal (triu). Fewer than 2 dims throws.
Tensor tril(const Tensor& x, std::int64_t diagonal = 0);
Tensor triu(const Tensor& x, std::int64_t diagonal = 0);
// Batched matrix product: [b, n, m] x [b, m, p] -> [b, n, p]; no broadcasting (use matmul).
Tensor bmm(const Tensor& a, const Tensor& b);
// Einstein summation over one or two operands ("ij,jk->ik", "bij,bjk->bik", "ii->i" is refused,
// "...ij,...jk" supported; implicit output = the indices seen once, sorted). Contractions go
// through permute + reshape + matmul. Throws std::invalid_argument on a malformed equation,
// an operand count or rank mismatch, a size mismatch of one index, or a repeated index inside
// one operand (trace / diagonal: not supported).
Tensor einsum(const std::string& equation, const tensor_list& operands);
// out = x with source's slices added at index along dim (index: Int64 1-D of source.size(dim)
// entries; repeats add up), times alpha.
Tensor index_add(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1.0);
// out = x with src (or value) written at index along dim, as torch.scatter; index as gather's.
// With duplicate indices the last write wins (PyTorch leaves it unspecified).
Tensor scatter(const Tensor& x, std::int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& x, std::int64_t dim, const Tensor& index, double value);
// The elements of x where mask is nonzero (true), as a 1-D tensor; x and mask broadcast.
Tensor masked_select(const Tensor& x, const Tensor& mask);

}  // namespace xgrad
