#include "likelihood_loss.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "loss_support.hpp"

namespace xgrad::nn {

using namespace xgrad::autograd;

using loss_support::check_pair;
using loss_support::reduce;

namespace functional {

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivOptions& o) {
  check_pair(input, target, "kl_div");
  Tensor loss;
  if (o.log_target) {
    loss = exp(target) * (target - input);
  } else {
    // xlogy(t, t) - t input: t log t is 0 at t = 0 (its limit), and routed around log(0) so
    // that no NaN reaches the gradient.
    Tensor pos = gt(target.detach(), 0.0);
    Tensor safe = where(pos, target, ones_like(target));
    loss = where(pos, target * log(safe), zeros_like(target)) - target * input;
  }
  if (std::holds_alternative<BatchMean>(o.reduction)) {
    Tensor total = sum(loss);
    return input.dim() == 0 ? total : total / static_cast<double>(input.shape()[0]);
  }
  return reduce(loss, std::get<Reduction>(o.reduction));
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossConfig& o) {
  check_pair(input, target, "poisson_nll_loss");
  Tensor loss = o.log_input ? exp(input) - target * input : input - target * log(input + o.eps);
  if (o.full) {
    // Only where target > 1; elsewhere the term is 0 and target is routed around the logs.
    Tensor big = gt(target.detach(), 1.0);
    Tensor t = where(big, target, full_like(target, 2.0));
    Tensor stirling = t * log(t) - t + 0.5 * log(t * (2 * std::numbers::pi));
    loss = loss + where(big, stirling, zeros_like(stirling));
  }
  return reduce(loss, o.reduction);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var_in,
                         const GaussianNLLLossConfig& o) {
  const char* op = "gaussian_nll_loss";
  check_pair(input, target, op);
  check_defined(var_in, op, "var");
  if (!var_in.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected a floating-point var, got " + describe(var_in));
  }
  const Shape& in = input.shape();
  const Shape& vs = var_in.shape();
  Tensor var = var_in;
  if (vs != in) {
    const Shape in_front(in.begin(), in.end() - (in.empty() ? 0 : 1));
    if (!in.empty() && vs == in_front) {
      var = unsqueeze(var_in, -1);  // one variance per vector of the last dimension
    } else if (!in.empty() && !vs.empty() && vs.size() == in.size() && vs.back() == 1 &&
               Shape(vs.begin(), vs.end() - 1) == in_front) {
      // already broadcastable along the last dimension
    } else {
      throw std::invalid_argument(std::string(op) + ": var " + describe(var_in) + " is of incorrect size for input " +
                                  describe(input) +
                                  " (expected the input's shape, or it without or with 1 as its last dimension)");
    }
  }
  if (min(var_in.detach()).item<double>() < 0) {
    throw std::invalid_argument(std::string(op) + ": var " + describe(var_in) + " has negative entries");
  }
  // PyTorch clamps a clone of var under no_grad: eps in value, var's own gradient.
  Tensor vd = var.detach();
  Tensor v = where(lt(vd, o.eps), (var - vd) + o.eps, var);
  Tensor d = input - target;
  Tensor loss = 0.5 * (log(v) + d * d / v);
  if (o.full) loss = loss + 0.5 * std::log(2 * std::numbers::pi);
  return reduce(loss, o.reduction);
}

}  // namespace functional

}  // namespace xgrad::nn

namespace xgrad {

Tensor kl_div(const Tensor& input, const Tensor& target, nn::Reduction reduction, bool log_target) {
  return nn::functional::kl_div(input, target, {reduction, log_target});
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full, double eps,
                        nn::Reduction reduction) {
  return nn::functional::poisson_nll_loss(input, target, {log_input, full, eps, reduction});
}

}  // namespace xgrad
