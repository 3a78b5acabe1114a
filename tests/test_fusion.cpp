// Lazy elementwise fusion: results are pending until read, chains fuse into one program, and
// everything observable (values, gradients, in-place writes, raw pointers, views, threads,
// memory) is as if each op had run at once.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include <xgrad/autograd/fusion/fusion.hpp>
#include <xgrad/xgrad.hpp>

#include "harness.hpp"

using namespace xgrad;
using fusion::Access;

namespace {

// Sets the fusion threshold for one test and restores it.
struct FusionAt {
  std::int64_t saved = fusion_min_numel();
  explicit FusionAt(std::int64_t n) { set_fusion_min_numel(n); }
  ~FusionAt() { set_fusion_min_numel(saved); }
};
constexpr std::int64_t kNever = std::int64_t{1} << 62;

// Sets the thread count for one test and restores it.
struct ThreadsAt {
  int saved = get_num_threads();
  explicit ThreadsAt(int n) { set_num_threads(n); }
  ~ThreadsAt() { set_num_threads(saved); }
};

bool pending(const Tensor& t) { return (Access::lazy(*t.impl()->storage) & Access::kPending) != 0; }

// f evaluated op by op and fused, for both float dtypes: the values must agree (bit for bit
// with `exact`).
void check_same(const std::function<Tensor(const tensor_list&)>& f, const std::vector<Shape>& shapes,
                bool exact = false) {
  for (Dtype dt : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dt));
    manual_seed(7);
    tensor_list in;
    for (const Shape& s : shapes) in.push_back(randn(s, TensorOptions(dt)));
    Tensor eager, fused;
    {
      FusionAt off(kNever);
      eager = f(in);
      CHECK_FALSE(pending(eager));
    }
    {
      FusionAt on(0);
      fused = f(in);
      CHECK(pending(fused));
    }
    REQUIRE(fused.shape() == eager.shape());
    CHECK(fused.dtype() == eager.dtype());
    const double tol = exact ? 0.0 : dt == kFloat32 ? 1e-6 : 1e-15;
    CHECK(allclose(fused, eager, tol, tol));
    CHECK_FALSE(pending(fused));  // allclose read it
  }
}

}  // namespace

TEST_CASE("a chain of elementwise ops is one pending program, with the op-by-op values") {
  check_same([](const tensor_list& x) { return tanh(x[0] * x[1] + x[2]); }, {{300}, {300}, {300}});
  check_same([](const tensor_list& x) { return sigmoid(x[0]) / (x[1] - 2.0) + exp(-x[0]); }, {{17, 9}, {17, 9}});
  check_same([](const tensor_list& x) { return relu(x[0] * x[0] - x[1]) * 3.0 + 1.0; }, {{1000}, {1000}});
  // a single element broadcast, and an expanded one, are read as constants
  check_same([](const tensor_list& x) { return x[0] * x[1] - x[1].sum().expand({40, 3}); }, {{40, 3}, {}});
  check_same([](const tensor_list& x) { return x[1] / x[0]; }, {{1, 1}, {5, 7}});
  // longer than one program holds: the prefix runs on its own and the rest continues
  check_same(
      [](const tensor_list& x) {
        Tensor y = x[0];
        for (int i = 0; i < 40; ++i) y = tanh(y * x[1] + 0.25);
        return y;
      },
      {{257}, {257}});
}

TEST_CASE("fused arithmetic rounds each op: + - * / chains equal the op-by-op values bit for bit") {
  // Two binary ops in a row run in one loop; neither may become an fma, whatever the compiler.
  // Odd sizes leave a short last step; constants are exactly representable in both dtypes.
  constexpr bool kExact = true;
  check_same([](const tensor_list& x) { return x[0] * x[1] + x[2]; }, {{1031}, {1031}, {1031}}, kExact);
  check_same([](const tensor_list& x) { return (x[0] * 2.0 + 3.0) / x[1] - 0.5; }, {{33, 31}, {33, 31}}, kExact);
  check_same([](const tensor_list& x) { return x[0] - x[1] / x[2] * 4.0; }, {{777}, {777}, {777}}, kExact);
  check_same([](const tensor_list& x) { return x[2] / (x[0] * x[1] - 1.0) + x[0] * x[2]; }, {{500}, {500}, {500}},
             kExact);
  check_same([](const tensor_list& x) { return -(x[0] - 0.25) * (x[1] + 0.75); }, {{4097}, {4097}}, kExact);
}

