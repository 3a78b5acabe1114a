#include "progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace xgrad::cli {

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }

std::string group_thousands(double value) {
  const auto v = static_cast<long long>(std::llround(std::max(0.0, value)));
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Progress::Progress(std::ostream& out, std::string title, std::int64_t epochs, std::int64_t batches_per_epoch, bool live)
    : out_(out),
      title_(std::move(title)),
      epochs_(std::max<std::int64_t>(epochs, 1)),
      batches_(std::max<std::int64_t>(batches_per_epoch, 1)),
      live_(live) {}

void Progress::draw(std::int64_t epoch, double fraction, double examples_per_second) {
  constexpr int kWidth = 24;
  const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
  const std::string bar =
      std::string(static_cast<std::size_t>(filled), '#') + std::string(static_cast<std::size_t>(kWidth - filled), '.');
  std::string line = title_ + " [" + bar + "] epoch " + std::to_string(epoch) + '/' + std::to_string(epochs_);
  line += "  " + group_thousands(examples_per_second) + " ex/s";
  if (!metrics_.empty()) line += "  " + metrics_;
  // A line longer than the terminal would wrap, and \r would then redraw only its tail.
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col)
    line.resize(ws.ws_col - 1u);
  // \r + "erase line": the line is rewritten in place.
  out_ << "\r\033[K" << line << std::flush;
}

void Progress::on_batch(std::int64_t epoch, std::int64_t batch, double examples_per_second) {
  last_speed_ = examples_per_second;
  if (!live_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double fraction =
      (static_cast<double>(epoch - 1) + static_cast<double>(batch) / static_cast<double>(batches_)) /
      static_cast<double>(epochs_);
  draw(epoch, fraction, examples_per_second);
}

void Progress::on_epoch(std::int64_t epoch, const std::string& metrics, double examples_per_second) {
  metrics_ = metrics;
  last_epoch_ = epoch;
  last_speed_ = examples_per_second;
  if (live_) {
    last_draw_ = std::chrono::steady_clock::now();
    draw(epoch, static_cast<double>(epoch) / static_cast<double>(epochs_), examples_per_second);
    return;
  }
  // About twenty lines per run: the first epoch, every k-th, the last.
  const std::int64_t every = std::max<std::int64_t>(1, epochs_ / 20);
  if (epoch != 1 && epoch % every != 0 && epoch != epochs_) return;
  out_ << title_ << "  epoch " << epoch << '/' << epochs_ << "  " << metrics << "  "
       << group_thousands(examples_per_second) << " ex/s" << std::endl;
}

void Progress::finish(const std::string& note) {
  if (live_) {
    draw(std::max<std::int64_t>(last_epoch_, 1), static_cast<double>(last_epoch_) / static_cast<double>(epochs_),
         last_speed_);
    if (!note.empty()) out_ << "  (" << note << ')';
    out_ << std::endl;
  } else if (!note.empty()) {
    out_ << title_ << "  " << note << std::endl;
  }
}

}  // namespace xgrad::cli
