// Loading numeric CSV files (plain or gzip-compressed) into tensors.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../autograd/tensor.hpp"
#include "../optim/arg.hpp"

namespace xgrad::data {

class CsvOptions {
  XGRAD_ARG(char, delimiter, ',')
  XGRAD_ARG(std::int64_t, skip_rows, 0)  // header lines to skip
  XGRAD_ARG(Dtype, dtype, Dtype::Float32)
};

// Reads every non-empty line after the skipped ones as a row of numbers and returns a
// [rows, columns] tensor. Gzip-compressed files are recognised by their content, whatever
// their name; a field may be wrapped in double quotes. Numbers are parsed as parse_number does.
// Throws std::runtime_error when the file cannot be read and std::invalid_argument (naming file,
// line and column) for a missing value (an empty cell, NA, N/A, null, None, ?), a field that is
// not a finite number (text, NaN, inf, 1e999) or a row of another length.
Tensor read_csv(const std::string& path, const CsvOptions& options = CsvOptions());

// The whole file, decompressed if it is gzip, without a leading UTF-8 byte order mark (the
// text the loaders parse). Throws std::runtime_error when it cannot be read.
std::string read_text(const std::string& path);

// A decimal number as spreadsheets write it: an optional sign (`+3` too), digits, an optional
// exponent; a value too small for a double (1e-400) becomes 0 or a subnormal, one too large
// (1e999) becomes +-inf. False for anything else (text, an empty field, trailing characters).
bool parse_number(std::string_view text, double& value);

// The cells of one line: split at `delimiter`, trimmed of spaces and tabs, and without the
// double quotes around a quoted cell (a quoted delimiter is not supported).
std::vector<std::string_view> split_cells(std::string_view line, char delimiter);

// True for the spellings of a missing value that exporters write: an empty cell, NA, N/A, na,
// n/a, null, NULL, None and `?` (UCI's). The loaders refuse them with a message that says so.
bool is_missing_value(std::string_view cell);

// `cell` cut to at most 40 characters (with "..."): error messages quote cells of untrusted
// files, and a cell can be a whole megabyte line.
std::string shorten(std::string_view cell);

// The delimiter of a file whose first line is `line`: tab if it holds one, else ';' if it holds
// one (a file with decimal commas must use another delimiter), else ','.
char detect_delimiter(std::string_view line);

struct LabeledData {
  Tensor features;  // [rows, columns - 1], options.dtype()
  Tensor labels;    // [rows], Int64 class indices (or label_dtype)
  // When the label column holds text (`setosa`, `M`): the class names, sorted, and labels[i]
  // is the index of row i's name in it. Empty when the labels are numbers.
  std::vector<std::string> classes;
};

// A CSV whose column `label_column` (negative counts from the end; default the last) holds the
// label: numbers, or text names that are encoded as classes (see LabeledData::classes). Numeric
// Int64 labels must be whole numbers within the Int64 range (std::invalid_argument otherwise).
LabeledData load_labeled_csv(const std::string& path, const CsvOptions& options = CsvOptions(),
                             std::int64_t label_column = -1, Dtype label_dtype = Dtype::Int64);

}  // namespace xgrad::data
