// CheckResult's picture: a table of the stages above the failing gradient stage's heatmaps.
#include <sstream>

#include "../autograd/atomic_write.hpp"
#include "../autograd/format.hpp"
#include "../autograd/gradcheck/svg.hpp"
#include "../autograd/gradcheck/svg_report.hpp"
#include "check_function.hpp"

namespace xgrad::testing {

namespace {

using autograd::detail::coord;
using autograd::detail::Svg;
using autograd::detail::xml_escape;

constexpr double kMargin = 16, kRow = 20, kLine = 15;
constexpr std::size_t kChars = 120;  // per line of text (DejaVu Sans Mono 11 px: ~6.7 px each)

std::string clip(const std::string& s, std::size_t n = kChars) {
  const std::string line = s.substr(0, s.find('\n'));
  return line.size() <= n ? line : line.substr(0, n - 3) + "...";
}

// The line a stage's row ends with: gradcheck's diagnosis and failing node, or the reason.
std::string stage_note(const StageResult& s) {
  if (s.status == StageStatus::Passed) return "";
  if (s.has_gradcheck && !s.gradcheck.passed) {
    const auto* p = s.gradcheck.first_failure();
    const std::string what =
        p && !p->diagnosis_text.empty() ? p->diagnosis_text : autograd::gradcheck_failure_name(s.gradcheck.failure);
    // The node first: a long diagnosis is clipped at the end of the row.
    return s.gradcheck.failing_node ? "[node " + s.gradcheck.failing_node_name + "] " + what : what;
  }
  return s.detail;
}

const char* badge_colour(StageStatus s) {
  return s == StageStatus::Passed ? "#1a7f37" : s == StageStatus::Failed ? "#b2182b" : "#8c8c8c";
}

std::string svg_element(const CheckResult& r) {
  std::string body;
  Svg svg(body);
  double y = kMargin + 14;
  std::ostringstream title;
  title << "check_function " << r.name << ": " << (r.ok() ? "PASSED" : "FAILED") << " (" << r.passed() << " passed, "
        << r.failed() << " failed, " << r.skipped() << " skipped; worst |analytical - numerical| "
        << num_str(r.worst_error()) << ")";
  svg.text(kMargin, y, clip(title.str(), 140), 16, "start",
           r.ok() ? "font-weight=\"bold\" fill=\"#1a7f37\"" : "font-weight=\"bold\" fill=\"#b2182b\"");
  y += 10;
  for (const StageResult& s : r.stages) {
    y += kRow;
    svg.raw("<g class=\"stage\" data-status=\"" + std::string(stage_status_name(s.status)) + "\">");
    svg.rect(kMargin, y - 13, 54, 17, badge_colour(s.status), "rx=\"3\"");
    svg.text(kMargin + 27, y, stage_status_name(s.status), 11, "middle", "fill=\"#fff\" font-weight=\"bold\"");
    svg.text(kMargin + 64, y, s.name, 11, "start", "font-weight=\"bold\"");
    svg.text(kMargin + 240, y, clip(stage_note(s), 100), 11, "start",
             s.status == StageStatus::Failed ? "fill=\"#b2182b\"" : "fill=\"#555\"");
    svg.raw("</g>\n");
  }
  for (const StageResult& s : r.stages) {  // non-gradient failures: their first lines
    if (s.status != StageStatus::Failed || (s.has_gradcheck && !s.gradcheck.passed)) continue;
    y += kRow;
    svg.text(kMargin, y, "---- " + s.name + " ----", 11, "start", "font-weight=\"bold\"");
    std::istringstream lines(s.detail);
    std::string l;
    for (int k = 0; k < 6 && std::getline(lines, l); ++k) {
      y += kLine;
      svg.text(kMargin, y, clip(l), 11, "start", "xml:space=\"preserve\"");
    }
  }
  double width = 900, height = 0;
  for (const StageResult& s : r.stages) {
    if (s.status != StageStatus::Failed || !s.has_gradcheck || s.gradcheck.passed) continue;
    y += kRow + 8;
    svg.text(kMargin, y, "Failing stage: " + s.name, 14, "start", "font-weight=\"bold\" fill=\"#b2182b\"");
    y += 6;
    const std::string pic = autograd::detail::svg_body(s.gradcheck, width, height);
    svg.raw("<g class=\"stage-picture\" transform=\"translate(0," + coord(y) + ")\">\n" + pic + "</g>\n");
    y += height;
    break;
  }
  height = y + kMargin;
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(width) + "\" height=\"" + coord(height) +
         "\" viewBox=\"0 0 " + coord(width) + " " + coord(height) +
         "\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"#fff\"/>\n" +
         body + "</svg>\n";
}

}  // namespace

std::string CheckResult::to_svg() const { return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg_element(*this); }

std::string CheckResult::to_html() const {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>check_function " +
         xml_escape(name) + (ok() ? " passed" : " failed") +
         "</title>\n<style>body{font-family:sans-serif;margin:1.5em}pre{background:#f6f8fa;padding:1em;"
         "overflow-x:auto}</style>\n</head>\n<body>\n" +
         svg_element(*this) + "<h2>Report</h2>\n<pre>" + xml_escape(report()) + "</pre>\n</body>\n</html>\n";
}

void CheckResult::write_svg(const std::string& path) const {
  const std::string doc = to_svg();
  autograd::write_file_atomically(path, {doc});
}

void CheckResult::write_html(const std::string& path) const {
  const std::string doc = to_html();
  autograd::write_file_atomically(path, {doc});
}

}  // namespace xgrad::testing
