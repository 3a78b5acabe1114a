// GradcheckResult's picture: the verdict and diagnosis in words, then three heatmaps per pair
// (heatmap.cpp), as an SVG document or an HTML page that embeds it above the text report.
#include "svg_report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "../atomic_write.hpp"

namespace xgrad::autograd {

namespace detail {
namespace {

constexpr std::int64_t kMaxCellsPerAxis = 40;  // a larger Jacobian is drawn in blocks
constexpr std::size_t kMaxPairsDrawn = 4;      // with the above: the file stays under ~3 MB
constexpr double kMargin = 16, kPanelGap = 28, kLine = 15;

// Words of `text` in lines of at most `width` characters (a longer word gets a line of its own).
std::vector<std::string> wrap(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::istringstream paragraphs(text);
  std::string paragraph;
  while (std::getline(paragraphs, paragraph)) {
    std::istringstream words(paragraph);
    std::string word, line;
    const std::size_t indent = paragraph.find_first_not_of(' ');
    const std::string lead = indent == std::string::npos ? "" : paragraph.substr(0, indent);
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > width) {
        lines.push_back(line);
        line = lead + "  ";
      }
      line += (line.empty() ? lead : line.back() == ' ' ? "" : " ") + word;
    }
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string pair_title(const GradcheckPair& p, const Grid& g) {
  std::ostringstream os;
  os << "output " << p.output << " " << shape_str(p.output_shape) << " w.r.t. input " << p.input << " "
     << shape_str(p.input_shape) << " (rows: input elements, columns: output elements): ";
  if (p.passed) {
    os << "passed, max |analytical - numerical| = " << num_str(p.max_abs_error);
  } else {
    os << "FAILED, " << p.failing << " of " << p.total
       << " entries outside the tolerance; diagnosis: " << gradcheck_diagnosis_name(p.diagnosis);
  }
  if (g.row_step > 1 || g.col_step > 1) {
    os << " [downsampled: each cell is a " << g.row_step << " x " << g.col_step
       << " block shown by its largest-magnitude entry, marked if any entry fails]";
  }
  return os.str();
}

// The words at the top: verdict, the first failing pair and its diagnosis, the report's first
// lines for failures that are not a Jacobian mismatch, warnings, the key to the marks.
std::vector<std::string> header_lines(const GradcheckResult& r, std::size_t drawn, std::size_t drawable,
                                      std::size_t width) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    for (auto& l : wrap(s, width)) out.push_back(std::move(l));
  };
  const GradcheckPair* f = r.first_failure();
  if (f && !f->fast) {
    add("First failing pair: output " + std::to_string(f->output) + " w.r.t. input " + std::to_string(f->input) + ", " +
        std::to_string(f->failing) + " of " + std::to_string(f->total) +
        " entries outside atol + rtol x |numerical| (atol " + num_str(r.atol) + ", rtol " + num_str(r.rtol) +
        "); max |analytical - numerical| = " + num_str(f->max_abs_error));
  }
  if (f) add("Diagnosis: " + f->diagnosis_text);
  if (!r.passed && (r.failure != GradcheckFailure::JacobianMismatch || !f)) {
    std::istringstream msg(r.message);
    std::string l;
    for (int k = 0; k < 6 && std::getline(msg, l); ++k) add(l);
  }
  if (r.failing_node) {
    add("Failing node: " + r.failing_node_name + ", " + r.failing_node_why +
        " (write_dot(result, path) draws the graph)");
  } else if (!r.passed && !r.failing_node_why.empty()) {
    add("Failing node not determined: " + r.failing_node_why);
  }
  for (const auto& w : r.warnings) add("warning: " + w);
  add("Colours: blue negative, white zero, red positive (numerical and analytical share one scale). Outlined and "
      "crossed: outside the tolerance. Grey: NaN or Inf.");
  if (drawable > drawn) {
    add(std::to_string(drawable - drawn) + " more pair(s) not drawn (at most " + std::to_string(kMaxPairsDrawn) +
        ", failing pairs first).");
  }
  for (const auto& p : r.pairs) {
    if (p.numerical.defined()) continue;
    add("output " + std::to_string(p.output) + " w.r.t. input " + std::to_string(p.input) +
        ": fast mode, v^T J u numerical " + num_str(p.fast_numerical) + ", analytical " + num_str(p.fast_analytical) +
        (p.passed ? " (passed; no Jacobian to draw)" : " (failed)"));
  }
  return out;
}

}  // namespace

