#include "table.hpp"

#include <zlib.h>

#include <charconv>
#include <cstdio>
#include <cmath>
#include <set>
#include <stdexcept>
#include <string_view>

#include <xgrad/data/csv.hpp>

namespace xgrad::cli {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool is_number(std::string_view field) {
  field = trim(field);
  double v = 0;
  auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  return !field.empty() && ec == std::errc() && ptr == field.data() + field.size();
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t cut = line.find(',');
    out.push_back(line.substr(0, cut));
    if (cut == std::string_view::npos) return out;
    line.remove_prefix(cut + 1);
  }
}

// The trimmed non-empty lines of the file with their line numbers. read_csv parses the
// numbers; this pass only finds the header and keeps line numbers for later messages.
std::vector<std::pair<std::int64_t, std::string>> non_empty_lines(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // zlib reads plain files unchanged
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::string text;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) throw std::runtime_error("error reading '" + path + "': " + why);
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte order mark is not data
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

Table load_table(const std::string& path, std::int64_t target_column, HeaderMode header) {
  const auto lines = non_empty_lines(path);
  if (lines.empty()) throw std::invalid_argument("'" + path + "' line 1: the file is empty (no data rows)");
  bool has_header = header == HeaderMode::Yes;
  if (header == HeaderMode::Auto) {
    // A header is a line of names. A line with only one or two bad cells among numbers is a
    // data row with an error, which read_csv then reports with its line and column, rather
    // than a row to drop silently.
    std::size_t names = 0, cells = 0;
    for (std::string_view f : fields(lines[0].second)) {
      ++cells;
      names += is_number(f) ? 0 : 1;
    }
    has_header = names * 2 > cells;
  }
  const std::size_t first_data = has_header ? 1 : 0;
  if (lines.size() <= first_data) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(lines[0].first + 1) +
                                ": no data rows after the header line");
  }
  Table t;
  t.header_lines = has_header ? lines[0].first : 0;
  const auto& [line_no, text] = lines[first_data];
  t.columns = static_cast<std::int64_t>(fields(text).size());
  if (t.columns < 2) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(line_no) +
                                ": needs at least 2 columns (features and a target), found " + std::to_string(t.columns));
  }
  t.target_column = target_column < 0 ? target_column + t.columns : target_column;
  if (t.target_column < 0 || t.target_column >= t.columns) {
    throw std::invalid_argument("'" + path + "' line " + std::to_string(line_no) + ": target column " +
                                std::to_string(target_column) + " is out of range: the line has " +
                                std::to_string(t.columns) + " columns (valid: 0.." + std::to_string(t.columns - 1) +
                                ", or -1 for the last)");
  }
  for (std::size_t i = first_data; i < lines.size(); ++i) t.line_of_row.push_back(lines[i].first);
  // The loader reports ragged rows and non-numeric cells with their line number; its hint
  // about headers names the C++ option, which becomes the command-line one here.
  try {
    const auto data = data::load_labeled_csv(path, data::CsvOptions().skip_rows(t.header_lines).dtype(kFloat64),
                                             t.target_column, kFloat64);
    t.features = data.features;
    t.targets = data.labels;
  } catch (const std::invalid_argument& e) {
    std::string message = e.what();
    const std::string api_hint = "set CsvOptions().skip_rows";
    if (const auto pos = message.find(api_hint); pos != std::string::npos) message.replace(pos, api_hint.size(), "use --header yes");
    throw std::invalid_argument(message);
  }
  return t;
}

Task detect_task(const Table& table) {
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
