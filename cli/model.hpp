// The models `xgrad train` builds (an MLP: Linear layers with an activation in between) and the
// metadata saved with them, which is everything `xgrad eval` needs to rebuild the model and
// prepare new data the same way: layer sizes, activation, task, target column and the
// standardisation of the features (and of the target, for regression).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <xgrad/nn/modules/container.hpp>
#include <xgrad/nn/serialize.hpp>

#include "table.hpp"

namespace xgrad::cli {

struct ModelSpec {
  Task task = Task::Classify;
  std::int64_t inputs = 0;
  std::vector<std::int64_t> hidden;  // empty: a linear model
  std::int64_t outputs = 0;          // classes, or 1 for regression
  std::string activation = "relu";   // relu, tanh or gelu
  std::int64_t target_column = -1;   // as given on the command line
  std::vector<double> feature_mean, feature_std;
  double target_mean = 0, target_std = 1;  // regression targets are standardised too
  std::vector<std::string> classes;        // class names when the targets were text; empty: numbers
  std::string header = "auto";             // --header and --delimiter of training: eval's defaults
  std::string delimiter = "auto";
};

// The feature and target standardisation of `spec`, fitted on the training rows (the target's
// only for regression). Throws std::invalid_argument when the data, not the training, is the
// problem: a column whose standardised values are not finite.
void fit_standardisation(ModelSpec& spec, const Tensor& x_train, const Tensor& y_train, const std::string& path);

// "mlp:64,32" -> {64, 32}; "mlp" and "linear" -> {} (no hidden layer). Throws
// std::invalid_argument quoting the text for anything else (sizes must be >= 1).
std::vector<std::int64_t> parse_model(const std::string& text);

// Linear(inputs, h1), act, Linear(h1, h2), act, ..., Linear(h_last, outputs), Float32.
// Throws std::invalid_argument for an unknown activation.
std::shared_ptr<nn::SequentialImpl> build_model(const ModelSpec& spec);

// Features standardised with the spec's mean and std: [rows, inputs] Float32. Throws
// std::invalid_argument naming the column when a standardised value is not finite in Float32
// (the data are out of the range the model was trained on, or too large to standardise).
Tensor standardise_features(const ModelSpec& spec, const Tensor& features);

nn::Metadata to_metadata(const ModelSpec& spec);
// Throws std::invalid_argument naming the file and the missing or malformed key.
ModelSpec from_metadata(const nn::Metadata& metadata, const std::string& path);
// Throws std::invalid_argument naming the file when `tensors` are not exactly the weights and
// biases of the layers the spec describes, so that tampered metadata is caught before any allocation.
void check_tensors(const ModelSpec& spec, const nn::NamedTensors& tensors, const std::string& path);

// Saves parameters plus to_metadata(spec) and `extra` (informational entries).
void save_model(const std::string& path, const nn::Module& model, const ModelSpec& spec, nn::Metadata extra = {});
struct LoadedModel {
  std::shared_ptr<nn::SequentialImpl> model;
  ModelSpec spec;
  nn::Metadata metadata;
};
LoadedModel load_model(const std::string& path);

}  // namespace xgrad::cli
