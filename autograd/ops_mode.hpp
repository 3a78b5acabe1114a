// mode (torch.mode): the most frequent value along a dim. Kept apart from ops_scan.hpp (where
// median is) only so that adding it did not rebuild every file including that header.
#pragma once
#include <cstdint>
#include <tuple>

#include "tensor.hpp"

namespace xgrad {

// The most frequent value along dim and its Int64 index, as PyTorch's CPU kernel: of tied
// frequencies the smallest value, and of its occurrences the last. The gradient goes to the
// returned index (ModeBackward0). A dim of size 0 or a Bool input throws. Cost: a sort per row.
std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim = -1, bool keepdim = false);

}  // namespace xgrad
