// A small SVG writer for gradcheck's picture (svg_report.cpp): elements appended to a string,
// text escaped, coordinates in whole or hundredths of pixels, and a diverging colour scale.
// (The CLI's plot writer lives above autograd, so it cannot be used here.)
#pragma once
#include <string>
#include <string_view>

namespace xgrad::autograd::detail {

// s with &, <, >, " and ' replaced by entities, and control characters other than tab and
// newline dropped (XML 1.0 does not allow them, even escaped): safe inside text and attributes.
std::string xml_escape(std::string_view s);

// "12" for whole numbers, "12.25" otherwise (two decimals: a hundredth of a pixel).
std::string coord(double v);

// The colour of t in [-1, 1] on a blue - white - red scale (ColorBrewer's RdBu, 5 stops,
// interpolated): "#rrggbb". t outside [-1, 1] is clamped; NaN gives grey.
std::string diverging_colour(double t);

// Appends SVG elements to a document.
class Svg {
 public:
  explicit Svg(std::string& out) : out_(out) {}
  // `extra` is inserted verbatim into the element (attributes, already escaped).
  void rect(double x, double y, double w, double h, std::string_view fill, std::string_view extra = "");
  void line(double x1, double y1, double x2, double y2, std::string_view stroke, double width);
  // `anchor`: "start", "middle" or "end"; `rotate`: degrees about (x, y).
  void text(double x, double y, std::string_view s, double size, std::string_view anchor = "start",
            std::string_view extra = "", double rotate = 0);
  void raw(std::string_view s) { out_ += s; }

 private:
  std::string& out_;
};

}  // namespace xgrad::autograd::detail
