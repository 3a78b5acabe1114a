// torch.autograd.functional, step for step: the helpers mirror PyTorch's (_grad_preprocess,
// _autograd_grad, _fill_in_zeros, ...) so that results, strict-mode errors and their order
// match; see functional.hpp for the contract.
#include "xgrad/autograd/functional.hpp"

#include <stdexcept>
#include <string>

#include "xgrad/autograd/engine.hpp"
#include "xgrad/autograd/grad_mode.hpp"
#include "xgrad/autograd/ops.hpp"
#include "xgrad/autograd/tensor_impl.hpp"

namespace xgrad {
namespace autograd {
namespace functional {
namespace detail {
namespace {

std::string idx(std::size_t i) { return std::to_string(i); }

// Undefined or integer inputs cannot be differentiated: refuse them before f runs.
void check_inputs(const tensor_list& inputs, const char* fn) {
  if (inputs.empty()) throw std::invalid_argument(std::string(fn) + ": inputs is an empty list");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) throw std::invalid_argument(std::string(fn) + ": inputs[" + idx(i) + "] is undefined");
    if (!inputs[i].is_floating_point()) {
      throw std::invalid_argument(std::string(fn) + ": inputs[" + idx(i) + "] has dtype " +
                                  dtype_name(inputs[i].dtype()) + " (shape " + shape_str(inputs[i].shape()) +
                                  "); derivatives need floating-point inputs");
    }
  }
}

void check_outputs(const tensor_list& outputs, const char* fn) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined()) {
      throw std::invalid_argument(std::string(fn) + ": output " + idx(i) +
                                  " of the user-provided function is undefined");
    }
  }
}

// A fresh graph root per input: with create_graph an input already in a graph stays connected
// (view), so the results can be differentiated with respect to what produced it.
tensor_list grad_preprocess(const tensor_list& inputs, bool create_graph, bool need_graph) {
  tensor_list res;
  for (const Tensor& t : inputs) {
    if (create_graph && t.requires_grad()) {
      res.push_back(t.view(t.shape()));
    } else {
      Tensor d = t.detach();
      if (need_graph) d.requires_grad_(true);
      res.push_back(d);
    }
  }
  return res;
}

tensor_list grad_postprocess(const tensor_list& t, bool create_graph) {
  if (create_graph) return t;
  tensor_list res;
  for (const Tensor& x : t) res.push_back(x.defined() ? x.detach() : x);
  return res;
}

// PyTorch's _validate_v: v matches `other` (the outputs for vjp, the inputs otherwise) in count and shapes.
void validate_v(const tensor_list& v, const tensor_list& other, bool other_is_list, const char* fn) {
  if (v.size() != other.size()) {
    throw std::invalid_argument(std::string(fn) + ": v is a tuple of invalid length: should be " + idx(other.size()) +
                                " but got " + idx(v.size()) + ".");
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].defined()) throw std::invalid_argument(std::string(fn) + ": v[" + idx(i) + "] is undefined");
    if (v[i].shape() != other[i].shape()) {
      std::string head = other_is_list ? "Entry " + idx(i) + " in v" : std::string("v");
      throw std::invalid_argument(std::string(fn) + ": " + head + " has invalid size: should be " +
                                  shape_str(other[i].shape()) + " but got " + shape_str(v[i].shape()) + ".");
    }
  }
}

// PyTorch's _check_requires_grad: strict mode refuses tensors that are not in the graph.
void check_requires_grad(const tensor_list& t, const std::string& type, bool strict) {
  if (!strict) return;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].defined() && t[i].requires_grad()) continue;
    if (type == "hessian") {
      throw std::runtime_error("The hessian of the user-provided function with respect to input " + idx(i) +
                               " is independent of the input. This is not allowed in strict mode. You should ensure "
                               "that your function is thrice differentiable and that the hessian depends on the "
                               "inputs.");
    }
    if (type == "jacobian") {
      throw std::runtime_error(
          "While computing the hessian, found that the jacobian of the user-provided function with respect to input " +
          idx(i) +
          " is independent of the input. This is not allowed in strict mode. You should ensure that your function is "
          "twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear "
          "function for example).");
    }
    if (type == "grad_inputs") {
      throw std::runtime_error("The gradient with respect to input " + idx(i) +
                               " is independent of the inputs of the user-provided function. This is not allowed in "
                               "strict mode.");
    }
    throw std::runtime_error("Output " + idx(i) +
                             " of the user-provided function does not require gradients. The outputs must be computed "
                             "in a differentiable manner from the input when running in strict mode.");
  }
}

