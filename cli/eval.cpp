// `xgrad eval`: a model saved by `xgrad train --save` on a CSV file with the same columns.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include <xgrad/autograd/grad_mode.hpp>
#include <xgrad/autograd/ops.hpp>
#include <xgrad/data/dataset.hpp>
#include <xgrad/nn/modules/loss.hpp>

#include "commands.hpp"
#include "model.hpp"
#include "number_checks.hpp"
#include "split.hpp"

namespace xgrad::cli {

CLI::App* add_eval_command(CLI::App& app, EvalArgs& a) {
  CLI::App* cmd = app.add_subcommand(
      "eval", "Evaluate a saved model on a CSV file: accuracy, loss and confusion matrix, or MSE and R^2");
  cmd->add_option("--model", a.model, "A model written by `xgrad train --save`")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", a.data, "CSV file with the columns the model was trained on")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--target-column", a.target_column, "Column of the target (default: the one used in training)")
      ->check(whole_in(std::numeric_limits<std::int64_t>::min()));
  add_csv_options(*cmd, a.header, a.delimiter, false);
  cmd->add_option("--split", a.split,
                  "Rows to score: all, or those `xgrad train` used for training or held out for validation "
                  "(the same file is needed)")
      ->check(CLI::IsMember({"all", "train", "validation"}))
      ->capture_default_str();
  return cmd;
}

namespace {

void print_confusion(const std::vector<std::int64_t>& truth, const std::vector<std::int64_t>& predicted,
                     std::int64_t classes) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(classes * classes), 0);
  for (std::size_t i = 0; i < truth.size(); ++i) ++counts[static_cast<std::size_t>(truth[i] * classes + predicted[i])];
  const std::int64_t largest = *std::max_element(counts.begin(), counts.end());
  const int w = std::max<int>(static_cast<int>(std::to_string(std::max(largest, classes - 1)).size()) + 1, 4);
  std::printf("confusion matrix (rows: true class, columns: predicted class)\n%*s", 6, "");
  for (std::int64_t c = 0; c < classes; ++c) std::printf("%*lld", w, static_cast<long long>(c));
  std::printf("\n");
  for (std::int64_t r = 0; r < classes; ++r) {
    std::printf("%6lld", static_cast<long long>(r));
    for (std::int64_t c = 0; c < classes; ++c)
      std::printf("%*lld", w, static_cast<long long>(counts[static_cast<std::size_t>(r * classes + c)]));
    std::printf("\n");
  }
}

// The rows `--split` asks for: all of them, or one side of the split the model was trained with.
Table select_rows(const Table& table, const EvalArgs& a, const std::optional<SplitSpec>& split) {
  if (a.split == "all") return table;
  if (!split)
    throw std::invalid_argument("--split " + a.split + ": '" + a.model + "' does not record its training split");
  if (split->fraction == 0) {
    throw std::invalid_argument("--split " + a.split + ": '" + a.model +
                                "' was trained without a validation split (--val-split 0)");
  }
  const std::int64_t rows = table.features.size(0);
  if (rows != split->rows) {
    throw std::invalid_argument("--split " + a.split + ": '" + a.model + "' was trained on " +
                                std::to_string(split->rows) + " rows, '" + a.data + "' has " + std::to_string(rows) +
                                "; the split needs the same file");
  }
  // The split of the row numbers picks the same rows as training's split of the data did: the
  // shuffle depends only on the row count and the seed.
  const SplitData parts = split_rows(table.features, arange(double(rows)), *split);
  const Tensor& chosen = a.split == "train" ? parts.y_train : parts.y_val;
  Table out = table;
  out.features = a.split == "train" ? parts.x_train : parts.x_val;
  out.line_of_row.clear();
  const std::vector<std::int64_t> index = chosen.to_vector<std::int64_t>();
  for (std::int64_t i : index) out.line_of_row.push_back(table.line_of_row[static_cast<std::size_t>(i)]);
  out.targets = data::take_rows(table.targets, index);
  return out;
}

}  // namespace

