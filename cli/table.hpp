// Loading a numeric CSV for `xgrad train` / `xgrad eval`: header detection, the target column,
// the task (classification or regression) and errors that name the file and the line.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <xgrad/autograd/tensor.hpp>

namespace xgrad::cli {

enum class HeaderMode { Auto, Yes, No };
enum class Task { Classify, Regress };

const char* task_name(Task task);
// "yes", "no"; anything else is Auto.
HeaderMode parse_header_mode(const std::string& text);

struct Table {
  Tensor features;                 // Float64 [rows, columns - 1]
  Tensor targets;                  // Float64 [rows]; class indices when `classes` is not empty
  std::int64_t header_lines = 0;   // lines skipped before the data
  std::int64_t target_column = 0;  // resolved: 0 .. columns - 1
  std::int64_t columns = 0;
  char delimiter = ',';                   // as given or detected
  std::vector<std::int64_t> line_of_row;  // file line (from 1) of each data row
  std::vector<std::string> classes;       // text targets (`setosa`, `M`): the names, sorted
};

// The header rule of HeaderMode::Auto (documented in `xgrad train --help`): the first
// non-empty line `first` is a header when it has a cell that is neither a number nor a missing
// value, and most of its cells are such names (`sepal_length,...,species`), or it has another
// number of cells than the next line `next` (scikit-learn's `569,30,malignant,benign` above 31
// columns), or its target cell is a name above a number (`0,1,2,3,target`). A data row with
// one stray word (`x1,2,0`) is not a header: the loader reports its cell instead.
bool looks_like_header(const std::string& first, const std::string& next, std::int64_t target_column, char delimiter);

// Reads `path` (plain or gzip CSV). target_column counts from 0; negative counts from the end.
// delimiter 0 detects it from the first line (data::detect_delimiter). A leading UTF-8 byte
// order mark is ignored. A target column of text is encoded as classes (Table::classes).
// Throws std::invalid_argument naming the file and the line for: an empty file (or a header
// and no data), a target column outside the first data line, a ragged row, a missing value,
// a cell that is not a finite number (NaN, inf, text). Throws std::runtime_error when the
// file cannot be read.
Table load_table(const std::string& path, std::int64_t target_column, HeaderMode header, char delimiter = 0);

// "auto" or "" -> 0 (detect), "tab" -> '\t', else the one character given.
char parse_delimiter(const std::string& text);

// "0 = B, 1 = M": the class indices and their names, as train and eval print them.
std::string class_list(const std::vector<std::string>& classes);

// The targets of `table` as indices into `classes`, the names a model was trained with (empty:
// numeric classes, returned as they are). Throws std::invalid_argument naming the line of a
// name the model does not know, or of a number when the model knows names.
Tensor match_classes(const Table& table, const std::vector<std::string>& classes, const std::string& path);

// Classification when the targets are names, or every target is a whole number >= 0 with few
// distinct values (at most 100 and at most half the rows), else regression.
Task detect_task(const Table& table);

// The class count for classification (max label + 1). Throws std::invalid_argument naming the
// line of the first target that is negative or not a whole number.
std::int64_t check_class_labels(const Table& table, const std::string& path);

}  // namespace xgrad::cli
