#include "model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include <xgrad/autograd/ops.hpp>
#include <xgrad/data/csv.hpp>
#include <xgrad/data/dataset.hpp>
#include <xgrad/nn/modules/activation.hpp>
#include <xgrad/nn/modules/linear.hpp>

namespace xgrad::cli {

namespace {

constexpr const char* kFormat = "xgrad-cli-mlp/1";

template <class T>
std::string join(const std::vector<T>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    char buf[40];
    if constexpr (std::is_floating_point_v<T>) {
      std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(values[i]));  // round-trips exactly
    } else {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(values[i]));
    }
    if (i) out += ',';
    out += buf;
  }
  return out;
}

std::string shape_text(const std::vector<std::int64_t>& shape) { return "[" + join(shape) + "]"; }

// A metadata value as quoted in a message: cut short, since the file may be anyone's.
std::string clipped(const std::string& text) { return text.size() > 60 ? text.substr(0, 60) + "..." : text; }

template <class T>
bool split_numbers(std::string_view text, std::vector<T>& out) {
  out.clear();
  if (text.empty()) return true;
  while (true) {
    const std::size_t cut = text.find(',');
    const std::string_view field = text.substr(0, cut);
    T v{};
    auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || ec != std::errc() || ptr != field.data() + field.size()) return false;
    out.push_back(v);
    if (cut == std::string_view::npos) return true;
    text.remove_prefix(cut + 1);
  }
}

// Class names one per line: a CSV cell holds no newline, but may hold a comma.
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? "\n" : "") + names[i];
  return out;
}

// The keys added with text class labels and header/delimiter memory; a model saved before them
// has none, and gets the defaults (numeric classes, auto detection).
void read_csv_settings(const nn::Metadata& m, const std::string& path, ModelSpec& s) {
  auto bad = [&](const std::string& key) {
    return std::invalid_argument("'" + path + "': malformed metadata '" + key + "' = '" + data::shorten(m.at(key)) +
                                 "'");
  };
  if (auto it = m.find("classes"); it != m.end() && !it->second.empty()) {
    std::string_view rest = it->second;
    for (std::size_t cut = 0; cut != std::string_view::npos; rest.remove_prefix(cut + 1)) {
      cut = rest.find('\n');
      s.classes.emplace_back(rest.substr(0, cut));
      if (cut == std::string_view::npos) break;
    }
    if (s.task != Task::Classify || std::int64_t(s.classes.size()) != s.outputs) throw bad("classes");
  }
  if (auto it = m.find("header"); it != m.end()) {
    if (it->second != "auto" && it->second != "yes" && it->second != "no") throw bad("header");
    s.header = it->second;
  }
  if (auto it = m.find("delimiter"); it != m.end()) {
    if (it->second != "auto" && it->second != "tab" && it->second.size() != 1) throw bad("delimiter");
    s.delimiter = it->second;
  }
}

nn::AnyModule make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<nn::ReLUImpl>();
  if (name == "tanh") return std::make_shared<nn::TanhImpl>();
  if (name == "gelu") return std::make_shared<nn::GELUImpl>();
  throw std::invalid_argument("unknown activation '" + name + "' (expected relu, tanh or gelu)");
}

}  // namespace

std::vector<std::int64_t> parse_model(const std::string& text) {
  if (text == "mlp" || text == "mlp:" || text == "linear") return {};
  std::vector<std::int64_t> hidden;
  const bool ok = text.rfind("mlp:", 0) == 0 && split_numbers(std::string_view(text).substr(4), hidden);
  bool positive = ok;
  for (auto h : hidden) positive = positive && h >= 1;
  if (!positive) {
    throw std::invalid_argument("--model '" + text +
                                "': expected mlp:H1,H2,... (hidden layer sizes >= 1), mlp or linear");
  }
  return hidden;
}

std::shared_ptr<nn::SequentialImpl> build_model(const ModelSpec& spec) {
  auto model = std::make_shared<nn::SequentialImpl>();
  std::int64_t width = spec.inputs;
  for (std::int64_t h : spec.hidden) {
    model->push_back(std::make_shared<nn::LinearImpl>(width, h));
    model->push_back(make_activation(spec.activation));
    width = h;
  }
  model->push_back(std::make_shared<nn::LinearImpl>(width, spec.outputs));
  return model;
}

