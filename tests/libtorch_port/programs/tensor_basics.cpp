// Tensor creation, options, indexing, reductions and comparisons as LibTorch's tensor basics
// tutorial and its C++ frontend documentation spell them.
#include <torch/torch.h>

#include <iostream>
#include <vector>

using namespace torch::indexing;

int main() {
  torch::manual_seed(0);
  auto options = torch::TensorOptions().dtype(torch::kFloat64).requires_grad(true);
  auto a = torch::randn({2, 3}, options);
  auto b = torch::ones({2, 3}, torch::dtype(torch::kFloat64));
  auto c = torch::zeros(4, torch::dtype(torch::kFloat32).requires_grad(false));
  auto e = torch::eye(3);
  auto r = torch::arange(0, 10, 2);
  auto l = torch::linspace(0.0, 1.0, 5);
  auto f = torch::full({2, 2}, 7.5);
  auto n = torch::tensor({{1, 2, 3}, {4, 5, 6}});
  auto x = torch::tensor({1.5, -2.0, 3.0}, torch::dtype(torch::kFloat64));
  std::cout << "a: " << a.sizes() << " dtype " << a.dtype() << " requires_grad " << a.requires_grad() << "\n";
  std::cout << "b: " << b.sizes() << " c: " << c.sizes() << " e: " << e.sizes() << "\n";
  std::cout << "r: " << r << "\nl: " << l << "\nf: " << f << "\n";
  std::cout << "n dtype " << n.dtype() << " n.size(1) " << n.size(1) << " n.dim() " << n.dim() << " numel " << n.numel()
            << "\n";

  // item() as a Scalar and as T
  auto s = x.sum().item();
  std::cout << "sum as Scalar " << s.toDouble() << " as double " << x.sum().item<double>() << "\n";
  std::cout << "n[1][2] = " << n[1][2].item<int64_t>() << "\n";

  // Indexing with the indexing namespace
  auto m = torch::arange(12, torch::kFloat).reshape({3, 4});
  std::cout << "column 1: " << m.index({Slice(), 1}) << "\n";
  std::cout << "rows 1..: " << m.index({Slice(1, None), Slice(None, None, 2)}) << "\n";
  std::cout << "last: " << m.index({-1, "..."}) << "\n";
  m.index_put_({0, Slice()}, 0);
  m.index_put_({m > 9}, -1);
  std::cout << "after index_put_: " << m << "\n";
  auto mask = m < 0;
  std::cout << "mask dtype " << mask.dtype() << " count " << mask.sum().item<int64_t>() << "\n";
  auto picked = m.index({torch::tensor({2, 0})});
  std::cout << "picked rows: " << picked.sizes() << "\n";

  // Reductions with int overloads, comparisons, all/any
  std::cout << "mean(1): " << m.mean(1) << "\nsum(0, true): " << m.sum(0, true).sizes() << "\n";
  std::cout << "norm " << x.norm().item<double>() << " max " << x.max().item<double>() << "\n";
  auto mx = torch::max(m, 1);
  std::cout << "argmax rows " << std::get<1>(mx) << "\n";
  std::cout << "all positive: " << (x > 0).all().item<bool>() << " any: " << (x > 0).any().item<bool>() << "\n";
  std::cout << "eq: " << x.eq(x.clone()).all().item<bool>() << " ne: " << x.ne(x).any().item<bool>() << "\n";

  // Shapes and conversions
  auto t = torch::randn({3, 2}).t().contiguous();
  std::cout << "t: " << t.sizes() << " mm: " << t.mm(torch::randn({3, 5})).sizes() << "\n";
  std::cout << "expand_as: " << torch::ones({1, 3}).expand_as(torch::zeros({4, 3})).sizes() << "\n";
  std::cout << "slice: " << r.slice(0, 1).sizes() << " " << r.slice(0, 1, 3).sizes() << "\n";
  std::cout << "to double: " << r.to(torch::kFloat64).dtype() << "\n";
  std::cout << "unsqueeze: " << x.unsqueeze(0).sizes() << " squeeze: " << x.unsqueeze(0).squeeze().sizes() << "\n";
  std::cout << "cat: " << torch::cat({x, x}).sizes() << " stack: " << torch::stack({x, x}).sizes() << "\n";

  // Gradients through indexing and norm
  auto y = (a.index({Slice(), 0}) * 2).sum() + a.norm();
  y.backward();
  std::cout << "grad sizes " << a.grad().sizes() << "\n";
  auto expected = a.detach() / a.detach().norm();
  expected.index_put_({Slice(), 0}, expected.index({Slice(), 0}) + 2);
  std::cout << "grad ok: " << std::boolalpha << torch::allclose(a.grad(), expected) << std::endl;
  return torch::allclose(a.grad(), expected) ? 0 : 1;
}
