#include "csv.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "../autograd/ops.hpp"

namespace xgrad::data {

// zlib reads plain files unchanged.
std::string read_text(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("read_csv: cannot open '" + path + "'");
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  const std::string why = msg ? msg : "";
  gzclose(f);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw std::runtime_error("read_csv: error reading '" + path + "': " + why);
  // Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of the first cell.
  if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  return out;
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A trimmed field without the double quotes that spreadsheets put around text.
std::string_view cell_text(std::string_view field) {
  field = trim(field);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') field = trim(field.substr(1, field.size() - 2));
  return field;
}

std::string where(const std::string& path, std::int64_t line, std::int64_t col) {
  return "read_csv: '" + path + "' line " + std::to_string(line) + " column " + std::to_string(col + 1) + ": ";
}

// The cells of the file: numbers, except in `text_column` (>= 0; or -1 for none), where a cell
// that is not a number is kept as text (a class name) instead of being an error.
struct Cells {
  std::vector<double> values;     // row-major; 0 where text was kept
  std::vector<std::string> text;  // per row, the text_column cell as written, when text_column >= 0
  bool has_text = false;          // some text_column cell is not a number
  std::int64_t rows = 0, columns = -1;
};

// first_row: a word there may be a header's; further down it is not, and no hint says so.
double number_cell(std::string_view field, const std::string& path, std::int64_t line_no, std::int64_t col,
                   bool first_row) {
  double v = 0;
  if (is_missing_value(field)) {
    throw std::invalid_argument(where(path, line_no, col) + "missing value (" +
                                (field.empty() ? std::string("an empty cell") : "'" + shorten(field) + "'") +
                                "): missing values are not supported; remove the row or fill the value in");
  }
  if (!parse_number(field, v)) {
    throw std::invalid_argument(where(path, line_no, col) + "'" + shorten(field) + "' is not a number" +
                                (first_row ? " (a header line? set CsvOptions().skip_rows)" : ""));
  }
  // from_chars accepts "nan" and "inf": a missing value would then poison training silently.
  if (!std::isfinite(v)) {
    throw std::invalid_argument(where(path, line_no, col) + "'" + shorten(field) +
                                "' is not a finite number (missing values are not supported: remove or impute them)");
  }
  return v;
}

// Appends the cells of one line to `out`; returns their number.
std::int64_t parse_line(std::string_view line, std::int64_t line_no, const std::string& path, char delimiter,
                        std::int64_t text_column, Cells& out) {
  std::int64_t col = 0;
  for (const std::string_view field : split_cells(line, delimiter)) {
    double v = 0;
    if (col == text_column) {
      // A label column: a name is a class, but a missing label is still an error.
      if (is_missing_value(field) || parse_number(field, v)) v = number_cell(field, path, line_no, col, out.rows == 0);
      else out.has_text = true;
      out.text.emplace_back(field);
    } else {
      v = number_cell(field, path, line_no, col, out.rows == 0);
    }
    out.values.push_back(v);
    ++col;
  }
  return col;
}

// text_column < 0 counts from the end (resolved on the first row); -1 with allow_text false: none.
Cells parse_cells(const std::string& path, const CsvOptions& options, std::int64_t text_column, bool allow_text) {
  if (options.skip_rows() < 0)
    throw std::invalid_argument("read_csv: skip_rows must be >= 0, got " + std::to_string(options.skip_rows()));
  const std::string text = read_text(path);
  Cells cells;
  std::int64_t line_no = 0, resolved = -1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line_no <= options.skip_rows() || line.empty()) continue;
    if (cells.rows == 0 && allow_text) {
      // (An out-of-range label column allows no text; load_labeled_csv reports it after the parse.)
      const auto n = static_cast<std::int64_t>(std::count(line.begin(), line.end(), options.delimiter())) + 1;
      resolved = text_column < 0 ? text_column + n : text_column;
    }
    const std::int64_t col = parse_line(line, line_no, path, options.delimiter(), resolved, cells);
    if (cells.columns < 0) cells.columns = col;
    if (col != cells.columns) {
      throw std::invalid_argument("read_csv: '" + path + "' line " + std::to_string(line_no) + " has " +
                                  std::to_string(col) + " columns, earlier rows have " + std::to_string(cells.columns));
    }
    ++cells.rows;
  }
  cells.columns = std::max<std::int64_t>(cells.columns, 0);
  return cells;
}

}  // namespace

