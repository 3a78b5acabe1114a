// Comparing two Jacobians and naming the bug a mismatch looks like. The diagnosis is an ordered
// table of detectors (kDetectors, at the end): the first that recognises the pair names it, so
// the list of bugs gradcheck recognises reads top to bottom on one screen.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "internal.hpp"

namespace xgrad::autograd::detail {

bool Tolerance::ok(double a, double n) const { return std::abs(a - n) <= atol + rtol * std::abs(n); }

double max_abs(const Matrix& m) {
  double r = 0;
  for (double v : m) r = std::max(r, std::abs(v));
  return r;
}

void compare(GradcheckPair& p, const Matrix& n, const Matrix& a, const Shape& in_shape, const Shape& out_shape,
             Tolerance tol) {
  const auto rows = static_cast<std::int64_t>(checked_numel(in_shape, "gradcheck"));
  const auto cols = static_cast<std::int64_t>(checked_numel(out_shape, "gradcheck"));
  p.total = rows * cols;
  p.input_shape = in_shape;
  p.output_shape = out_shape;
  p.failing = 0;
  p.max_abs_error = 0;
  // The worst element is the first NaN or Inf entry if there is one (its difference is not a
  // number, or infinite), else the element furthest outside the tolerance.
  double worst_excess = -std::numeric_limits<double>::infinity();
  bool worst_finite = true;
  std::size_t worst = 0;
  for (std::size_t e = 0; e < n.size(); ++e) {
    double diff = std::abs(a[e] - n[e]);
    double t = tol.atol + tol.rtol * std::abs(n[e]);
    bool ok = diff <= t;
    const bool finite = std::isfinite(a[e]) && std::isfinite(n[e]);
    if (std::isnan(diff)) diff = std::numeric_limits<double>::infinity();
    p.max_abs_error = std::max(p.max_abs_error, diff);
    if (!ok) ++p.failing;
    double excess = diff - t;
    if (worst_finite && (!finite || excess > worst_excess)) {
      worst_excess = excess;
      worst_finite = finite;
      worst = e;
    }
  }
  p.passed = p.failing == 0;
  p.numerical = jacobian_tensor(n, rows, cols);
  p.analytical = jacobian_tensor(a, rows, cols);
  if (!n.empty()) {
    const auto r = static_cast<std::int64_t>(worst) / cols, c = static_cast<std::int64_t>(worst) % cols;
    p.worst_input_index = unravel(r, in_shape);
    p.worst_output_index = unravel(c, out_shape);
    p.worst_numerical = n[worst];
    p.worst_analytical = a[worst];
    p.worst_tolerance = tol.atol + tol.rtol * std::abs(n[worst]);
  }
}

namespace {

bool all_close(const Matrix& a, const Matrix& n, Tolerance tol, double k = 1.0) {
  if (a.size() != n.size()) return false;
  for (std::size_t e = 0; e < a.size(); ++e) {
    if (!tol.ok(a[e], k * n[e])) return false;
  }
  return true;
}

bool all_finite(const Matrix& m) {
  return std::all_of(m.begin(), m.end(), [](double v) { return std::isfinite(v); });
}

// Is a[r, c] close to n[perm(r, c)] everywhere?
template <class Perm>
bool close_permuted(const Matrix& a, const Matrix& n, std::int64_t rows, std::int64_t cols, Tolerance tol, Perm perm) {
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      if (!tol.ok(a[static_cast<std::size_t>(r * cols + c)], n[perm(r, c)])) return false;
    }
  }
  return true;
}

bool square_2d(const Shape& s) { return s.size() == 2 && s[0] == s[1] && s[0] > 1; }

// One failing pair as the detectors see it.
struct Case {
  const PairContext& ctx;
  std::size_t k;  // the pair's input, as an index into ctx
  Tolerance tol;
  const Matrix& n;
  const Matrix& a;
  std::int64_t rows, cols;
  std::string in_name, out_name;
  bool n_zero, a_zero;
};

struct Finding {
  GradcheckDiagnosis diagnosis;
  std::string text;
  double factor = 1;
};
using Found = std::optional<Finding>;

const char* const kOutOfOrder =
    ". Backward returns its gradients out of order (it must return one per forward input, in the order of the "
    "inputs)";

