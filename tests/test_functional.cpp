// autograd::functional: closed forms, agreement with gradcheck's analytical Jacobian, second
// derivatives of create_graph results, products against whole Jacobians on random graphs, and
// PyTorch's nesting, strict mode and errors.
#include <doctest/doctest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "random_graphs/program.hpp"

using namespace xgrad;
using namespace xgrad::autograd::functional;
using xgrad::autograd::GradcheckOptions;

namespace {

Tensor f64(const std::vector<double>& v, const Shape& shape = {}) {
  return tensor(v, shape.empty() ? Shape{std::int64_t(v.size())} : shape);
}

Tensor randn64(const Shape& s) { return randn(s, TensorOptions(kFloat64)); }

Tensor rosenbrock(const Tensor& p) {
  Tensor x = p[0], y = p[1];
  return (1.0 - x).square() + 100.0 * (y - x.square()).square();
}

// J as a [numel(out), numel(in)] matrix.
Tensor as_matrix(const Tensor& j, const Tensor& out, const Tensor& in) { return j.reshape({out.numel(), in.numel()}); }

}  // namespace

TEST_CASE("hessian of x^T A x is A + A^T, by either outer strategy") {
  manual_seed(1);
  Tensor A = randn64({4, 4});
  auto f = [&](const Tensor& x) { return matmul(x, matmul(A, x)); };
  Tensor x = randn64({4});
  for (Strategy s : {Strategy::ReverseRows, Strategy::ForwardColumns}) {
    Tensor H = hessian(f, x, false, false, s);
    CHECK(H.shape() == Shape{4, 4});
    CHECK(allclose(H, A + A.t(), 1e-12, 1e-12));
    CHECK_FALSE(H.requires_grad());
  }
}

TEST_CASE("hessian of Rosenbrock's function, as one input and as two") {
  const double x = 0.7, y = -0.3;
  Tensor expected = f64({2 - 400 * (y - x * x) + 800 * x * x, -400 * x, -400 * x, 200}, {2, 2});
  CHECK(allclose(hessian(rosenbrock, f64({x, y})), expected, 1e-12, 1e-10));
  // Two 0-d inputs: [i][j] blocks of shape [] + [] = [].
  auto f2 = [](const tensor_list& in) { return rosenbrock(stack(in)); };
  std::vector<tensor_list> H = hessian(f2, tensor_list{scalar_tensor(x, kFloat64), scalar_tensor(y, kFloat64)});
  REQUIRE(H.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    REQUIRE(H[i].size() == 2);
    for (std::size_t j = 0; j < 2; ++j) {
      CHECK(H[i][j].dim() == 0);
      CHECK(H[i][j].item<double>() == doctest::Approx(expected.at<double>({std::int64_t(i), std::int64_t(j)})));
    }
  }
}

TEST_CASE("jacobian of softmax is diag(s) - s s^T, rows and columns alike") {
  manual_seed(2);
  Tensor x = randn64({5});
  Tensor s = softmax(x, 0);
  Tensor expected = eye(5, TensorOptions(kFloat64)) * s.unsqueeze(1) - outer(s, s);
  auto f = [](const Tensor& t) { return softmax(t, 0); };
  CHECK(allclose(jacobian(f, x), expected, 1e-12, 1e-14));
  CHECK(allclose(jacobian(f, x, false, false, Strategy::ForwardColumns), expected, 1e-12, 1e-14));
}

TEST_CASE("jacobian of a matrix product with respect to each input has shape O + I") {
  manual_seed(3);
  Tensor A = randn64({2, 3}), B = randn64({3, 4});
  auto f = [](const tensor_list& in) { return matmul(in[0], in[1]); };
  for (Strategy s : {Strategy::ReverseRows, Strategy::ForwardColumns}) {
    tensor_list J = jacobian(f, tensor_list{A, B}, false, false, s);
    REQUIRE(J.size() == 2);
    CHECK(J[0].shape() == Shape{2, 4, 2, 3});
    CHECK(J[1].shape() == Shape{2, 4, 3, 4});
    for (std::int64_t i = 0; i < 2; ++i) {
      for (std::int64_t j = 0; j < 4; ++j) {
        for (std::int64_t k = 0; k < 2; ++k) {
          for (std::int64_t l = 0; l < 3; ++l) {
            CHECK(J[0].at<double>({i, j, k, l}) == (i == k ? B.at<double>({l, j}) : 0.0));  // dC_ij/dA_kl = d_ik B_lj
          }
        }
        for (std::int64_t k = 0; k < 3; ++k) {
          for (std::int64_t l = 0; l < 4; ++l) {
            CHECK(J[1].at<double>({i, j, k, l}) == (j == l ? A.at<double>({i, k}) : 0.0));  // dC_ij/dB_kl = A_ik d_jl
          }
        }
      }
    }
  }
}

