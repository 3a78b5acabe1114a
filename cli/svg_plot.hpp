// A small SVG line-plot writer for training curves: axes with ticks and labels, a legend, a
// title and optional log scales. No dependencies; the output opens in any browser.
#pragma once
#include <string>
#include <vector>

namespace xgrad::cli {

// One line of the plot: points (x[i], y[i]) joined in order.
struct Series {
  std::string name;
  std::vector<double> x, y;
};

struct PlotOptions {
  std::string title, x_label, y_label;
  bool log_x = false;  // log scales drop points <= 0 (they have no place on the axis)
  bool log_y = false;
  int width = 800, height = 500;
};

// The SVG document. Non-finite points are skipped; series without any drawable point still get
// a legend entry. x and y of a series must have the same length (std::invalid_argument).
std::string render_svg(const std::vector<Series>& series, const PlotOptions& options);

// render_svg written to `path` (parent directories are created). Throws std::runtime_error
// naming the path when it cannot be written.
void write_svg(const std::string& path, const std::vector<Series>& series, const PlotOptions& options);

// Tick positions for an axis over [lo, hi]: "nice" steps (1, 2, 5 x 10^k) on a linear axis,
// powers of ten (with 2 and 5 in between when the range spans at most three decades) on a
// log axis.
std::vector<double> axis_ticks(double lo, double hi, bool log_scale);

}  // namespace xgrad::cli