bool parse_number(std::string_view s, double& value) {
  // from_chars takes no leading '+', which spreadsheets and printf("%+g") write.
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '+' || s.front() == '-')) return false;
  }
  if (s.empty()) return false;
  double v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ptr != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves v unset here; strtod rounds an underflow to 0 or a subnormal and an
    // overflow to +-inf (which the loaders then report as not finite). The text is known to be
    // a plain decimal, so strtod reads exactly what from_chars matched.
    v = std::strtod(std::string(s).c_str(), nullptr);
  } else if (ec != std::errc()) {
    return false;
  }
  value = v;
  return true;
}

std::vector<std::string_view> split_cells(std::string_view line, char delimiter) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t cut = line.find(delimiter);
    out.push_back(cell_text(line.substr(0, cut)));
    if (cut == std::string_view::npos) return out;
    line.remove_prefix(cut + 1);
  }
}

bool is_missing_value(std::string_view cell) {
  // The spellings R, pandas, spreadsheets and UCI's files use.
  static constexpr std::string_view kMissing[] = {"", "NA", "N/A", "na", "n/a", "null", "NULL", "None", "?"};
  return std::find(std::begin(kMissing), std::end(kMissing), cell) != std::end(kMissing);
}

std::string shorten(std::string_view cell) {
  constexpr std::size_t kMax = 40;
  if (cell.size() <= kMax) return std::string(cell);
  std::string out(cell.data(), kMax - 3);
  out.append(3, '.');  // (not append("..."): GCC 12 warns falsely about its memcpy)
  return out;
}

char detect_delimiter(std::string_view line) {
  if (line.find('\t') != std::string_view::npos) return '\t';
  if (line.find(';') != std::string_view::npos) return ';';
  return ',';
}

Tensor read_csv(const std::string& path, const CsvOptions& options) {
  if (!is_floating_point(options.dtype())) {
    throw std::invalid_argument(std::string("read_csv: dtype must be Float32 or Float64, got ") +
                                dtype_name(options.dtype()));
  }
  Cells cells = parse_cells(path, options, -1, false);
  Tensor out = tensor(cells.values, {cells.rows, cells.columns});
  return options.dtype() == Dtype::Float64 ? out : out.to(options.dtype());
}

namespace {

// Class names sorted (as scikit-learn's LabelEncoder does) and each row's index among them.
std::vector<std::string> encode_classes(const std::vector<std::string>& names, std::vector<double>& indices) {
  std::vector<std::string> classes(names);
  std::sort(classes.begin(), classes.end());
  classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
  indices.clear();
  for (const std::string& n : names) {
    indices.push_back(static_cast<double>(std::lower_bound(classes.begin(), classes.end(), n) - classes.begin()));
  }
  return classes;
}

}  // namespace

LabeledData load_labeled_csv(const std::string& path, const CsvOptions& options, std::int64_t label_column,
                             Dtype label_dtype) {
  const Cells cells = parse_cells(path, options, label_column, true);
  const std::int64_t rows = cells.rows, cols = cells.columns;
  const std::int64_t lc = label_column < 0 ? label_column + cols : label_column;
  if (lc < 0 || lc >= cols) {
    throw std::out_of_range("load_labeled_csv: label_column " + std::to_string(label_column) +
                            " is out of range for '" + path + "' with " + std::to_string(cols) + " columns");
  }
  const std::vector<double>& v = cells.values;
  std::vector<double> features, labels, names;
  std::vector<std::string> classes;
  if (cells.has_text) classes = encode_classes(cells.text, names);
  features.reserve(static_cast<std::size_t>(rows * (cols - 1)));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const double x =
          cells.has_text && c == lc ? names[static_cast<std::size_t>(r)] : v[static_cast<std::size_t>(r * cols + c)];
      if (c != lc) {
        features.push_back(x);
      } else if (label_dtype == Dtype::Int64 && !(x == std::floor(x) && x >= -0x1p63 && x < 0x1p63)) {
        // (Out of range, the conversion to Int64 would be undefined behaviour.)
        throw std::invalid_argument("load_labeled_csv: '" + path + "' row " + std::to_string(r + 1) + ": label " +
                                    std::to_string(x) + " is not a whole number in the Int64 range");
      } else {
        labels.push_back(x);
      }
    }
  }
  Tensor f = tensor(features, {rows, cols - 1});
  Tensor l = tensor(labels, {rows});
  return {options.dtype() == Dtype::Float64 ? f : f.to(options.dtype()),
          label_dtype == Dtype::Float64 ? l : l.to(label_dtype), std::move(classes)};
}

}  // namespace xgrad::data
