// CheckResult: counts, worst error, diagnosis line and the report.
#include <algorithm>
#include <sstream>

#include "../autograd/format.hpp"
#include "check_function.hpp"

namespace xgrad::testing {

const char* stage_status_name(StageStatus s) noexcept {
  switch (s) {
    case StageStatus::Passed: return "passed";
    case StageStatus::Failed: return "failed";
    case StageStatus::Skipped: return "skipped";
  }
  return "?";
}

namespace {
std::size_t count(const std::vector<StageResult>& stages, StageStatus s) {
  return static_cast<std::size_t>(
      std::count_if(stages.begin(), stages.end(), [s](const StageResult& r) { return r.status == s; }));
}
std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }
}  // namespace

bool CheckResult::ok() const { return failed() == 0; }
std::size_t CheckResult::passed() const { return count(stages, StageStatus::Passed); }
std::size_t CheckResult::failed() const { return count(stages, StageStatus::Failed); }
std::size_t CheckResult::skipped() const { return count(stages, StageStatus::Skipped); }

double CheckResult::worst_error() const {
  double worst = 0;
  for (const StageResult& s : stages) {
    for (const auto& p : s.gradcheck.pairs) worst = std::max(worst, p.max_abs_error);
  }
  return worst;
}

const StageResult* CheckResult::stage(const std::string& stage_name) const {
  for (const StageResult& s : stages) {
    if (s.name == stage_name) return &s;
  }
  return nullptr;
}

const GradcheckResult* CheckResult::first_failed_gradcheck() const {
  for (const StageResult& s : stages) {
    if (s.status == StageStatus::Failed && s.has_gradcheck && !s.gradcheck.passed) return &s.gradcheck;
  }
  return nullptr;
}

std::string CheckResult::diagnosis() const {
  for (const StageResult& s : stages) {
    if (s.status != StageStatus::Failed) continue;
    std::string what;
    if (s.has_gradcheck && !s.gradcheck.passed) {
      const auto* p = s.gradcheck.first_failure();
      what =
          p && !p->diagnosis_text.empty() ? p->diagnosis_text : autograd::gradcheck_failure_name(s.gradcheck.failure);
    } else {
      what = first_line(s.detail);
    }
    return s.name + ": " + what;
  }
  return "";
}

std::string CheckResult::report() const {
  std::ostringstream os;
  os << "check_function " << name << ": " << (ok() ? "passed" : "FAILED") << " (" << passed() << " passed, " << failed()
     << " failed, " << skipped() << " skipped; worst |analytical - numerical| " << num_str(worst_error()) << ")\n";
  for (const StageResult& s : stages) {
    os << "  "
       << (s.status == StageStatus::Passed   ? "[pass] "
           : s.status == StageStatus::Failed ? "[FAIL] "
                                             : "[skip] ")
       << s.name;
    if (s.status == StageStatus::Skipped) os << ": " << s.detail;
    if (s.status == StageStatus::Failed) {
      const auto* p = s.has_gradcheck ? s.gradcheck.first_failure() : nullptr;
      // A gradient stage's line ends with gradcheck's diagnosis; the others with their reason.
      os << ": " << (p && !p->diagnosis_text.empty() ? p->diagnosis_text : first_line(s.detail));
    }
    os << "\n";
  }
  for (const StageResult& s : stages) {
    if (s.status != StageStatus::Failed) continue;
    os << "\n---- " << s.name << " ----\n" << s.detail;
    if (!s.detail.empty() && s.detail.back() != '\n') os << "\n";
  }
  return os.str();
}

}  // namespace xgrad::testing
