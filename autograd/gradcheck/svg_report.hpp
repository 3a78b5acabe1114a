// The pieces of GradcheckResult::to_svg (internal): a pair's Jacobians reduced to a drawable
// grid (heatmap.cpp) and laid out as three panels (svg_report.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "internal.hpp"
#include "svg.hpp"

namespace xgrad::autograd::detail {

// A pair's Jacobians as drawn: at most max_cells x max_cells cells, each a block of
// row_step x col_step entries shown by its largest-magnitude entry (NaN and Inf first).
struct Grid {
  std::int64_t rows = 0, cols = 0, row_step = 1, col_step = 1;
  Matrix n, a, d;         // numerical, analytical, analytical - numerical
  std::vector<char> bad;  // any entry of the block outside the tolerance
  double scale = 1;       // of n and a: their largest finite magnitude
  double diff_scale = 1;  // of d: its largest finite magnitude, at least atol + rtol * scale
};
Grid make_grid(const GradcheckPair& p, Tolerance tol, std::int64_t max_cells);

struct PanelGeometry {
  double cell = 8;                  // pixels per cell
  std::int64_t label_every = 1;     // every k-th row and column is labelled
  double label_w = 0, label_h = 0;  // room for row labels (left) and column labels (above)
  double width = 0, height = 0;     // one panel, legend included
};
PanelGeometry panel_geometry(const GradcheckPair& p, const Grid& g);

// which: 0 numerical, 1 analytical, 2 difference (the only panel whose marks carry data-r/c).
void draw_panel(Svg& svg, const GradcheckPair& p, std::size_t pair_index, const Grid& g, const PanelGeometry& geo,
                int which, double x, double y);

// GradcheckResult::to_svg's elements (no <svg> wrapper), laid out from (0, 0); sets the size
// they cover. testing::CheckResult::to_svg places them under its table of stages.
std::string svg_body(const GradcheckResult& r, double& width, double& height);

}  // namespace xgrad::autograd::detail
