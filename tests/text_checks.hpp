// Small helpers for tests that check the text of messages and reports.
#pragma once
#include <string>

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// What f() throws (as std::exception::what()), or "" when it does not throw.
template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