namespace {

Tensor standardise(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& sd) {
  return data::Standardizer(tensor(mean), tensor(sd)).transform(x.to(kFloat64)).to(kFloat32);
}

// The first column of `z` ([rows, columns] Float32) that holds a value that is not finite, or -1.
std::int64_t first_non_finite_column(const Tensor& z) {
  const std::int64_t columns = z.size(1);
  const auto v = z.to_vector<float>();
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) return static_cast<std::int64_t>(i) % columns;
  return -1;
}

}  // namespace

Tensor standardise_features(const ModelSpec& spec, const Tensor& features) {
  if (features.dim() != 2 || features.size(1) != spec.inputs) {
    throw std::invalid_argument("the data has " + std::to_string(features.dim() == 2 ? features.size(1) : 0) +
                                " feature columns, the model expects " + std::to_string(spec.inputs));
  }
  const Tensor z = standardise(features, spec.feature_mean, spec.feature_std);
  if (const std::int64_t c = first_non_finite_column(z); c >= 0) {
    const auto j = static_cast<std::size_t>(c);
    throw std::invalid_argument("feature " + std::to_string(c) + " (mean " +
                                join(std::vector<double>{spec.feature_mean[j]}) + ", std " +
                                join(std::vector<double>{spec.feature_std[j]}) +
                                ") has values too large to standardise into Float32: the data, not the learning rate, "
                                "is the problem (rescale that column)");
  }
  return z;
}

void fit_standardisation(ModelSpec& spec, const Tensor& x_train, const Tensor& y_train, const std::string& path) {
  data::Standardizer scaler;
  scaler.fit(x_train);
  spec.feature_mean = scaler.mean().to_vector<double>();
  spec.feature_std = scaler.scale().to_vector<double>();
  if (spec.task != Task::Regress) return;
  // The target's statistics are computed as the features' are: sums of 1.7e308s overflow.
  scaler.fit(y_train.reshape({-1, 1}));
  spec.target_mean = scaler.mean().item<double>();
  spec.target_std = scaler.scale().item<double>();
  const Tensor z = standardise(y_train.reshape({-1, 1}), {spec.target_mean}, {spec.target_std});
  if (first_non_finite_column(z) >= 0) {
    throw std::invalid_argument("'" + path + "': the target is too large to standardise into Float32 (mean " +
                                join(std::vector<double>{spec.target_mean}) + ", std " +
                                join(std::vector<double>{spec.target_std}) +
                                "): the data, not the learning rate, is the problem (rescale the target)");
  }
}

nn::Metadata to_metadata(const ModelSpec& spec) {
  std::vector<std::int64_t> sizes{spec.inputs};
  sizes.insert(sizes.end(), spec.hidden.begin(), spec.hidden.end());
  sizes.push_back(spec.outputs);
  const std::string layers = join(sizes);
  return {{"format", kFormat},
          {"task", task_name(spec.task)},
          {"layers", layers},
          {"activation", spec.activation},
          {"target_column", std::to_string(spec.target_column)},
          {"feature_mean", join(spec.feature_mean)},
          {"feature_std", join(spec.feature_std)},
          {"target_mean", join(std::vector<double>{spec.target_mean})},
          {"target_std", join(std::vector<double>{spec.target_std})},
          {"classes", join_names(spec.classes)},
          {"header", spec.header},
          {"delimiter", spec.delimiter}};
}

