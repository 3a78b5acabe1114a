// The train/validation split of `xgrad train`, stored in the saved model's metadata so that
// `xgrad eval --split validation` scores exactly the rows that were held out in training (and
// `--split train` the others).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <xgrad/autograd/tensor.hpp>
#include <xgrad/nn/serialize.hpp>

namespace xgrad::cli {

struct SplitSpec {
  double fraction = 0;     // of the rows held out for validation; 0: none
  std::uint64_t seed = 0;  // of the shuffle that picks them
  std::int64_t rows = 0;   // of the whole data set, so that eval can tell another file
};

struct SplitData {
  Tensor x_train, y_train, x_val, y_val;  // x_val, y_val undefined when fraction is 0
};

// The rows of (x, y) on each side of the split; the same spec always gives the same rows.
SplitData split_rows(const Tensor& x, const Tensor& y, const SplitSpec& split);

nn::Metadata split_metadata(const SplitSpec& split);
// The split a model was trained with; nullopt for a model saved before the split was stored.
// Throws std::invalid_argument naming the file and the key when a value is malformed or out of range.
std::optional<SplitSpec> split_from_metadata(const nn::Metadata& metadata, const std::string& path);

}  // namespace xgrad::cli
