// Progress of a training run: on a terminal, one live line per run (bar, epoch, latest metrics,
// examples/s) redrawn in place; otherwise (a pipe, a log file, CI) one plain line per epoch,
//   mini-batch GD  epoch 3/20  loss 0.1234  acc 0.9583  5321 ex/s
// (about twenty per run: the first, every k-th and the last) so that logs stay readable and
// tools can wait for "epoch 1/".
#pragma once
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace xgrad::cli {

// Whether standard output is a terminal (decides the default style).
bool stdout_is_terminal();

class Progress {
 public:
  // `epochs` and `batches_per_epoch` size the bar; `live` picks the terminal style.
  Progress(std::ostream& out, std::string title, std::int64_t epochs, std::int64_t batches_per_epoch, bool live);
  // After each batch (epoch counted from 1, batch from 1). Redraws at most ten times a second.
  void on_batch(std::int64_t epoch, std::int64_t batch, double examples_per_second);
  // After each epoch, with its metrics already formatted ("loss 0.1234  acc 0.9583").
  void on_epoch(std::int64_t epoch, const std::string& metrics, double examples_per_second);
  // Ends the run's output; `note` (e.g. "interrupted") is appended to the final line.
  void finish(const std::string& note = "");

 private:
  void draw(std::int64_t epoch, double fraction, double examples_per_second);

  std::ostream& out_;
  std::string title_, metrics_;
  std::int64_t epochs_, batches_;
  bool live_;
  std::chrono::steady_clock::time_point last_draw_{};
  std::int64_t last_epoch_ = 0;
  double last_speed_ = 0;
};

// "12,345": thousands separated, for speeds and counts.
std::string group_thousands(double value);

}  // namespace xgrad::cli