// PyTorch's _autograd_grad: outputs outside the graph are skipped; nothing left gives all
// undefined. Unused inputs give undefined gradients.
tensor_list autograd_grad(const tensor_list& outputs, const tensor_list& inputs, const tensor_list& grad_outputs,
                          bool create_graph, bool retain_graph) {
  tensor_list outs, gos;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (!outputs[i].defined() || !outputs[i].requires_grad()) continue;
    outs.push_back(outputs[i]);
    gos.push_back(grad_outputs.empty() ? Tensor() : grad_outputs[i]);
  }
  if (outs.empty()) return tensor_list(inputs.size());
  return grad(outs, inputs, gos, retain_graph, create_graph, /*allow_unused=*/true);
}

// PyTorch's _fill_in_zeros: undefined gradients become zeros, or throw in strict mode.
tensor_list fill_in_zeros(tensor_list grads, const tensor_list& refs, bool strict, const std::string& stage) {
  for (std::size_t i = 0; i < grads.size(); ++i) {
    if (grads[i].defined()) continue;
    if (strict) {
      if (stage == "back") {
        throw std::runtime_error("The output of the user-provided function is independent of input " + idx(i) +
                                 ". This is not allowed in strict mode.");
      }
      if (stage == "back_trick") {
        throw std::runtime_error("The gradient with respect to the input is independent of entry " + idx(i) +
                                 " in the grad_outputs when using the double backward trick to compute forward mode "
                                 "gradients. This is not allowed in strict mode.");
      }
      if (stage == "double_back") {
        throw std::runtime_error("The jacobian of the user-provided function is independent of input " + idx(i) +
                                 ". This is not allowed in strict mode.");
      }
      throw std::runtime_error("The hessian of the user-provided function is independent of entry " + idx(i) +
                               " in the grad_jacobian. This is not allowed in strict mode as it prevents from using "
                               "the double backward trick to replace forward mode AD.");
    }
    grads[i] = zeros_like(refs[i]);
  }
  return grads;
}

void require_v_or_single(const tensor_list& v, const tensor_list& ref, const char* fn, const char* what) {
  if (!v.empty()) return;
  if (ref.size() != 1 || ref[0].numel() != 1) {
    throw std::invalid_argument(std::string(fn) + ": The vector v can only be None if the " + what +
                                " a single Tensor with a single element (got " + idx(ref.size()) + " tensor(s)" +
                                (ref.empty() ? std::string() : ", the first of shape " + shape_str(ref[0].shape())) +
                                ").");
  }
}

}  // namespace

std::pair<tensor_list, tensor_list> vjp(const ListFn& f, const tensor_list& in, const tensor_list& v_in, Flags fl) {
  check_inputs(in, "vjp");
  tensor_list inputs, outputs, v;
  {
    AutoGradMode enable(true);
    inputs = grad_preprocess(in, fl.create_graph, true);
    outputs = f(inputs);
    check_outputs(outputs, "vjp");
    check_requires_grad(outputs, "outputs", fl.strict);
    if (!v_in.empty()) {
      v = grad_preprocess(v_in, fl.create_graph, false);
      validate_v(v, outputs, fl.outputs_list, "vjp");
    } else {
      require_v_or_single(v, outputs, "vjp", "user-provided function returns");
    }
  }
  AutoGradMode mode(fl.create_graph || GradMode::is_enabled());
  tensor_list res = autograd_grad(outputs, inputs, v, fl.create_graph, fl.create_graph);
  res = fill_in_zeros(std::move(res), inputs, fl.strict, "back");
  return {grad_postprocess(outputs, fl.create_graph), grad_postprocess(res, fl.create_graph)};
}

std::pair<tensor_list, tensor_list> jvp(const ListFn& f, const tensor_list& in, const tensor_list& v_in, Flags fl) {
  check_inputs(in, "jvp");
  AutoGradMode enable(true);
  tensor_list inputs = grad_preprocess(in, fl.create_graph, true);
  tensor_list v;
  if (!v_in.empty()) {
    v = grad_preprocess(v_in, fl.create_graph, false);
    validate_v(v, inputs, fl.inputs_list, "jvp");
  } else {
    require_v_or_single(v, inputs, "jvp", "input to the user-provided function is");
  }
  tensor_list outputs = f(inputs);
  check_outputs(outputs, "jvp");
  check_requires_grad(outputs, "outputs", fl.strict);
  // Backward is linear in grad_outputs, so their value never reaches the result; zeros keep
  // NaN and Inf out of the second backward.
  tensor_list grad_outputs;
  for (const Tensor& o : outputs) grad_outputs.push_back(zeros_like(o).requires_grad_(true));
  tensor_list grad_inputs = autograd_grad(outputs, inputs, grad_outputs, true, true);
  check_requires_grad(grad_inputs, "grad_inputs", fl.strict);
  AutoGradMode mode(fl.create_graph);
  tensor_list res = autograd_grad(grad_inputs, grad_outputs, v, fl.create_graph, fl.create_graph);
  res = fill_in_zeros(std::move(res), outputs, fl.strict, "back_trick");
  return {grad_postprocess(outputs, fl.create_graph), grad_postprocess(res, fl.create_graph)};
}

