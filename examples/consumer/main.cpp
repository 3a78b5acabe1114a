// Uses the installed library: one include, one target; and a user op built on the installed
// op-author header (my_op.cpp), checked with gradcheck.
#include <xgrad/xgrad.hpp>

#include <iostream>

xgrad::Tensor my_softsign(const xgrad::Tensor& x);

int main() {
  using namespace xgrad;
  Tensor x = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << "d/dx sum(x^2) = " << x.grad() << "\n";
  if (x.grad().to_vector<double>() != std::vector<double>{2, 4, 6}) return 1;

  Tensor z = randn({4, 3}, TensorOptions(kFloat64).requires_grad(true));
  const bool ok = autograd::gradcheck([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  std::cout << "gradcheck of a user op built on op_support.hpp: " << (ok ? "passed" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
