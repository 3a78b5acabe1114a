// Checks for the numeric options of the `xgrad` commands, with messages a user can read.
// CLI11's own Range/PositiveNumber print their bounds with std::to_string (so a positive number
// reads "0.000000 to 179769313486231570814527..."), say "not in range" for text that is not a
// number at all, and let NaN through (every comparison with NaN is false). These name the
// option's bounds as written, say "not a number", refuse NaN, and refuse integers that do not
// fit instead of letting CLI11 saturate them.
#pragma once
#include <cstdint>
#include <limits>

#include <CLI/CLI.hpp>

namespace xgrad::cli {

// A finite number in [lo, hi], or in (lo, hi] when lo_exclusive. hi may be infinity (no upper bound).
CLI::Validator real_in(double lo, double hi, bool lo_exclusive = false);
inline CLI::Validator positive_real() { return real_in(0, std::numeric_limits<double>::infinity(), true); }
inline CLI::Validator non_negative_real() { return real_in(0, std::numeric_limits<double>::infinity()); }

// A whole number in [lo, hi] that fits std::int64_t.
CLI::Validator whole_in(std::int64_t lo, std::int64_t hi = std::numeric_limits<std::int64_t>::max());
// A whole number that fits std::uint64_t (the seeds).
CLI::Validator unsigned_whole();

}  // namespace xgrad::cli
