#include "svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <xgrad/nn/atomic_write.hpp>

namespace xgrad::cli {

namespace {

// Colour-blind-safe palette (Okabe-Ito), so curves stay distinguishable in print too.
constexpr std::array<const char*, 8> kColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000", "#F0E442"};

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A coordinate in the SVG: two decimals (a hundredth of a pixel).
std::string coord(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string tick_label(double v, double scale) {
  if (std::abs(v) < 1e-12 * scale) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double nice_step(double range, int target) {
  const double raw = range / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

bool drawable(double v, bool log_scale) { return std::isfinite(v) && (!log_scale || v > 0); }

// An axis in data units; for a log axis lo and hi are the bounds themselves (not their logs).
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  // Position in [0, 1] along the axis.
  double frac(double v) const {
    return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
  }
};

Axis make_axis(const std::vector<double>& values, bool log_scale) {
  Axis a;
  a.log = log_scale;
  double mn = std::numeric_limits<double>::infinity(), mx = -mn;
  for (double v : values) {
    if (!drawable(v, log_scale)) continue;
    mn = std::min(mn, v);
    mx = std::max(mx, v);
  }
  if (log_scale) {
    if (!(mn <= mx)) mn = 1, mx = 10;
    a.lo = std::pow(10.0, std::floor(std::log10(mn)));
    a.hi = std::pow(10.0, std::ceil(std::log10(mx)));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    if (a.hi / a.lo <= 1000 * (1 + 1e-9)) {
      // Few decades: end the axis at the nearest 1, 2 or 5 x 10^k instead of a whole decade,
      // where the 2 and 5 ticks keep both ends labelled.
      for (double m : {5.0, 2.0}) {
        if (a.lo * m <= mn * (1 + 1e-12)) {
          a.lo *= m;
          break;
        }
      }
      for (double m : {5.0, 2.0}) {
        if (a.hi / m >= mx * (1 - 1e-12)) {
          a.hi /= m;
          break;
        }
      }
    }
  } else {
    if (!(mn <= mx)) mn = 0, mx = 1;
    if (mx - mn < 1e-12 * std::max(1.0, std::abs(mx))) {
      const double pad = std::max(1e-3, std::abs(mx) * 0.1);
      mn -= pad, mx += pad;
    }
    const double step = nice_step(mx - mn, 5);
    a.lo = std::floor(mn / step) * step;
    a.hi = std::ceil(mx / step) * step;
  }
  a.ticks = axis_ticks(a.lo, a.hi, log_scale);
  return a;
}

}  // namespace

std::vector<double> axis_ticks(double lo, double hi, bool log_scale) {
  std::vector<double> ticks;
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi) || (log_scale && lo <= 0)) return ticks;
  if (log_scale) {
    const bool dense = hi / lo <= 1000 * (1 + 1e-9);
    for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= static_cast<int>(std::ceil(std::log10(hi))); ++k) {
      const double decade = std::pow(10.0, k);
      for (double m : {1.0, 2.0, 5.0}) {
        if (m != 1.0 && !dense) continue;
        const double t = m * decade;
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push_back(t);
      }
    }
    return ticks;
  }
  const double step = nice_step(hi - lo, 5);
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

namespace {

// The plot area in pixels and the two axes that map data onto it.
struct Frame {
  Axis ax, ay;
  double left = 80, right = 0, top = 0, bottom = 0;
  double px(double x) const { return left + ax.frac(x) * (right - left); }
  double py(double y) const { return bottom - ay.frac(y) * (bottom - top); }
};

// The drawable points of all series (the axes span these). Throws for a series whose x and y differ in length.
void collect_points(const std::vector<Series>& series, const PlotOptions& o, std::vector<double>& xs,
                    std::vector<double>& ys) {
  for (const Series& s : series) {
    if (s.x.size() != s.y.size()) {
      throw std::invalid_argument("render_svg: series '" + s.name + "' has " + std::to_string(s.x.size()) +
                                  " x values and " + std::to_string(s.y.size()) + " y values");
    }
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (drawable(s.x[i], o.log_x) && drawable(s.y[i], o.log_y)) xs.push_back(s.x[i]), ys.push_back(s.y[i]);
    }
  }
}

// Grid lines, ticks with their labels, the frame and the axis labels.
void draw_axes(std::ostringstream& svg, const Frame& f, const PlotOptions& o) {
  const double left = f.left, right = f.right, top = f.top, bottom = f.bottom;
  auto scale_of = [](const Axis& a) { return std::max(std::abs(a.lo), std::abs(a.hi)); };
  for (double t : f.ax.ticks) {
    const std::string x = coord(f.px(t));
    svg << "<line x1=\"" << x << "\" y1=\"" << coord(top) << "\" x2=\"" << x << "\" y2=\"" << coord(bottom)
        << "\" stroke=\"#e5e5e5\"/>\n"
        << "<line x1=\"" << x << "\" y1=\"" << coord(bottom) << "\" x2=\"" << x << "\" y2=\"" << coord(bottom + 5)
        << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << x << "\" y=\"" << coord(bottom + 18) << "\" text-anchor=\"middle\">"
        << tick_label(t, scale_of(f.ax)) << "</text>\n";
  }
  for (double t : f.ay.ticks) {
    const std::string y = coord(f.py(t));
    svg << "<line x1=\"" << coord(left) << "\" y1=\"" << y << "\" x2=\"" << coord(right) << "\" y2=\"" << y
        << "\" stroke=\"#e5e5e5\"/>\n"
        << "<line x1=\"" << coord(left - 5) << "\" y1=\"" << y << "\" x2=\"" << coord(left) << "\" y2=\"" << y
        << "\" stroke=\"black\"/>\n"
        << "<text x=\"" << coord(left - 8) << "\" y=\"" << y << "\" text-anchor=\"end\" dominant-baseline=\"middle\">"
        << tick_label(t, scale_of(f.ay)) << "</text>\n";
  }
  svg << "<rect x=\"" << coord(left) << "\" y=\"" << coord(top) << "\" width=\"" << coord(right - left)
      << "\" height=\"" << coord(bottom - top) << "\" fill=\"none\" stroke=\"black\"/>\n";
  const std::string x_label = o.x_label + (o.log_x ? " (log scale)" : "");
  const std::string y_label = o.y_label + (o.log_y ? " (log scale)" : "");
  svg << "<text x=\"" << coord((left + right) / 2) << "\" y=\"" << coord(o.height - 12.0)
      << "\" text-anchor=\"middle\">" << escape(x_label) << "</text>\n"
      << "<text transform=\"translate(18," << coord((top + bottom) / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << escape(y_label) << "</text>\n";
}

// The curves, clipped to the plot area.
void draw_curves(std::ostringstream& svg, const Frame& f, const std::vector<Series>& series, const PlotOptions& o) {
  svg << "<clipPath id=\"plot\"><rect x=\"" << coord(f.left) << "\" y=\"" << coord(f.top) << "\" width=\""
      << coord(f.right - f.left) << "\" height=\"" << coord(f.bottom - f.top)
      << "\"/></clipPath>\n<g clip-path=\"url(#plot)\" fill=\"none\" stroke-width=\"2\">\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    std::string points;
    std::size_t count = 0;
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!drawable(s.x[i], o.log_x) || !drawable(s.y[i], o.log_y)) continue;
      points += coord(f.px(s.x[i])) + "," + coord(f.py(s.y[i])) + " ";
      ++count;
    }
    const char* colour = kColours[k % kColours.size()];
    if (count == 1) {
      // A single point is invisible as a polyline.
      const auto comma = points.find(',');
      svg << "<circle cx=\"" << points.substr(0, comma) << "\" cy=\""
          << points.substr(comma + 1, points.size() - comma - 2) << "\" r=\"3\" fill=\"" << colour << "\"/>\n";
    } else if (count > 1) {
      points.pop_back();
      svg << "<polyline stroke=\"" << colour << "\" points=\"" << points << "\"/>\n";
    }
  }
  svg << "</g>\n";
}

