// GroupNorm / group_norm, InstanceNorm1d/2d / instance_norm and Embedding's max_norm (issue 23):
// values against naive references written here, running statistics, modules, check_op
// (gradcheck + gradgradcheck in Float64, Float32 agreement) and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using Vec = std::vector<double>;
using xgrad_test::check_op;

namespace {

void check_values(const Tensor& t, const Vec& expected, double eps = 1e-10) {
  Vec v = t.to_vector<double>();
  REQUIRE(v.size() == expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(expected[i]).epsilon(eps));
}

// Normalises consecutive blocks of `block` values of x (each with its own mean and biased
// variance), then y * w[c] + b[c] with c = (i / spatial) % C.
Vec naive_norm(const Vec& x, std::size_t block, std::size_t spatial, std::size_t C, const Vec& w, const Vec& b,
               double eps = 1e-5) {
  Vec y(x.size());
  for (std::size_t s = 0; s < x.size(); s += block) {
    double m = 0, v = 0;
    for (std::size_t i = s; i < s + block; ++i) m += x[i];
    m /= double(block);
    for (std::size_t i = s; i < s + block; ++i) v += (x[i] - m) * (x[i] - m);
    v /= double(block);
    for (std::size_t i = s; i < s + block; ++i) {
      const std::size_t c = (i / spatial) % C;
      y[i] = (x[i] - m) / std::sqrt(v + eps) * (w.empty() ? 1.0 : w[c]) + (b.empty() ? 0.0 : b[c]);
    }
  }
  return y;
}

}  // namespace

TEST_CASE("group_norm matches the naive per-(sample, group) normalisation") {
  manual_seed(8);
  Tensor x = randn({2, 6, 3, 2}, kFloat64);
  Tensor w = randn({6}, kFloat64), b = randn({6}, kFloat64);
  const Vec xv = x.to_vector<double>(), wv = w.to_vector<double>(), bv = b.to_vector<double>();
  check_values(F::group_norm(x, 3, w, b), naive_norm(xv, 2 * 6, 6, 6, wv, bv));
  check_values(F::group_norm(x, 1), naive_norm(xv, 6 * 6, 6, 6, {}, {}));
  check_values(F::group_norm(x, 6, w, Tensor(), 1e-3), naive_norm(xv, 6, 6, 6, wv, {}, 1e-3));
  check_values(F::group_norm(x, F::GroupNormFuncOptions(2).weight(w).bias(b)), naive_norm(xv, 3 * 6, 6, 6, wv, bv));
  // [N, C] input: groups of channels only
  Tensor x2 = randn({3, 4}, kFloat64);
  check_values(F::group_norm(x2, 2), naive_norm(x2.to_vector<double>(), 2, 1, 4, {}, {}));
}

TEST_CASE("group_norm gradchecks to second order (check_op)") {
  manual_seed(9);
  Tensor x = randn({2, 4, 3}, kFloat64), w = randn({4}, kFloat64), b = randn({4}, kFloat64);
  check_op("group_norm affine", [](const tensor_list& t) { return F::group_norm(t[0], 2, t[1], t[2]); }, {x, w, b});
  check_op("group_norm plain", [](const tensor_list& t) { return F::group_norm(t[0], 4); }, {x});
  check_op("group_norm non-contiguous",
           [](const tensor_list& t) { return F::group_norm(t[0].transpose(0, 2), 1, t[1]); },
           {randn({3, 4, 2}, kFloat64), randn({4}, kFloat64)});
}

TEST_CASE("instance_norm normalises each (sample, channel) and updates running statistics") {
  manual_seed(10);
  Tensor x = randn({3, 2, 4, 5}, kFloat64);
  const Vec xv = x.to_vector<double>();
  Tensor w = randn({2}, kFloat64), b = randn({2}, kFloat64);
  check_values(F::instance_norm(x), naive_norm(xv, 20, 20, 2, {}, {}));
  check_values(F::instance_norm(x, Tensor(), Tensor(), w, b),
               naive_norm(xv, 20, 20, 2, w.to_vector<double>(), b.to_vector<double>()));
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  F::instance_norm(x, rm, rv, Tensor(), Tensor(), true, 0.1);
  for (std::int64_t c = 0; c < 2; ++c) {
    double m = 0, v = 0;
    for (std::int64_t n = 0; n < 3; ++n) {
      Tensor plane = x.select(0, n).select(0, c);
      const double pm = plane.mean().item<double>();
      m += pm / 3;
      v += (plane - pm).square().sum().item<double>() / 19.0 / 3;  // unbiased per instance
    }
    CHECK(rm.to_vector<double>()[std::size_t(c)] == doctest::Approx(0.1 * m).epsilon(1e-12));
    CHECK(rv.to_vector<double>()[std::size_t(c)] == doctest::Approx(0.9 + 0.1 * v).epsilon(1e-12));
  }
  // use_input_stats false: the running statistics
  Tensor y = F::instance_norm(x, rm, rv, Tensor(), Tensor(), false);
  Tensor ref = (x - rm.reshape({1, 2, 1, 1})) / (rv.reshape({1, 2, 1, 1}) + 1e-5).sqrt();
  check_values(y, ref.to_vector<double>());
}

