// One compared pair drawn as three heatmaps side by side: numerical Jacobian, analytical
// Jacobian (one shared colour scale, so a wrong sign or factor shows as a change of colour) and
// their difference (its own scale, never finer than the tolerance, so a passing pair stays
// pale). Entries outside the tolerance are outlined and crossed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "svg_report.hpp"

namespace xgrad::autograd::detail {

namespace {

// "[1,2]": an element index, compact.
std::string index_label(std::int64_t flat, const Shape& shape) {
  const Shape idx = unravel(flat, shape);
  std::string s = "[";
  for (std::size_t d = 0; d < idx.size(); ++d) s += (d ? "," : "") + std::to_string(idx[d]);
  return s + "]";
}

// The entry of the larger magnitude (NaN and Inf win: they are what must be seen).
double larger(double current, double v) {
  if (!std::isfinite(current)) return current;
  if (!std::isfinite(v)) return v;
  return std::abs(v) > std::abs(current) ? v : current;
}

double finite_max_abs(const Matrix& m) {
  double r = 0;
  for (double v : m) {
    if (std::isfinite(v)) r = std::max(r, std::abs(v));
  }
  return r;
}

constexpr double kLegendWidth = 140;
constexpr int kLegendSteps = 21;

void legend(Svg& svg, double x, double y, double scale) {
  const double w = kLegendWidth / kLegendSteps;
  for (int s = 0; s < kLegendSteps; ++s) {
    const double t = -1 + 2.0 * s / (kLegendSteps - 1);
    svg.rect(x + s * w, y, w + 0.3, 10, diverging_colour(t));
  }
  svg.rect(x, y, kLegendWidth, 10, "none", "stroke=\"#444\" stroke-width=\"0.5\"");
  svg.text(x, y + 21, num_str(-scale), 9);
  svg.text(x + kLegendWidth / 2, y + 21, "0", 9, "middle");
  svg.text(x + kLegendWidth, y + 21, num_str(scale), 9, "end");
}

}  // namespace

Grid make_grid(const GradcheckPair& p, Tolerance tol, std::int64_t max_cells) {
  Grid g;
  const Matrix n = values_of(p.numerical), a = values_of(p.analytical);
  const std::int64_t rows = p.numerical.size(0), cols = p.numerical.size(1);
  g.row_step = std::max<std::int64_t>(1, (rows + max_cells - 1) / max_cells);
  g.col_step = std::max<std::int64_t>(1, (cols + max_cells - 1) / max_cells);
  g.rows = (rows + g.row_step - 1) / g.row_step;
  g.cols = (cols + g.col_step - 1) / g.col_step;
  const auto cells = static_cast<std::size_t>(g.rows * g.cols);
  g.n.assign(cells, 0);
  g.a.assign(cells, 0);
  g.d.assign(cells, 0);
  g.bad.assign(cells, 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const auto e = static_cast<std::size_t>(r * cols + c);
      const auto cell = static_cast<std::size_t>((r / g.row_step) * g.cols + c / g.col_step);
      g.n[cell] = larger(g.n[cell], n[e]);
      g.a[cell] = larger(g.a[cell], a[e]);
      g.d[cell] = larger(g.d[cell], a[e] - n[e]);
      if (!tol.ok(a[e], n[e])) g.bad[cell] = 1;
    }
  }
  g.scale = std::max(finite_max_abs(n), finite_max_abs(a));
  if (g.scale == 0) g.scale = 1;
  // Differences within the tolerance stay pale: the scale is at least the typical tolerance.
  g.diff_scale = std::max(finite_max_abs(g.d), tol.atol + tol.rtol * g.scale);
  return g;
}

