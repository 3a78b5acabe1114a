#include "csv.hpp"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "../autograd/ops.hpp"

namespace xgrad::data {

namespace {

// The whole file, decompressed if it is gzip (zlib reads plain files unchanged).
std::string read_all(const std::string& path) {
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
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END)) throw std::runtime_error("read_csv: error reading '" + path + "': " + why);
  // Spreadsheet exports often start with a UTF-8 byte order mark; it is not part of the first cell.
  if (out.rfind("\xEF\xBB\xBF", 0) == 0) out.erase(0, 3);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

Tensor read_csv(const std::string& path, const CsvOptions& options) {
  if (!is_floating_point(options.dtype())) {
    throw std::invalid_argument(std::string("read_csv: dtype must be Float32 or Float64, got ") + dtype_name(options.dtype()));
  }
  if (options.skip_rows() < 0) throw std::invalid_argument("read_csv: skip_rows must be >= 0, got " + std::to_string(options.skip_rows()));
  const std::string text = read_all(path);
  std::vector<double> values;
  std::int64_t columns = -1, rows = 0, line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line_no <= options.skip_rows() || line.empty()) continue;
    std::int64_t col = 0;
    while (true) {
      const std::size_t cut = line.find(options.delimiter());
      std::string_view field = trim(line.substr(0, cut));
      double v = 0;
      auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
      if (field.empty() || ec != std::errc() || ptr != field.data() + field.size()) {
        throw std::invalid_argument("read_csv: '" + path + "' line " + std::to_string(line_no) + " column " +
                                    std::to_string(col + 1) + ": '" + std::string(field) +
                                    "' is not a number (a header line? set CsvOptions().skip_rows)");
      }
      // from_chars accepts "nan" and "inf": a missing value would then poison training silently.
      if (!std::isfinite(v)) {
        throw std::invalid_argument("read_csv: '" + path + "' line " + std::to_string(line_no) + " column " +
                                    std::to_string(col + 1) + ": '" + std::string(field) +
                                    "' is not a finite number (missing values are not supported: remove or impute them)");
      }
      values.push_back(v);
      ++col;
      if (cut == std::string_view::npos) break;
      line.remove_prefix(cut + 1);
    }
    if (columns < 0) columns = col;
    if (col != columns) {
      throw std::invalid_argument("read_csv: '" + path + "' line " + std::to_string(line_no) + " has " +
                                  std::to_string(col) + " columns, earlier rows have " + std::to_string(columns));
    }
    ++rows;
  }
  Tensor out = tensor(values, {rows, std::max<std::int64_t>(columns, 0)});
  return options.dtype() == Dtype::Float64 ? out : out.to(options.dtype());
}

LabeledData load_labeled_csv(const std::string& path, const CsvOptions& options, std::int64_t label_column, Dtype label_dtype) {
  Tensor all = read_csv(path, CsvOptions(options).dtype(Dtype::Float64));
  const std::int64_t rows = all.size(0), cols = all.size(1);
  const std::int64_t lc = label_column < 0 ? label_column + cols : label_column;
  if (lc < 0 || lc >= cols) {
    throw std::out_of_range("load_labeled_csv: label_column " + std::to_string(label_column) + " is out of range for '" +
                            path + "' with " + std::to_string(cols) + " columns");
  }
  std::vector<double> v = all.to_vector<double>(), features, labels;
  features.reserve(static_cast<std::size_t>(rows * (cols - 1)));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const double x = v[static_cast<std::size_t>(r * cols + c)];
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
  return {options.dtype() == Dtype::Float64 ? f : f.to(options.dtype()), label_dtype == Dtype::Float64 ? l : l.to(label_dtype)};
}

}  // namespace xgrad::data