namespace {

Tensor onehot(const Tensor& like, std::int64_t k) {
  std::vector<double> e(static_cast<std::size_t>(like.numel()), 0.0);
  e[static_cast<std::size_t>(k)] = 1.0;
  // tensor() reads an empty shape as 1-D: a 0-d `like` needs the reshape.
  return tensor(e, {like.numel()}, TensorOptions(like.dtype())).reshape(like.shape());
}

Shape concat(const Shape& a, const Shape& b) {
  Shape s = a;
  for (std::int64_t d : b) s.push_back(d);
  return s;
}

// Stacks the pieces along `dim` and gives the block its O + I shape (zeros when empty).
Tensor assemble(const tensor_list& pieces, std::int64_t dim, const Shape& shape, const Tensor& like) {
  if (pieces.empty()) return zeros(shape, TensorOptions(like.dtype()));
  return stack(pieces, dim).reshape(shape);
}

void strict_unused(std::size_t out, std::size_t in) {
  throw std::runtime_error("Output " + idx(out) + " of the user-provided function is independent of input " + idx(in) +
                           ". This is not allowed in strict mode.");
}

// A row whose graph was cut by create_graph would silently be constant: strict refuses it.
void strict_row(const Tensor& g, std::size_t out, std::size_t in, Flags fl) {
  if (fl.strict && fl.create_graph && !g.requires_grad()) {
    throw std::runtime_error("The jacobian of the user-provided function (output " + idx(out) +
                             ") is independent of input " + idx(in) +
                             ". This is not allowed in strict mode when create_graph=True.");
  }
}

// One piece of block (out, in): the derivative, or zeros when output `out` does not depend on
// input `in` (strict mode refuses that).
Tensor piece(const Tensor& g, const Tensor& zeros_shape, std::size_t out, std::size_t in, Flags fl) {
  if (g.defined()) {
    strict_row(g, out, in, fl);
    return g;
  }
  if (fl.strict) strict_unused(out, in);
  return zeros_like(zeros_shape);
}

// Reverse rows: one backward per element of output i, seeded with a one-hot grad_output
// (the row PyTorch gets by differentiating out.reshape(-1)[k]). Returns one block per input.
tensor_list jacobian_rows(const Tensor& out, std::size_t i, const tensor_list& inputs, Flags fl) {
  std::vector<tensor_list> rows(inputs.size());
  for (std::int64_t k = 0; k < out.numel(); ++k) {
    tensor_list g = autograd_grad({out}, inputs, {onehot(out, k)}, fl.create_graph, true);
    for (std::size_t j = 0; j < inputs.size(); ++j) rows[j].push_back(piece(g[j], inputs[j], i, j, fl));
  }
  tensor_list blocks;
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    blocks.push_back(assemble(rows[j], 0, concat(out.shape(), inputs[j].shape()), inputs[j]));
  }
  return blocks;
}

// Forward columns by the double-vjp trick: g = J^T u is recorded once; each column J e_k is
// then one backward of g with respect to u. Returns [output][input].
std::vector<tensor_list> jacobian_columns(const tensor_list& outputs, const tensor_list& inputs, Flags fl) {
  tensor_list u;
  for (const Tensor& o : outputs) u.push_back(zeros_like(o).requires_grad_(true));
  tensor_list g = autograd_grad(outputs, inputs, u, true, true);
  std::vector<tensor_list> res(outputs.size(), tensor_list(inputs.size()));
  for (std::size_t j = 0; j < inputs.size(); ++j) {
    std::vector<tensor_list> cols(outputs.size());
    for (std::int64_t k = 0; k < inputs[j].numel(); ++k) {
      tensor_list c = autograd_grad({g[j]}, u, {onehot(inputs[j], k)}, fl.create_graph, true);
      for (std::size_t i = 0; i < outputs.size(); ++i) cols[i].push_back(piece(c[i], outputs[i], i, j, fl));
    }
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      res[i][j] = assemble(cols[i], outputs[i].dim(), concat(outputs[i].shape(), inputs[j].shape()), outputs[i]);
    }
  }
  return res;
}

}  // namespace

