// The SVG writer's primitives: escaping, coordinates, the diverging colour scale.
#include "svg.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace xgrad::autograd::detail {

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') break;
        out += c;
    }
  }
  return out;
}

std::string coord(double v) {
  char buf[32];
  if (v == std::round(v) && std::abs(v) < 1e9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  }
  return buf;
}

std::string diverging_colour(double t) {
  if (std::isnan(t)) return "#808080";
  // RdBu from blue (negative) to red (positive).
  static constexpr std::array<std::array<double, 3>, 5> kStops = {
      {{33, 102, 172}, {146, 197, 222}, {247, 247, 247}, {244, 165, 130}, {178, 24, 43}}};
  t = std::fmax(-1.0, std::fmin(1.0, t));
  const double pos = (t + 1) * 2;  // [0, 4]
  const auto i = static_cast<std::size_t>(std::fmin(3.0, std::floor(pos)));
  const double f = pos - static_cast<double>(i);
  char buf[8];
  int rgb[3];
  for (int k = 0; k < 3; ++k)
    rgb[k] = static_cast<int>(std::lround(kStops[i][k] + f * (kStops[i + 1][k] - kStops[i][k])));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

void Svg::rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra) {
  out_ += "<rect x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" width=\"" + coord(w) + "\" height=\"" + coord(h) +
          "\" fill=\"";
  out_ += fill;
  out_ += '"';
  if (!extra.empty()) {
    out_ += ' ';
    out_ += extra;
  }
  out_ += "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view stroke, double width) {
  out_ += "<line x1=\"" + coord(x1) + "\" y1=\"" + coord(y1) + "\" x2=\"" + coord(x2) + "\" y2=\"" + coord(y2) +
          "\" stroke=\"";
  out_ += stroke;
  out_ += "\" stroke-width=\"" + coord(width) + "\"/>\n";
}

void Svg::text(double x, double y, std::string_view s, double size, std::string_view anchor, std::string_view extra,
               double rotate) {
  out_ += "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" font-size=\"" + coord(size) + "\"";
  if (anchor != "start") {
    out_ += " text-anchor=\"";
    out_ += anchor;
    out_ += '"';
  }
  if (rotate != 0) out_ += " transform=\"rotate(" + coord(rotate) + " " + coord(x) + " " + coord(y) + ")\"";
  if (!extra.empty()) {
    out_ += ' ';
    out_ += extra;
  }
  out_ += '>' + xml_escape(s) + "</text>\n";
}

}  // namespace xgrad::autograd::detail
