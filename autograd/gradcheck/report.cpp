// The report of a Jacobian mismatch: where, by how much, the diagnosis, the graph between the
// output and the input, and both Jacobians (printed when small, the largest failures otherwise).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "internal.hpp"

namespace xgrad::autograd::detail {

// A Jacobian printed as a matrix; `bad` marks elements outside the tolerance with '*'.
namespace {

void print_matrix(std::ostream& os, const Matrix& m, std::int64_t rows, std::int64_t cols,
                  const std::vector<char>* bad) {
  std::vector<std::string> cells(m.size());
  std::size_t width = 1;
  for (std::size_t e = 0; e < m.size(); ++e) {
    cells[e] = num_str(m[e]) + (bad && (*bad)[e] ? "*" : "");
    width = std::max(width, cells[e].size());
  }
  for (std::int64_t r = 0; r < rows; ++r) {
    os << "    [";
    for (std::int64_t c = 0; c < cols; ++c) {
      os << (c ? " " : "") << std::setw(static_cast<int>(width)) << cells[static_cast<std::size_t>(r * cols + c)];
    }
    os << "]\n";
  }
}

}  // namespace

std::string mismatch_report(const GradcheckPair& p, const Tensor& input, const Tensor& output, Tolerance tol,
                            const std::string& graph, bool slow_mode_passes) {
  const Matrix n = values_of(p.numerical), a = values_of(p.analytical);
  const std::int64_t rows = p.numerical.size(0), cols = p.numerical.size(1);
  std::ostringstream os;
  os << "Jacobian mismatch for output " << p.output << " with respect to input " << p.input << "\n";
  if (p.fast) {
    os << "  fast mode: v^T J u numerical " << num_str(p.fast_numerical) << ", analytical "
       << num_str(p.fast_analytical) << ", difference " << num_str(std::abs(p.fast_analytical - p.fast_numerical))
       << " > tolerance " << num_str(p.fast_tolerance) << " (atol scaled by sum(u) sum(v), as PyTorch's fast mode)\n"
       << "  recomputed in slow mode (element by element):\n";
    if (slow_mode_passes) {
      os << "  note: slow mode passes for this pair; fast mode's scaled tolerance is the cause. Check with "
            "fast_mode(false).\n";
    }
  }
  os << "  diagnosis: " << p.diagnosis_text << "\n";
  os << "  graph: " << graph << "\n";
  if (!n.empty()) {
    os << "  worst element: d output " << p.output << shape_str(p.worst_output_index) << " / d input " << p.input
       << shape_str(p.worst_input_index) << ": numerical " << num_str(p.worst_numerical) << ", analytical "
       << num_str(p.worst_analytical) << ", difference " << num_str(std::abs(p.worst_analytical - p.worst_numerical))
       << ", tolerance " << num_str(p.worst_tolerance) << " (atol " << num_str(tol.atol) << " + rtol "
       << num_str(tol.rtol) << " x |numerical|)"
       << (std::isfinite(p.worst_numerical) && std::isfinite(p.worst_analytical)
               ? ""
               : " <- not finite: a NaN or Inf entry is the worst element")
       << "\n";
  }
  os << "  failing elements: " << p.failing << " of " << p.total
     << "; max |analytical - numerical| = " << num_str(p.max_abs_error) << "\n";
  os << "  Jacobians: rows = the " << rows << " elements of input " << p.input << " (" << describe_tensor(input)
     << "), columns = the " << cols << " elements of output " << p.output << " (" << describe_tensor(output) << ")\n";
  std::vector<char> bad(n.size());
  for (std::size_t e = 0; e < n.size(); ++e) bad[e] = !tol.ok(a[e], n[e]);
  if (rows <= 20 && cols <= 20) {
    os << "  numerical:\n";
    print_matrix(os, n, rows, cols, nullptr);
    os << "  analytical (* = outside the tolerance):\n";
    print_matrix(os, a, rows, cols, &bad);
  } else {
    os << "  numerical: " << rows << " x " << cols << " (too large to print), max |value| " << num_str(max_abs(n))
       << "\n";
    os << "  analytical: " << rows << " x " << cols << ", max |value| " << num_str(max_abs(a)) << "\n";
    std::vector<std::size_t> order;
    for (std::size_t e = 0; e < n.size(); ++e) {
      if (bad[e]) order.push_back(e);
    }
    const std::size_t shown = std::min<std::size_t>(order.size(), 10);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
                      [&](std::size_t x, std::size_t y) { return std::abs(a[x] - n[x]) > std::abs(a[y] - n[y]); });
    os << "  the " << shown << " largest failing differences:\n";
    for (std::size_t s = 0; s < shown; ++s) {
      const std::size_t e = order[s];
      const auto r = static_cast<std::int64_t>(e) / cols, c = static_cast<std::int64_t>(e) % cols;
      os << "    d output " << p.output << shape_str(unravel(c, output.shape())) << " / d input " << p.input
         << shape_str(unravel(r, input.shape())) << ": numerical " << num_str(n[e]) << ", analytical " << num_str(a[e])
         << "\n";
    }
  }
  return os.str();
}

}  // namespace xgrad::autograd::detail
