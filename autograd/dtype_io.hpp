// `std::cout << x.dtype()` as LibTorch prints it: float, double, long, bool.
#pragma once
#include <ostream>

#include "dtype.hpp"

namespace xgrad {
inline std::ostream& operator<<(std::ostream& os, Dtype d) {
  switch (d) {
    case Dtype::Float32: return os << "float";
    case Dtype::Float64: return os << "double";
    case Dtype::Int64: return os << "long";
    case Dtype::Bool: return os << "bool";
  }
  return os << "unknown dtype";
}
}  // namespace xgrad