int run_eval(const EvalArgs& a) {
  const LoadedModel loaded = load_model(a.model);
  const ModelSpec& spec = loaded.spec;
  const std::optional<SplitSpec> split = split_from_metadata(loaded.metadata, a.model);  // checked even when unused
  // --header and --delimiter default to the choices made at training time.
  Table table = load_table(a.data, a.target_column.value_or(spec.target_column),
                           parse_header_mode(a.header.empty() ? spec.header : a.header),
                           parse_delimiter(a.delimiter.empty() ? spec.delimiter : a.delimiter));
  if (spec.task == Task::Classify) table.targets = match_classes(table, spec.classes, a.data);
  table = select_rows(table, a, split);
  const Tensor x = standardise_features(spec, table.features);
  const std::int64_t rows = x.size(0);
  NoGradGuard no_grad;
  const Tensor out = loaded.model->forward(x);
  std::printf("model: %s (%s, layers ", a.model.c_str(), task_name(spec.task));
  std::printf("%lld", static_cast<long long>(spec.inputs));
  for (auto h : spec.hidden) std::printf("-%lld", static_cast<long long>(h));
  std::printf("-%lld%s%s)\ndata: %s: %lld rows%s\n", static_cast<long long>(spec.outputs),
              spec.hidden.empty() ? "" : ", ", spec.hidden.empty() ? "" : spec.activation.c_str(), a.data.c_str(),
              static_cast<long long>(rows),
              a.split == "all"     ? ""
              : a.split == "train" ? " (the training rows)"
                                   : " (the validation rows held out in training)");
  if (!spec.classes.empty()) std::printf("classes: %s\n", class_list(spec.classes).c_str());

  if (spec.task == Task::Classify) {
    const std::int64_t classes = check_class_labels(table, a.data);
    if (classes > spec.outputs) {
      const auto y = table.targets.to_vector<double>();
      const auto bad = static_cast<std::size_t>(
          std::find_if(y.begin(), y.end(), [&](double v) { return v >= double(spec.outputs); }) - y.begin());
      throw std::invalid_argument("'" + a.data + "' line " + std::to_string(table.line_of_row[bad]) + ": class " +
                                  std::to_string(static_cast<long long>(y[bad])) +
                                  " is unknown to the model, which has " + std::to_string(spec.outputs) + " classes");
    }
    const Tensor y = table.targets.to(kInt64);
    const double loss = nn::functional::cross_entropy(out, y).item<double>();
    const Tensor predicted = argmax(out, 1);
    const double accuracy = eq(predicted, y).to(kFloat64).mean().item<double>();
    std::printf("accuracy: %.4f (%lld of %lld)\ncross-entropy loss: %.4f\n", accuracy,
                static_cast<long long>(std::llround(accuracy * double(rows))), static_cast<long long>(rows), loss);
    print_confusion(y.to_vector<std::int64_t>(), predicted.to_vector<std::int64_t>(), spec.outputs);
  } else {
    // Predictions back in the target's own units.
    const Tensor predicted = out.reshape({-1}).to(kFloat64) * spec.target_std + spec.target_mean;
    const Tensor& y = table.targets;
    const double mse = square(predicted - y).mean().item<double>();
    const double mae = abs(predicted - y).mean().item<double>();
    const double ss_tot = square(y - y.mean()).sum().item<double>();
    const double r2 = ss_tot > 0 ? 1 - mse * double(rows) / ss_tot : std::nan("");
    // `xgrad train` reports its loss on the standardised target: give that too, named as such.
    std::printf(
        "in the target's own units:\nMSE: %.6g\nRMSE: %.6g\nMAE: %.6g\nR^2: %.4f\n"
        "MSE of the standardised target (the loss `xgrad train` reports): %.6g\n",
        mse, std::sqrt(mse), mae, r2, mse / (spec.target_std * spec.target_std));
  }
  return 0;
}

}  // namespace xgrad::cli
