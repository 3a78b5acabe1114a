// Uses the installed library: one include, one target.
#include <xgrad/xgrad.hpp>

#include <iostream>

int main() {
  using namespace xgrad;
  Tensor x = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << "d/dx sum(x^2) = " << x.grad() << "\n";
  return x.grad().to_vector<double>() == std::vector<double>{2, 4, 6} ? 0 : 1;
}
