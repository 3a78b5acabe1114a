#include "table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>
#include <string_view>

#include <xgrad/data/csv.hpp>

namespace xgrad::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

bool is_number(std::string_view cell) {
  double v = 0;
  return data::parse_number(cell, v);
}

// Neither a number nor a missing value: a column name or a class name.
bool is_name(std::string_view cell) { return !is_number(cell) && !data::is_missing_value(cell); }

// The trimmed non-empty lines of the file with their line numbers. read_csv parses the
// numbers; this pass only finds the header and keeps line numbers for later messages.
std::vector<std::pair<std::int64_t, std::string>> non_empty_lines(const std::string& path) {
  const std::string text = data::read_text(path);
  std::vector<std::pair<std::int64_t, std::string>> out;
  std::int64_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    const std::string_view t = trim(std::string_view(text).substr(pos, end - pos));
    if (!t.empty()) out.emplace_back(line_no, std::string(t));
    pos = end + 1;
  }
  return out;
}

}  // namespace

const char* task_name(Task task) { return task == Task::Classify ? "classify" : "regress"; }

HeaderMode parse_header_mode(const std::string& text) {
  return text == "yes" ? HeaderMode::Yes : text == "no" ? HeaderMode::No : HeaderMode::Auto;
}

bool looks_like_header(const std::string& first, const std::string& next, std::int64_t target_column, char delimiter) {
  const auto cells = data::split_cells(first, delimiter);
  const auto names = static_cast<std::size_t>(std::count_if(cells.begin(), cells.end(), is_name));
  if (names == 0) return false;
  if (names * 2 > cells.size()) return true;
  if (next.empty()) return false;
  const auto below = data::split_cells(next, delimiter);
  if (below.size() != cells.size()) return true;
  const auto n = static_cast<std::int64_t>(cells.size());
  const std::int64_t t = target_column < 0 ? target_column + n : target_column;
  if (t < 0 || t >= n) return false;
  return is_name(cells[static_cast<std::size_t>(t)]) && is_number(below[static_cast<std::size_t>(t)]);
}

namespace {

// The loader's errors, with the hint about headers in command-line terms.
data::LabeledData load_cells(const std::string& path, const Table& t) {
  try {
    const auto options = data::CsvOptions().skip_rows(t.header_lines).dtype(kFloat64).delimiter(t.delimiter);
    return data::load_labeled_csv(path, options, t.target_column, kFloat64);
  } catch (const std::invalid_argument& e) {
    std::string message = e.what();
    const std::string api_hint = "set CsvOptions().skip_rows";
    if (const auto pos = message.find(api_hint); pos != std::string::npos)
      message.replace(pos, api_hint.size(), "use --header yes");
    throw std::invalid_argument(message);
  }
}

}  // namespace

Table load_table(const std::string& path, std::int64_t target_column, HeaderMode header, char delimiter) {
  const auto lines = non_empty_lines(path);
  if (lines.empty()) throw std::invalid_argument("'" + path + "' line 1: the file is empty (no data rows)");
  Table t;
  t.delimiter = delimiter ? delimiter : data::detect_delimiter(lines[0].second);
  bool has_header = header == HeaderMode::Yes;
  if (header == HeaderMode::Auto) {
    const std::string next = lines.size() > 1 ? lines[1].second : std::string();
    has_header = looks_like_header(lines[0].second, next, target_column, t.delimiter);
  }
  const std::size_t first_data = has_header ? 1 : 0;
  if (lines.size() <= first_data) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(lines[0].first + 1) +
                                ": no data rows after the header line");
  }
  t.header_lines = has_header ? lines[0].first : 0;
  const auto& [line_no, text] = lines[first_data];
  t.columns = static_cast<std::int64_t>(data::split_cells(text, t.delimiter).size());
  if (t.columns < 2) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(line_no) +
                                ": needs at least 2 columns (features and a target), found " +
                                std::to_string(t.columns));
  }
  t.target_column = target_column < 0 ? target_column + t.columns : target_column;
  if (t.target_column < 0 || t.target_column >= t.columns) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(line_no) + ": target column " +
                                std::to_string(target_column) + " is out of range: the line has " +
                                std::to_string(t.columns) + " columns (valid: 0.." + std::to_string(t.columns - 1) +
                                ", or -1 for the last)");
  }
  for (std::size_t i = first_data; i < lines.size(); ++i) t.line_of_row.push_back(lines[i].first);
  data::LabeledData data = load_cells(path, t);
  t.features = data.features;
  t.targets = data.labels;
  t.classes = std::move(data.classes);
  return t;
}

