// LibTorch tensor-level code after s/torch::/xgrad::/: options, literals, Bool, item(),
// indexing, norm, devices and the top-level functions.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <type_traits>
#include <vector>

#include <xgrad/xgrad.hpp>

#include "harness.hpp"

using namespace xgrad;
using namespace xgrad::indexing;
using xgrad_test::check_op;

TEST_CASE("TensorOptions free functions and factories as LibTorch spells them") {
  Tensor a = xgrad::randn({2, 2}, xgrad::requires_grad());
  CHECK(a.requires_grad());
  CHECK(a.dtype() == kFloat32);
  Tensor b = xgrad::randn(3, xgrad::dtype(kFloat64).requires_grad(true));
  CHECK(b.sizes() == Shape{3});
  CHECK(b.dtype() == kFloat64);
  CHECK(xgrad::zeros(4, kLong).dtype() == kInt64);
  CHECK(xgrad::ones({2, 3}, xgrad::device(kCPU)).sizes() == Shape{2, 3});
  CHECK(xgrad::full(2, 7.0).at<double>({1}) == 7.0);
  CHECK(xgrad::randint(5, {10}).dtype() == kInt64);
  CHECK(xgrad::zeros_like(b, kFloat32).dtype() == kFloat32);
  CHECK(xgrad::zeros({}).dim() == 0);
  CHECK_THROWS_WITH_AS(xgrad::zeros(2, xgrad::device(kCUDA)), doctest::Contains("CPU-only"), std::runtime_error);
}

TEST_CASE("tensor({...}) literals take LibTorch's dtypes") {
  Tensor f = xgrad::tensor({0.1, 1.0, 1e-4}, kFloat);
  CHECK(f.dtype() == kFloat32);
  CHECK(f.sizes() == Shape{3});
  CHECK(xgrad::tensor({1.5, 2.0}).dtype() == kFloat32);  // doubles: the default dtype
  CHECK(xgrad::tensor({1, 2, 3}).dtype() == kInt64);
  CHECK(xgrad::tensor({true, false}).dtype() == kBool);
  Tensor m = xgrad::tensor({{1.0, 2.0}, {3.0, 4.0}}, xgrad::dtype(kDouble).requires_grad(true));
  CHECK(m.sizes() == Shape{2, 2});
  CHECK(m.requires_grad());
  CHECK(m.at<double>({1, 0}) == 3.0);
  Tensor c = xgrad::tensor({{{1}, {2}}, {{3}, {4}}});
  CHECK(c.sizes() == Shape{2, 2, 1});
  CHECK(xgrad::tensor(3.5).dim() == 0);
  CHECK_THROWS_AS(xgrad::tensor({{1, 2}, {3}}), std::invalid_argument);
  CHECK_THROWS_WITH(xgrad::tensor({1, 2}, xgrad::requires_grad()),
                    doctest::Contains("only Tensors of floating point dtype can require gradients"));
}

