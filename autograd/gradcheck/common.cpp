// gradcheck's shared pieces: the enum names, the result's look-ups, raw element access to
// tensors of any dtype (Jacobians are computed in double), and the formatting of reports.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "../kernels/kernels.hpp"
#include "../node.hpp"
#include "internal.hpp"

namespace xgrad::autograd {

const char* gradcheck_failure_name(GradcheckFailure f) noexcept {
  switch (f) {
    case GradcheckFailure::None: return "None";
    case GradcheckFailure::JacobianMismatch: return "JacobianMismatch";
    case GradcheckFailure::NonDeterministic: return "NonDeterministic";
    case GradcheckFailure::GradShape: return "GradShape";
    case GradcheckFailure::GradDtype: return "GradDtype";
    case GradcheckFailure::NotMultipliedByGradOutput: return "NotMultipliedByGradOutput";
    case GradcheckFailure::UndefinedGradThrows: return "UndefinedGradThrows";
    case GradcheckFailure::UndefinedGradNonZero: return "UndefinedGradNonZero";
    case GradcheckFailure::NonZeroWithoutDifferentiableOutputs: return "NonZeroWithoutDifferentiableOutputs";
    case GradcheckFailure::OutputChangedUnderPerturbation: return "OutputChangedUnderPerturbation";
  }
  return "?";
}

const char* gradcheck_diagnosis_name(GradcheckDiagnosis d) noexcept {
  switch (d) {
    case GradcheckDiagnosis::None: return "None";
    case GradcheckDiagnosis::AnalyticalZero: return "AnalyticalZero";
    case GradcheckDiagnosis::NumericalZero: return "NumericalZero";
    case GradcheckDiagnosis::NotFinite: return "NotFinite";
    case GradcheckDiagnosis::WrongSign: return "WrongSign";
    case GradcheckDiagnosis::ConstantFactor: return "ConstantFactor";
    case GradcheckDiagnosis::Transposed: return "Transposed";
    case GradcheckDiagnosis::WrongInput: return "WrongInput";
    case GradcheckDiagnosis::IgnoresGradOutput: return "IgnoresGradOutput";
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

namespace detail {

using kernels::dispatch;

std::vector<std::int64_t> element_offsets(const Tensor& t) {
  const TensorImpl& ti = *t.impl();
  std::vector<std::int64_t> offs(static_cast<std::size_t>(ti.numel));
  kernels::for_each_offset(
      ti.shape, &ti.strides, nullptr, nullptr, ti.offset, 0, 0,
      [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { offs[static_cast<std::size_t>(i)] = o; });
  return offs;
}

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

Tensor make_tensor(const Matrix& values, const Shape& shape, Dtype dtype, bool strided) {
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

std::string describe_tensor(const Tensor& t) { return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()); }

std::string factor_str(double k) {
  if (std::abs(k - std::round(k)) <= 1e-3 * std::max(1.0, std::abs(k))) return num_str(std::round(k));
  double inv = 1.0 / k;
  if (std::abs(inv - std::round(inv)) <= 1e-3 * std::abs(inv)) {
    return num_str(k) + " (= " + (inv < 0 ? "-" : "") + "1/" + num_str(std::abs(std::round(inv))) + ")";
  }
  return num_str(k);
}

Node* target_node(const Tensor& in) {
  return in.grad_fn() ? in.grad_fn().get() : in.impl()->grad_accumulator.lock().get();
}

std::vector<Node*> nodes_on_paths(const Tensor& out, const Tensor& in) {
  std::shared_ptr<Node> root = out.grad_fn();
  if (!root) return {};
  Node* target = target_node(in);
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
  std::vector<Node*> on_path;
  for (auto& [n, st] : state) {
    if (st == 1 && n != target) on_path.push_back(n);
  }
  std::sort(on_path.begin(), on_path.end(), [](Node* x, Node* y) { return x->sequence_nr() > y->sequence_nr(); });
  return on_path;
}

namespace {
// "A -> [B] -> C": at most 8 names, `mark` in brackets.
std::string path_str(const std::vector<Node*>& on_path, const Node* mark) {
  std::string s;
  const std::size_t shown = std::min<std::size_t>(on_path.size(), 8);
  for (std::size_t k = 0; k < shown; ++k) {
    const std::string name = on_path[k]->name();
    s += (k ? " -> " : "") + (on_path[k] == mark ? "[" + name + "]" : name);
  }
  if (shown < on_path.size()) s += " -> ... (" + std::to_string(on_path.size() - shown) + " more)";
  return s;
}
}  // namespace

std::string nodes_between(const Tensor& out, const Tensor& in) {
  std::shared_ptr<Node> root = out.grad_fn();
  if (!root) return "output has no grad_fn";
  if (root.get() == (in.grad_fn() ? in.grad_fn().get() : in.impl()->grad_accumulator.lock().get()))
    return "the output is the input itself";
  std::vector<Node*> on_path = nodes_on_paths(out, in);
  if (on_path.empty()) return "output comes from " + root->name() + "; no path in the graph from it to this input";
  return path_str(on_path, nullptr);
}

std::string locate_node(const Node& node, const Tensor& out, std::size_t out_index, const tensor_list& ins,
                        const std::vector<std::size_t>& in_indices) {
  for (std::size_t k = 0; k < ins.size(); ++k) {
    std::vector<Node*> on_path = nodes_on_paths(out, ins[k]);
    auto it = std::find(on_path.begin(), on_path.end(), &node);
    if (it == on_path.end()) continue;
    return node.name() + " (node " + std::to_string(it - on_path.begin() + 1) + " of " +
           std::to_string(on_path.size()) + " on the paths from output " + std::to_string(out_index) + " to input " +
           std::to_string(in_indices[k]) + ", newest first: " + path_str(on_path, &node) + ")";
  }
  return node.name() + " (not on a path from output " + std::to_string(out_index) + " to an input that requires grad)";
}

}  // namespace detail
}  // namespace xgrad::autograd
