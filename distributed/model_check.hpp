// Construction-time agreement of a model across ranks (used by DistributedDataParallel).
#pragma once
#include "../nn/module.hpp"

namespace xgrad::distributed::detail {

// Throws std::invalid_argument on every rank, naming the first entry that differs from rank
// 0's, unless all ranks hold the same parameters and buffers (names, dtypes, shapes,
// requires_grad). Cost: two small all-gathers of the description text.
void check_same_model(const nn::Module& module, const char* op);

// Overwrites every parameter and buffer with rank 0's values.
void broadcast_state(const nn::Module& module);

}  // namespace xgrad::distributed::detail