TEST_CASE("summing a pending result sums its blocks as they are written, to the same value") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (std::int64_t n : {1, 1023, 1024, 5000, 300000, 1000000}) {  // the last two: split over threads
      for (int threads : {1, 3}) {
        CAPTURE(n);
        CAPTURE(threads);
        ThreadsAt t(threads);
        Tensor x = randn({n}, TensorOptions(dt)), a = randn({n}, TensorOptions(dt));
        Tensor eager;
        {
          FusionAt off(kNever);
          eager = tanh(x * a + 0.5).sum();
        }
        FusionAt on(0);
        Tensor y = tanh(x * a + 0.5);
        CHECK(pending(y) == (n > 1));
        Tensor s = y.sum();
        CHECK_FALSE(pending(y));  // y was written too: it may be saved for backward
        CHECK(equal(s, eager));
        CHECK(allclose(y, tanh(x * a + 0.5), 0, 0));
      }
    }
  }
  CHECK_THROWS_WITH_AS(set_num_threads(0), doctest::Contains("set_num_threads"), std::invalid_argument);
}

TEST_CASE("each result of a chain can still be read on its own") {
  FusionAt on(0);
  Tensor x = randn({64}, kFloat64), a = randn({64}, kFloat64);
  const std::vector<double> xv = x.to_vector<double>(), av = a.to_vector<double>();
  Tensor p = x * a;
  Tensor q = tanh(p + 1.0);
  CHECK(pending(p));
  CHECK(pending(q));
  const std::vector<double> qv = q.to_vector<double>();
  CHECK(pending(p));  // q ran its own copy of p's program
  const std::vector<double> pv = p.to_vector<double>();
  for (std::size_t i = 0; i < pv.size(); ++i) {
    CHECK(pv[i] == xv[i] * av[i]);
    CHECK(qv[i] == doctest::Approx(std::tanh(xv[i] * av[i] + 1.0)).epsilon(1e-14));
  }
  // Reading an input settles its pending readers too (data() cannot tell a read from a write).
  Tensor r = x * 2.0;
  CHECK(pending(r));
  CHECK(x.sum().item<double>() == doctest::Approx(std::accumulate(xv.begin(), xv.end(), 0.0)));
  CHECK_FALSE(pending(r));
}

TEST_CASE("an in-place write to an input comes after the pending results that read it") {
  FusionAt on(0);
  for (int how = 0; how < 3; ++how) {
    CAPTURE(how);
    Tensor x = arange(0.0, 100.0, 1.0, kFloat32), a = full({100}, 2.0, kFloat32);
    Tensor y = x * a + 1.0;
    Tensor z = y * 0.5;  // pending, copies y's program: reads x as well
    REQUIRE(pending(y));
    if (how == 0) x.add_(1000.0);
    if (how == 1) x.impl()->data_as<float>()[3] = -5;  // what an optimizer or a custom kernel does
    if (how == 2) x.copy_(zeros({100}, kFloat32));
    CHECK(y.at<float>({3}) == 7.0f);
    CHECK(z.at<float>({3}) == 3.5f);
    CHECK(y.at<float>({99}) == 199.0f);
  }
}

TEST_CASE("a raw pointer from data_ptr takes its storage out of fusion") {
  FusionAt on(0);
  Tensor x = ones({50}, kFloat64);
  double* p = x.data_ptr<double>();
  Tensor y = x * 3.0;
  CHECK_FALSE(pending(y));  // computed now: a later write through p must not reach it
  p[0] = 10;
  CHECK(y.at<double>({0}) == 3.0);
  Tensor fresh = ones({50}, kFloat64);
  CHECK(pending(fresh * 3.0));
}

