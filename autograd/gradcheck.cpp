// gradcheck and gradgradcheck (see gradcheck.hpp). A Checker runs the stages in PyTorch's
// order (inputs, Jacobians, reentrancy, grad_output scaling, undefined grads); the first failing
// stage fills the result and its report. A mismatching pair is diagnosed by comparing the two
// Jacobians against the shapes common bugs give them (diagnose()).
#include "gradcheck.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "engine.hpp"
#include "grad_mode.hpp"
#include "node.hpp"
#include "ops.hpp"
#include "kernels/kernels.hpp"
#include "random.hpp"

namespace xgrad::autograd {

const char* gradcheck_failure_name(GradcheckFailure f) noexcept {
  switch (f) {
    case GradcheckFailure::None:
      return "None";
    case GradcheckFailure::JacobianMismatch:
      return "JacobianMismatch";
    case GradcheckFailure::NonDeterministic:
      return "NonDeterministic";
    case GradcheckFailure::GradShape:
      return "GradShape";
    case GradcheckFailure::GradDtype:
      return "GradDtype";
    case GradcheckFailure::NotMultipliedByGradOutput:
      return "NotMultipliedByGradOutput";
    case GradcheckFailure::UndefinedGradThrows:
      return "UndefinedGradThrows";
    case GradcheckFailure::UndefinedGradNonZero:
      return "UndefinedGradNonZero";
    case GradcheckFailure::NonZeroWithoutDifferentiableOutputs:
      return "NonZeroWithoutDifferentiableOutputs";
    case GradcheckFailure::OutputChangedUnderPerturbation:
      return "OutputChangedUnderPerturbation";
  }
  return "?";
}

const char* gradcheck_diagnosis_name(GradcheckDiagnosis d) noexcept {
  switch (d) {
    case GradcheckDiagnosis::None:
      return "None";
    case GradcheckDiagnosis::AnalyticalZero:
      return "AnalyticalZero";
    case GradcheckDiagnosis::NumericalZero:
      return "NumericalZero";
    case GradcheckDiagnosis::NotFinite:
      return "NotFinite";
    case GradcheckDiagnosis::WrongSign:
      return "WrongSign";
    case GradcheckDiagnosis::ConstantFactor:
      return "ConstantFactor";
    case GradcheckDiagnosis::Transposed:
      return "Transposed";
    case GradcheckDiagnosis::WrongInput:
      return "WrongInput";
    case GradcheckDiagnosis::IgnoresGradOutput:
      return "IgnoresGradOutput";
  }
  return "?";
}

const GradcheckPair* GradcheckResult::pair(std::size_t output, std::size_t input) const {
  for (const auto& p : pairs) {
    if (p.output == output && p.input == input) return &p;
  }
  return nullptr;
}

const GradcheckPair* GradcheckResult::first_failure() const {
  for (const auto& p : pairs) {
    if (!p.passed) return &p;
  }
  return nullptr;
}

namespace {

using kernels::dispatch;
using Matrix = std::vector<double>;  // row-major [rows, cols]

// ---- raw element access --------------------------------------------------------------------

// Storage offsets of t's elements in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t) {
  const TensorImpl& ti = *t.impl();
  std::vector<std::int64_t> offs(static_cast<std::size_t>(ti.numel));
  kernels::for_each_offset(
      ti.shape, &ti.strides, nullptr, nullptr, ti.offset, 0, 0,
      [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { offs[static_cast<std::size_t>(i)] = o; });
  return offs;
}

// All of t's values, as double, into dst (t.numel() entries).
void read_values(const Tensor& t, double* dst) {
  const TensorImpl& ti = *t.impl();
  dispatch(ti.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* base = static_cast<const T*>(ti.storage->data());
    kernels::for_each_offset(
        ti.shape, &ti.strides, nullptr, nullptr, ti.offset, 0, 0,
        [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { dst[i] = static_cast<double>(base[o]); });
  });
}

Matrix values_of(const Tensor& t) {
  Matrix v(static_cast<std::size_t>(t.numel()));
  read_values(t, v.data());
  return v;
}

// A fresh tensor holding `values`; with `strided` its elements sit two apart (non-contiguous).
Tensor make_tensor(const Matrix& values, const Shape& shape, Dtype dtype, bool strided = false) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->numel = checked_numel(shape, "gradcheck");
  impl->dtype = dtype;
  const std::int64_t spread = strided && impl->numel > 1 ? 2 : 1;
  impl->storage = Storage::allocate(static_cast<std::size_t>(std::max<std::int64_t>(impl->numel * spread, 1)) *
                                    element_size(dtype));
  impl->strides = contiguous_strides(shape);
  for (auto& s : impl->strides) s *= spread;
  impl->contiguous = spread == 1;
  Tensor t(std::move(impl));
  auto offs = element_offsets(t);
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    T* base = static_cast<T*>(t.impl()->storage->data());
    for (std::size_t i = 0; i < offs.size(); ++i) base[offs[i]] = static_cast<T>(values[i]);
  });
  return t;
}

Tensor jacobian_tensor(const Matrix& m, std::int64_t rows, std::int64_t cols) {
  return make_tensor(m, Shape{rows, cols}, kFloat64);
}

// Writes perturbed values straight into an input's storage and puts the original bits back.
// No version bump and no graph: the perturbed values are only ever seen by the forward calls
// of the numerical Jacobian, and every element is restored exactly before any backward runs.
// The destructor restores too, so the user's tensor is intact even when fn throws.
class Perturbation {
 public:
  explicit Perturbation(const Tensor& t)
      : impl_(t.impl()),
        offsets_(element_offsets(t)),
        esize_(element_size(t.dtype())),
        saved_(offsets_.size() * esize_),
        original_(values_of(t)) {
    const char* base = static_cast<const char*>(impl_->storage->data());
    for (std::size_t i = 0; i < offsets_.size(); ++i) {
      std::memcpy(&saved_[i * esize_], base + offsets_[i] * static_cast<std::int64_t>(esize_), esize_);
    }
  }
  ~Perturbation() { restore_all(); }
  Perturbation(const Perturbation&) = delete;
  Perturbation& operator=(const Perturbation&) = delete;

  std::size_t size() const noexcept { return offsets_.size(); }
  double original(std::size_t i) const noexcept { return original_[i]; }
  // Element i := v, rounded to the input's dtype once.
  void set(std::size_t i, double v) {
    dispatch(impl_->dtype, [&](auto tag) {
      using T = decltype(tag);
      static_cast<T*>(impl_->storage->data())[offsets_[i]] = static_cast<T>(v);
    });
  }
  void restore(std::size_t i) noexcept {
    char* base = static_cast<char*>(impl_->storage->data());
    std::memcpy(base + offsets_[i] * static_cast<std::int64_t>(esize_), &saved_[i * esize_], esize_);
  }
  void restore_all() noexcept {
    for (std::size_t i = 0; i < offsets_.size(); ++i) restore(i);
  }