TEST_CASE("jacobian equals gradcheck's analytical Jacobian, transposed") {
  manual_seed(4);
  tensor_list in{randn64({3}).requires_grad_(), randn64({2, 2}).requires_grad_()};
  auto f = [](const tensor_list& t) {
    return tensor_list{(t[0].sin() * t[1].sum()).exp(), matmul(t[1], t[0].narrow(0, 0, 2)).tanh()};
  };
  std::vector<tensor_list> J = jacobian(f, in);
  auto report = xgrad::autograd::gradcheck_report(f, in);
  REQUIRE(report.passed);
  tensor_list outs = f(in);
  for (std::size_t o = 0; o < 2; ++o) {
    for (std::size_t i = 0; i < 2; ++i) {
      const auto* pair = report.pair(o, i);
      REQUIRE(pair != nullptr);
      CHECK(allclose(as_matrix(J[o][i], outs[o], in[i]).t(), pair->analytical, 1e-12, 1e-14));
    }
  }
}

TEST_CASE("create_graph results are differentiable again and pass gradgradcheck") {
  manual_seed(5);
  auto f = [](const Tensor& x) { return (x.sin() * x.square()).sum(); };
  auto g = [](const Tensor& x) { return (x.unsqueeze(1) * x.exp()).tanh(); };
  tensor_list x{randn64({3}).requires_grad_()}, v{randn64({3}).requires_grad_()};
  const auto opts = GradcheckOptions().atol(1e-6);
  auto jac = [&](const tensor_list& in) { return jacobian(g, in[0], true); };
  auto jac_cols = [&](const tensor_list& in) { return jacobian(g, in[0], true, false, Strategy::ForwardColumns); };
  auto hes = [&](const tensor_list& in) { return hessian(f, in[0], true); };
  auto hv = [&](const tensor_list& in) { return hvp(f, in[0], in[1], true).second; };
  auto vh = [&](const tensor_list& in) { return vhp(f, in[0], in[1], true).second; };
  auto jv = [&](const tensor_list& in) { return jvp(g, in[0], in[1], true).second; };
  auto vj = [&](const tensor_list& in) {
    return vjp([](const Tensor& t) { return t.exp() * t; }, in[0], in[1], true).second;
  };
  CHECK(jac(x).requires_grad());
  CHECK(xgrad::autograd::gradgradcheck(jac, x, opts));
  CHECK(xgrad::autograd::gradgradcheck(jac_cols, x, opts));
  CHECK(xgrad::autograd::gradgradcheck(hes, x, opts));
  CHECK(xgrad::autograd::gradgradcheck(hv, tensor_list{x[0], v[0]}, opts));
  CHECK(xgrad::autograd::gradgradcheck(vh, tensor_list{x[0], v[0]}, opts));
  CHECK(xgrad::autograd::gradgradcheck(jv, tensor_list{x[0], v[0]}, opts));
  CHECK(xgrad::autograd::gradgradcheck(vj, tensor_list{x[0], v[0]}, opts));
  // Without create_graph the results are detached.
  CHECK_FALSE(hvp(f, x[0], v[0]).second.requires_grad());
  CHECK_FALSE(jvp(g, x[0], v[0]).first.requires_grad());
}