// ---- the detectors, in the order they are tried --------------------------------------------

Found analytical_not_finite(const Case& c) {
  if (all_finite(c.a)) return {};
  return Finding{GradcheckDiagnosis::NotFinite,
                 "the analytical Jacobian contains NaN or Inf: backward produced non-finite values"};
}

Found numerical_not_finite(const Case& c) {
  if (all_finite(c.n)) return {};
  return Finding{GradcheckDiagnosis::NotFinite,
                 "the numerical Jacobian contains NaN or Inf: the function is not finite at x +- eps (choose inputs "
                 "inside its domain, away from poles and kinks)"};
}

// One input's analytical Jacobian is another's numerical one (or the other way round).
Found wrong_input(const Case& c) {
  for (std::size_t o = 0; o < c.ctx.inputs.size(); ++o) {
    if (o == c.k || c.ctx.numerical[o]->size() != c.n.size()) continue;
    const std::string other = "input " + std::to_string(c.ctx.inputs[o]);
    if (max_abs(*c.ctx.numerical[o]) > c.tol.atol && all_close(c.a, *c.ctx.numerical[o], c.tol)) {
      return Finding{GradcheckDiagnosis::WrongInput, "gradient for the wrong input: the analytical gradient w.r.t. " +
                                                         c.in_name + " equals the numerical gradient w.r.t. " + other +
                                                         kOutOfOrder};
    }
    if (!c.n_zero && all_close(*c.ctx.analytical[o], c.n, c.tol)) {
      return Finding{GradcheckDiagnosis::WrongInput,
                     "gradient for the wrong input: the gradient that belongs to " + c.in_name + " arrives at " +
                         other + " (its analytical Jacobian equals " + c.in_name + "'s numerical one)" + kOutOfOrder};
    }
  }
  return {};
}

Found analytical_zero(const Case& c) {
  if (!c.a_zero || c.n_zero) return {};
  return Finding{GradcheckDiagnosis::AnalyticalZero,
                 "the analytical Jacobian is all zero but the numerical one is not: backward is not connected to " +
                     c.in_name +
                     " (it returns an undefined or zero gradient for it, or the graph is cut, e.g. by detach() "
                     "or a NoGradGuard inside the function)"};
}

Found numerical_zero(const Case& c) {
  if (!c.n_zero || c.a_zero) return {};
  return Finding{GradcheckDiagnosis::NumericalZero,
                 "the numerical Jacobian is zero but the analytical one is not: the forward does not depend on " +
                     c.in_name +
                     " (or eps is too small to move a single-precision output), yet backward returns a "
                     "gradient for it"};
}

// analytical = k x numerical, k fitted by least squares; k = -1 is the wrong sign.
Found constant_factor(const Case& c) {
  if (c.n_zero) return {};
  double an = 0, nn = 0;
  for (std::size_t e = 0; e < c.n.size(); ++e) {
    an += c.a[e] * c.n[e];
    nn += c.n[e] * c.n[e];
  }
  const double kf = an / nn;
  if (!std::isfinite(kf) || std::abs(kf - 1) <= 1e-3 || !all_close(c.a, c.n, c.tol, kf)) return {};
  if (std::abs(kf + 1) <= 1e-3) {
    return Finding{GradcheckDiagnosis::WrongSign,
                   "wrong sign: analytical = -1 x numerical (backward returns the negated gradient)", -1};
  }
  return Finding{GradcheckDiagnosis::ConstantFactor,
                 "constant factor: analytical = k x numerical with k = " + factor_str(kf) +
                     " (a missing or extra factor, such as the 2 of d(x^2)/dx or the 1/N of a mean)",
                 kf};
}

// J v instead of J^T v: the whole (square) Jacobian transposed.
Found transposed_jacobian(const Case& c) {
  const std::int64_t cols = c.cols;
  if (c.rows != cols || c.rows < 2 ||
      !close_permuted(c.a, c.n, c.rows, cols, c.tol,
                      [cols](std::int64_t r, std::int64_t col) { return static_cast<std::size_t>(col * cols + r); })) {
    return {};
  }
  return Finding{GradcheckDiagnosis::Transposed,
                 "transposed: the analytical Jacobian is the numerical one transposed (as a " + std::to_string(c.rows) +
                     " x " + std::to_string(cols) +
                     " matrix): backward computes J v instead of J^T v, e.g. a matrix used without .t() in the "
                     "vector-Jacobian product"};
}