TEST_CASE("Bool: comparisons, all/any, logical ops, where, promotion, printing") {
  Tensor x = xgrad::tensor({1.0, -2.0, 3.0}, kDouble);
  Tensor y = xgrad::tensor({1.0, 2.0, 0.0}, kDouble);
  Tensor e = x.eq(y);
  CHECK(e.dtype() == kBool);
  CHECK(e.to_vector<bool>() == std::vector<bool>{true, false, false});
  CHECK((x > 0).to_vector<bool>() == std::vector<bool>{true, false, true});
  CHECK((x <= y).dtype() == kBool);
  CHECK_FALSE(x.eq(y).all().item<bool>());
  CHECK(x.eq(x).all().item<bool>());
  CHECK(e.any().item().toBool());
  CHECK(xgrad::tensor({{true, false}, {true, true}}).all(1).to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(xgrad::tensor({{true, false}, {false, false}}).any(0, true).sizes() == Shape{1, 2});
  CHECK(xgrad::logical_and(x > 0, y > 0).to_vector<bool>() == std::vector<bool>{true, false, false});
  CHECK(xgrad::logical_xor(x > 0, y > 0).to_vector<bool>() == std::vector<bool>{false, true, true});
  CHECK((x > 0).logical_not().to_vector<bool>() == std::vector<bool>{false, true, false});
  CHECK(xgrad::where(x > 0, x, y).to_vector<double>() == std::vector<double>{1.0, 2.0, 3.0});
  CHECK(((x > 0) + (y > 0)).dtype() == kInt64);
  CHECK(((x > 0) * x).dtype() == kFloat64);
  CHECK((x > 0).sum().item<std::int64_t>() == 2);
  CHECK((x > 0).to(kFloat32).to_vector<float>() == std::vector<float>{1, 0, 1});
  std::ostringstream os;
  os << (x > 0);
  CHECK(os.str() == "tensor([ True, False,  True], shape=[3], dtype=Bool)");
  CHECK_THROWS_WITH((x > 0).requires_grad_(), doctest::Contains("only Tensors of floating point dtype"));
}

TEST_CASE("item() is a Scalar; sizes, dims, int overloads") {
  Tensor x = xgrad::arange(6, kDouble).reshape({2, 3});
  Scalar s = x.sum().item();
  CHECK(s.isFloatingPoint());
  CHECK(s.toDouble() == 15.0);
  CHECK(s.to<int>() == 15);
  CHECK(xgrad::tensor({4}).sum().item().toLong() == 4);
  std::ostringstream os;
  os << x.sum().item();
  CHECK(os.str() == "15");
  CHECK(x.size(-1) == 3);
  CHECK(x.sizes().size() == 2);
  CHECK(x.sizes()[0] == 2);
  CHECK(x.sum(0).sizes() == Shape{3});
  CHECK(x.sum(1, true).sizes() == Shape{2, 1});
  CHECK(x.mean(1).to_vector<double>() == std::vector<double>{1.0, 4.0});
  CHECK(x.mean({0, 1}).item<double>() == 2.5);
  CHECK(x.slice(1, 1).sizes() == Shape{2, 2});
  CHECK(x.slice(1, 0, 3, 2).to_vector<double>() == std::vector<double>{0, 2, 3, 5});
  CHECK(x[1].to_vector<double>() == std::vector<double>{3, 4, 5});
  auto [values, indices] = x.max(1);
  CHECK(indices.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 2});
  CHECK(values.to_vector<double>() == std::vector<double>{2, 5});
}

TEST_CASE("index / index_put_ with Slice, None, ..., ints, Int64 tensors and Bool masks") {
  Tensor x = xgrad::arange(24, kDouble).reshape({2, 3, 4});
  CHECK(x.index({Slice(), 0}).sizes() == Shape{2, 4});
  CHECK(x.index({"...", Slice(1, None, 2)}).sizes() == Shape{2, 3, 2});
  CHECK(x.index({"...", Slice(1, None, 2)}).at<double>({0, 0, 1}) == 3.0);
  CHECK(x.index({None, 1}).sizes() == Shape{1, 3, 4});
  CHECK(x.index({1, 2, 3}).item<double>() == 23.0);
  Tensor idx = xgrad::tensor({2, 0});
  CHECK(x.index({Slice(), idx}).sizes() == Shape{2, 2, 4});
  CHECK(x.index({Slice(), idx, 0}).to_vector<double>() == std::vector<double>{8, 0, 20, 12});
  CHECK(x.index({0, Slice(), idx}).sizes() == Shape{2, 3});  // non-adjacent: index dims lead
  Tensor v = xgrad::tensor({1.0, -2.0, 3.0, -4.0}, kDouble);
  CHECK(v.index({v > 0}).to_vector<double>() == std::vector<double>{1.0, 3.0});
  CHECK(v[v < 0].to_vector<double>() == std::vector<double>{-2.0, -4.0});
  Tensor w = v.clone();
  w.index_put_({w < 0}, 0.0);
  CHECK(w.to_vector<double>() == std::vector<double>{1.0, 0.0, 3.0, 0.0});
  w.index_put_({Slice(0, 2)}, xgrad::tensor({7.0, 8.0}, kDouble));
  CHECK(w.to_vector<double>() == std::vector<double>{7.0, 8.0, 3.0, 0.0});
  CHECK_THROWS_AS(v.index({xgrad::tensor({4})}), std::out_of_range);
  CHECK_THROWS_AS(v.index({0, 0}), IndexError);
  check_op("index_mask", [](const tensor_list& t) { return t[0].index({t[0] > 0}); },
           {xgrad::tensor({{0.5, -1.0}, {2.0, 0.3}}, kDouble)});
  check_op("index_tensor",
           [](const tensor_list& t) {
             return t[0].index({Slice(), xgrad::tensor({1, 1, 0})});
           },
           {xgrad::randn({2, 3}, kDouble)});
  check_op("index_put",
           [](const tensor_list& t) {
             Tensor base = t[0] * 1.0;
             base.index_put_({xgrad::tensor({true, false, true})}, t[1]);
             return base;
           },
           {xgrad::randn({3, 2}, kDouble), xgrad::randn({2}, kDouble)});
}

