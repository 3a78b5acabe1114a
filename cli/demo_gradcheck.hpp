// Part 1 of `xgrad demo`: a custom Function's hand-written backward verified by gradcheck, and
// the failure report for a deliberately broken twin.
#pragma once
#include <iosfwd>

namespace xgrad::cli {

// Prints both checks to `out`. True when the correct Function passes and the broken one fails
// with the constant-factor diagnosis (the bug it has).
bool demo_gradcheck(std::ostream& out);

}  // namespace xgrad::cli