TEST_CASE("views of pending results, and ops that cannot fuse, read the values") {
  FusionAt on(0);
  Tensor x = randn({6, 8}, kFloat64), a = randn({6, 8}, kFloat64);
  Tensor y = x * a - 1.0;
  Tensor yt = y.transpose(0, 1);  // a view: shares the pending storage
  Tensor ref = x.detach() * a;
  Tensor z = yt * 2.0;  // strided operand: runs eagerly, reading the view
  CHECK_FALSE(pending(z));
  CHECK(allclose(z, (ref - 1.0).transpose(0, 1) * 2.0, 1e-15, 1e-15));
  CHECK(allclose(y.slice(0, 2, 4), ref.slice(0, 2, 4) - 1.0, 1e-15, 1e-15));
  CHECK(allclose(matmul(y, ones({8, 1}, kFloat64)), matmul(ref - 1.0, ones({8, 1}, kFloat64)), 1e-12, 1e-12));
}

TEST_CASE("a fused result keeps its inputs alive only until it has run") {
  FusionAt on(0);
  Tensor a = randn({100});
  std::weak_ptr<Storage> a_storage = a.impl()->storage;
  Tensor y = exp(a * 2.0);
  a = Tensor();
  CHECK_FALSE(a_storage.expired());  // y still needs a
  CHECK(y.sum().item<float>() > 0);
  CHECK(a_storage.expired());
}

TEST_CASE("a result is written over an input that dies with its program, with the same values") {
  // Programs ending in a unary op, a binary op and a fused pair; one input read twice; a sum
  // taken as the blocks are written; sizes with a short last step, split over threads or not.
  const std::vector<std::function<Tensor(const Tensor&, const Tensor&)>> programs = {
      [](const Tensor& t, const Tensor& a) { return tanh(t * a + 0.5); },
      [](const Tensor& t, const Tensor& a) { return t * t - a; },
      [](const Tensor& t, const Tensor& a) { return sigmoid(t) * a + t; },
  };
  ThreadsAt threads(2);
  FusionAt on(0);
  for (Dtype dt : {kFloat32, kFloat64}) {
    for (std::int64_t n : {std::int64_t{9}, std::int64_t{5000}, std::int64_t{1} << 19}) {
      for (std::size_t k = 0; k < programs.size(); ++k) {
        CAPTURE(dtype_name(dt));
        CAPTURE(n);
        CAPTURE(k);
        Tensor t = randn({n}, TensorOptions(dt)), a = randn({n}, TensorOptions(dt));
        const Tensor t_values = t.clone();
        const void* t_buffer = t.impl()->data();
        Tensor kept = programs[k](t, a);  // built while t is held: written to a fresh buffer
        Tensor y = programs[k](t, a);
        t = Tensor();
        const Tensor kept_sum = kept.sum();  // y's program still holds t: kept leaves it alone
        CHECK(kept.impl()->data() != t_buffer);
        const Tensor y_sum = y.sum();  // only y's program holds t: y takes its buffer
        CHECK(y.impl()->data() == t_buffer);
        CHECK(allclose(y, kept, 0, 0));
        CHECK(equal(y_sum, kept_sum));
        {
          FusionAt off(kNever);
          const double tol = dt == kFloat32 ? 1e-6 : 1e-15;
          CHECK(allclose(y, programs[k](t_values, a), tol, tol));
        }
        // An input that a view still shares keeps its buffer and its values.
        Tensor u = t_values.clone();
        const Tensor view = u.slice(0, 0, 1);
        const void* u_buffer = u.impl()->data();
        Tensor z = programs[k](u, a);
        u = Tensor();
        CHECK(allclose(z, kept, 0, 0));
        CHECK(z.impl()->data() != u_buffer);
        CHECK(allclose(view, t_values.slice(0, 0, 1), 0, 0));
      }
    }
  }
}