TEST_CASE("norm: values and PyTorch's gradients") {
  Tensor x = xgrad::tensor({3.0, -4.0}, kDouble);
  CHECK(x.norm().item<double>() == doctest::Approx(5.0));
  CHECK(x.norm(1).item<double>() == doctest::Approx(7.0));
  CHECK(x.norm(INFINITY).item<double>() == doctest::Approx(4.0));
  CHECK(x.norm("fro").item<double>() == doctest::Approx(5.0));
  Tensor z = xgrad::zeros({3}, xgrad::dtype(kDouble).requires_grad(true));
  z.norm().backward();
  CHECK(z.grad().to_vector<double>() == std::vector<double>{0, 0, 0});  // subgradient 0 at 0
  check_op("norm2", [](const tensor_list& t) { return t[0].norm(2, 1, true); }, {xgrad::randn({3, 4}, kDouble)});
  check_op("norm1", [](const tensor_list& t) { return t[0].norm(1); }, {xgrad::randn({5}, kDouble)});
  check_op("norm_inf", [](const tensor_list& t) { return t[0].norm(INFINITY, 0); }, {xgrad::randn({3, 2}, kDouble)});
  check_op("norm_p3", [](const tensor_list& t) { return t[0].norm(3); }, {xgrad::randn({4}, kDouble)});
}

TEST_CASE("autograd list names") {
  CHECK(std::is_same_v<xgrad::autograd::variable_list, xgrad::tensor_list>);
  xgrad::autograd::tensor_list l{xgrad::ones({1})};
  CHECK(l.size() == 1);
}

TEST_CASE("Device: CPU only, LibTorch spellings") {
  Device device = xgrad::cuda::is_available() ? Device(kCUDA) : Device(kCPU);
  CHECK(device == Device("cpu"));
  CHECK(xgrad::cuda::device_count() == 0);
  Tensor x = xgrad::ones({2}).to(device);
  CHECK(x.device() == kCPU);
  CHECK_FALSE(x.is_cuda());
  CHECK(x.to(device, kDouble).dtype() == kDouble);
  CHECK_THROWS_WITH_AS(x.to(Device("cuda:0")), doctest::Contains("CPU-only"), std::runtime_error);
  CHECK_THROWS_AS(Device("tpu"), std::invalid_argument);
}

TEST_CASE("top-level ATen functions and Reduction") {
  Tensor x = xgrad::tensor({0.5, 2.0}, kDouble), y = xgrad::tensor({0.0, 0.0}, kDouble);
  CHECK(xgrad::mse_loss(x, y, xgrad::Reduction::Sum).item<double>() == doctest::Approx(4.25));
  CHECK(xgrad::smooth_l1_loss(x, y).item<double>() == doctest::Approx((0.125 + 1.5) / 2));
  CHECK(xgrad::l1_loss(x, y, xgrad::Reduction::None).sizes() == Shape{2});
  Tensor logits = xgrad::randn({4, 3}, kDouble), target = xgrad::tensor({0, 2, 1, 1});
  CHECK(xgrad::nll_loss(xgrad::log_softmax(logits, 1), target).item<double>() ==
        doctest::Approx(xgrad::cross_entropy_loss(logits, target).item<double>()));
  CHECK(xgrad::max_pool2d(xgrad::randn({1, 1, 4, 4}), 2).sizes() == Shape{1, 1, 2, 2});
  CHECK(xgrad::dropout(x, 0.5, false).to_vector<double>() == x.to_vector<double>());
  CHECK(xgrad::binary_cross_entropy(xgrad::sigmoid(x), xgrad::tensor({1.0, 0.0}, kDouble)).dim() == 0);
}
