// F::linear: x W^T + b as one node.
#include <memory>
#include <stdexcept>

#include "../../autograd/op_support.hpp"
#include "linear.hpp"

namespace xgrad::nn {

namespace functional {

namespace {
// d(x W^T + b) = (g W, g^T x, column sums of g), with x and g seen as [rows, features]. One node
// instead of three (transpose, matmul, add), and the weight's gradient comes out of one gemm
// already in W's layout: the composite path would hand AccumulateGrad a transposed view that it
// must copy element by element.
struct MmBackward0 : autograd::Node {  // not final: AddmmBackward0 is the same node with a bias
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &input}, {"mat2", &weight}});
  }
  autograd::SavedVariable input, weight;
  tensor_list apply(tensor_list&& grads) override {
    const Tensor& g = grads[0];
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
// PyTorch's grad_fn name for x W^T + b.
struct AddmmBackward0 final : MmBackward0 {};
}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  autograd::check_defined(input, "linear", "input");
  autograd::check_defined(weight, "linear", "weight");
  if (weight.dim() != 2 || input.dim() < 1 || input.size(-1) != weight.size(1) ||
      (bias.defined() && (bias.dim() != 1 || bias.size(0) != weight.size(0)))) {
    throw std::invalid_argument("linear: expected input [*, in], weight [out, in] and bias [out]; got input " +
                                autograd::describe(input) + ", weight " + autograd::describe(weight) +
                                (bias.defined() ? ", bias " + autograd::describe(bias) : std::string()));
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
  std::shared_ptr<MmBackward0> n = bias.defined() ? autograd::record<AddmmBackward0>({&input, &weight, &bias}, y)
                                                  : autograd::record<MmBackward0>({&input, &weight, &bias}, y);
  if (n) {
    if (n->should_compute_output(0)) n->weight = autograd::save(weight);
    if (n->should_compute_output(1)) n->input = autograd::save(input);
  }
  return y;
}

}  // namespace functional
}  // namespace xgrad::nn