// The document's inner elements; sets its size.
std::string svg_body(const GradcheckResult& r, double& width, double& height) {
  std::vector<std::size_t> order;  // indices into r.pairs: failing first
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t k = 0; k < r.pairs.size(); ++k) {
      const auto& p = r.pairs[k];
      if (p.numerical.defined() && p.numerical.numel() > 0 && p.passed == (pass == 1)) order.push_back(k);
    }
  }
  const std::size_t drawable = order.size();
  order.resize(std::min(order.size(), kMaxPairsDrawn));
  const Tolerance tol{r.atol, r.rtol};
  std::vector<Grid> grids;
  std::vector<PanelGeometry> geos;
  width = 900;
  for (std::size_t k : order) {
    grids.push_back(make_grid(r.pairs[k], tol, kMaxCellsPerAxis));
    geos.push_back(panel_geometry(r.pairs[k], grids.back()));
    width = std::max(width, 2 * kMargin + 3 * geos.back().width + 2 * kPanelGap);
  }
  std::string body;
  Svg svg(body);
  const std::string verdict =
      r.passed ? "gradcheck PASSED" : std::string("gradcheck FAILED: ") + gradcheck_failure_name(r.failure);
  svg.text(kMargin, kMargin + 14, verdict, 18, "start",
           r.passed ? "font-weight=\"bold\" fill=\"#1a7f37\"" : "font-weight=\"bold\" fill=\"#b2182b\"");
  double y = kMargin + 24;
  // DejaVu Sans Mono at 11 px: 6.62 px a character.
  const auto chars = static_cast<std::size_t>((width - 2 * kMargin) / 6.7);
  for (const auto& line : header_lines(r, order.size(), drawable, chars)) {
    y += kLine;
    svg.text(kMargin, y, line, 11, "start", "xml:space=\"preserve\"");
  }
  for (std::size_t i = 0; i < order.size(); ++i) {
    const GradcheckPair& p = r.pairs[order[i]];
    y += 14;
    for (const auto& line : wrap(pair_title(p, grids[i]), chars)) {
      y += kLine;
      svg.text(kMargin, y, line, 11, "start", p.passed ? "" : "fill=\"#b2182b\"");
    }
    y += 6;
    for (int which = 0; which < 3; ++which) {
      draw_panel(svg, p, order[i], grids[i], geos[i], which, kMargin + which * (geos[i].width + kPanelGap), y);
    }
    y += geos[i].height;
  }
  height = y + kMargin;
  return body;
}

namespace {

std::string svg_element(const GradcheckResult& r) {
  double w = 0, h = 0;
  std::string body = svg_body(r, w, h);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + coord(w) + "\" height=\"" + coord(h) +
         "\" viewBox=\"0 0 " + coord(w) + " " + coord(h) +
         "\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\">\n<rect width=\"100%\" height=\"100%\" "
         "fill=\"#fff\"/>\n" +
         body + "</svg>\n";
}

}  // namespace
}  // namespace detail

std::string GradcheckResult::to_svg() const {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + detail::svg_element(*this);
}

std::string GradcheckResult::to_html() const {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>gradcheck "
     << (passed ? "passed" : "failed") << "</title>\n<style>body{font-family:sans-serif;margin:1.5em}"
     << "pre{background:#f6f8fa;padding:1em;overflow-x:auto}</style>\n</head>\n<body>\n"
     << detail::svg_element(*this) << "<h2>Report</h2>\n<p>" << pairs.size() << " pair(s) compared; " << forward_calls
     << " forward calls, " << backward_calls << " backward calls; atol " << num_str(atol) << ", rtol " << num_str(rtol)
     << (fast_mode ? "; fast mode" : "") << ".</p>\n";
  for (const auto& w : warnings) os << "<p>warning: " << detail::xml_escape(w) << "</p>\n";
  os << "<pre>" << detail::xml_escape(passed ? std::string("gradcheck passed.") : message) << "</pre>\n";
  os << "</body>\n</html>\n";
  return os.str();
}

void GradcheckResult::write_svg(const std::string& path) const {
  const std::string doc = to_svg();
  write_file_atomically(path, {doc});
}

void GradcheckResult::write_html(const std::string& path) const {
  const std::string doc = to_html();
  write_file_atomically(path, {doc});
}

}  // namespace xgrad::autograd
