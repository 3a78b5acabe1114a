// Part 1 of `xgrad demo`: a custom Function's hand-written backward verified by gradcheck, and
// the failure report for a deliberately broken twin.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace xgrad::cli {

// Prints both checks to `out`. True when the correct Function passes and the broken one fails
// with the constant-factor diagnosis (the bug it has). With a non-empty `out_dir` (created if
// needed), the broken check's picture is written there as broken_gradcheck.svg and .html and
// their paths appended to `written`.
inline constexpr const char* kBrokenPictures[] = {"broken_gradcheck.svg", "broken_gradcheck.html"};
bool demo_gradcheck(std::ostream& out, const std::string& out_dir = "", std::vector<std::string>* written = nullptr);

}  // namespace xgrad::cli
