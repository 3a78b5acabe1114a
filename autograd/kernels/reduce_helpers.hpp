// Internal: the reduction helpers defined in reduction.cpp, shared by the other reducing ops
// (statistics, extrema, softmax). Not installed.
#pragma once
#include <vector>

#include "kernels.hpp"

namespace xgrad::kernels {

// One flag per dim of x: reduced or not. `dims` may be negative; empty means all dims.
// Throws std::out_of_range (dim out of range) or std::invalid_argument (repeated dim), naming op.
std::vector<bool> reduced_mask(const Tensor& x, const Shape& dims, const char* op);

// `in` with the masked dims removed (or kept as size 1 with keepdim).
Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdim);

// Sum of x over the masked dims, without autograd history.
Tensor sum_kernel(const Tensor& x, const std::vector<bool>& mask, bool keepdim, const char* op);

}  // namespace xgrad::kernels
