#include <doctest/doctest.h>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

TEST_CASE("mul and add backward give the product rule") {
  Tensor x = tensor(std::vector<double>{1, 2, 3}).requires_grad_();
  Tensor w = tensor(std::vector<double>{4, 5, 6}).requires_grad_();
  Tensor y = (x * w + x).sum();
  y.backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{5, 6, 7});
  CHECK(w.grad().to_vector<double>() == std::vector<double>{1, 2, 3});
}
