#include "split.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include <xgrad/data/dataset.hpp>

namespace xgrad::cli {

SplitData split_rows(const Tensor& x, const Tensor& y, const SplitSpec& split) {
  if (split.fraction <= 0) return {x, y, Tensor(), Tensor()};
  data::TrainTestSplit s = data::train_test_split(x, y, split.fraction, split.seed);
  return {s.x_train, s.y_train, s.x_test, s.y_test};
}

nn::Metadata split_metadata(const SplitSpec& split) {
  char fraction[40];
  std::snprintf(fraction, sizeof fraction, "%.17g", split.fraction);  // round-trips exactly
  return {{"split_fraction", fraction},
          {"split_seed", std::to_string(split.seed)},
          {"split_rows", std::to_string(split.rows)}};
}

namespace {

template <class T>
bool parse_whole(const std::string& text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<SplitSpec> split_from_metadata(const nn::Metadata& m, const std::string& path) {
  const auto fraction = m.find("split_fraction"), seed = m.find("split_seed"), rows = m.find("split_rows");
  if (fraction == m.end() && seed == m.end() && rows == m.end()) return std::nullopt;
  auto bad = [&](const char* key) {
    const auto it = m.find(key);
    const std::string value = it == m.end() ? std::string("(missing)") : "'" + it->second.substr(0, 40) + "'";
    return std::invalid_argument("'" + path + "': malformed metadata '" + key + "' = " + value);
  };
  SplitSpec s;
  if (fraction == m.end()) throw bad("split_fraction");
  const std::string& f = fraction->second;
  const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), s.fraction);
  // The bounds of --val-split.
  if (f.empty() || ec != std::errc() || end != f.data() + f.size() || !(s.fraction >= 0 && s.fraction <= 0.9)) {
    throw bad("split_fraction");
  }
  if (seed == m.end() || !parse_whole(seed->second, s.seed)) throw bad("split_seed");
  if (rows == m.end() || !parse_whole(rows->second, s.rows) || s.rows < 1) throw bad("split_rows");
  return s;
}

}  // namespace xgrad::cli
