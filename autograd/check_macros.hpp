// LibTorch's checking macros, kept by a port (the rename touches `torch::`, not these names):
// TORCH_CHECK(cond, message parts...) and AT_ASSERT(cond) throw std::runtime_error naming the
// failed condition and where it is. Defined only when the program has not defined them itself.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace xgrad::detail {
template <class... Parts>
[[noreturn]] void check_failed(const char* condition, const char* file, int line, const Parts&... parts) {
  std::ostringstream s;
  s << "Expected " << condition << " to be true, but got false (" << file << ":" << line << ")";
  if constexpr (sizeof...(parts) > 0) {
    s << ": ";
    (s << ... << parts);
  }
  throw std::runtime_error(s.str());
}
}  // namespace xgrad::detail

#ifndef TORCH_CHECK
#define TORCH_CHECK(cond, ...) \
  ((cond) ? (void)0 : ::xgrad::detail::check_failed(#cond, __FILE__, __LINE__, ##__VA_ARGS__))
#endif
#ifndef AT_ASSERT
#define AT_ASSERT(cond) TORCH_CHECK(cond)
#endif
