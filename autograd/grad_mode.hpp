// Thread-local switches: whether ops record the graph, and anomaly detection.
#pragma once

namespace xgrad {
namespace autograd {

struct GradMode {
  static bool is_enabled() noexcept;
  static void set_enabled(bool enabled) noexcept;
};

// RAII: sets grad mode for the current thread and restores the previous one on exit.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : prev_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~AutoGradMode() { GradMode::set_enabled(prev_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool prev_;
};

// RAII: nothing is recorded in the graph while it lives (optimizer updates, evaluation).
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

// Anomaly mode: every op checks its forward output and every node its backward outputs for
// NaN/Inf and throws std::runtime_error naming the first op / node that produced one.
struct AnomalyMode {
  static bool is_enabled() noexcept;
  static void set_enabled(bool enabled) noexcept;
};

class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(AnomalyMode::is_enabled()) { AnomalyMode::set_enabled(true); }
  ~DetectAnomalyGuard() { AnomalyMode::set_enabled(prev_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace autograd

using autograd::AutoGradMode;
using autograd::NoGradGuard;

}  // namespace xgrad
