// Tensor creation, dtypes, accessors and printing.
#include <doctest/doctest.h>

#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <thread>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

TEST_CASE("factories give the requested shape, dtype and values") {
  Tensor z = zeros({2, 3});
  CHECK(z.sizes() == Shape{2, 3});
  CHECK(z.dtype() == kFloat32);  // the default dtype, as in PyTorch
  CHECK(z.numel() == 6);
  CHECK(z.dim() == 2);
  CHECK(z.to_vector<double>() == std::vector<double>(6, 0.0));
  CHECK(ones({4}, kFloat64).to_vector<double>() == std::vector<double>(4, 1.0));
  CHECK(full({2}, 2.5).to_vector<float>() == std::vector<float>{2.5f, 2.5f});
  CHECK(eye(2, 3).to_vector<int>() == std::vector<int>{1, 0, 0, 0, 1, 0});
  CHECK(arange(4).dtype() == kInt64);
  CHECK(arange(4).to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2, 3});
  CHECK(arange(1, 2, 0.25, kFloat64).to_vector<double>() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(linspace(0, 1, 5).to_vector<float>() == std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1});
  CHECK(scalar_tensor(3).dim() == 0);
  CHECK(scalar_tensor(3).item<double>() == 3.0);
}

TEST_CASE("TensorOptions in LibTorch style") {
  Tensor x = randn({20, 20}, TensorOptions().dtype(kFloat64).requires_grad(true));
  CHECK(x.dtype() == kFloat64);
  CHECK(x.requires_grad());
  CHECK(x.is_leaf());
  CHECK_FALSE(zeros({1}).requires_grad());
}

TEST_CASE("manual_seed makes every random factory reproducible") {
  manual_seed(42);
  auto a = randn({5}).to_vector<float>();
  auto b = rand({5}).to_vector<float>();
  auto c = randint(0, 10, {5}).to_vector<std::int64_t>();
  auto d = randperm(6).to_vector<std::int64_t>();
  manual_seed(42);
  CHECK(randn({5}).to_vector<float>() == a);
  CHECK(rand({5}).to_vector<float>() == b);
  CHECK(randint(0, 10, {5}).to_vector<std::int64_t>() == c);
  CHECK(randperm(6).to_vector<std::int64_t>() == d);
  manual_seed(43);
  CHECK(randn({5}).to_vector<float>() != a);
  for (double u : rand({1000}, kFloat64).to_vector<double>()) REQUIRE((u >= 0 && u < 1));
  for (auto v : randint(-2, 3, {1000}).to_vector<std::int64_t>()) REQUIRE((v >= -2 && v < 3));
}

TEST_CASE("randn has mean 0 and variance 1") {
  manual_seed(0);
  auto v = randn({20000}, kFloat64).to_vector<double>();
  double m = 0, s = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  for (double x : v) s += (x - m) * (x - m);
  s /= static_cast<double>(v.size());
  CHECK(m == doctest::Approx(0).epsilon(0.03));
  CHECK(s == doctest::Approx(1).epsilon(0.03));
}

TEST_CASE("tensor() from a std::vector checks the element count") {
  Tensor t = tensor(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.dtype() == kFloat64);
  CHECK(t.at<double>({1, 2}) == 6);
  CHECK(t.at<double>({-1, 0}) == 4);
  CHECK_THROWS_AS(tensor(std::vector<float>{1, 2, 3}, {2, 2}), std::invalid_argument);
  CHECK_THROWS_AS(t.at<double>({2, 0}), std::out_of_range);
  CHECK_THROWS_AS(t.at<double>({0}), std::invalid_argument);
}

TEST_CASE("item() needs exactly one element") {
  CHECK(full({1, 1}, 7.0).item<double>() == 7.0);
  try {
    zeros({2, 2}).item<double>();
    FAIL("expected an exception");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("[2, 2]") != std::string::npos);
  }
}

