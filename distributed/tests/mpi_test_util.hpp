// Helpers of the MPI test programs.
#pragma once
#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>

#include "../collectives.hpp"
#include "../process_group.hpp"

namespace xgrad::distributed::testing {

// The message of the std::exception fn throws ("" when it throws nothing).
inline std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// True when t holds exactly the same bytes on every rank.
inline bool same_on_all_ranks(const Tensor& t) {
  const Tensor all = all_gather_into_tensor(t.detach());
  const auto bytes = static_cast<std::size_t>(t.numel()) * element_size(t.dtype());
  const char* base = static_cast<const char*>(all.impl()->data());
  for (std::int64_t r = 1; r < all.size(0); ++r)
    if (std::memcmp(base, base + static_cast<std::size_t>(r) * bytes, bytes) != 0) return false;
  return true;
}

}  // namespace xgrad::distributed::testing
