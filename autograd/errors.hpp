// Exception types of the op library that callers may want to tell apart.
#pragma once
#include <stdexcept>

namespace xgrad {

// An index tensor of the wrong dtype (not Int64), as PyTorch's IndexError. Derives from
// std::out_of_range, which this error was before it existed (and which an index value out
// of range still throws), so that code catching that still catches it.
class IndexError : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

}  // namespace xgrad