// The gradient of a square 2-d input has its two dims swapped.
Found transposed_gradient(const Case& c) {
  const Shape& s = c.ctx.in_shapes[c.k];
  if (!square_2d(s)) return {};
  const std::int64_t m = s[0], cols = c.cols;
  if (!close_permuted(c.a, c.n, c.rows, cols, c.tol, [m, cols](std::int64_t r, std::int64_t col) {
        return static_cast<std::size_t>(((r % m) * m + r / m) * cols + col);
      })) {
    return {};
  }
  return Finding{GradcheckDiagnosis::Transposed,
                 "transposed: the gradient w.r.t. " + c.in_name + " " + shape_str(s) +
                     " is the transpose of the right one (its two dims swapped): backward returns grad.t() where "
                     "grad is expected, or the other way round"};
}

// grad_output of a square 2-d output used with its two dims swapped.
Found transposed_grad_output(const Case& c) {
  const Shape& s = c.ctx.out_shape;
  if (!square_2d(s)) return {};
  const std::int64_t m = s[0], cols = c.cols;
  if (!close_permuted(c.a, c.n, c.rows, cols, c.tol, [m, cols](std::int64_t r, std::int64_t col) {
        return static_cast<std::size_t>(r * cols + (col % m) * m + col / m);
      })) {
    return {};
  }
  return Finding{GradcheckDiagnosis::Transposed, "transposed: backward uses grad_output transposed (the two dims of " +
                                                     c.out_name + " " + shape_str(s) + " swapped)"};
}

// Every column of the analytical Jacobian equal: each output element gives the same gradient.
Found ignores_grad_output(const Case& c) {
  if (c.cols < 2 || c.a_zero) return {};
  for (std::int64_t r = 0; r < c.rows; ++r) {
    const double first = c.a[static_cast<std::size_t>(r * c.cols)];
    for (std::int64_t col = 1; col < c.cols; ++col) {
      if (!c.tol.ok(c.a[static_cast<std::size_t>(r * c.cols + col)], first)) return {};
    }
  }
  return Finding{GradcheckDiagnosis::IgnoresGradOutput,
                 "backward ignores grad_output: every element of " + c.out_name +
                     " gives the same gradient (all columns of the analytical Jacobian are equal), so backward does "
                     "not multiply by the incoming gradient"};
}

using Detector = Found (*)(const Case&);
// The bugs gradcheck recognises, most specific first (a non-finite Jacobian explains anything
// after it; a wrong input can also look all-zero).
constexpr Detector kDetectors[] = {
    analytical_not_finite, numerical_not_finite, wrong_input,         analytical_zero,        numerical_zero,
    constant_factor,       transposed_jacobian,  transposed_gradient, transposed_grad_output, ignores_grad_output,
};

}  // namespace

void diagnose(GradcheckPair& p, const PairContext& ctx, std::size_t k, Tolerance tol) {
  const Matrix& n = *ctx.numerical[k];
  const Matrix& a = *ctx.analytical[k];
  const Case c{ctx,
               k,
               tol,
               n,
               a,
               static_cast<std::int64_t>(checked_numel(ctx.in_shapes[k], "gradcheck")),
               static_cast<std::int64_t>(checked_numel(ctx.out_shape, "gradcheck")),
               "input " + std::to_string(ctx.inputs[k]),
               "output " + std::to_string(ctx.output),
               max_abs(n) <= tol.atol,
               max_abs(a) == 0};
  Finding f{GradcheckDiagnosis::None,
            "no common pattern recognised (not all-zero, transposed, a constant factor, the "
            "wrong sign, the wrong input or a missing grad_output)"};
  for (Detector d : kDetectors) {
    if (Found found = d(c)) {
      f = std::move(*found);
      break;
    }
  }
  p.diagnosis = f.diagnosis;
  p.diagnosis_text = std::move(f.text);
  p.factor = f.factor;
}

}  // namespace xgrad::autograd::detail
