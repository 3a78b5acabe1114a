// Collective operations on tensors across all ranks of the process group (process_group.hpp),
// as torch.distributed's. Every rank must call the same collectives in the same order with
// tensors of the same dtype and shape; a mismatch is found before any data moves (a small
// header of kind, dtype and shape is all-gathered first) and throws std::invalid_argument on
// EVERY rank, naming the shapes and dtypes of both ranks, instead of hanging or mixing data.
//
// All dtypes work (Float32, Float64, Int64). Non-contiguous tensors (views, transposes) work:
// their elements go through a contiguous buffer. The collectives are not recorded by autograd
// (as in PyTorch); a custom Function can call them in its forward and backward. They may write
// into leaves that require grad (parameters), as an optimizer does.
//
// Costs: one MPI_Allgather of 12 int64 per call for the check, then the MPI collective itself
// on numel elements (all_reduce: ~2 * numel * element_size bytes sent per rank for large
// tensors). MPI errors throw MpiError.
#pragma once
#include "../autograd/tensor.hpp"

namespace xgrad::distributed {

enum class ReduceOp { Sum, Avg, Min, Max };
const char* reduce_op_name(ReduceOp op) noexcept;

// In place: every rank ends with the element-wise reduction over all ranks. Avg divides the
// sum by world_size() and needs a floating-point tensor (std::invalid_argument for Int64).
void all_reduce(Tensor& tensor, ReduceOp op = ReduceOp::Sum);
// In place: every rank ends with rank `src`'s values. Throws std::out_of_range for a bad src.
void broadcast(Tensor& tensor, int src = 0);
// world_size() tensors, entry r holding rank r's `tensor` (fresh contiguous tensors).
tensor_list all_gather(const Tensor& tensor);
// The same data as one tensor of shape [world_size(), *tensor.shape()].
Tensor all_gather_into_tensor(const Tensor& tensor);
// input: [world_size() * k, ...]. Reduces the inputs of all ranks element-wise and returns to
// rank r the r-th block of k rows, shape [k, ...]. Throws std::invalid_argument when the first
// dim is not divisible by world_size() or the input is 0-dimensional.
Tensor reduce_scatter(const Tensor& input, ReduceOp op = ReduceOp::Sum);

}  // namespace xgrad::distributed
