#include "dtype.hpp"

#include <stdexcept>

namespace xgrad {

const char* dtype_name(Dtype d) noexcept {
  switch (d) {
    case Dtype::Float32: return "Float32";
    case Dtype::Float64: return "Float64";
    case Dtype::Int64: return "Int64";
    case Dtype::Bool: return "Bool";
  }
  return "?";
}

std::size_t element_size(Dtype d) noexcept {
  switch (d) {
    case Dtype::Float32: return 4;
    case Dtype::Float64: return 8;
    case Dtype::Int64: return 8;
    case Dtype::Bool: return 1;
  }
  return 0;
}

namespace {
Dtype g_default_dtype = Dtype::Float32;
}

Dtype default_dtype() noexcept { return g_default_dtype; }

void set_default_dtype(Dtype d) {
  if (!is_floating_point(d))
    throw std::invalid_argument("set_default_dtype: only Float32 or Float64 can be the default, got " +
                                std::string(dtype_name(d)));
  g_default_dtype = d;
}

}  // namespace xgrad
