// The entry points: gradcheck runs a Checker; gradgradcheck runs one on the function
// (inputs, grad_outputs) -> the first derivatives, built with create_graph.
#include "../engine.hpp"
#include "../grad_mode.hpp"
#include "../ops.hpp"
#include "checker.hpp"

namespace xgrad::autograd::detail {

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
                                    (go[i].defined() ? describe_tensor(go[i]) : std::string("undefined")) +
                                    " but output " + std::to_string(i) + " is " + describe_tensor(outs[i]));
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

}  // namespace xgrad::autograd::detail