TEST_CASE("the errors of an unfusable op are the eager op's") {
  FusionAt on(0);
  CHECK_THROWS_WITH_AS(mul(randn({3, 4}), randn({5})), doctest::Contains("mul"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(set_fusion_min_numel(-1), doctest::Contains("set_fusion_min_numel"), std::invalid_argument);
}

TEST_CASE("gradients through fused chains: gradcheck and gradgradcheck with fusion at every size") {
  FusionAt on(0);
  using xgrad_test::check_op;
  check_op("fused tanh(x a + b)", [](const tensor_list& x) { return tanh(x[0] * x[1] + x[2]); },
           {randn({4, 5}), randn({4, 5}), randn({4, 5})});
  check_op(
      "fused sigmoid, exp, relu, div",
      [](const tensor_list& x) { return sigmoid(x[0]) * exp(x[1] * 0.5) - relu(x[0] - x[1]) / (x[1] * x[1] + 1.0); },
      {randn({6}), randn({6})});
  check_op("fused neg, sub, scalar ops", [](const tensor_list& x) { return -(x[0] - x[1]) * 2.0 + 3.0; },
           {randn({3, 3}), randn({3, 3})});
}

TEST_CASE("backward of tanh(x a + b).sum() is the same fused and op by op") {
  for (Dtype dt : {kFloat32, kFloat64}) {
    manual_seed(3);
    Tensor x = randn({50000}, TensorOptions(dt).requires_grad(true));
    Tensor a = randn({50000}, TensorOptions(dt)), b = randn({50000}, TensorOptions(dt));
    Tensor g_eager, g_fused;
    {
      FusionAt off(kNever);
      tanh(x * a + b).sum().backward();
      g_eager = x.grad().clone();
      x.mutable_grad() = Tensor();
    }
    {
      FusionAt on(fusion_min_numel());  // the default: 50000 elements fuse
      REQUIRE(fusion_min_numel() <= 50000);
      tanh(x * a + b).sum().backward();
      g_fused = x.grad();
      CHECK(pending(g_fused));  // the whole backward is one program, run when read
    }
    const double tol = dt == kFloat32 ? 1e-6 : 1e-15;
    CHECK(allclose(g_fused, g_eager, tol, tol));
  }
}

TEST_CASE("threads reading one pending result run its program once, and all see its values") {
  FusionAt on(0);
  Tensor x = randn({1 << 16}), a = randn({1 << 16});
  Tensor ref;
  {
    FusionAt off(kNever);
    ref = tanh(x * a + 0.5).sum();
  }
  for (int round = 0; round < 20; ++round) {
    Tensor y = tanh(x * a + 0.5);
    std::vector<float> sums(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) threads.emplace_back([&, t] { sums[t] = (t % 2 ? y * 1.0 : y).sum().item<float>(); });
    // meanwhile, new programs are built on y's inputs
    Tensor w = x * a;
    for (auto& th : threads) th.join();
    for (float s : sums) CHECK(s == doctest::Approx(ref.item<float>()).epsilon(1e-5));
    CHECK(allclose(w, x * a));
  }
}

TEST_CASE("threads running two results that share a dying input: the one that runs last may take it over") {
  FusionAt on(0);
  const Tensor x = randn({1 << 15});
  const std::vector<float> xv = x.to_vector<float>();
  for (int round = 0; round < 20; ++round) {
    Tensor t = x.clone();
    Tensor y1 = t * 2.0, y2 = t * 3.0;
    t = Tensor();
    std::vector<float> v1, v2;
    std::thread other([&] { v1 = y1.to_vector<float>(); });
    v2 = y2.to_vector<float>();
    other.join();
    for (std::size_t i = 0; i < xv.size(); i += 97) {
      CHECK(v1[i] == xv[i] * 2.0f);
      CHECK(v2[i] == xv[i] * 3.0f);
    }
  }
}
