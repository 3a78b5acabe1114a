// How numbers are written in error messages and reports, one way everywhere.
#pragma once
#include <string>

namespace xgrad {

// `v` with 6 significant digits, as std::ostream prints a double by default: "0.001", "1e+300",
// "-inf", "nan". Independent of any stream's settings and of the locale.
std::string num_str(double v);

}  // namespace xgrad