ModelSpec from_metadata(const nn::Metadata& m, const std::string& path) {
  auto get = [&](const std::string& key) -> const std::string& {
    auto it = m.find(key);
    if (it == m.end()) {
      throw std::invalid_argument("'" + path + "' has no '" + key +
                                  "' in its metadata: it was not written by `xgrad train --save`");
    }
    return it->second;
  };
  auto bad = [&](const std::string& key) {
    return std::invalid_argument("'" + path + "': malformed metadata '" + key + "' = '" + clipped(m.at(key)) + "'");
  };
  if (get("format") != kFormat) throw bad("format");
  ModelSpec s;
  const std::string& task = get("task");
  if (task != "classify" && task != "regress") throw bad("task");
  s.task = task == "classify" ? Task::Classify : Task::Regress;
  std::vector<std::int64_t> layers, column;
  if (!split_numbers(get("layers"), layers) || layers.size() < 2 ||
      std::any_of(layers.begin(), layers.end(), [](std::int64_t n) { return n < 1; })) {
    throw bad("layers");
  }
  if (s.task == Task::Regress && layers.back() != 1) throw bad("layers");
  s.inputs = layers.front();
  s.outputs = layers.back();
  s.hidden.assign(layers.begin() + 1, layers.end() - 1);
  s.activation = get("activation");
  if (s.activation != "relu" && s.activation != "tanh" && s.activation != "gelu") throw bad("activation");
  if (!split_numbers(get("target_column"), column) || column.size() != 1) throw bad("target_column");
  s.target_column = column[0];
  // A tampered file must not get as far as a division by a zero or NaN standard deviation
  // (which trains and evaluates to loss NaN with exit status 0).
  auto all_finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
  };
  auto all_positive = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; });
  };
  if (!split_numbers(get("feature_mean"), s.feature_mean) || std::int64_t(s.feature_mean.size()) != s.inputs ||
      !all_finite(s.feature_mean)) {
    throw bad("feature_mean");
  }
  if (!split_numbers(get("feature_std"), s.feature_std) || std::int64_t(s.feature_std.size()) != s.inputs ||
      !all_finite(s.feature_std) || !all_positive(s.feature_std)) {
    throw bad("feature_std");
  }
  std::vector<double> v;
  if (!split_numbers(get("target_mean"), v) || v.size() != 1 || !all_finite(v)) throw bad("target_mean");
  s.target_mean = v[0];
  if (!split_numbers(get("target_std"), v) || v.size() != 1 || !all_finite(v) || !all_positive(v))
    throw bad("target_std");
  s.target_std = v[0];
  read_csv_settings(m, path, s);
  return s;
}

void check_tensors(const ModelSpec& spec, const nn::NamedTensors& tensors, const std::string& path) {
  std::vector<std::int64_t> sizes{spec.inputs};
  sizes.insert(sizes.end(), spec.hidden.begin(), spec.hidden.end());
  sizes.push_back(spec.outputs);
  auto shape_of = [&](const std::string& name) -> std::vector<std::int64_t> {
    for (const auto& [key, t] : tensors) {
      if (key == name) return {t.sizes().begin(), t.sizes().end()};
    }
    throw std::invalid_argument("'" + path + "': metadata 'layers' = '" + clipped(join(sizes)) + "' needs a tensor '" +
                                name + "', which the file does not have");
  };
  // Layer k is module 2k of the Sequential: an activation follows every hidden Linear.
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    const std::string prefix = std::to_string(2 * k) + ".";
    const std::vector<std::int64_t> weight = shape_of(prefix + "weight"), bias = shape_of(prefix + "bias");
    if (weight != std::vector<std::int64_t>{sizes[k + 1], sizes[k]} ||
        bias != std::vector<std::int64_t>{sizes[k + 1]}) {
      throw std::invalid_argument("'" + path + "': metadata 'layers' = '" + clipped(join(sizes)) +
                                  "' does not match the shapes of '" + prefix + "weight' " + shape_text(weight) +
                                  " and '" + prefix + "bias' " + shape_text(bias));
    }
  }
  if (tensors.size() != 2 * (sizes.size() - 1)) {
    throw std::invalid_argument("'" + path + "': metadata 'layers' = '" + clipped(join(sizes)) + "' describes " +
                                std::to_string(2 * (sizes.size() - 1)) + " tensors, the file has " +
                                std::to_string(tensors.size()));
  }
}

void save_model(const std::string& path, const nn::Module& model, const ModelSpec& spec, nn::Metadata extra) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  nn::Metadata metadata = to_metadata(spec);
  metadata.merge(extra);  // the spec's own keys win
  nn::save(model, path, metadata);
}

LoadedModel load_model(const std::string& path) {
  nn::SafetensorsContents contents = nn::read_safetensors(path);
  LoadedModel out;
  out.spec = from_metadata(contents.metadata, path);
  check_tensors(out.spec, contents.tensors, path);  // before build_model allocates what the metadata says
  out.metadata = std::move(contents.metadata);
  out.model = build_model(out.spec);
  nn::load(*out.model, path);
  return out;
}

}  // namespace xgrad::cli
