// nn::utils::clip_grad_norm_ and clip_grad_value_.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using nn::utils::clip_grad_norm_;
using nn::utils::clip_grad_value_;

namespace {
// Two parameters whose gradients are (3, 4) and (12): together a vector of 2-norm 13.
template <class T>
std::vector<Tensor> params_with_grads(std::vector<T> g1 = {3, 4}, std::vector<T> g2 = {12}) {
  Tensor a = zeros({static_cast<std::int64_t>(g1.size())}, dtype_of<T>()).requires_grad_();
  Tensor b = zeros({static_cast<std::int64_t>(g2.size())}, dtype_of<T>()).requires_grad_();
  a.set_grad(tensor(g1));
  b.set_grad(tensor(g2));
  return {a, b};
}
}  // namespace

TEST_CASE("clip_grad_norm_ scales all gradients by max_norm / total_norm and returns the total norm") {
  auto ps = params_with_grads<double>();
  Tensor total = clip_grad_norm_(ps, 6.5);
  CHECK(total.item<double>() == doctest::Approx(13.0).epsilon(1e-15));
  CHECK(total.dtype() == kFloat64);
  const double coef = 6.5 / (13.0 + 1e-6);
  CHECK(ps[0].grad().to_vector<double>()[0] == doctest::Approx(3 * coef).epsilon(1e-15));
  CHECK(ps[0].grad().to_vector<double>()[1] == doctest::Approx(4 * coef).epsilon(1e-15));
  CHECK(ps[1].grad().item<double>() == doctest::Approx(12 * coef).epsilon(1e-15));
}

TEST_CASE("clip_grad_norm_ leaves gradients below max_norm unchanged") {
  auto ps = params_with_grads<float>();
  Tensor total = clip_grad_norm_(ps, 100.0);
  CHECK(total.item<float>() == doctest::Approx(13.0f));
  CHECK(total.dtype() == kFloat32);
  CHECK(ps[0].grad().to_vector<float>() == std::vector<float>{3, 4});
  CHECK(ps[1].grad().to_vector<float>() == std::vector<float>{12});
}

TEST_CASE("clip_grad_norm_ with other norms") {
  SUBCASE("infinity: the largest magnitude") {
    auto ps = params_with_grads<double>({3, -20}, {12});
    CHECK(clip_grad_norm_(ps, 10.0, std::numeric_limits<double>::infinity()).item<double>() == 20.0);
    CHECK(ps[0].grad().to_vector<double>()[1] == doctest::Approx(-10.0).epsilon(1e-6));
  }
  SUBCASE("1-norm") {
    auto ps = params_with_grads<double>({3, -4}, {12});
    CHECK(clip_grad_norm_(ps, 1.0, 1.0).item<double>() == doctest::Approx(19.0));
  }
  SUBCASE("3-norm") {
    auto ps = params_with_grads<double>({1, 2}, {-2});
    CHECK(clip_grad_norm_(ps, 100.0, 3.0).item<double>() == doctest::Approx(std::cbrt(17.0)));
  }
}

TEST_CASE("clip_grad_norm_ skips parameters without gradient and returns 0 when there are none") {
  Tensor none = zeros({3}).requires_grad_();
  auto ps = params_with_grads<float>();
  ps.push_back(none);
  CHECK(clip_grad_norm_(ps, 1.0).item<float>() == doctest::Approx(13.0f));
  CHECK_FALSE(none.grad().defined());
  CHECK(clip_grad_norm_(std::vector<Tensor>{none}, 1.0).item<double>() == 0.0);
  CHECK(clip_grad_norm_(none, 1.0).item<double>() == 0.0);
}

TEST_CASE("clip_grad_norm_ with error_if_nonfinite throws on a NaN or infinite norm and leaves the gradients") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto ps = params_with_grads<double>({3, nan}, {12});
  CHECK_THROWS_WITH_AS(clip_grad_norm_(ps, 1.0, 2.0, true), doctest::Contains("is non-finite, so it cannot be clipped"),
                       std::runtime_error);
  CHECK(ps[1].grad().item<double>() == 12.0);
  // Without the check the NaN spreads to every gradient, as in PyTorch.
  CHECK(std::isnan(clip_grad_norm_(ps, 1.0).item<double>()));
  CHECK(std::isnan(ps[1].grad().item<double>()));
}

TEST_CASE("clip_grad_norm_ rejects bad arguments") {
  auto ps = params_with_grads<double>();
  CHECK_THROWS_WITH_AS(clip_grad_norm_(ps, 1.0, 0.0), doctest::Contains("clip_grad_norm_: invalid norm_type: 0"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(clip_grad_norm_(ps, -1.0), doctest::Contains("clip_grad_norm_: invalid max_norm: -1"),
                       std::invalid_argument);
}

TEST_CASE("clip_grad_value_ clamps every gradient element to [-clip, clip]") {
  auto ps = params_with_grads<float>({-3, 0.5f}, {12});
  clip_grad_value_(ps, 1.0);
  CHECK(ps[0].grad().to_vector<float>() == std::vector<float>{-1, 0.5f});
  CHECK(ps[1].grad().to_vector<float>() == std::vector<float>{1});
  CHECK_THROWS_WITH_AS(clip_grad_value_(ps, -0.5), doctest::Contains("clip_grad_value_: invalid clip_value: -0.5"),
                       std::invalid_argument);
}

TEST_CASE("clipping a gradient from backward then stepping uses the clipped gradient") {
  Tensor w = tensor(std::vector<double>{0.0, 0.0}).requires_grad_();
  optim::SGD opt({w}, optim::SGDOptions(1.0));
  (w * tensor(std::vector<double>{30.0, 40.0})).sum().backward();  // gradient (30, 40), norm 50
  clip_grad_norm_(opt.parameters(), 5.0);
  opt.step();
  CHECK(w.to_vector<double>()[0] == doctest::Approx(-3.0).epsilon(1e-6));
  CHECK(w.to_vector<double>()[1] == doctest::Approx(-4.0).epsilon(1e-6));
}
