// Linear, and F::linear.
#include "linear.hpp"

#include <cmath>
#include <stdexcept>

#include "../autograd/kernels/kernels.hpp"
#include "functional.hpp"
#include "init.hpp"

namespace xgrad::nn {

namespace functional {

namespace {
// d(x W^T + b) = (g W, g^T x, column sums of g), with x and g seen as [rows, features]. One node
// instead of three (transpose, matmul, add), and the weight's gradient comes out of one gemm
// already in W's layout: the composite path would hand AccumulateGrad a transposed view that it
// must copy element by element.
struct LinearBackward final : autograd::Node {
  autograd::SavedVariable input, weight;
  bool has_bias = false;
  std::string name() const override { return has_bias ? "AddmmBackward0" : "MmBackward0"; }
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
    if (!g.defined()) return {Tensor(), Tensor(), Tensor()};
    const Tensor g2 = g.dim() == 2 ? g : reshape(g, {-1, g.size(-1)});
    Tensor gi, gw, gb;
    if (should_compute_output(0)) gi = matmul(g, weight.unpack());
    if (should_compute_output(1)) {
      const Tensor x = input.unpack();
      gw = matmul(t(g2), x.dim() == 2 ? x : reshape(x, {-1, x.size(-1)}));
    }
    if (should_compute_output(2)) gb = sum(g2, {0});
    return {gi, gw, gb};
  }
  void release_variables() override {
    input.reset();
    weight.reset();
  }
};
}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  kernels::check_defined(input, "linear", "input");
  kernels::check_defined(weight, "linear", "weight");
  if (weight.dim() != 2 || input.dim() < 1 || input.size(-1) != weight.size(1) ||
      (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))) {
    throw std::invalid_argument("linear: expected input [*, in], weight [out, in] and bias [out]; got input " +
                                kernels::describe(input) + ", weight " + kernels::describe(weight) +
                                (bias.defined() ? ", bias " + kernels::describe(bias) : std::string()));
  }
  const bool one_dtype = input.dtype() == weight.dtype() && (!bias.defined() || bias.dtype() == weight.dtype());
  if (!one_dtype || !weight.is_floating_point()) {  // promotion and its errors: the composite path
    Tensor y = matmul(input, t(weight));
    return bias.defined() ? y + bias : y;
  }
  Tensor y;
  {
    NoGradGuard no_grad;
    y = matmul(input, t(weight));
    if (bias.defined()) y.add_(bias);
  }
  if (auto n = autograd::record<LinearBackward>({&input, &weight, &bias}, y)) {
    n->has_bias = bias.defined();
    if (n->should_compute_output(0)) n->weight = kernels::save(weight);
    if (n->should_compute_output(1)) n->input = kernels::save(input);
  }
  return y;
}

}  // namespace functional

Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias)
    : Module("Linear"), in_features(in), out_features(out) {
  if (in < 0 || out < 0) {
    throw std::invalid_argument("Linear: feature counts must be non-negative, got in_features=" + std::to_string(in) +
                                ", out_features=" + std::to_string(out));
  }
  weight = register_parameter("weight", empty({out, in}));
  if (with_bias) bias = register_parameter("bias", empty({out}));
  reset_parameters();
}

void Linear::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& input) { return functional::linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

}  // namespace xgrad::nn