TEST_CASE("instance_norm gradchecks to second order (check_op)") {
  manual_seed(11);
  Tensor x = randn({2, 3, 5}, kFloat64), w = randn({3}, kFloat64), b = randn({3}, kFloat64);
  check_op("instance_norm affine", [](const tensor_list& t) { return F::instance_norm(t[0], {}, {}, t[1], t[2]); },
           {x, w, b});
  check_op("instance_norm 2d", [](const tensor_list& t) { return F::instance_norm(t[0]); },
           {randn({2, 2, 3, 3}, kFloat64)});
  Tensor rm = randn({3}, kFloat64), rv = rand({3}, kFloat64) + 0.5;
  check_op("instance_norm running stats",
           [rm, rv](const tensor_list& t) { return F::instance_norm(t[0], rm, rv, t[1], {}, false); }, {x, w});
}

TEST_CASE("GroupNorm and InstanceNorm modules") {
  nn::GroupNorm gn(nn::GroupNormOptions(2, 4).eps(1e-3));
  CHECK(gn->parameters().size() == 2);
  Tensor x = randn({2, 4, 3});
  CHECK(allclose(gn(x), F::group_norm(x, 2, gn->weight, gn->bias, 1e-3)));
  CHECK(nn::GroupNorm(nn::GroupNormOptions(2, 4).affine(false))->parameters().empty());
  CHECK_THROWS_WITH_AS(nn::GroupNorm(3, 4), doctest::Contains("divisible by num_groups"), std::invalid_argument);

  nn::InstanceNorm1d in1(3);  // PyTorch's defaults: no parameters, no buffers
  CHECK(in1->parameters().empty());
  CHECK(in1->buffers().empty());
  CHECK(allclose(in1(x.narrow(1, 0, 3)), F::instance_norm(x.narrow(1, 0, 3))));
  CHECK(in1(x.select(0, 0).narrow(0, 0, 3)).shape() == Shape{3, 3});  // unbatched [C, L]

  nn::InstanceNorm2d in2(nn::InstanceNorm2dOptions(4).affine(true).track_running_stats(true).momentum(0.5));
  CHECK(in2->parameters().size() == 2);
  Tensor img = randn({2, 4, 3, 3});
  in2(img);
  CHECK(!allclose(in2->running_mean, zeros({4})));
  in2->eval();
  Tensor before = in2->running_mean.clone();
  Tensor y = in2(img);
  CHECK(allclose(in2->running_mean, before));  // eval: no update, running statistics used
  CHECK(allclose(y, F::instance_norm(img, in2->running_mean, in2->running_var, in2->weight, in2->bias, false)));
  std::ostringstream os;
  os << *in2;
  CHECK(os.str().rfind("InstanceNorm2d(4, eps=1e-05, momentum=0.5, affine=true, track_running_stats=true)", 0) == 0);
  CHECK_THROWS_WITH_AS(in2(zeros({4, 3})), doctest::Contains("InstanceNorm2d: expected 3-D (unbatched) or 4-D"),
                       std::invalid_argument);
}