PanelGeometry panel_geometry(const GradcheckPair& p, const Grid& g) {
  PanelGeometry geo;
  const std::int64_t longest = std::max(g.rows, g.cols);
  geo.cell = std::clamp<double>(std::floor(288.0 / static_cast<double>(longest)), 6, 32);
  geo.label_every = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(11.0 / geo.cell)));
  std::size_t row_chars = 1, col_chars = 1;
  for (std::int64_t r = 0; r < g.rows; r += geo.label_every) {
    row_chars = std::max(row_chars, index_label(r * g.row_step, p.input_shape).size());
  }
  for (std::int64_t c = 0; c < g.cols; c += geo.label_every) {
    col_chars = std::max(col_chars, index_label(c * g.col_step, p.output_shape).size());
  }
  geo.label_w = 6 + 5.6 * static_cast<double>(row_chars);
  geo.label_h = 6 + 5.6 * static_cast<double>(col_chars);
  geo.width = std::max(geo.label_w + geo.cell * static_cast<double>(g.cols), geo.label_w + kLegendWidth + 4);
  geo.height = 16 + geo.label_h + geo.cell * static_cast<double>(g.rows) + 34;
  return geo;
}

// A panel at (x, y): title, column labels (rotated), row labels, cells, marks, legend.
// `which` 0 = numerical, 1 = analytical, 2 = difference.
void draw_panel(Svg& svg, const GradcheckPair& p, std::size_t pair_index, const Grid& g, const PanelGeometry& geo,
                int which, double x, double y) {
  static const char* const kTitles[] = {"numerical", "analytical", "analytical - numerical"};
  const Matrix& v = which == 0 ? g.n : which == 1 ? g.a : g.d;
  const double scale = which == 2 ? g.diff_scale : g.scale;
  svg.text(x + geo.label_w, y + 11, kTitles[which], 12, "start", "font-weight=\"bold\"");
  const double x0 = x + geo.label_w, y0 = y + 16 + geo.label_h;
  for (std::int64_t c = 0; c < g.cols; c += geo.label_every) {
    const double cx = x0 + (static_cast<double>(c) + 0.5) * geo.cell + 3;
    svg.text(cx, y0 - 3, index_label(c * g.col_step, p.output_shape), 9, "start", "", -90);
  }
  for (std::int64_t r = 0; r < g.rows; r += geo.label_every) {
    const double cy = y0 + (static_cast<double>(r) + 0.5) * geo.cell + 3;
    svg.text(x0 - 3, cy, index_label(r * g.row_step, p.input_shape), 9, "end");
  }
  std::string crosses;
  for (std::int64_t r = 0; r < g.rows; ++r) {
    for (std::int64_t c = 0; c < g.cols; ++c) {
      const auto e = static_cast<std::size_t>(r * g.cols + c);
      const double cx = x0 + static_cast<double>(c) * geo.cell, cy = y0 + static_cast<double>(r) * geo.cell;
      const double t = std::isfinite(v[e]) ? v[e] / scale : std::numeric_limits<double>::quiet_NaN();
      svg.rect(cx, cy, geo.cell, geo.cell, diverging_colour(t));
      if (!g.bad[e] || which == 0) continue;
      // The marks: an outline in the analytical panel; outline and cross in the difference panel,
      // where the rect carries the Jacobian row and column it covers (tests read them back).
      const double m = geo.cell - 1;
      if (which == 2) {
        svg.rect(cx + 0.5, cy + 0.5, m, m, "none",
                 "class=\"bad\" data-pair=\"" + std::to_string(pair_index) + "\" data-r=\"" +
                     std::to_string(r * g.row_step) + "\" data-c=\"" + std::to_string(c * g.col_step) +
                     "\" stroke=\"#000\" stroke-width=\"1\"");
        crosses += "M" + coord(cx + 1.5) + " " + coord(cy + 1.5) + "l" + coord(m - 2) + " " + coord(m - 2) + "m0 " +
                   coord(2 - m) + "l" + coord(2 - m) + " " + coord(m - 2);
      } else {
        svg.rect(cx + 0.5, cy + 0.5, m, m, "none", "stroke=\"#000\" stroke-width=\"1\"");
      }
    }
  }
  if (!crosses.empty()) svg.raw("<path d=\"" + crosses + "\" stroke=\"#000\" stroke-width=\"0.8\" fill=\"none\"/>\n");
  svg.rect(x0, y0, geo.cell * static_cast<double>(g.cols), geo.cell * static_cast<double>(g.rows), "none",
           "stroke=\"#444\" stroke-width=\"0.5\"");
  legend(svg, x0, y0 + geo.cell * static_cast<double>(g.rows) + 6, scale);
}

}  // namespace xgrad::autograd::detail
