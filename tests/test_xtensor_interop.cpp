// <xgrad/xtensor.hpp>: from_xtensor (copies, dtypes), adapt (zero copy both ways, version
// counter, gradients, lifetime-free checks), to_xarray (any strides), as_xtensor (views, errors).
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>
#include <xgrad/xgrad.hpp>
#include <xgrad/xtensor.hpp>
#include <xtensor/xview.hpp>

#include "text_checks.hpp"

using namespace xgrad;

TEST_CASE("from_xtensor copies any expression, dtype from the value type") {
  xt::xarray<float> f = {{1.f, 2.f, 3.f}, {4.f, 5.f, 6.f}};
  Tensor tf = from_xtensor(f);
  CHECK(tf.dtype() == kFloat32);
  CHECK(tf.sizes() == Shape{2, 3});
  CHECK(tf.to_vector<float>() == std::vector<float>{1, 2, 3, 4, 5, 6});
  f(0, 0) = 100;  // a copy: the tensor keeps its value
  CHECK(tf.at<float>({0, 0}) == 1.f);

  xt::xtensor<double, 2> d = {{1.5, 2.5}, {3.5, 4.5}};
  Tensor td = from_xtensor(xt::transpose(d) * 2.0);  // a lazy, strided expression
  CHECK(td.dtype() == kFloat64);
  CHECK(td.to_vector<double>() == std::vector<double>{3, 7, 5, 9});

  xt::xarray<int> i = {1, -2, 3};
  Tensor ti = from_xtensor(i);
  CHECK(ti.dtype() == kInt64);
  CHECK(ti.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, -2, 3});
  xt::xarray<std::int64_t> l = xt::xarray<std::int64_t>::from_shape({1, 1});
  l(0, 0) = 7;
  CHECK(from_xtensor(l).dtype() == kInt64);

  xt::xarray<double> s = 3.0;  // 0-d
  Tensor ts = from_xtensor(s, TensorOptions(kFloat32).requires_grad(true));
  CHECK(ts.dim() == 0);
  CHECK(ts.dtype() == kFloat32);
  CHECK(ts.requires_grad());
  CHECK(ts.item<float>() == 3.f);

  xt::xarray<double> col = xt::view(d, xt::all(), 1);  // a column: non-contiguous source
  CHECK(from_xtensor(xt::view(d, xt::all(), 1)).to_vector<double>() == std::vector<double>{2.5, 4.5});
  CHECK(from_xtensor(col).sizes() == Shape{2});
  CHECK_THROWS(from_xtensor(i, TensorOptions().requires_grad(true)));  // Int64 cannot require grad
}

TEST_CASE("adapt shares the array's memory both ways") {
  xt::xarray<double> a = {{1, 2, 3}, {4, 5, 6}};
  Tensor t = adapt(a);
  CHECK(t.dtype() == kFloat64);
  CHECK(t.sizes() == Shape{2, 3});
  CHECK(t.is_contiguous());
  CHECK(t.data_ptr<double>() == a.data());

  a(1, 2) = 60;  // a write through the array is seen by the tensor
  CHECK(t.at<double>({1, 2}) == 60);
  const auto v0 = t._version();
  t.mul_(2.0);  // a write through xgrad is seen by the array and bumps the version
  CHECK(a(0, 0) == 2);
  CHECK(a(1, 2) == 120);
  CHECK(t._version() > v0);
  t.select(0, 1).fill_(-1.0);  // through a view
  CHECK(a(1, 0) == -1);

  xt::xtensor<float, 1> f = {1.f, 2.f};
  Tensor tf = adapt(f);
  CHECK(tf.dtype() == kFloat32);
  tf.add_(1.0);
  CHECK(f(1) == 3.f);
  xt::xtensor<std::int64_t, 3> l = xt::zeros<std::int64_t>({2, 1, 2});
  Tensor tl = adapt(l);
  CHECK(tl.dtype() == kInt64);
  CHECK(tl.sizes() == Shape{2, 1, 2});
  CHECK(tl.is_contiguous());  // xtensor's stride 0 on a size-1 dim is still contiguous
}

TEST_CASE("adapt of a column-major array keeps its strides") {
  xt::xarray<double, xt::layout_type::column_major> c = {{1, 2, 3}, {4, 5, 6}};
  Tensor t = adapt(c);
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.strides() == Shape{1, 2});
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  t.select(1, 0).fill_(0.0);
  CHECK(c(0, 0) == 0);
  CHECK(c(1, 0) == 0);
  CHECK(c(0, 1) == 2);
  CHECK(contains(message_of([&] { (void)as_xtensor<double>(t); }), "not contiguous"));
}

