// Atomic, durable file writes, under the names nn has always used. They live in autograd/ (the
// lowest layer), so that gradcheck's reports and autograd::write_dot write through them too.
#pragma once
#include "../autograd/atomic_write.hpp"

namespace xgrad::nn {

using autograd::resolve_write_target;
using autograd::write_file_atomically;
using autograd::WriteError;

}  // namespace xgrad::nn
