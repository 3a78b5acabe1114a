// optim::Newton: exact on quadratics, fast on Rosenbrock, safe where the Hessian is indefinite,
// and refusing a closure whose gradients cannot be differentiated again.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <stdexcept>
#include <vector>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

// A closure for `opt` that evaluates f on the parameters and runs backward with create_graph.
template <class F>
optim::Optimizer::LossClosure closure_for(optim::Optimizer& opt, F f) {
  return [&opt, f] {
    opt.zero_grad();
    Tensor loss = f();
    loss.backward({}, std::nullopt, /*create_graph=*/true);
    return loss;
  };
}

const optim::NewtonOptions kFull = optim::NewtonOptions();
const optim::NewtonOptions kFree = optim::NewtonOptions().hessian_free(true);

}  // namespace

TEST_CASE("Newton: one step solves a quadratic exactly, with the Hessian or Hessian-free") {
  // f(x) = 1/2 x^T A x - b^T x, A symmetric positive definite: the minimum is A^-1 b.
  Tensor A = tensor(std::vector<double>{4, 1, 0, 1, 3, 1, 0, 1, 2}, {3, 3});
  Tensor b = tensor(std::vector<double>{1, 2, 3});
  Tensor expected = tensor(std::vector<double>{2.0 / 9, 1.0 / 9, 13.0 / 9});
  CHECK(allclose(matmul(A, expected), b));
  for (const auto& options : {kFull, kFree}) {
    Tensor x = zeros({3}, TensorOptions(kFloat64)).requires_grad_();
    optim::Newton opt({x}, options);
    opt.step(closure_for(opt, [&] { return 0.5 * matmul(x, matmul(A, x)) - matmul(b, x); }));
    CHECK(allclose(x.detach(), expected, 1e-10, 1e-12));
    CHECK(opt.n_iter() == 1);
    CHECK(opt.func_evals() == 2);  // the step and the one line-search evaluation that accepts it
    CHECK(opt.cg_iters() == (options.hessian_free() ? 3 : 0));  // CG is exact in n iterations
    CHECK_FALSE(x.grad().requires_grad());                      // the gradient's graph was freed
  }
}

TEST_CASE("Newton: Rosenbrock from (-1.2, 1) in few iterations, both variants") {
  for (const auto& options : {kFull, kFree}) {
    Tensor p = tensor(std::vector<double>{-1.2, 1.0}).requires_grad_();
    optim::Newton opt({p}, options);
    auto closure = closure_for(opt, [&] { return (1.0 - p[0]).square() + 100.0 * (p[1] - p[0].square()).square(); });
    int steps = 0;
    while (steps < 60 && opt.step(closure).item<double>() > 1e-20) ++steps;
    CHECK(allclose(p.detach(), tensor(std::vector<double>{1.0, 1.0}), 1e-8, 1e-8));
    CHECK(steps < 30);  // gradient descent needs thousands
  }
}

TEST_CASE("Newton: an indefinite Hessian still gives a descent step") {
  // f(x) = x^4 - x^2 has f'' = 12 x^2 - 2 < 0 at x = 0.1: the plain Newton step would climb to
  // the maximum at 0. Damping (Cholesky fallback) or CG's curvature test make it descend.
  for (const auto& options : {kFull, kFree}) {
    Tensor x = tensor(std::vector<double>{0.1}).requires_grad_();
    optim::Newton opt({x}, options);
    auto closure = closure_for(opt, [&] { return (x.pow(4.0) - x.square()).sum(); });
    double prev = opt.step(closure).item<double>();
    for (int i = 0; i < 30; ++i) {
      const double f = opt.step(closure).item<double>();
      CHECK(f <= prev);
      prev = f;
    }
    CHECK(std::abs(x.detach().item<double>()) == doctest::Approx(1 / std::sqrt(2.0)));
  }
}

TEST_CASE("Newton: bad closures and options are refused") {
  Tensor x = tensor(std::vector<double>{1.0, 2.0}).requires_grad_();
  optim::Newton opt({x});
  auto no_create_graph = [&] {
    opt.zero_grad();
    Tensor loss = x.pow(4.0).sum();
    loss.backward();
    return loss;
  };
  CHECK_THROWS_WITH_AS(opt.step(no_create_graph), doctest::Contains("create_graph=true"), std::invalid_argument);
  CHECK_THROWS_AS(opt.step(), std::invalid_argument);
  CHECK_THROWS_AS(optim::Newton({x}, optim::NewtonOptions(0.0)), std::invalid_argument);
  CHECK_THROWS_AS(optim::Newton({x}, optim::NewtonOptions().damping(-1)), std::invalid_argument);
  // Options survive state_dict like every optimizer's.
  optim::Newton other({x}, optim::NewtonOptions().hessian_free(true).damping(0.5));
  opt.load_state_dict(other.state_dict());
  CHECK(opt.param_groups()[0].options().get("hessian_free") == 1.0);
  CHECK(opt.param_groups()[0].options().get("damping") == 0.5);
}