TEST_CASE("group_norm and instance_norm refuse bad inputs, naming the op, shapes and dtypes") {
  CHECK_THROWS_WITH_AS(F::group_norm(zeros({2, 6, 3}), 4),
                       doctest::Contains("group_norm: the number of channels must be divisible by num_groups (input "
                                         "Float32 [2, 6, 3], num_groups=4)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::group_norm(zeros({2, 6, 3}), 2, zeros({5})), doctest::Contains("weight must be a [6] tensor"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::group_norm(zeros({2, 6}, kInt64), 2), doctest::Contains("Float32 or Float64"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::instance_norm(zeros({2, 3})), doctest::Contains("at least one spatial dim"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::instance_norm(zeros({2, 3, 1})), doctest::Contains("more than 1 spatial element"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::instance_norm(zeros({2, 3, 4}), {}, {}, {}, {}, false),
                       doctest::Contains("running_mean and running_var are required"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(F::instance_norm(zeros({2, 3, 4}), zeros({3}), Tensor()), doctest::Contains("both be given"),
                       std::invalid_argument);
}

TEST_CASE("embedding max_norm renormalises the looked-up rows in place, as embedding_renorm_") {
  Tensor w = tensor(Vec{3, 4, 0.3, 0.4, 6, 8}, {3, 2});
  Tensor idx = tensor(std::vector<std::int64_t>{0, 1, 0}, {3});
  Tensor y = F::embedding(idx, w, std::nullopt, 1.0);
  const double s = 1.0 / (5 + 1e-7);
  check_values(w, {3 * s, 4 * s, 0.3, 0.4, 6, 8}, 1e-12);  // row 2 is not looked up: untouched
  check_values(y, {3 * s, 4 * s, 0.3, 0.4, 3 * s, 4 * s}, 1e-12);
  // norm_type 1 and the LibTorch builder
  Tensor w1 = tensor(Vec{3, -4, 0.3, 0.4}, {2, 2});
  F::embedding(tensor(std::vector<std::int64_t>{0}, {1}), w1, F::EmbeddingFuncOptions().max_norm(2.0).norm_type(1));
  check_values(w1, {3 * 2 / (7 + 1e-7), -4 * 2 / (7 + 1e-7), 0.3, 0.4}, 1e-12);
  // The module: the gradient still reaches the looked-up rows
  nn::Embedding emb(nn::EmbeddingOptions(4, 3).max_norm(0.5));
  Tensor out = emb(tensor(std::vector<std::int64_t>{1, 3}, {2}));
  out.sum().backward();
  for (std::int64_t r : {1, 3}) CHECK(norm(emb->weight.select(0, r)).item<double>() <= 0.5 + 1e-6);
  check_values(emb->weight.grad(), {0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1});
  // A graph that saved the weight before the renormalisation refuses to go backward.
  Tensor p = tensor(Vec{3, 4}, {1, 2}).requires_grad_();
  Tensor q = (p * p).sum();
  F::embedding(tensor(std::vector<std::int64_t>{0}, {1}), p, std::nullopt, 1.0);
  CHECK_THROWS(q.backward());
  CHECK_THROWS_AS(F::embedding(tensor(std::vector<std::int64_t>{5}, {1}), w, std::nullopt, 1.0), std::out_of_range);
  CHECK_THROWS_WITH_AS(F::embedding(idx, w, std::nullopt, -1.0), doctest::Contains("max_norm must be non-negative"),
                       std::invalid_argument);
}

TEST_CASE("instance_norm, group_norm and embedding max_norm agree with LibTorch 1.13 (4 decimals)") {
  Tensor x = arange(24, kFloat64).reshape({2, 2, 6}).cos();
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  Tensor y = F::instance_norm(x, rm, rv);
  const Vec inorm = {1.4838,  0.8275,  -0.5380, -1.3573, -0.8771, 0.4611,  1.3903,  1.1005,
                     -0.1629, -1.2384, -1.1372, 0.0477,  1.1939,  1.2820,  0.2137,  -1.0289,
                     -1.3034, -0.3573, 0.9147,  1.3669,  0.5673,  -0.7489, -1.3717, -0.7284};
  const Vec v = y.to_vector<double>();
  for (std::size_t i = 0; i < v.size(); ++i) CHECK(v[i] == doctest::Approx(inorm[i]).epsilon(1e-3));
  check_values(rm, {-2.8358e-3, -1.6719e-3}, 1e-6);
  check_values(rv, {0.9607, 0.9620}, 1e-4);
  const Vec gnorm = {1.4648,  0.8138,  -0.5405, -1.3531, -0.8769, 0.4504,  1.4084,  1.1163,
                     -0.1573, -1.2415, -1.1394, 0.0550,  1.1806,  1.2684,  0.2036,  -1.0348,
                     -1.3083, -0.3654, 0.9270,  1.3807,  0.5785,  -0.7420, -1.3668, -0.7214};
  const Vec g = F::group_norm(x, 1).to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == doctest::Approx(gnorm[i]).epsilon(1e-3));
}
