// The gradient check again on non-contiguous, expanded and broadcast inputs.
#include <sstream>

#include "../autograd/grad_mode.hpp"
#include "stages.hpp"

namespace xgrad::testing::detail {

tensor_list copies_as(const tensor_list& inputs, Dtype dtype, bool requires_grad) {
  tensor_list out;
  for (const Tensor& t : inputs) {
    if (!t.defined() || !t.is_floating_point()) {
      out.push_back(t);
      continue;
    }
    Tensor c = t.dtype() == dtype ? t.detach().clone() : t.detach().to(dtype);
    if (requires_grad) c.requires_grad_(true);
    out.push_back(c);
  }
  return out;
}

std::string shape_text(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (std::size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

namespace {

// A leaf with t's values in non-contiguous memory: >= 2-D transposed layout when that is not
// contiguous, else every other element along the last dimension of a buffer twice as wide.
Tensor non_contiguous_copy(const Tensor& t) {
  NoGradGuard no_grad;
  const std::int64_t d = t.dim();
  if (d == 0 || t.numel() <= 1) return t.detach().clone();
  if (d >= 2) {
    Tensor v = t.transpose(0, d - 1).contiguous().transpose(0, d - 1).detach();
    if (!v.is_contiguous()) return v;
  }
  Shape wide = t.shape();
  wide[static_cast<std::size_t>(d - 1)] *= 2;
  Tensor buf = zeros(wide, TensorOptions(t.dtype()));
  Tensor v = buf.slice(d - 1, 0, wide[static_cast<std::size_t>(d - 1)], 2);
  v.copy_(t);
  return v.detach();
}

bool leading_dim_over_one(const Tensor& t) {
  return t.defined() && t.is_floating_point() && t.dim() >= 1 && t.size(0) > 1;
}

}  // namespace

StageResult non_contiguous_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go) {
  const std::string name = "non-contiguous inputs";
  tensor_list x;
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined() || !t.is_floating_point()) {
      x.push_back(t);
      continue;
    }
    Tensor c = non_contiguous_copy(t.detach().to(kFloat64));
    if (!c.is_contiguous()) changed.push_back(i);
    x.push_back(c.requires_grad_(true));
  }
  if (changed.empty()) return stage(name, StageStatus::Skipped, "no input has more than one element");
  StageResult s = from_gradcheck(name, autograd::gradcheck_report(fn, x, go));
  if (!s.gradcheck.passed) {
    std::ostringstream os;
    os << "the same values in non-contiguous memory (inputs";
    for (std::size_t i : changed) os << " " << i << " strides " << shape_text(x[i].strides());
    os << ") fail, while contiguous inputs ";
    s.detail = os.str() + "are checked by the gradcheck stage:\n" + s.detail;
  }
  return s;
}

StageResult expanded_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go) {
  const std::string name = "expanded inputs";
  tensor_list leaves = copies_as(inputs, kFloat64, true);
  std::vector<Shape> full(inputs.size());
  bool any = false;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!leading_dim_over_one(inputs[i])) continue;
    full[i] = inputs[i].shape();
    NoGradGuard no_grad;
    leaves[i] = inputs[i].detach().to(kFloat64).narrow(0, 0, 1).clone().requires_grad_(true);
    any = true;
  }
  if (!any) return stage(name, StageStatus::Skipped, "no input has a leading dimension > 1");
  auto expanded = [&fn, &full](const tensor_list& in) {
    tensor_list x = in;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!full[i].empty()) x[i] = x[i].expand(full[i]);
    }
    return fn(x);
  };
  StageResult s = from_gradcheck(name, autograd::gradcheck_report(expanded, leaves, go));
  if (!s.gradcheck.passed) {
    s.detail =
        "inputs with a leading dimension > 1 given as stride-0 views (expand) of their first slice fail:\n" + s.detail;
  }
  return s;
}

std::vector<StageResult> broadcast_stages(const CheckedFunction& fn, const tensor_list& inputs,
                                          const GradcheckOptions& go) {
  std::vector<StageResult> out;
  tensor_list reference;
  {
    NoGradGuard no_grad;
    reference = fn(copies_as(inputs, kFloat64, false));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!leading_dim_over_one(inputs[i])) continue;
    const std::string name = "broadcast input " + std::to_string(i);
    tensor_list x = copies_as(inputs, kFloat64, true);
    {
      NoGradGuard no_grad;
      x[i] = inputs[i].detach().to(kFloat64).narrow(0, 0, 1).clone();
    }
    x[i].requires_grad_(true);
    const std::string smaller = shape_text(x[i].shape());
    tensor_list outs;
    try {
      NoGradGuard no_grad;
      outs = fn(x);
    } catch (const std::exception& e) {
      out.push_back(stage(name, StageStatus::Skipped,
                          "the function refuses input " + std::to_string(i) + " as " + smaller + ": " + e.what()));
      continue;
    }
    bool same = outs.size() == reference.size();
    for (std::size_t k = 0; same && k < outs.size(); ++k) {
      same = outs[k].defined() == reference[k].defined() &&
             (!outs[k].defined() || outs[k].shape() == reference[k].shape());
    }
    if (!same) {
      out.push_back(stage(name, StageStatus::Skipped,
                          "input " + std::to_string(i) + " as " + smaller +
                              " changes the outputs' shapes: the function does not broadcast it"));
      continue;
    }
    StageResult s = guarded(name, [&] { return from_gradcheck(name, autograd::gradcheck_report(fn, x, go)); });
    if (s.status == StageStatus::Failed) {
      s.detail = "input " + std::to_string(i) + " broadcast from " + smaller + " to " + shape_text(inputs[i].shape()) +
                 " inside the function fails:\n" + s.detail;
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) out.push_back(stage("broadcast", StageStatus::Skipped, "no input has a leading dimension > 1"));
  return out;
}

}  // namespace xgrad::testing::detail