char parse_delimiter(const std::string& text) {
  return text.empty() || text == "auto" ? 0 : text == "tab" ? '\t' : text[0];
}

std::string class_list(const std::vector<std::string>& classes) {
  constexpr std::size_t kShown = 20;  // a line, not a dump of a tampered or huge file
  std::string out;
  for (std::size_t i = 0; i < classes.size() && i < kShown; ++i) {
    out += (i ? ", " : "") + std::to_string(i) + " = " + data::shorten(classes[i]);
  }
  if (classes.size() > kShown) out += ", ... (" + std::to_string(classes.size()) + " classes)";
  return out;
}

Tensor match_classes(const Table& table, const std::vector<std::string>& classes, const std::string& path) {
  if (classes.empty() && table.classes.empty()) return table.targets;
  const auto y = table.targets.to_vector<double>();
  auto line = [&](std::size_t r) { return "'" + path + "' line " + std::to_string(table.line_of_row[r]) + ": "; };
  if (table.classes.empty()) {
    throw std::invalid_argument(line(0) + "the target is a number, but the model's classes are names (" +
                                class_list(classes) + ")");
  }
  std::vector<double> out;
  for (std::size_t r = 0; r < y.size(); ++r) {
    const std::string& name = table.classes[static_cast<std::size_t>(y[r])];
    const auto it = std::find(classes.begin(), classes.end(), name);
    if (it == classes.end()) {
      throw std::invalid_argument(
          line(r) + "class '" + data::shorten(name) + "' is unknown to the model" +
          (classes.empty() ? std::string(", whose classes are numbers") : ", which knows " + class_list(classes)));
    }
    out.push_back(static_cast<double>(it - classes.begin()));
  }
  return tensor(out, {static_cast<std::int64_t>(out.size())});
}

Task detect_task(const Table& table) {
  if (!table.classes.empty()) return Task::Classify;  // names are classes, whatever their count
  const auto y = table.targets.to_vector<double>();
  std::set<double> distinct;
  for (double v : y) {
    if (v < 0 || v != std::floor(v)) return Task::Regress;
    distinct.insert(v);
    if (distinct.size() > 100) return Task::Regress;
  }
  return distinct.size() * 2 <= y.size() ? Task::Classify : Task::Regress;
}

std::int64_t check_class_labels(const Table& table, const std::string& path) {
  const auto y = table.targets.to_vector<double>();
  double top = 0;
  for (std::size_t r = 0; r < y.size(); ++r) {
    if (y[r] < 0 || y[r] != std::floor(y[r]) || y[r] > 1e6) {
      const std::int64_t line = r < table.line_of_row.size() ? table.line_of_row[r] : static_cast<std::int64_t>(r + 1);
      char label[32];
      std::snprintf(label, sizeof label, "%g", y[r]);
      throw std::invalid_argument("'" + path + "' line " + std::to_string(line) + ": class label " + label +
                                  " in column " + std::to_string(table.target_column) +
                                  " is not a whole number >= 0 (use --task regress for a numeric target)");
    }
    top = std::max(top, y[r]);
  }
  return static_cast<std::int64_t>(top) + 1;
}

}  // namespace xgrad::cli