 private:
  TensorImpl* impl_;
  std::vector<std::int64_t> offsets_;
  std::size_t esize_;
  std::vector<unsigned char> saved_;
  Matrix original_;
};

// ---- small formatting helpers ----------------------------------------------------------------

std::string num(double v) {
  std::ostringstream os;
  os << std::setprecision(6) << v;
  return os.str();
}

Shape unravel(std::int64_t flat, const Shape& shape) {
  Shape idx(shape.size(), 0);
  for (std::size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
  return idx;
}

std::string describe(const Tensor& t) { return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()); }

// "2", "0.25 (= 1/4)", "-1.5": a factor as a person would name it.
std::string factor_str(double k) {
  if (std::abs(k - std::round(k)) <= 1e-3 * std::max(1.0, std::abs(k))) return num(std::round(k));
  double inv = 1.0 / k;
  if (std::abs(inv - std::round(inv)) <= 1e-3 * std::abs(inv)) {
    return num(k) + " (= " + (inv < 0 ? "-" : "") + "1/" + num(std::abs(std::round(inv))) + ")";
  }
  return num(k);
}

// The nodes on paths from `out` to `in` in the graph, newest first: "FooBackward -> MulBackward0".
std::string nodes_between(const Tensor& out, const Tensor& in) {
  std::shared_ptr<Node> root = out.grad_fn();
  if (!root) return "output has no grad_fn";
  Node* target = in.grad_fn() ? in.grad_fn().get() : in.impl()->grad_accumulator.lock().get();
  std::unordered_map<Node*, int> state;  // 0 open, 1 reaches, 2 does not
  std::vector<std::pair<Node*, std::size_t>> stack{{root.get(), 0}};
  state[root.get()] = 0;
  while (!stack.empty()) {
    auto& [n, i] = stack.back();
    const auto& edges = n->next_edges();
    if (i < edges.size()) {
      Node* child = edges[i++].function.get();
      if (child && !state.count(child)) {
        state[child] = 0;
        stack.push_back({child, 0});
      }
      continue;
    }
    bool reaches = n == target;
    for (const auto& e : edges) {
      if (e.function && state[e.function.get()] == 1) reaches = true;
    }
    state[n] = reaches ? 1 : 2;
    stack.pop_back();
  }
  if (state[root.get()] != 1)
    return "output comes from " + root->name() + "; no path in the graph from it to this input";
  std::vector<Node*> on_path;
  for (auto& [n, s] : state) {
    if (s == 1 && n != target) on_path.push_back(n);
  }
  std::sort(on_path.begin(), on_path.end(), [](Node* a, Node* b) { return a->sequence_nr() > b->sequence_nr(); });
  std::string s;
  const std::size_t shown = std::min<std::size_t>(on_path.size(), 8);
  for (std::size_t k = 0; k < shown; ++k) s += (k ? " -> " : "") + on_path[k]->name();
  if (shown < on_path.size()) s += " -> ... (" + std::to_string(on_path.size() - shown) + " more)";
  return s.empty() ? "the output is the input itself" : s;
}

// ---- Jacobian comparison and diagnosis -------------------------------------------------------

struct Tolerance {
  double atol, rtol;
  bool ok(double a, double n) const { return std::abs(a - n) <= atol + rtol * std::abs(n); }
};

bool all_close(const Matrix& a, const Matrix& n, Tolerance tol, double k = 1.0) {
  if (a.size() != n.size()) return false;
  for (std::size_t e = 0; e < a.size(); ++e) {
    if (!tol.ok(a[e], k * n[e])) return false;
  }
  return true;
}

double max_abs(const Matrix& m) {
  double r = 0;
  for (double v : m) r = std::max(r, std::abs(v));
  return r;
}

bool all_finite(const Matrix& m) {
  return std::all_of(m.begin(), m.end(), [](double v) { return std::isfinite(v); });
}

// What one side of a pair needs for diagnosis: the Jacobians of the same output w.r.t. every
// differentiable input.
struct PairContext {
  std::size_t output;
  Shape out_shape;
  std::vector<std::size_t> inputs;  // indices into gradcheck's inputs
  std::vector<Shape> in_shapes;
  std::vector<const Matrix*> numerical;
  std::vector<const Matrix*> analytical;
};

