// Internal to optim/: the checks and messages shared by every options struct.
#pragma once
#include <string>

#include "../autograd/format.hpp"

namespace xgrad::optim::detail {

using xgrad::num_str;  // numbers in messages (autograd/format.hpp)

// Throws std::invalid_argument("<owner>: invalid <what>: <value> (<rule>)") unless `ok`.
void require(bool ok, const char* owner, const char* what, double value, const char* rule);

// Throws std::invalid_argument naming the owner and the unknown option.
[[noreturn]] void unknown_option(const char* owner, const std::string& name);

}  // namespace xgrad::optim::detail
