// Stages 2 and 3: the numerical and analytical Jacobians compared pair by pair, and the two
// analytical runs compared with each other (reentrancy), in slow and in fast mode.
#include <cmath>
#include <limits>
#include <sstream>

#include "checker.hpp"

namespace xgrad::autograd::detail {

namespace {

double dot(const Matrix& a, const Matrix& b) {
  double s = 0;
  for (std::size_t e = 0; e < a.size(); ++e) s += a[e] * b[e];
  return s;
}

}  // namespace

PairContext Checker::context(std::size_t i, const std::vector<Matrix>& num, const std::vector<Matrix>& ana) const {
  PairContext ctx{i, outputs_[i].shape(), diff_in_, {}, {}, {}};
  for (std::size_t k = 0; k < diff_in_.size(); ++k) {
    ctx.in_shapes.push_back(diff_tensors_[k].shape());
    ctx.numerical.push_back(&num[k]);
    ctx.analytical.push_back(&ana[k]);
  }
  return ctx;
}

Checker::NondetInfo Checker::nondeterminism(const std::vector<Matrix>& a, const std::vector<Matrix>& b) {
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
std::string Checker::nondet_report(std::size_t i, const NondetInfo& nd, std::int64_t cols) const {
  const std::size_t k = nd.k;
  std::ostringstream os;
  os << "the two runs differ by up to " << num_str(nd.diff) << " at ";
  if (cols == 0) {
    os << "(v^T J)" << shape_str(unravel(static_cast<std::int64_t>(nd.e), diff_tensors_[k].shape())) << " for output "
       << i << " and input " << diff_in_[k];
  } else {
    const auto r = static_cast<std::int64_t>(nd.e) / cols, c = static_cast<std::int64_t>(nd.e) % cols;
    os << "d output " << i << shape_str(unravel(c, outputs_[i].shape())) << " / d input " << diff_in_[k]
       << shape_str(unravel(r, diff_tensors_[k].shape()));
  }
  os << " (first run " << num_str(nd.first) << ", second run " << num_str(nd.second) << ")";
  return os.str();
}

// PyTorch's message, which adds "although the analytical gradient matches the numerical
// gradient"; when it does not (`note` says how), the message says so instead.
void Checker::report_nondeterministic(std::size_t i, const NondetInfo& nd, std::int64_t cols, const std::string& note) {
  std::ostringstream os;
  os << "Backward is not reentrant, i.e., running backward with the same input and grad_output multiple times "
        "gives different values, "
     << (note.empty() ? "although the analytical gradient matches the numerical gradient"
                      : "and the analytical gradient does not match the numerical gradient either (see the note)")
     << ". The tolerance for nondeterminism was " << num_str(opt_.nondet_tol()) << ".\n  output " << i << ", input "
     << diff_in_[nd.k] << ": " << nondet_report(i, nd, cols)
     << "\n  graph: " << nodes_between(outputs_[i], diff_tensors_[nd.k])
     << "\n  If the nondeterminism is expected (e.g. from atomic adds), raise nondet_tol.\n"
     << note;
  nondet_pair_ = std::make_pair(i, nd.k);
  fail(GradcheckFailure::NonDeterministic, os.str());
}

// PyTorch's order, output by output: the shapes of the gradients, then reentrancy (two runs of
// backward), then the comparison with the numerical Jacobian. The first output that fails a
// stage decides the failure; every pair of the outputs compared so far is kept in the result.
void Checker::slow_jacobians() {
  std::vector<std::vector<Matrix>> num;  // [k][w] for output diff_out_[w]
  for (std::size_t j : diff_in_) num.push_back(numerical_jacobian(j, diff_out_));
  std::string mismatch, mismatch_note;
  Nondet nondet;
  for (std::size_t w = 0; w < diff_out_.size() && !nondet; ++w) {
    const std::size_t i = diff_out_[w];
    std::vector<Matrix> ana = analytical_jacobian(i);
    std::vector<Matrix> again = analytical_jacobian(i);
    if (!bad_grad_shape_.empty()) return fail(GradcheckFailure::GradShape, bad_grad_shape_ + "\n");
    std::vector<Matrix> num_i;
    for (auto& per_input : num) num_i.push_back(std::move(per_input[w]));
    const PairContext ctx = context(i, num_i, ana);
    const NondetInfo nd = nondeterminism(ana, again);
    if (nd.diff > opt_.nondet_tol() && mismatch.empty()) nondet = std::make_pair(i, nd);
    for (std::size_t k = 0; k < diff_in_.size(); ++k) {
      GradcheckPair p;
      p.output = i;
      p.input = diff_in_[k];
      compare(p, num_i[k], ana[k], diff_tensors_[k].shape(), outputs_[i].shape(), tol_);
      if (!p.passed) {
        diagnose(p, ctx, k, tol_);
        if (nondet && mismatch_note.empty()) mismatch_note = "  note: " + mismatch_summary(p) + "\n";
        if (!nondet && mismatch.empty()) {
          mismatch =
              mismatch_report(p, diff_tensors_[k], outputs_[i], tol_, nodes_between(outputs_[i], diff_tensors_[k]));
        }
      }
      result_.pairs.push_back(std::move(p));
    }
  }
  if (nondet)
    return report_nondeterministic(nondet->first, nondet->second, outputs_[nondet->first].numel(), mismatch_note);
  if (!mismatch.empty()) return fail(GradcheckFailure::JacobianMismatch, mismatch);
  if (opt_.check_grad_dtypes() && !bad_grad_dtype_.empty()) fail(GradcheckFailure::GradDtype, bad_grad_dtype_ + "\n");
}

// The one-line account of a mismatching pair, for a note in another failure's report.
std::string Checker::mismatch_summary(const GradcheckPair& p) const {
  std::ostringstream os;
  os << "the analytical Jacobian of output " << p.output << " w.r.t. input " << p.input
     << " also differs from the numerical one (";
  if (p.fast) {
    os << "fast mode: v^T J u numerical " << num_str(p.fast_numerical) << ", analytical " << num_str(p.fast_analytical);
  } else {
    os << p.failing << " of " << p.total
       << " elements outside the tolerance, max |analytical - numerical| = " << num_str(p.max_abs_error)
       << "; diagnosis: " << p.diagnosis_text;
  }
  os << "). Make backward deterministic first, then check again.";
  return os.str();
}

void Checker::fast_jacobians() {
  Generator gen(opt_.seed());  // the check's own: the user's random state is untouched
  std::vector<Matrix> u, v;
  for (const auto& x : diff_tensors_) u.push_back(unit_vector(gen, x.numel()));
  for (std::size_t i : diff_out_) v.push_back(unit_vector(gen, outputs_[i].numel()));
  std::vector<std::vector<Matrix>> ju;  // [k][w]
  for (std::size_t k = 0; k < diff_in_.size(); ++k) ju.push_back(numerical_jvp(diff_in_[k], u[k], diff_out_));
  Nondet nondet;
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
  // PyTorch's fast mode checks every output's reentrancy before comparing any v^T J u.
  if (nondet) {
    std::string note;
    for (const auto& p : result_.pairs) {
      if (!p.passed && p.output == nondet->first && note.empty()) note = "  note: " + mismatch_summary(p) + "\n";
    }
    return report_nondeterministic(nondet->first, nondet->second, 0, note);
  }
  if (failed) return explain_fast_failure(result_.pairs[*failed]);
  if (opt_.check_grad_dtypes() && !bad_grad_dtype_.empty()) fail(GradcheckFailure::GradDtype, bad_grad_dtype_ + "\n");
}

// Recomputes a pair that failed in fast mode element by element, for a report as good as slow mode's.
void Checker::explain_fast_failure(GradcheckPair& p) {
  const std::size_t i = p.output;
  std::vector<Matrix> num;
  for (std::size_t j : diff_in_) num.push_back(std::move(numerical_jacobian(j, {i})[0]));
  std::vector<Matrix> ana = analytical_jacobian(i);
  std::size_t k = 0;
  while (diff_in_[k] != p.input) ++k;
  compare(p, num[k], ana[k], diff_tensors_[k].shape(), outputs_[i].shape(), tol_);
  const bool slow_passes = p.passed;
  diagnose(p, context(i, num, ana), k, tol_);
  p.passed = false;
  if (slow_passes) {
    p.diagnosis = GradcheckDiagnosis::None;
    p.diagnosis_text = "none: slow mode passes for this pair";
  }
  fail(GradcheckFailure::JacobianMismatch, mismatch_report(p, diff_tensors_[k], outputs_[i], tol_,
                                                           nodes_between(outputs_[i], diff_tensors_[k]), slow_passes));
}

}  // namespace xgrad::autograd::detail