// Fills p's comparison fields from the two Jacobians.
void compare(GradcheckPair& p, const Matrix& n, const Matrix& a, std::int64_t rows, std::int64_t cols,
             const Shape& in_shape, const Shape& out_shape, Tolerance tol) {
  p.total = rows * cols;
  p.failing = 0;
  p.max_abs_error = 0;
  double worst_excess = -std::numeric_limits<double>::infinity();
  std::size_t worst = 0;
  for (std::size_t e = 0; e < n.size(); ++e) {
    double diff = std::abs(a[e] - n[e]);
    double t = tol.atol + tol.rtol * std::abs(n[e]);
    bool ok = diff <= t;
    if (std::isnan(diff)) diff = std::numeric_limits<double>::infinity();
    p.max_abs_error = std::max(p.max_abs_error, diff);
    if (!ok) ++p.failing;
    double excess = diff - t;
    if (excess > worst_excess) {
      worst_excess = excess;
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

// Names the common bug a failing pair looks like (see GradcheckDiagnosis).
void diagnose(GradcheckPair& p, const PairContext& ctx, std::size_t k, Tolerance tol) {
  const Matrix& n = *ctx.numerical[k];
  const Matrix& a = *ctx.analytical[k];
  const Shape& in_shape = ctx.in_shapes[k];
  const auto cols = static_cast<std::int64_t>(checked_numel(ctx.out_shape, "gradcheck"));
  const auto rows = static_cast<std::int64_t>(checked_numel(in_shape, "gradcheck"));
  const std::string in_name = "input " + std::to_string(ctx.inputs[k]);
  const std::string out_name = "output " + std::to_string(ctx.output);
  auto set = [&](GradcheckDiagnosis d, std::string text, double factor = 1) {
    p.diagnosis = d;
    p.diagnosis_text = std::move(text);
    p.factor = factor;
  };
  if (!all_finite(a)) {
    return set(GradcheckDiagnosis::NotFinite,
               "the analytical Jacobian contains NaN or Inf: backward produced non-finite values");
  }
  if (!all_finite(n)) {
    return set(GradcheckDiagnosis::NotFinite,
               "the numerical Jacobian contains NaN or Inf: the function is not finite at x +- eps (choose inputs "
               "inside its domain, away from poles and kinks)");
  }
  const bool n_zero = max_abs(n) <= tol.atol;
  const bool a_zero = max_abs(a) == 0;
  // Gradient for the wrong input: one input's analytical Jacobian is another's numerical one.
  for (std::size_t o = 0; o < ctx.inputs.size(); ++o) {
    if (o == k || ctx.numerical[o]->size() != n.size()) continue;
    const std::string other = "input " + std::to_string(ctx.inputs[o]);
    if (max_abs(*ctx.numerical[o]) > tol.atol && all_close(a, *ctx.numerical[o], tol)) {
      return set(GradcheckDiagnosis::WrongInput,
                 "gradient for the wrong input: the analytical gradient w.r.t. " + in_name +
                     " equals the numerical gradient w.r.t. " + other +
                     ". Backward returns its gradients out of order (it must return one per forward input, in the "
                     "order of the inputs)");
    }
    if (!n_zero && all_close(*ctx.analytical[o], n, tol)) {
      return set(GradcheckDiagnosis::WrongInput,
                 "gradient for the wrong input: the gradient that belongs to " + in_name + " arrives at " + other +
                     " (its analytical Jacobian equals " + in_name +
                     "'s numerical one). Backward returns its gradients out of order (it must return one per "
                     "forward input, in the order of the inputs)");
    }
  }
  if (a_zero && !n_zero) {
    return set(GradcheckDiagnosis::AnalyticalZero,
               "the analytical Jacobian is all zero but the numerical one is not: backward is not connected to " +
                   in_name +
                   " (it returns an undefined or zero gradient for it, or the graph is cut, e.g. by detach() "
                   "or a NoGradGuard inside the function)");
  }
  if (n_zero && !a_zero) {
    return set(GradcheckDiagnosis::NumericalZero,
               "the numerical Jacobian is zero but the analytical one is not: the forward does not depend on " +
                   in_name +
                   " (or eps is too small to move a single-precision output), yet backward returns a "
                   "gradient for it");
  }
  if (!n_zero) {
    double an = 0, nn = 0;
    for (std::size_t e = 0; e < n.size(); ++e) {
      an += a[e] * n[e];
      nn += n[e] * n[e];
    }
    const double kf = an / nn;
    if (std::isfinite(kf) && std::abs(kf - 1) > 1e-3 && all_close(a, n, tol, kf)) {
      if (std::abs(kf + 1) <= 1e-3) {
        return set(GradcheckDiagnosis::WrongSign,
                   "wrong sign: analytical = -1 x numerical (backward returns the negated gradient)", -1);
      }
      return set(GradcheckDiagnosis::ConstantFactor,
                 "constant factor: analytical = k x numerical with k = " + factor_str(kf) +
                     " (a missing or extra factor, such as the 2 of d(x^2)/dx or the 1/N of a mean)",
                 kf);
    }
  }
  if (rows == cols && rows > 1 && close_permuted(a, n, rows, cols, tol, [cols](std::int64_t r, std::int64_t c) {
        return static_cast<std::size_t>(c * cols + r);
      })) {
    return set(GradcheckDiagnosis::Transposed,
               "transposed: the analytical Jacobian is the numerical one transposed (as a " + std::to_string(rows) +
                   " x " + std::to_string(cols) +
                   " matrix): backward computes J v instead of J^T v, e.g. a matrix used without .t() in the "
                   "vector-Jacobian product");
  }
  if (square_2d(in_shape)) {
    const std::int64_t m = in_shape[0];
    if (close_permuted(a, n, rows, cols, tol, [m, cols](std::int64_t r, std::int64_t c) {
          return static_cast<std::size_t>(((r % m) * m + r / m) * cols + c);
        })) {
      return set(GradcheckDiagnosis::Transposed,
                 "transposed: the gradient w.r.t. " + in_name + " " + shape_str(in_shape) +
                     " is the transpose of the right one (its two dims swapped): backward returns grad.t() where "
                     "grad is expected, or the other way round");
    }
  }
  if (square_2d(ctx.out_shape)) {
    const std::int64_t m = ctx.out_shape[0];
    if (close_permuted(a, n, rows, cols, tol, [m, cols](std::int64_t r, std::int64_t c) {
          return static_cast<std::size_t>(r * cols + (c % m) * m + c / m);
        })) {
      return set(GradcheckDiagnosis::Transposed, "transposed: backward uses grad_output transposed (the two dims of " +
                                                     out_name + " " + shape_str(ctx.out_shape) + " swapped)");
    }
  }
  if (cols > 1 && !a_zero) {
    bool same_columns = true;
    for (std::int64_t r = 0; r < rows && same_columns; ++r) {
      for (std::int64_t c = 1; c < cols; ++c) {
        if (!tol.ok(a[static_cast<std::size_t>(r * cols + c)], a[static_cast<std::size_t>(r * cols)])) {
          same_columns = false;
          break;
        }
      }
    }
    if (same_columns) {
      return set(GradcheckDiagnosis::IgnoresGradOutput,
                 "backward ignores grad_output: every element of " + out_name +
                     " gives the same gradient (all columns of the analytical Jacobian are equal), so backward does "
                     "not multiply by the incoming gradient");
    }
  }
  set(GradcheckDiagnosis::None,
      "no common pattern recognised (not all-zero, transposed, a constant factor, the "
      "wrong sign, the wrong input or a missing grad_output)");
}

// A Jacobian printed as a matrix; `bad` marks elements outside the tolerance with '*'.
void print_matrix(std::ostream& os, const Matrix& m, std::int64_t rows, std::int64_t cols,
                  const std::vector<char>* bad) {
  std::vector<std::string> cells(m.size());
  std::size_t width = 1;
  for (std::size_t e = 0; e < m.size(); ++e) {
    cells[e] = num(m[e]) + (bad && (*bad)[e] ? "*" : "");
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

// The report of a failing pair: location, values, counts, diagnosis, graph, both Jacobians.
std::string mismatch_report(const GradcheckPair& p, const Tensor& input, const Tensor& output, Tolerance tol,
                            const std::string& graph, bool slow_mode_passes = false) {
  const Matrix n = values_of(p.numerical), a = values_of(p.analytical);
  const std::int64_t rows = p.numerical.size(0), cols = p.numerical.size(1);
  std::ostringstream os;
  os << "Jacobian mismatch for output " << p.output << " with respect to input " << p.input << "\n";
  if (p.fast) {
    os << "  fast mode: v^T J u numerical " << num(p.fast_numerical) << ", analytical " << num(p.fast_analytical)
       << ", difference " << num(std::abs(p.fast_analytical - p.fast_numerical)) << " > tolerance "
       << num(p.fast_tolerance) << " (atol scaled by sum(u) sum(v), as PyTorch's fast mode)\n"
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
       << shape_str(p.worst_input_index) << ": numerical " << num(p.worst_numerical) << ", analytical "
       << num(p.worst_analytical) << ", difference " << num(std::abs(p.worst_analytical - p.worst_numerical))
       << ", tolerance " << num(p.worst_tolerance) << " (atol " << num(tol.atol) << " + rtol " << num(tol.rtol)
       << " x |numerical|)\n";
  }
  os << "  failing elements: " << p.failing << " of " << p.total
     << "; max |analytical - numerical| = " << num(p.max_abs_error) << "\n";
  os << "  Jacobians: rows = the " << rows << " elements of input " << p.input << " (" << describe(input)
     << "), columns = the " << cols << " elements of output " << p.output << " (" << describe(output) << ")\n";
  std::vector<char> bad(n.size());
  for (std::size_t e = 0; e < n.size(); ++e) bad[e] = !tol.ok(a[e], n[e]);
  if (rows <= 20 && cols <= 20) {
    os << "  numerical:\n";
    print_matrix(os, n, rows, cols, nullptr);
    os << "  analytical (* = outside the tolerance):\n";
    print_matrix(os, a, rows, cols, &bad);
  } else {
    os << "  numerical: " << rows << " x " << cols << " (too large to print), max |value| " << num(max_abs(n)) << "\n";
    os << "  analytical: " << rows << " x " << cols << ", max |value| " << num(max_abs(a)) << "\n";
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
         << shape_str(unravel(r, input.shape())) << ": numerical " << num(n[e]) << ", analytical " << num(a[e]) << "\n";
    }
  }
  return os.str();
}

// ---- undefined output gradients -------------------------------------------------------------

// Turns the gradient flowing into it into an undefined one (PyTorch's UndefinedGrad), so that
// the node behind it receives "no gradient" for that output.
struct UndefinedGradBackward final : Node {
  std::string name() const override { return "UndefinedGradBackward"; }
  tensor_list apply(tensor_list&&) override { return tensor_list(next_edges().size()); }
};

Tensor with_undefined_grad(const Tensor& o) {
  AutoGradMode on(true);
  Tensor alias = o.detach();
  record<UndefinedGradBackward>({&o}, alias);
  return alias;
}

// Thrown from inside the numerical Jacobian when a perturbed call changes the outputs' form.
struct OutputsChanged {
  std::string message;
};

// Thrown when backward fails only because some output gradients were undefined.
struct UndefinedGradThrown {
  std::string message;
};

constexpr const char* kUndefinedHint =
    "Every node's backward must accept undefined (absent) gradients, which mean zero; a custom Function that "
    "calls set_materialize_grads(false) must check grads[i].defined().";

// ---- the checker ------------------------------------------------------------------------------

class Checker {
 public:
  Checker(const GradcheckFunction& fn, const tensor_list& inputs, const GradcheckOptions& options)
      : fn_(fn), inputs_(inputs), opt_(options), tol_{options.atol(), options.rtol()} {
    result_.fast_mode = options.fast_mode();
  }

  GradcheckResult run() {
    AutoGradMode grad_on(true);  // the check needs graphs even when called under a NoGradGuard
    check_inputs();
    outputs_ = call();
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
      if (outputs_[i].defined() && outputs_[i].requires_grad()) diff_out_.push_back(i);
      if (outputs_[i].defined() && outputs_[i].is_floating_point()) float_out_.push_back(i);
    }
    try {
      if (diff_out_.empty()) {
        check_no_differentiable_outputs();
        return std::move(result_);
      }
      if (opt_.fast_mode())
        fast_jacobians();
      else
        slow_jacobians();
    } catch (const OutputsChanged& e) {
      fail(GradcheckFailure::OutputChangedUnderPerturbation, e.message);
    } catch (const UndefinedGradThrown& e) {
      fail(GradcheckFailure::UndefinedGradThrows, e.message);
    }
    if (result_.passed) check_mul_by_grad_output();
    if (result_.passed && opt_.check_undefined_grad()) check_undefined_grads();
    return std::move(result_);
  }

 private:
  // ---- stage 1: inputs ------------------------------------------------------------------
  void check_inputs() {
    std::vector<std::string> single;
    for (std::size_t j = 0; j < inputs_.size(); ++j) {
      const Tensor& x = inputs_[j];
      if (!x.defined() || !x.requires_grad()) continue;
      if (x.dtype() != kFloat64) single.push_back(std::to_string(j) + " (" + describe(x) + ")");
      if (overlaps(x)) {
        throw std::invalid_argument(
            "gradcheck: input " + std::to_string(j) + " (" + describe(x) + ", strides " + shape_str(x.strides()) +
            ") has overlapping memory (a dimension with stride 0, as made by expand): perturbing one element would "
            "change several. gradcheck only supports inputs whose elements do not share memory; call .contiguous() "
            "on it before passing it to gradcheck.");
      }
      diff_in_.push_back(j);
      diff_tensors_.push_back(x);
    }
    if (diff_in_.empty()) {
      throw std::invalid_argument("gradcheck expects at least one input tensor to require gradient, but none of the " +
                                  std::to_string(inputs_.size()) + " inputs has requires_grad=true.");
    }
    if (!single.empty()) {
      std::string list;
      for (const auto& s : single) list += (list.empty() ? "" : ", ") + s;
      const bool many = single.size() > 1;
      std::string w = std::string("gradcheck: input") + (many ? "s " : " ") + list +
                      (many ? " require grad and are" : " requires grad and is") +
                      " not Float64. This check will likely fail if all the inputs are not of double precision: "
                      "central differences with eps = " +
                      num(opt_.eps()) +
                      " lose most significant digits in single precision. Convert with .to(kFloat64).";
      result_.warnings.push_back(w);
      std::cerr << "warning: " << w << std::endl;
    }
  }

  // Could two elements share memory? (Conservative: strides sorted must each exceed the extent
  // spanned by the smaller ones.)
  static bool overlaps(const Tensor& x) {
    std::vector<std::pair<std::int64_t, std::int64_t>> dims;  // (stride, size)
    for (std::size_t d = 0; d < x.shape().size(); ++d) {
      if (x.shape()[d] > 1) dims.push_back({x.strides()[d], x.shape()[d]});
    }
    std::sort(dims.begin(), dims.end());
    std::int64_t extent = 0;
    for (auto [stride, size] : dims) {
      if (stride <= extent) return true;
      extent += (size - 1) * stride;
    }
    return false;
  }

  // ---- calls ------------------------------------------------------------------------------
  tensor_list call() {
    ++result_.forward_calls;
    tensor_list outs;
    fn_(inputs_, outs);
    return outs;
  }

  tensor_list vjp(const tensor_list& outs, const tensor_list& grad_outs) {
    ++result_.backward_calls;
    return grad(outs, diff_tensors_, grad_outs, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
  }

  // fn at a perturbed point: outputs `which` read into bufs (which must keep their form).
  // `element` is the perturbed element of `input`, or -1 for a perturbation along a direction.
  void call_and_read(const std::vector<std::size_t>& which, std::vector<Matrix>& bufs, std::size_t input,
                     std::int64_t element) {
    ++result_.forward_calls;
    tensor_list& outs = scratch_;  // reused: no allocation of the check's own per call
    fn_(inputs_, outs);
    for (std::size_t w = 0; w < which.size(); ++w) {
      const std::size_t i = which[w];
      const Tensor& ref = outputs_[i];
      if (outs.size() != outputs_.size() || !outs[i].defined() || outs[i].shape() != ref.shape() ||
          outs[i].dtype() != ref.dtype()) {
        std::string got = outs.size() != outputs_.size()
                              ? std::to_string(outs.size()) + " outputs instead of " + std::to_string(outputs_.size())
                          : !outs[i].defined() ? "an undefined output " + std::to_string(i)
                                               : "output " + std::to_string(i) + " as " + describe(outs[i]) +
                                                     " instead of " + describe(ref);
        const std::string where = element < 0 ? "along a random direction"
                                              : "at element " + shape_str(unravel(element, inputs_[input].shape()));
        throw OutputsChanged{"gradcheck: fn returned " + got + " when input " + std::to_string(input) +
                             " was perturbed " + where + " by eps = " + num(opt_.eps()) +
                             ". Expected fn to return outputs of the same shape and dtype when its inputs are "
                             "perturbed."};
      }
      read_values(outs[i], bufs[w].data());
    }
    outs.clear();  // frees this call's graph now; the capacity stays for the next call
  }

  // ---- numerical Jacobians ------------------------------------------------------------------
  // For input j: one [numel(j), numel(o)] Jacobian per output index in `which`.
  std::vector<Matrix> numerical_jacobian(std::size_t j, const std::vector<std::size_t>& which) {
    Perturbation p(inputs_[j]);
    const auto rows = static_cast<std::int64_t>(p.size());
    std::vector<Matrix> jac, lo, hi;
    for (std::size_t i : which) {
      const auto cols = static_cast<std::size_t>(outputs_[i].numel());
      jac.emplace_back(static_cast<std::size_t>(rows) * cols);
      lo.emplace_back(cols);
      hi.emplace_back(cols);
    }
    const double eps = opt_.eps();
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto rs = static_cast<std::size_t>(r);
      const double x = p.original(rs);
      p.set(rs, x - eps);
      call_and_read(which, lo, j, r);
      p.set(rs, x + eps);
      call_and_read(which, hi, j, r);
      p.restore(rs);
      for (std::size_t w = 0; w < which.size(); ++w) {
        const std::size_t cols = lo[w].size();
        for (std::size_t c = 0; c < cols; ++c) jac[w][rs * cols + c] = (hi[w][c] - lo[w][c]) / (2 * eps);
      }
    }
    return jac;
  }

  // For input j perturbed along u: J u for each output index in `which` (two calls).
  std::vector<Matrix> numerical_jvp(std::size_t j, const Matrix& u, const std::vector<std::size_t>& which) {
    Perturbation p(inputs_[j]);
    std::vector<Matrix> lo, hi;
    for (std::size_t i : which) {
      lo.emplace_back(static_cast<std::size_t>(outputs_[i].numel()));
      hi.emplace_back(static_cast<std::size_t>(outputs_[i].numel()));
    }
    const double eps = opt_.eps();
    for (std::size_t r = 0; r < p.size(); ++r) p.set(r, p.original(r) - eps * u[r]);
    call_and_read(which, lo, j, -1);
    for (std::size_t r = 0; r < p.size(); ++r) p.set(r, p.original(r) + eps * u[r]);
    call_and_read(which, hi, j, -1);
    p.restore_all();
    for (std::size_t w = 0; w < which.size(); ++w) {
      for (std::size_t c = 0; c < lo[w].size(); ++c) lo[w][c] = (hi[w][c] - lo[w][c]) / (2 * eps);
    }
    return lo;
  }

  // ---- analytical Jacobians -----------------------------------------------------------------
  // Gradient k of a vjp result into column c of jac[k] (rows = input elements); checks shape
  // and dtype. Undefined gradients leave the column zero.
  void store_columns(const tensor_list& g, std::vector<Matrix>& jac, std::int64_t c, std::int64_t cols) {
    for (std::size_t k = 0; k < diff_in_.size(); ++k) {
      if (!g[k].defined()) continue;
      const Tensor& x = diff_tensors_[k];
      if (g[k].shape() != x.shape()) {
        bad_grad_shape_ = "Analytical gradient has incorrect size: the gradient w.r.t. input " +
                          std::to_string(diff_in_[k]) + " is " + describe(g[k]) + " but the input is " + describe(x);
        continue;
      }
      if (g[k].dtype() != x.dtype() && bad_grad_dtype_.empty()) {
        bad_grad_dtype_ = "Gradient has dtype mismatch: the gradient w.r.t. input " + std::to_string(diff_in_[k]) +
                          " is " + describe(g[k]) + " but the input is " + describe(x);
      }
      Matrix v = values_of(g[k]);
      for (std::size_t r = 0; r < v.size(); ++r)
        jac[k][r * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)] = v[r];
    }
  }

  // The vjp of output i alone, as PyTorch computes it: the other outputs' gradients are undefined.
  // If backward throws, a retry with zero gradients for them tells whether undefined gradients
  // are the cause (a failure of the check) or not (the error propagates, with context).
  tensor_list vjp_of_output(std::size_t i, const Tensor& g, const std::string& grad_desc) {
    try {
      return vjp({outputs_[i]}, {g});
    } catch (const std::exception& e) {
      std::string others;
      tensor_list outs, grads;
      for (std::size_t w : diff_out_) {
        outs.push_back(outputs_[w]);
        grads.push_back(w == i ? g : zeros_like(outputs_[w]));
        if (w != i) others += (others.empty() ? "" : ", ") + std::to_string(w);
      }
      bool fine_with_zeros = !others.empty();
      if (fine_with_zeros) {
        try {
          vjp(outs, grads);
        } catch (const std::exception&) {
          fine_with_zeros = false;
        }
      }
      if (fine_with_zeros) {
        throw UndefinedGradThrown{
            "Expected backward function to handle undefined output grads: computing the Jacobian of output " +
            std::to_string(i) + " (grad_output " + grad_desc + "), with the gradients of output(s) " + others +
            " undefined, backward threw:\n    " + e.what() + "\n  With zero gradients for output(s) " + others +
            " it succeeds. " + kUndefinedHint + "\n  graph: " + nodes_between(outputs_[i], diff_tensors_[0]) + "\n"};
      }
      throw std::runtime_error("gradcheck: backward threw while computing the analytical Jacobian of output " +
                               std::to_string(i) + " (grad_output " + grad_desc + "): " + e.what());
    }
  }

  // One vjp per element of output i with a one-hot grad_output: jac[k] for each diff input.
  std::vector<Matrix> analytical_jacobian(std::size_t i) {
    const Tensor& out = outputs_[i];
    const std::int64_t cols = out.numel();
    std::vector<Matrix> jac;
    for (const auto& x : diff_tensors_) jac.emplace_back(static_cast<std::size_t>(x.numel() * cols));
    Tensor onehot = zeros(out.shape(), out.dtype());
    const std::size_t es = element_size(out.dtype());
    for (std::int64_t c = 0; c < cols; ++c) {
      // Cleared in full every time: a backward that wrote into its grad_output must not leak.
      std::memset(onehot.impl()->data(), 0, static_cast<std::size_t>(cols) * es);
      dispatch(out.dtype(), [&](auto tag) { onehot.impl()->template data_as<decltype(tag)>()[c] = 1; });
      store_columns(vjp_of_output(i, onehot, "one-hot at " + shape_str(unravel(c, out.shape()))), jac, c, cols);
    }
    return jac;
  }

  // v^T J for output i: one vector per diff input.
  std::vector<Matrix> analytical_vjp(std::size_t i, const Matrix& v) {
    const Tensor& out = outputs_[i];
    std::vector<Matrix> res;
    for (const auto& x : diff_tensors_) res.emplace_back(static_cast<std::size_t>(x.numel()));
    store_columns(vjp_of_output(i, make_tensor(v, out.shape(), out.dtype()), "v"), res, 0, 1);
    return res;
  }

  // ---- stage 2 + 3: Jacobians and reentrancy ---------------------------------------------
  PairContext context(std::size_t i, const std::vector<Matrix>& num, const std::vector<Matrix>& ana) const {
    PairContext ctx{i, outputs_[i].shape(), diff_in_, {}, {}, {}};
    for (std::size_t k = 0; k < diff_in_.size(); ++k) {
      ctx.in_shapes.push_back(diff_tensors_[k].shape());
      ctx.numerical.push_back(&num[k]);
      ctx.analytical.push_back(&ana[k]);
    }
    return ctx;
  }

  // Largest |a - b| between two runs of the analytical Jacobians, with where it happened.
  struct NondetInfo {
    double diff = 0;
    std::size_t k = 0;
    std::size_t e = 0;
    double first = 0, second = 0;
  };
  static NondetInfo nondeterminism(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
    NondetInfo info;
    for (std::size_t k = 0; k < a.size(); ++k) {
      for (std::size_t e = 0; e < a[k].size(); ++e) {
        double d = std::abs(a[k][e] - b[k][e]);
        if (std::isnan(d)) d = std::numeric_limits<double>::infinity();
        if (d > info.diff) info = {d, k, e, a[k][e], b[k][e]};
      }
    }
    return info;
  }

  // In fast mode (cols == 0) the runs are v^T J, indexed by input element only.
  std::string nondet_report(std::size_t i, const NondetInfo& nd, std::int64_t cols) const {
    const std::size_t k = nd.k;
    std::ostringstream os;
    os << "the two runs differ by up to " << num(nd.diff) << " at ";
    if (cols == 0) {
      os << "(v^T J)" << shape_str(unravel(static_cast<std::int64_t>(nd.e), diff_tensors_[k].shape())) << " for output "
         << i << " and input " << diff_in_[k];
    } else {
      const auto r = static_cast<std::int64_t>(nd.e) / cols, c = static_cast<std::int64_t>(nd.e) % cols;
      os << "d output " << i << shape_str(unravel(c, outputs_[i].shape())) << " / d input " << diff_in_[k]
         << shape_str(unravel(r, diff_tensors_[k].shape()));
    }
    os << " (first run " << num(nd.first) << ", second run " << num(nd.second) << ")";
    return os.str();
  }

  void report_nondeterministic(std::size_t i, const NondetInfo& nd, std::int64_t cols) {
    std::ostringstream os;
    os << "Backward is not reentrant, i.e., running backward with the same input and grad_output multiple times "
          "gives different values, although the analytical gradient matches the numerical gradient. The tolerance "
          "for nondeterminism was "
       << num(opt_.nondet_tol()) << ".\n  output " << i << ", input " << diff_in_[nd.k] << ": "
       << nondet_report(i, nd, cols) << "\n  graph: " << nodes_between(outputs_[i], diff_tensors_[nd.k])
       << "\n  If the nondeterminism is expected (e.g. from atomic adds), raise nondet_tol.\n";
    fail(GradcheckFailure::NonDeterministic, os.str());
  }

  void slow_jacobians() {
    std::vector<std::vector<Matrix>> num;  // [k][w] for output diff_out_[w]
    for (std::size_t j : diff_in_) num.push_back(numerical_jacobian(j, diff_out_));
    std::string mismatch;
    std::optional<std::pair<std::size_t, NondetInfo>> nondet;
    for (std::size_t w = 0; w < diff_out_.size(); ++w) {
      const std::size_t i = diff_out_[w];
      std::vector<Matrix> ana = analytical_jacobian(i);
      std::vector<Matrix> again = analytical_jacobian(i);
      if (!bad_grad_shape_.empty()) return fail(GradcheckFailure::GradShape, bad_grad_shape_ + "\n");
      std::vector<Matrix> num_i;
      for (auto& per_input : num) num_i.push_back(std::move(per_input[w]));
      const PairContext ctx = context(i, num_i, ana);
      const NondetInfo nd = nondeterminism(ana, again);
      const bool deterministic = nd.diff <= opt_.nondet_tol();
      if (!deterministic && !nondet) nondet = std::make_pair(i, nd);
      for (std::size_t k = 0; k < diff_in_.size(); ++k) {
        GradcheckPair p;
        p.output = i;
        p.input = diff_in_[k];
        compare(p, num_i[k], ana[k], diff_tensors_[k].numel(), outputs_[i].numel(), diff_tensors_[k].shape(),
                outputs_[i].shape(), tol_);
        if (!p.passed) {
          diagnose(p, ctx, k, tol_);
          if (mismatch.empty()) {
            mismatch =
                mismatch_report(p, diff_tensors_[k], outputs_[i], tol_, nodes_between(outputs_[i], diff_tensors_[k]));
            if (!deterministic)
              mismatch +=
                  "  note: backward is also non-deterministic: " + nondet_report(i, nd, outputs_[i].numel()) + "\n";
          }
        }
        result_.pairs.push_back(std::move(p));
      }
    }
    if (!mismatch.empty()) return fail(GradcheckFailure::JacobianMismatch, mismatch);
    if (nondet) return report_nondeterministic(nondet->first, nondet->second, outputs_[nondet->first].numel());
    if (opt_.check_grad_dtypes() && !bad_grad_dtype_.empty()) fail(GradcheckFailure::GradDtype, bad_grad_dtype_ + "\n");
  }

  // ---- fast mode ------------------------------------------------------------------------------
  static Matrix unit_vector(Generator& gen, std::int64_t n) {
    Matrix v(static_cast<std::size_t>(n));
    double norm = 0;
    for (double& x : v) {
      x = gen.uniform();
      norm += x * x;
    }
    norm = std::sqrt(norm);
    if (norm > 0) {
      for (double& x : v) x /= norm;
    }
    return v;
  }

  static double dot(const Matrix& a, const Matrix& b) {
    double s = 0;
    for (std::size_t e = 0; e < a.size(); ++e) s += a[e] * b[e];
    return s;
  }

  void fast_jacobians() {
    Generator gen(opt_.seed());  // the check's own: the user's random state is untouched
    std::vector<Matrix> u, v;
    for (const auto& x : diff_tensors_) u.push_back(unit_vector(gen, x.numel()));
    for (std::size_t i : diff_out_) v.push_back(unit_vector(gen, outputs_[i].numel()));
    std::vector<std::vector<Matrix>> ju;  // [k][w]
    for (std::size_t k = 0; k < diff_in_.size(); ++k) ju.push_back(numerical_jvp(diff_in_[k], u[k], diff_out_));
    std::optional<std::pair<std::size_t, NondetInfo>> nondet;
    std::optional<std::size_t> failed;  // index into result_.pairs
    for (std::size_t w = 0; w < diff_out_.size(); ++w) {
      const std::size_t i = diff_out_[w];
      std::vector<Matrix> vj = analytical_vjp(i, v[w]);
      std::vector<Matrix> again = analytical_vjp(i, v[w]);
      if (!bad_grad_shape_.empty()) return fail(GradcheckFailure::GradShape, bad_grad_shape_ + "\n");
      const NondetInfo nd = nondeterminism(vj, again);
      if (nd.diff > opt_.nondet_tol() && !nondet) nondet = std::make_pair(i, nd);
      double sum_v = 0;
      for (double x : v[w]) sum_v += x;
      for (std::size_t k = 0; k < diff_in_.size(); ++k) {
        double sum_u = 0;
        for (double x : u[k]) sum_u += x;
        GradcheckPair p;
        p.output = i;
        p.input = diff_in_[k];
        p.fast = true;
        p.fast_numerical = dot(v[w], ju[k][w]);
        p.fast_analytical = dot(vj[k], u[k]);
        p.fast_tolerance = opt_.atol() * sum_u * sum_v + opt_.rtol() * std::abs(p.fast_numerical);
        p.max_abs_error = std::abs(p.fast_analytical - p.fast_numerical);
        p.total = 1;
        p.passed = p.max_abs_error <= p.fast_tolerance;
        p.failing = p.passed ? 0 : 1;
        if (!p.passed && !failed) failed = result_.pairs.size();
        result_.pairs.push_back(std::move(p));
      }
    }
    if (failed) return explain_fast_failure(result_.pairs[*failed]);
    if (nondet) {
      return report_nondeterministic(nondet->first, nondet->second, 0);
    }
    if (opt_.check_grad_dtypes() && !bad_grad_dtype_.empty()) fail(GradcheckFailure::GradDtype, bad_grad_dtype_ + "\n");
  }

  // Recomputes a pair that failed in fast mode element by element, for a report as good as slow mode's.
  void explain_fast_failure(GradcheckPair& p) {
    const std::size_t i = p.output;
    std::vector<Matrix> num;
    for (std::size_t j : diff_in_) num.push_back(std::move(numerical_jacobian(j, {i})[0]));
    std::vector<Matrix> ana = analytical_jacobian(i);
    std::size_t k = 0;
    while (diff_in_[k] != p.input) ++k;
    compare(p, num[k], ana[k], diff_tensors_[k].numel(), outputs_[i].numel(), diff_tensors_[k].shape(),
            outputs_[i].shape(), tol_);
    const bool slow_passes = p.passed;
    diagnose(p, context(i, num, ana), k, tol_);
    p.passed = false;
    if (slow_passes) {
      p.diagnosis = GradcheckDiagnosis::None;
      p.diagnosis_text = "none: slow mode passes for this pair";
    }
    fail(GradcheckFailure::JacobianMismatch,
         mismatch_report(p, diff_tensors_[k], outputs_[i], tol_, nodes_between(outputs_[i], diff_tensors_[k]),
                         slow_passes));
  }

  // ---- no differentiable outputs: the numerical gradient must vanish ---------------------
  void check_no_differentiable_outputs() {
    Generator gen(opt_.seed());
    for (std::size_t j : diff_in_) {
      std::vector<Matrix> jac;
      if (opt_.fast_mode()) {
        jac = numerical_jvp(j, unit_vector(gen, inputs_[j].numel()), float_out_);
      } else {
        jac = numerical_jacobian(j, float_out_);
      }
      for (std::size_t w = 0; w < float_out_.size(); ++w) {
        const std::size_t i = float_out_[w];
        const std::int64_t cols = outputs_[i].numel();
        for (std::size_t e = 0; e < jac[w].size(); ++e) {
          if (jac[w][e] == 0) continue;
          std::ostringstream os;
          os << "Numerical gradient for function expected to be zero: no output of the function requires grad, so "
                "none can be differentiated, yet output "
             << i << " changes with input " << j << ": ";
          if (opt_.fast_mode()) {
            os << "(J u)" << shape_str(unravel(static_cast<std::int64_t>(e), outputs_[i].shape())) << " = "
               << num(jac[w][e]);
          } else {
            os << "d output " << i << shape_str(unravel(static_cast<std::int64_t>(e) % cols, outputs_[i].shape()))
               << " / d input " << j << shape_str(unravel(static_cast<std::int64_t>(e) / cols, inputs_[j].shape()))
               << " = " << num(jac[w][e]);
          }
          os << ".\n  If the outputs should be differentiable, compute them from the inputs with recording on (no "
                "NoGradGuard or detach(), not marked non-differentiable). In gradgradcheck this means the backward "
                "is not itself differentiable.\n";
          return fail(GradcheckFailure::NonZeroWithoutDifferentiableOutputs, os.str());
        }
      }
    }
  }

  // ---- stage 5: zero grad_outputs give zero gradients -----------------------------------
  void check_mul_by_grad_output() {
    tensor_list outs, zeros_out;
    for (std::size_t i : diff_out_) {
      outs.push_back(outputs_[i]);
      zeros_out.push_back(zeros_like(outputs_[i]));
    }
    tensor_list g = vjp(outs, zeros_out);
    for (std::size_t k = 0; k < diff_in_.size(); ++k) {
      if (!g[k].defined()) continue;
      const Tensor& x = diff_tensors_[k];
      const std::string in = "input " + std::to_string(diff_in_[k]);
      if (g[k].dtype() != x.dtype()) {
        return fail(GradcheckFailure::GradDtype, "grad is incorrect type: the gradient w.r.t. " + in + " is " +
                                                     describe(g[k]) + " but the input is " + describe(x) + "\n");
      }
      if (g[k].shape() != x.shape()) {
        return fail(GradcheckFailure::GradShape, "grad is incorrect size: the gradient w.r.t. " + in + " is " +
                                                     describe(g[k]) + " but the input is " + describe(x) + "\n");
      }
      Matrix v = values_of(g[k]);
      for (std::size_t e = 0; e < v.size(); ++e) {
        if (v[e] == 0) continue;
        std::string graph;
        for (std::size_t i : diff_out_) graph += (graph.empty() ? "" : "; ") + nodes_between(outputs_[i], x);
        return fail(GradcheckFailure::NotMultipliedByGradOutput,
                    "backward not multiplied by grad_output: with every grad_output zero, the gradient w.r.t. " + in +
                        " is not zero (" + num(v[e]) + " at " +
                        shape_str(unravel(static_cast<std::int64_t>(e), x.shape())) +
                        "). Backward must scale its result by the incoming gradient.\n  graph: " + graph + "\n");
      }
    }
  }

  // ---- stage 6: undefined output gradients --------------------------------------------------
  void check_undefined_grads() {
    std::vector<std::vector<bool>> cases{std::vector<bool>(diff_out_.size(), true)};
    if (diff_out_.size() > 1) {
      for (std::size_t w = 0; w < diff_out_.size(); ++w) {
        cases.emplace_back(diff_out_.size(), false);
        cases.back()[w] = true;
      }
    }
    for (const auto& undefined : cases) {
      tensor_list outs, zeros_out;
      std::string which;
      std::size_t count = 0;
      for (std::size_t w = 0; w < diff_out_.size(); ++w) {
        const Tensor& o = outputs_[diff_out_[w]];
        outs.push_back(undefined[w] ? with_undefined_grad(o) : o);
        zeros_out.push_back(zeros_like(o));
        if (!undefined[w]) continue;
        which += (which.empty() ? "" : ", ") + std::to_string(diff_out_[w]);
        ++count;
      }
      const std::string what =
          (count > 1 ? "the gradients of outputs " : "the gradient of output ") + which + " undefined";
      tensor_list g;
      try {
        g = vjp(outs, zeros_out);
      } catch (const std::exception& e) {
        return fail(GradcheckFailure::UndefinedGradThrows,
                    "Expected backward function to handle undefined output grads: backward threw with " + what +
                        ":\n    " + e.what() + "\n  " + kUndefinedHint + "\n  graph: " +
                        nodes_between(outputs_[diff_out_[0]], diff_tensors_[0]) + "\n");
      }
      for (std::size_t k = 0; k < diff_in_.size(); ++k) {
        if (!g[k].defined()) continue;
        const double m = max_abs(values_of(g[k]));
        if (m != 0) {
          return fail(GradcheckFailure::UndefinedGradNonZero,
                      "Expected all input grads to be undefined or zero when all output grads are undefined or "
                      "zero: with " +
                          what + " and the others zero, the gradient w.r.t. input " + std::to_string(diff_in_[k]) +
                          " has max |value| " + num(m) + "\n");
        }
      }
    }
  }

  void fail(GradcheckFailure f, std::string message) {
    if (!result_.passed) return;
    result_.passed = false;
    result_.failure = f;
    result_.message = std::move(message);
  }

  const GradcheckFunction& fn_;
  tensor_list scratch_;  // outputs of the perturbed calls
  const tensor_list& inputs_;
  GradcheckOptions opt_;
  Tolerance tol_;
  GradcheckResult result_;
  tensor_list outputs_;
  std::vector<std::size_t> diff_in_;   // indices of inputs that require grad
  tensor_list diff_tensors_;           // those inputs
  std::vector<std::size_t> diff_out_;  // indices of outputs that require grad
  std::vector<std::size_t> float_out_;
  std::string bad_grad_shape_, bad_grad_dtype_;
};

}  // namespace

namespace detail {

GradcheckResult gradcheck_impl(const GradcheckFunction& fn, const tensor_list& inputs,
                               const GradcheckOptions& options) {
  return Checker(fn, inputs, options).run();
}

GradcheckResult gradgradcheck_impl(const GradcheckFunction& fn, const tensor_list& inputs,
                                   const tensor_list& grad_outputs, const GradcheckOptions& options) {
  AutoGradMode grad_on(true);
  std::int64_t extra_calls = 0;
  tensor_list gos = grad_outputs;
  if (gos.empty()) {
    tensor_list outs;
    fn(inputs, outs);
    ++extra_calls;
    Generator gen(options.seed());  // the check's own: the user's random state is untouched
    for (const auto& o : outs) {
      if (!o.defined() || !o.requires_grad()) continue;
      Matrix vals(static_cast<std::size_t>(o.numel()));
      for (double& x : vals) x = 2 * gen.uniform() - 1;
      Tensor g = make_tensor(vals, o.shape(), o.dtype(), options.gen_non_contig_grad_outputs());
      g.requires_grad_(true);
      gos.push_back(g);
    }
    if (gos.empty()) {
      throw std::invalid_argument("gradgradcheck: no output of fn requires grad (got " + std::to_string(outs.size()) +
                                  " outputs), so there is nothing to differentiate twice");
    }
  }
  const std::size_t n_in = inputs.size();
  GradcheckFunction first_derivative = [&fn, n_in](const tensor_list& args, tensor_list& result) {
    tensor_list in(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(n_in));
    tensor_list go(args.begin() + static_cast<std::ptrdiff_t>(n_in), args.end());
    tensor_list outs, all_outs;
    fn(in, all_outs);
    for (auto& o : all_outs) {
      if (o.defined() && o.requires_grad()) outs.push_back(o);
    }
    if (outs.size() != go.size()) {
      throw std::invalid_argument("gradgradcheck: fn has " + std::to_string(outs.size()) +
                                  " outputs that require grad but " + std::to_string(go.size()) +
                                  " grad_outputs were given (one per such output)");
    }
    for (std::size_t i = 0; i < outs.size(); ++i) {
      if (!go[i].defined() || go[i].shape() != outs[i].shape()) {
        throw std::invalid_argument("gradgradcheck: grad_output " + std::to_string(i) + " is " +
                                    (go[i].defined() ? describe(go[i]) : std::string("undefined")) + " but output " +
                                    std::to_string(i) + " is " + describe(outs[i]));
      }
    }
    tensor_list diff_in;
    for (const auto& x : in) {
      if (x.defined() && x.requires_grad()) diff_in.push_back(x);
    }
    tensor_list g = grad(outs, diff_in, go, /*retain_graph=*/true, /*create_graph=*/true, /*allow_unused=*/true);
    // An input the outputs do not depend on has a zero gradient (not differentiable further).
    for (std::size_t k = 0; k < g.size(); ++k) {
      if (!g[k].defined()) g[k] = zeros_like(diff_in[k]);
    }
    result = std::move(g);
  };
  tensor_list all = inputs;
  all.insert(all.end(), gos.begin(), gos.end());
  GradcheckResult r = Checker(first_derivative, all, options).run();
  r.forward_calls += extra_calls;
  if (!r.passed) {
    r.message += "  (gradgradcheck: the function checked is (inputs 0.." + std::to_string(n_in - 1) +
                 ", grad_outputs as inputs " + std::to_string(n_in) + ".." + std::to_string(all.size() - 1) +
                 ") -> the gradients of fn w.r.t. its inputs that require grad, in order, as outputs 0, 1, ...; a "
                 "failure here means the backward of fn is not correctly differentiable.)\n";
  }
  return r;
}

bool finish(const GradcheckResult& result, const GradcheckOptions& options) {
  if (!result.passed && options.raise_exception()) throw GradcheckError(result.message);
  return result.passed;
}

}  // namespace detail

}  // namespace xgrad::autograd
