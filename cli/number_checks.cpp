#include "number_checks.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

namespace xgrad::cli {

namespace {

// "%g" keeps the bounds as a user writes them: 0.9, 1e-08, 100.
std::string shown(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// The text without the leading '+' that from_chars does not take (CLI11 accepts "+3").
std::string_view unsigned_text(const std::string& input) {
  std::string_view text(input);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  return text;
}

// The input quoted, cut short so that a huge argument does not make a huge message.
std::string shown_input(const std::string& input) {
  return "'" + (input.size() > 40 ? input.substr(0, 40) + "..." : input) + "'";
}

}  // namespace

CLI::Validator real_in(double lo, double hi, bool lo_exclusive) {
  const bool bounded = std::isfinite(hi);
  const std::string expected =
      !bounded ? std::string("a number ") + (lo_exclusive ? "> " : ">= ") + shown(lo)
               : "a number from " + shown(lo) + (lo_exclusive ? " (excluded)" : "") + " to " + shown(hi);
  // The help's type column, as CLI11 writes it ("FLOAT:POSITIVE").
  const std::string description =
      bounded        ? std::string("in ") + (lo_exclusive ? "(" : "[") + shown(lo) + ", " + shown(hi) + "]"
      : lo != 0      ? std::string(lo_exclusive ? "> " : ">= ") + shown(lo)
      : lo_exclusive ? "POSITIVE"
                     : "NONNEGATIVE";
  auto check = [=](std::string& input) -> std::string {
    const std::string_view text = unsigned_text(input);
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || end != text.data() + text.size() ||
        (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      return shown_input(input) + " is not a number (expected " + expected + ")";
    }
    if (std::isnan(v)) return shown_input(input) + " is not a number (expected " + expected + ")";
    // from_chars leaves v unset out of double's range; strtod gives +-HUGE_VAL (1e400) or ~0 (1e-400).
    if (ec == std::errc::result_out_of_range) v = std::strtod(std::string(text).c_str(), nullptr);
    const bool low = lo_exclusive ? !(v > lo) : !(v >= lo);
    if (low || !(v <= hi) || !std::isfinite(v))
      return shown_input(input) + " is out of range (expected " + expected + ")";
    return {};
  };
  return CLI::Validator(check, description);
}

namespace {

// A whole number of type T (std::int64_t or std::uint64_t, as the option holds) in [lo, hi].
template <class T>
CLI::Validator whole_between(T lo, T hi, const std::string& description) {
  const std::string expected = hi == std::numeric_limits<T>::max()
                                   ? "a whole number >= " + std::to_string(lo) + ", at most " + std::to_string(hi)
                                   : "a whole number from " + std::to_string(lo) + " to " + std::to_string(hi);
  auto check = [=](std::string& input) -> std::string {
    const std::string_view text = unsigned_text(input);
    T v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || end != text.data() + text.size() ||
        (ec != std::errc() && ec != std::errc::result_out_of_range)) {
      return shown_input(input) + " is not a whole number (expected " + expected + ")";
    }
    if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
      return shown_input(input) + " is out of range (expected " + expected + ")";
    }
    return {};
  };
  return CLI::Validator(check, description);
}

}  // namespace

CLI::Validator whole_in(std::int64_t lo, std::int64_t hi) {
  // The help's type column, as CLI11 writes it ("INT:POSITIVE"); nothing for an unbounded option.
  const std::string description = lo == std::numeric_limits<std::int64_t>::min() ? ""
                                  : hi != std::numeric_limits<std::int64_t>::max()
                                      ? "in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"
                                  : lo == 0 ? "NONNEGATIVE"
                                  : lo == 1 ? "POSITIVE"
                                            : ">= " + std::to_string(lo);
  return whole_between(lo, hi, description);
}

CLI::Validator unsigned_whole() {
  return whole_between<std::uint64_t>(0, std::numeric_limits<std::uint64_t>::max(), "");
}

}  // namespace xgrad::cli
