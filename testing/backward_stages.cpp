// check_function's stages that call backward directly: zero-size inputs and backward twice.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "../autograd/engine.hpp"
#include "../autograd/format.hpp"
#include "../autograd/grad_mode.hpp"
#include "stages.hpp"

namespace xgrad::testing::detail {
namespace {

struct Differentiable {
  tensor_list outputs, inputs;
  std::vector<std::size_t> input_index;
};

Differentiable differentiable(const tensor_list& outs, const tensor_list& x) {
  Differentiable d;
  for (const Tensor& o : outs) {
    if (o.defined() && o.requires_grad()) d.outputs.push_back(o);
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i].defined() && x[i].requires_grad()) {
      d.inputs.push_back(x[i]);
      d.input_index.push_back(i);
    }
  }
  return d;
}

// Fixed, varied grad_outputs (sin(k + 1)): a backward that mixes up elements shows.
tensor_list varied_grad_outputs(const tensor_list& outputs) {
  tensor_list gos;
  for (const Tensor& o : outputs) {
    std::vector<double> v(static_cast<std::size_t>(o.numel()));
    for (std::size_t k = 0; k < v.size(); ++k) v[k] = std::sin(double(k) + 1);
    gos.push_back(tensor(v, o.shape(), TensorOptions(o.dtype())));
  }
  return gos;
}

}  // namespace

// Inputs with a leading dimension 0: every floating input with a dimension (`all`), or only those
// of the largest rank (a batch dimension, leaving e.g. a broadcast bias as it is).
tensor_list zero_size_inputs(const tensor_list& inputs, bool all) {
  tensor_list x = copies_as(inputs, kFloat64, true);
  std::int64_t rank = 0;
  for (const Tensor& t : x) rank = std::max(rank, t.defined() && t.is_floating_point() ? t.dim() : 0);
  for (Tensor& t : x) {
    if (!t.defined() || !t.is_floating_point() || t.dim() == 0 || (!all && t.dim() < rank)) continue;
    Shape s = t.shape();
    s[0] = 0;
    t = zeros(s, TensorOptions(kFloat64).requires_grad(true));
  }
  return x;
}

StageResult zero_size_stage(const CheckedFunction& fn, const tensor_list& inputs) {
  const std::string name = "zero-size inputs";
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.is_floating_point() && t.dim() > 0);
  if (!any) return stage(name, StageStatus::Skipped, "no floating input has a dimension");
  tensor_list x, outs;
  std::string refused;
  for (bool all : {true, false}) {
    try {
      x = zero_size_inputs(inputs, all);
      outs = fn(x);
      refused.clear();
      break;
    } catch (const std::exception& e) {
      if (refused.empty()) refused = e.what();
    }
  }
  if (!refused.empty()) {
    return stage(name, StageStatus::Skipped, "the function refuses inputs with a leading dimension 0: " + refused);
  }
  Differentiable d = differentiable(outs, x);
  if (d.outputs.empty()) return stage(name, StageStatus::Passed, "no output requires grad");
  tensor_list gos;
  for (const Tensor& o : d.outputs) gos.push_back(ones_like(o));
  tensor_list grads;
  try {
    grads = autograd::grad(d.outputs, d.inputs, gos, std::nullopt, false, true);
  } catch (const std::exception& e) {
    return stage(
        name, StageStatus::Failed,
        std::string("backward threw on inputs with a leading dimension 0 (the forward accepted them): ") + e.what());
  }
  for (std::size_t k = 0; k < grads.size(); ++k) {
    if (grads[k].defined() && grads[k].shape() != d.inputs[k].shape()) {
      std::ostringstream os;
      os << "the gradient of input " << d.input_index[k] << " has shape " << shape_text(grads[k].shape())
         << ", its input " << shape_text(d.inputs[k].shape()) << " (zero-size inputs)";
      return stage(name, StageStatus::Failed, os.str());
    }
  }
  return stage(name, StageStatus::Passed);
}

StageResult backward_twice_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go) {
  const std::string name = "backward twice";
  tensor_list x = copies_as(inputs, kFloat64, true);
  tensor_list outs = fn(x);
  Differentiable d = differentiable(outs, x);
  if (d.outputs.empty() || d.inputs.empty()) return stage(name, StageStatus::Skipped, "no output requires grad");
  const tensor_list gos = varied_grad_outputs(d.outputs);
  tensor_list first = autograd::grad(d.outputs, d.inputs, gos, true, false, true);
  tensor_list second;
  try {
    second = autograd::grad(d.outputs, d.inputs, gos, true, false, true);
  } catch (const std::exception& e) {
    return stage(name, StageStatus::Failed,
                 std::string("a second backward through the same graph (retain_graph=true) threw: ") + e.what());
  }
  for (std::size_t k = 0; k < first.size(); ++k) {
    std::ostringstream os;
    os << "input " << d.input_index[k] << ": ";
    if (first[k].defined() != second[k].defined()) {
      os << "the gradient is " << (first[k].defined() ? "defined" : "undefined") << " the first time, "
         << (second[k].defined() ? "defined" : "undefined") << " the second";
      return stage(name, StageStatus::Failed, os.str());
    }
    if (!first[k].defined()) continue;
    const auto a = first[k].to_vector<double>(), b = second[k].to_vector<double>();
    for (std::size_t e = 0; e < a.size(); ++e) {
      if (!(std::abs(a[e] - b[e]) <= go.nondet_tol()) && !(std::isnan(a[e]) && std::isnan(b[e]))) {
        os << "two backward passes through the same graph give different gradients at flat index " << e << ": "
           << num_str(a[e]) << " then " << num_str(b[e]) << " (nondet_tol " << num_str(go.nondet_tol())
           << "): backward keeps state between calls";
        return stage(name, StageStatus::Failed, os.str());
      }
    }
  }
  return stage(name, StageStatus::Passed);
}

}  // namespace xgrad::testing::detail
