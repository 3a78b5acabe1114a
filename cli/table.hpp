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
  Tensor features;              // Float64 [rows, columns - 1]
  Tensor targets;               // Float64 [rows]
  std::int64_t header_lines = 0;  // lines skipped before the data
  std::int64_t target_column = 0; // resolved: 0 .. columns - 1
  std::int64_t columns = 0;
  std::vector<std::int64_t> line_of_row;  // file line (from 1) of each data row
};

// Reads `path` (plain or gzip CSV). target_column counts from 0; negative counts from the end.
// With HeaderMode::Auto the first non-empty line is a header when most of its fields are not
// numbers; a leading UTF-8 byte order mark is ignored. Throws std::invalid_argument naming the
// file and the line for: an empty file (or a header and no data), a target column outside the
// first data line, a ragged row, a cell that is not a finite number (NaN, inf, text). Throws std::runtime_error when the file cannot be read.
Table load_table(const std::string& path, std::int64_t target_column, HeaderMode header);

// Classification when every target is a whole number >= 0 with few distinct values (at most
// 100 and at most half the rows), else regression.
Task detect_task(const Table& table);

// The class count for classification (max label + 1). Throws std::invalid_argument naming the
// line of the first target that is negative or not a whole number.
std::int64_t check_class_labels(const Table& table, const std::string& path);

}  // namespace xgrad::cli