TEST_CASE("bad sizes are refused with a clear error, not bad_alloc or overflow") {
  CHECK_THROWS_AS(zeros({-1, 3}), std::invalid_argument);
  CHECK_THROWS_AS(zeros({1LL << 40, 1LL << 40}), std::length_error);
  try {
    zeros({1LL << 20, 1LL << 20, 1LL << 10});
    FAIL("expected an exception");
  } catch (const std::length_error& e) {
    CHECK(std::string(e.what()).find("zeros") != std::string::npos);
  }
  CHECK(zeros({0, 3}).numel() == 0);
}

TEST_CASE("Int64 tensors never require grad") {
  Tensor labels = tensor(std::vector<std::int64_t>{0, 1, 2});
  CHECK_THROWS_AS(labels.requires_grad_(), std::invalid_argument);
  CHECK_THROWS_AS(zeros({2}, TensorOptions().dtype(kInt64).requires_grad(true)), std::invalid_argument);
}

TEST_CASE("dtype promotion follows PyTorch") {
  Tensor f = ones({2}, kFloat32), d = ones({2}, kFloat64), i = ones({2}, kInt64);
  CHECK((f + d).dtype() == kFloat64);
  CHECK((f + i).dtype() == kFloat32);
  CHECK((i + i).dtype() == kInt64);
  CHECK((i * 2.0).dtype() == kInt64);    // integral scalar keeps Int64
  CHECK((i * 2.5).dtype() == kFloat32);  // a fractional scalar promotes to the default float
  CHECK((f * 2.5).dtype() == kFloat32);  // scalars never widen a float tensor
  CHECK((i / i).dtype() == kFloat32);    // true division
}

TEST_CASE("to(dtype) converts and is differentiable") {
  Tensor x = tensor(std::vector<float>{1.5f, -2.0f}).requires_grad_();
  Tensor y = x.to(kFloat64);
  CHECK(y.dtype() == kFloat64);
  CHECK(y.grad_fn()->name() == "ToCopyBackward0");
  (y * y).sum().backward();
  CHECK(x.grad().dtype() == kFloat32);
  CHECK(x.grad().to_vector<float>() == std::vector<float>{3.0f, -4.0f});
  CHECK(tensor(std::vector<double>{2.7, -1.2}).to(kInt64).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{2, -1});
}

TEST_CASE("converting NaN, infinity or an out-of-range value to Int64 is an error, not undefined behaviour") {
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {std::nan(""), inf, -inf, 1e19, -1e19}) {
    CAPTURE(bad);
    try {
      (void)tensor(std::vector<double>{1.0, bad}).to(kInt64);
      FAIL("expected an exception");
    } catch (const std::domain_error& e) {
      CHECK(std::string(e.what()).find("Int64") != std::string::npos);
      CHECK(std::string(e.what()).find("Float64 [2]") != std::string::npos);
    }
  }
  CHECK(tensor(std::vector<double>{-9.2e18}).to(kInt64).item<std::int64_t>() == static_cast<std::int64_t>(-9.2e18));
}

TEST_CASE("full, fill_ and arange refuse values Int64 cannot hold, rather than undefined behaviour") {
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  };
  auto has = [](const std::string& s, const char* part) { return s.find(part) != std::string::npos; };
  CHECK(has(message([] { (void)full({2}, 1e300, kInt64); }),
            "full: value cannot be converted to type Int64 without overflow (1e+300)"));
  CHECK(has(message([] { zeros({2}, kInt64).fill_(1e300); }), "cannot be converted to type Int64"));
  CHECK(has(message([] { zeros({2}, kInt64).fill_(std::nan("")); }), "cannot be converted to type Int64"));
  CHECK(has(message([] { (void)arange(0, 1e19, 1, kInt64); }), "arange: invalid size, possible overflow?"));
  CHECK(has(message([] { (void)arange(0, std::nan("")); }), "arange: unsupported range: 0 -> nan"));
  CHECK(has(message([] { (void)arange(0, 10, std::nan("")); }), "arange"));
  CHECK(full({2}, -9.2e18, kInt64).to_vector<std::int64_t>()[0] == static_cast<std::int64_t>(-9.2e18));
  CHECK(zeros({2}, kInt64).fill_(2.7).to_vector<std::int64_t>() ==
        std::vector<std::int64_t>{2, 2});  // truncates, as PyTorch
}