// The legend goes in the corner of the plot area that hides the fewest points.
void draw_legend(std::ostringstream& svg, const Frame& f, const std::vector<Series>& series,
                 const std::vector<double>& xs, const std::vector<double>& ys) {
  if (series.empty()) return;
  const double left = f.left, right = f.right, top = f.top, bottom = f.bottom;
  std::size_t longest = 0;
  for (const Series& s : series) longest = std::max(longest, s.name.size());
  const double lw = 40 + 7.0 * static_cast<double>(longest), lh = 8 + 18.0 * static_cast<double>(series.size());
  const std::array<std::pair<double, double>, 4> corners = {{{right - lw - 10, top + 10},
                                                             {left + 10, top + 10},
                                                             {right - lw - 10, bottom - lh - 10},
                                                             {left + 10, bottom - lh - 10}}};
  std::size_t best = 0, best_hidden = std::numeric_limits<std::size_t>::max();
  for (std::size_t c = 0; c < corners.size(); ++c) {
    const auto [cx, cy] = corners[c];
    std::size_t hidden = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double x = f.px(xs[i]), y = f.py(ys[i]);
      hidden += x >= cx && x <= cx + lw && y >= cy && y <= cy + lh;
    }
    if (hidden < best_hidden) best = c, best_hidden = hidden;
  }
  const auto [lx, ly] = corners[best];
  svg << "<g><rect x=\"" << coord(lx) << "\" y=\"" << coord(ly) << "\" width=\"" << coord(lw) << "\" height=\""
      << coord(lh) << "\" fill=\"white\" fill-opacity=\"0.9\" stroke=\"#999\"/>\n";
  for (std::size_t k = 0; k < series.size(); ++k) {
    const double y = ly + 14 + 18.0 * static_cast<double>(k);
    svg << "<line x1=\"" << coord(lx + 6) << "\" y1=\"" << coord(y) << "\" x2=\"" << coord(lx + 30) << "\" y2=\""
        << coord(y) << "\" stroke=\"" << kColours[k % kColours.size()] << "\" stroke-width=\"2\"/>"
        << "<text x=\"" << coord(lx + 35) << "\" y=\"" << coord(y) << "\" dominant-baseline=\"middle\">"
        << escape(series[k].name) << "</text>\n";
  }
  svg << "</g>\n";
}

}  // namespace