TEST_CASE("an in-place write to an adapted tensor saved for backward is caught") {
  xt::xarray<double> w = {1.0, 2.0, 3.0};
  Tensor tw = adapt(w);
  Tensor x = tensor(std::vector<double>{1, 1, 1}).requires_grad_();
  Tensor y = (x * tw).sum();  // saves tw
  tw.add_(1.0);
  CHECK(contains(message_of([&] { y.backward(); }), "modified by an inplace operation"));
}

TEST_CASE("gradients flow into an adapted leaf, and optimizers write the array") {
  xt::xarray<double> p = {0.5, -1.0, 2.0};
  Tensor tp = adapt(p, TensorOptions().requires_grad(true));
  CHECK(tp.requires_grad());
  Tensor loss = (tp * tp).sum();
  loss.backward();
  CHECK(tp.grad().to_vector<double>() == std::vector<double>{1.0, -2.0, 4.0});
  optim::SGD sgd({tp}, optim::SGDOptions(0.5));
  sgd.step();  // p -= 0.5 * 2p
  CHECK(p(0) == 0.0);
  CHECK(p(2) == 0.0);
  CHECK(autograd::gradcheck([](const tensor_list& in) { return (in[0].exp() * in[0]).sum(); }, {tp}));

  xt::xarray<double> big = xt::ones<double>({100000});  // large enough for lazy fusion
  Tensor tb = adapt(big);
  Tensor r = tb * 2.0 + 1.0;
  big(0) = 10;  // after r was computed: r keeps the old value
  CHECK(r.at<double>({0}) == 3.0);
  CHECK(r.at<double>({1}) == 3.0);
}

TEST_CASE("adapt refuses a dtype conversion and an Int64 that requires grad") {
  xt::xarray<float> a = {1.f};
  CHECK(contains(message_of([&] { (void)adapt(a, TensorOptions(kFloat64)); }), "cannot convert Float32 to Float64"));
  xt::xarray<std::int64_t> l = {1};
  CHECK_THROWS(adapt(l, TensorOptions().requires_grad(true)));
  xt::xarray<double> e = xt::zeros<double>({0, 3});
  Tensor te = adapt(e);
  CHECK(te.numel() == 0);
  CHECK(te.sizes() == Shape{0, 3});
}

TEST_CASE("to_xarray copies any layout") {
  Tensor m = arange(6, TensorOptions(kFloat64)).reshape({2, 3});
  xt::xarray<double> a = to_xarray<double>(m.t());  // strided
  CHECK(a.shape() == std::vector<std::size_t>{3, 2});
  CHECK(a(0, 1) == 3);
  CHECK(a(2, 0) == 2);
  a(0, 0) = 42;  // a copy
  CHECK(m.at<double>({0, 0}) == 0);
  xt::xarray<float> f = to_xarray<float>(m.slice(1, 1, 3));  // converted, with an offset
  CHECK(f(1, 1) == 5.f);
  xt::xarray<std::int64_t> s = to_xarray<std::int64_t>(scalar_tensor(7, kInt64));
  CHECK(s.dimension() == 0);
  CHECK(s() == 7);
}

TEST_CASE("as_xtensor is a zero-copy view of a contiguous tensor") {
  Tensor m = zeros({2, 3}, kFloat64);
  auto v = as_xtensor<double>(m);
  CHECK(v.shape()[0] == 2);
  CHECK(v.shape()[1] == 3);
  v = xt::ones<double>({2, 3}) * 4.0;  // written through the view
  CHECK(m.to_vector<double>() == std::vector<double>(6, 4.0));
  Tensor row = m.select(0, 1);  // contiguous with an offset
  auto r = as_xtensor<double>(row);
  r(0) = -1;
  CHECK(m.at<double>({1, 0}) == -1);
  CHECK(m.at<double>({0, 0}) == 4);

  CHECK(contains(message_of([&] { (void)as_xtensor<float>(m); }), "holds Float64, not the requested Float32"));
  CHECK(contains(message_of([&] { (void)as_xtensor<double>(m.t()); }), "is not contiguous"));
  CHECK(contains(message_of([&] { (void)as_xtensor<double>(Tensor()); }), "undefined"));
  xt::xarray<double> back = as_xtensor<double>(m.contiguous());
  CHECK(back(1, 0) == -1);
}
