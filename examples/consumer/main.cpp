// Uses the installed library: one include, one target; xtensor arrays in and out
// (<xgrad/xtensor.hpp>); and a user op built on the installed op-author header (my_op.cpp),
// checked with gradcheck.
#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>

#include <iostream>

xgrad::Tensor my_softsign(const xgrad::Tensor& x);

int main() {
  using namespace xgrad;
  Tensor x = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::cout << "d/dx sum(x^2) = " << x.grad() << "\n";
  if (x.grad().to_vector<double>() != std::vector<double>{2, 4, 6}) return 1;

  // xtensor in and out: the package's find_dependency(xtensor) makes <xgrad/xtensor.hpp> usable.
  xt::xarray<double> a = {{1.0, 2.0}, {3.0, 4.0}};
  Tensor doubled = from_xtensor(a) * 2.0;
  xt::xarray<double> back = to_xarray<double>(doubled.t());
  std::cout << "to_xarray(2 * from_xtensor(a).t())(0, 1) = " << back(0, 1) << "\n";
  if (back(0, 1) != 6.0) return 1;

  Tensor z = randn({4, 3}, TensorOptions(kFloat64).requires_grad(true));
  const bool ok = autograd::gradcheck([](const tensor_list& in) { return my_softsign(in[0]); }, {z});
  std::cout << "gradcheck of a user op built on op_support.hpp: " << (ok ? "passed" : "FAILED") << "\n";
  return ok ? 0 : 1;
}