TEST_CASE("detach shares data but not history; clone copies and keeps history") {
  Tensor x = ones({3}, TensorOptions().requires_grad(true));
  Tensor y = x * 2.0;
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.grad_fn() == nullptr);
  {
    NoGradGuard g;
    d.add_(1.0);
  }
  CHECK(y.to_vector<float>() == std::vector<float>{3, 3, 3});  // same storage
  Tensor c = y.clone();
  CHECK(c.grad_fn()->name() == "CloneBackward0");
  c.sum().backward();
  CHECK(x.grad().to_vector<float>() == std::vector<float>{2, 2, 2});
}

TEST_CASE("operator<< prints values, shape, dtype and grad_fn") {
  Tensor x = tensor(std::vector<double>{1, -2.5, 3, 4}, {2, 2}).requires_grad_();
  std::ostringstream a, b, c;
  a << x;
  CHECK(a.str().find("-2.5000") != std::string::npos);
  CHECK(a.str().find("shape=[2, 2]") != std::string::npos);
  CHECK(a.str().find("dtype=Float64") != std::string::npos);
  CHECK(a.str().find("requires_grad=True") != std::string::npos);
  b << x * 2.0;
  CHECK(b.str().find("grad_fn=<MulBackward1>") != std::string::npos);
  c << arange(3);
  CHECK(c.str() == "tensor([0, 1, 2], shape=[3], dtype=Int64)");
  std::ostringstream big;
  big << zeros({100, 100});
  CHECK(big.str().find("...") != std::string::npos);  // large tensors are summarised
  CHECK(big.str().size() < 2000);
}

TEST_CASE("printing restores the stream's settings and picks fixed or scientific notation as PyTorch") {
  std::ostringstream os;
  os << std::setprecision(9) << std::setfill('*') << std::hex << std::showpos;
  const auto flags = os.flags();
  os << tensor(std::vector<float>{1.5f, 2.25f});
  CHECK(os.precision() == 9);
  CHECK(os.fill() == '*');
  CHECK(os.flags() == flags);
  CHECK(os.str() == "tensor([1.5000, 2.2500], shape=[2], dtype=Float32)");  // the caller's flags do not leak in
  auto printed = [](const Tensor& t) {
    std::ostringstream s;
    s << t;
    return s.str();
  };
  CHECK(printed(tensor(std::vector<double>{1e-8, 2e-9})) ==
        "tensor([1.0000e-08, 2.0000e-09], shape=[2], dtype=Float64)");
  CHECK(printed(scalar_tensor(1e-8, kFloat64)) == "tensor(1.0000e-08, shape=[], dtype=Float64)");
  CHECK(printed(tensor(std::vector<double>{1, 2000})).find("2.0000e+03") != std::string::npos);  // span > 1000
  CHECK(printed(tensor(std::vector<double>{-1e9, 0})).find("-1.0000e+09,  0.0000e+00") != std::string::npos);
  CHECK(printed(tensor(std::vector<double>{0.5, 0, 100})) ==
        "tensor([  0.5000,   0.0000, 100.0000], shape=[3], dtype=Float64)");
}

TEST_CASE("grad mode is thread-local") {
  Tensor x = ones({1}, TensorOptions().requires_grad(true));
  NoGradGuard off;
  CHECK_FALSE((x * 2.0).requires_grad());
  bool other_thread_records = false;
  std::thread t([&] { other_thread_records = (x * 2.0).requires_grad(); });
  t.join();
  CHECK(other_thread_records);
}