TEST_CASE("hvp, vhp and the Hessian agree; the outputs are f's") {
  manual_seed(6);
  auto f = [](const tensor_list& in) {
    return (in[0].exp() * in[1].sin().sum()).sum() + (in[0] * in[0]).sum().square();
  };
  tensor_list x{randn64({3}), randn64({2})}, v{randn64({3}), randn64({2})};
  std::vector<tensor_list> H = hessian(f, x);
  auto [fx, hv] = hvp(f, x, v);
  auto [fx2, vh] = vhp(f, x, v);
  CHECK(fx.item<double>() == doctest::Approx(f(x).item<double>()));
  CHECK(fx2.item<double>() == doctest::Approx(f(x).item<double>()));
  for (std::size_t i = 0; i < 2; ++i) {
    Tensor expected = zeros(x[i].shape(), TensorOptions(kFloat64));
    for (std::size_t j = 0; j < 2; ++j) expected = expected + matmul(as_matrix(H[i][j], x[i], x[j]), v[j]);
    CHECK(allclose(hv[i], expected, 1e-10, 1e-12));
    CHECK(allclose(vh[i], expected, 1e-10, 1e-12));  // H is symmetric
  }
}

// J v and v^T J from the whole Jacobian, for random graphs of every built-in op.
TEST_CASE("random graphs: jvp = J v, vjp = v^T J, and both jacobian strategies agree") {
  namespace rg = xgrad_test::random_graphs;
  int checked = 0;
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    rg::Program p = rg::generate(seed);
    if (p.ops.empty()) continue;
    tensor_list leaves = rg::make_leaves(p);
    auto fn = [&p](const tensor_list& in) { return rg::run(p, in); };
    tensor_list outs = fn(leaves);
    tensor_list u, v;
    for (std::size_t o = 0; o < outs.size(); ++o) u.push_back(rg::make_leaf(outs[o].sizes().vec(), seed * 7 + o));
    for (std::size_t i = 0; i < leaves.size(); ++i) v.push_back(rg::make_leaf(leaves[i].sizes().vec(), seed * 11 + i));
    std::vector<tensor_list> J = jacobian(fn, leaves);
    std::vector<tensor_list> Jc = jacobian(fn, leaves, false, false, Strategy::ForwardColumns);
    tensor_list jv = jvp(fn, leaves, v).second;
    tensor_list vj = vjp(fn, leaves, u).second;
    REQUIRE(J.size() == outs.size());
    for (std::size_t o = 0; o < outs.size(); ++o) {
      Tensor expected = zeros({outs[o].numel()}, TensorOptions(kFloat64));
      for (std::size_t i = 0; i < leaves.size(); ++i) {
        CHECK_MESSAGE(allclose(J[o][i], Jc[o][i], 1e-10, 1e-12), "seed " << seed << " output " << o << " input " << i);
        expected = expected + matmul(as_matrix(J[o][i], outs[o], leaves[i]), v[i].reshape({-1}));
      }
      CHECK_MESSAGE(allclose(jv[o].reshape({-1}), expected, 1e-10, 1e-12), "jvp, seed " << seed << " output " << o);
    }
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      Tensor expected = zeros({leaves[i].numel()}, TensorOptions(kFloat64));
      for (std::size_t o = 0; o < outs.size(); ++o) {
        expected = expected + matmul(u[o].reshape({-1}), as_matrix(J[o][i], outs[o], leaves[i]));
      }
      CHECK_MESSAGE(allclose(vj[i].reshape({-1}), expected, 1e-10, 1e-12), "vjp, seed " << seed << " input " << i);
    }
    ++checked;
  }
  CHECK(checked > 100);
}

TEST_CASE("nesting follows PyTorch: a list where PyTorch has a tuple") {
  Tensor x = f64({1, 2, 3});
  auto two_out = [](const Tensor& t) { return tensor_list{t.sum(), t * 2.0}; };
  tensor_list J = jacobian(two_out, x);  // tuple over outputs
  REQUIRE(J.size() == 2);
  CHECK(J[0].shape() == Shape{3});
  CHECK(J[1].shape() == Shape{3, 3});
  auto [outs, vj] = vjp(two_out, x, tensor_list{scalar_tensor(1.0, kFloat64), f64({1, 0, 0})});
  CHECK(outs.size() == 2);
  CHECK(allclose(vj, f64({3, 1, 1})));
  // v may be omitted for a one-element output (vjp) or input (jvp, hvp).
  CHECK(vjp([](const Tensor& t) { return t.square().sum(); }, x).second.shape() == Shape{3});
  Tensor s = scalar_tensor(3.0, kFloat64);
  CHECK(jvp([](const Tensor& t) { return t * t; }, s).second.item<double>() == doctest::Approx(6.0));
  CHECK(hvp([](const Tensor& t) { return t * t * t; }, s).second.item<double>() == doctest::Approx(18.0));
}