std::vector<tensor_list> jacobian(const ListFn& f, const tensor_list& in, Flags fl, Strategy strategy) {
  check_inputs(in, "jacobian");
  AutoGradMode enable(true);
  tensor_list inputs = grad_preprocess(in, fl.create_graph, true);
  tensor_list outputs = f(inputs);
  check_outputs(outputs, "jacobian");
  check_requires_grad(outputs, "outputs", fl.strict);
  std::vector<tensor_list> res;
  if (strategy == Strategy::ForwardColumns) {
    res = jacobian_columns(outputs, inputs, fl);
  } else {
    for (std::size_t i = 0; i < outputs.size(); ++i) res.push_back(jacobian_rows(outputs[i], i, inputs, fl));
  }
  for (tensor_list& r : res) r = grad_postprocess(r, fl.create_graph);
  return res;
}

namespace {
Tensor single_output(const tensor_list& out, const char* fn, bool strict) {
  check_outputs(out, fn);
  check_requires_grad(out, "outputs", strict);
  if (out.size() != 1) {
    throw std::invalid_argument(std::string(fn) + ": The function given to " + fn +
                                " should return a single Tensor (got " + idx(out.size()) + ")");
  }
  if (out[0].numel() != 1) {
    throw std::invalid_argument(std::string(fn) + ": The Tensor returned by the function given to " + fn +
                                " should contain a single element (got shape " + shape_str(out[0].shape()) + ")");
  }
  return out[0];
}
}  // namespace

// As PyTorch: the Jacobian (with create_graph) of the gradient function. The gradient's graph
// is recorded once, and the outer Jacobian differentiates it once per input element.
std::vector<tensor_list> hessian(const ListFn& f, const tensor_list& in, Flags fl, Strategy strategy) {
  check_inputs(in, "hessian");
  ListFn scalar = [&](const tensor_list& inp) {
    return tensor_list{single_output(f(inp), "hessian", fl.strict).reshape({})};
  };
  ListFn jac_func = [&](const tensor_list& inp) {
    tensor_list jac = jacobian(scalar, inp, Flags{true, false, true, false}, Strategy::ReverseRows).at(0);
    check_requires_grad(jac, "jacobian", fl.strict);
    return jac;
  };
  return jacobian(jac_func, in, Flags{fl.inputs_list, true, fl.create_graph, fl.strict}, strategy);
}

std::pair<tensor_list, tensor_list> vhp(const ListFn& f, const tensor_list& in, const tensor_list& v_in, Flags fl,
                                        bool hvp) {
  const char* fn = hvp ? "hvp" : "vhp";
  check_inputs(in, fn);
  tensor_list inputs, outputs, v, jac, grad_jac, double_back;
  {
    AutoGradMode enable(true);
    inputs = grad_preprocess(in, fl.create_graph, true);
    if (!v_in.empty()) {
      v = grad_preprocess(v_in, fl.create_graph, false);
      validate_v(v, inputs, fl.inputs_list, fn);
    } else {
      require_v_or_single(v, inputs, fn, "input to the user-provided function is");
    }
    outputs = f(inputs);
    single_output(outputs, fn, fl.strict);
    jac = autograd_grad(outputs, inputs, {}, true, true);
    check_requires_grad(jac, "jacobian", fl.strict);
    // Not strict: H is symmetric (f twice continuously differentiable, or piecewise so), so
    // H v = (v^T H)^T is vhp's one backward through the gradient's graph. PyTorch's double-vjp
    // costs one backward more; it is kept for strict mode, whose checks are stated on it.
    hvp = hvp && fl.strict;
    if (hvp) {
      for (const Tensor& x : inputs) grad_jac.push_back(zeros_like(x).requires_grad_(true));
      double_back = autograd_grad(jac, inputs, grad_jac, true, true);
      check_requires_grad(jac, "hessian", fl.strict);  // sic: PyTorch checks jac here too
    }
  }
  AutoGradMode mode(fl.create_graph || GradMode::is_enabled());
  tensor_list res = hvp ? autograd_grad(double_back, grad_jac, v, fl.create_graph, fl.create_graph)
                        : autograd_grad(jac, inputs, v, fl.create_graph, fl.create_graph);
  res = fill_in_zeros(std::move(res), inputs, fl.strict, hvp ? "double_back_trick" : "double_back");
  return {grad_postprocess(outputs, fl.create_graph), grad_postprocess(res, fl.create_graph)};
}

}  // namespace detail
}  // namespace functional
}  // namespace autograd
}  // namespace xgrad
