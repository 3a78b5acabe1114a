// check_function's stages that call backward directly: zero-size inputs and backward twice.
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

StageResult zero_size_stage(const CheckedFunction& fn, const tensor_list& inputs) {
  const std::string name = "zero-size inputs";
  tensor_list x = copies_as(inputs, kFloat64, true);
  bool any = false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!x[i].defined() || !x[i].is_floating_point() || x[i].dim() == 0) continue;
    Shape s = x[i].shape();
    s[0] = 0;
    x[i] = zeros(s, TensorOptions(kFloat64).requires_grad(true));
    any = true;
  }
  if (!any) return stage(name, StageStatus::Skipped, "no floating input has a dimension");
  tensor_list outs;
  try {
    outs = fn(x);
  } catch (const std::exception& e) {
    return stage(name, StageStatus::Skipped,
                 std::string("the function refuses inputs with a leading dimension 0: ") + e.what());
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