std::string render_svg(const std::vector<Series>& series, const PlotOptions& o) {
  std::vector<double> xs, ys;
  collect_points(series, o, xs, ys);
  Frame f;
  f.ax = make_axis(xs, o.log_x), f.ay = make_axis(ys, o.log_y);
  f.right = o.width - 20.0, f.top = o.title.empty() ? 20.0 : 45.0, f.bottom = o.height - 55.0;

  std::ostringstream svg;
  svg << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << o.width << "\" height=\"" << o.height
      << "\" viewBox=\"0 0 " << o.width << ' ' << o.height << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  if (!o.title.empty()) {
    svg << "<text x=\"" << coord((f.left + f.right) / 2) << "\" y=\"25\" text-anchor=\"middle\" font-size=\"16\">"
        << escape(o.title) << "</text>\n";
  }
  draw_axes(svg, f, o);
  draw_curves(svg, f, series, o);
  draw_legend(svg, f, series, xs, ys);
  svg << "</svg>\n";
  return svg.str();
}

void write_svg(const std::string& path, const std::vector<Series>& series, const PlotOptions& options) {
  const std::string svg = render_svg(series, options);
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  try {
    nn::write_file_atomically(path, {svg});
  } catch (const nn::WriteError& e) {
    throw std::runtime_error("cannot write plot '" + path + "': " + e.reason());
  }
}

}  // namespace xgrad::cli