TEST_CASE("strict: an output independent of an input throws naming both; otherwise zeros") {
  auto f = [](const tensor_list& in) { return in[0] * 2.0; };
  tensor_list x{f64({1, 2}), f64({3})};
  tensor_list J = jacobian(f, x);
  CHECK(allclose(J[1], zeros({2, 1}, TensorOptions(kFloat64))));
  CHECK_THROWS_WITH_AS(
      jacobian(f, x, false, true),
      "Output 0 of the user-provided function is independent of input 1. This is not allowed in strict mode.",
      std::runtime_error);
  CHECK_THROWS_WITH_AS(
      vjp(f, x, f64({1, 1}), false, true),
      "The output of the user-provided function is independent of input 1. This is not allowed in strict mode.",
      std::runtime_error);
  // A linear function has a Hessian independent of the input: zeros, or an error in strict mode.
  auto lin = [](const Tensor& t) { return (t * 3.0).sum(); };
  CHECK(allclose(hessian(lin, f64({1, 2})), zeros({2, 2}, TensorOptions(kFloat64))));
  CHECK_THROWS_WITH_AS(
      hessian(lin, f64({1, 2}), false, true),
      doctest::Contains("jacobian of the user-provided function with respect to input 0 is independent"),
      std::runtime_error);
  auto constant = [](const Tensor& t) { return t.detach() * 2.0; };
  CHECK(allclose(jacobian(constant, f64({1})), zeros({1, 1}, TensorOptions(kFloat64))));
  CHECK_THROWS_WITH_AS(jacobian(constant, f64({1}), false, true),
                       doctest::Contains("Output 0 of the user-provided function does not require gradients"),
                       std::runtime_error);
}

TEST_CASE("bad arguments throw naming the function, the argument and the shapes") {
  Tensor x = f64({1, 2, 3});
  auto sum_sq = [](const Tensor& t) { return t.square().sum(); };
  auto id = [](const Tensor& t) { return t * 1.0; };
  auto sum_sq2 = [](const tensor_list& t) { return (t[0] * t[1]).sum(); };
  auto first = [](const tensor_list& t) { return t[0] * 1.0; };
  using std::invalid_argument;
  CHECK_THROWS_WITH_AS(
      hessian(id, x),
      "hessian: The Tensor returned by the function given to hessian should contain a single element (got shape [3])",
      invalid_argument);
  CHECK_THROWS_WITH_AS(hvp(id, x, x), doctest::Contains("hvp: The Tensor returned"), invalid_argument);
  CHECK_THROWS_WITH_AS(hvp(sum_sq, x, f64({1, 2})), "hvp: v has invalid size: should be [3] but got [2].",
                       invalid_argument);
  CHECK_THROWS_WITH_AS(vjp(id, x, f64({1, 2})), "vjp: v has invalid size: should be [3] but got [2].",
                       invalid_argument);
  CHECK_THROWS_WITH_AS(vhp(sum_sq2, tensor_list{x, x}, tensor_list{x, f64({1})}),
                       "vhp: Entry 1 in v has invalid size: should be [3] but got [1].", invalid_argument);
  CHECK_THROWS_WITH_AS(jvp(first, tensor_list{x}, tensor_list{x, x}),
                       "jvp: v is a tuple of invalid length: should be 1 but got 2.", invalid_argument);
  CHECK_THROWS_WITH_AS(jvp(id, x), doctest::Contains("jvp: The vector v can only be None"), invalid_argument);
  CHECK_THROWS_WITH_AS(jacobian(id, tensor(std::vector<std::int64_t>{1, 2})),
                       "jacobian: inputs[0] has dtype Int64 (shape [2]); derivatives need floating-point inputs",
                       invalid_argument);
  CHECK_THROWS_WITH_AS(jacobian(first, tensor_list{x, Tensor()}), "jacobian: inputs[1] is undefined", invalid_argument);
}
