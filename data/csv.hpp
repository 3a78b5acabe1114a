// Loading numeric CSV files (plain or gzip-compressed) into tensors.
#pragma once
#include <cstdint>
#include <string>

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
// their name. Throws std::runtime_error when the file cannot be read and std::invalid_argument
// (naming file, line and column) for a field that is not a finite number (text, NaN, inf) or a row of another length.
Tensor read_csv(const std::string& path, const CsvOptions& options = CsvOptions());

struct LabeledData {
  Tensor features;  // [rows, columns - 1], options.dtype()
  Tensor labels;    // [rows], Int64 class indices (or label_dtype)
};

// A CSV whose column `label_column` (negative counts from the end; default the last) holds the
// label. Int64 labels must be whole numbers within the Int64 range (std::invalid_argument otherwise).
LabeledData load_labeled_csv(const std::string& path, const CsvOptions& options = CsvOptions(),
                             std::int64_t label_column = -1, Dtype label_dtype = Dtype::Int64);

}  // namespace xgrad::data
