// The README's quick tour, built and run by the test suite: tests/test_readme.cpp checks that
// every C++ block of README.md appears verbatim in one of the examples. Exits non-zero when a
// result is wrong.
#include <cstdlib>
#include <iostream>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;
using autograd::AutogradContext;

struct Cube : autograd::Function<Cube> {
  static Tensor forward(AutogradContext* ctx, const Tensor& x) {
    ctx->save_for_backward({x});
    return x * x * x;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
    Tensor x = ctx->get_saved_variables()[0];
    return {grads[0] * 3 * x * x};  // d(x^3)/dx = 3x^2
  }
};

int main() {
  Tensor x = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << x.grad() << "\n";  // [2, 4, 6]

  Tensor input = randn({5}, TensorOptions(kFloat64).requires_grad(true));
  bool ok = autograd::gradcheck([](const tensor_list& in) { return Cube::apply(in[0]); }, {input});
  std::cout << "gradcheck(Cube): " << std::boolalpha << ok << "\n";

  manual_seed(0);
  Tensor points = randn({256, 2});
  Tensor labels = gt(points.select(1, 0) * points.select(1, 1), 0.0);  // same-sign quadrants
  nn::Sequential model(nn::Linear(2, 16), nn::Tanh(), nn::Linear(16, 2));
  optim::Adam adam(model->parameters(), optim::AdamOptions(0.05));
  for (int step = 0; step < 300; ++step) {
    adam.zero_grad();
    Tensor loss = F::cross_entropy(model(points), labels);
    loss.backward();
    adam.step();
  }

  NoGradGuard no_grad;
  const double accuracy = eq(argmax(model(points), 1), labels).to(kFloat64).mean().item<double>();
  std::cout << "training accuracy: " << accuracy << "\n";
  const bool grad_ok = x.grad().to_vector<double>() == std::vector<double>{2, 4, 6};
  return grad_ok && ok && accuracy > 0.95 ? EXIT_SUCCESS : EXIT_FAILURE;
}
