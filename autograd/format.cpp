#include "format.hpp"

#include <cstdio>

namespace xgrad {

std::string num_str(double v) {
  char buf[32];  // "%g" with 6 digits needs at most 13 characters ("-1.23457e+308")
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace xgrad
