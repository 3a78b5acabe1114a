// NaN/Inf faults: anomaly mode names the FIRST node whose forward or backward produced a
// non-finite value (not one of the many downstream nodes the NaN then flows through), and
// clip_grad_norm_(..., error_if_nonfinite) refuses infinite as well as NaN norms.
// (tests/test_engine.cpp checks a single op's forward and backward; tests/test_optim_clip.cpp
// the NaN norm.)
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;

namespace {

std::string runtime_error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  FAIL("expected a std::runtime_error");
  return "";
}
Tensor leaf(std::vector<double> v) { return tensor(v).requires_grad_(); }

}  // namespace

TEST_CASE("anomaly mode stops at the first forward that produces NaN, not at the ops after it") {
  autograd::DetectAnomalyGuard guard;
  Tensor x = leaf({1.0, -1.0});
  Tensor h = x * 2.0;  // finite
  int later_ops_run = 0;
  std::string msg = runtime_error_message([&] {
    Tensor y = log(h);  // log(-2): NaN
    ++later_ops_run;
    Tensor z = exp(y) + 1.0;
    ++later_ops_run;
  });
  CHECK(later_ops_run == 0);
  CHECK(contains(msg, "LogBackward0"));
  CHECK(contains(msg, "non-finite"));
  CHECK(contains(msg, "[2]"));
  CHECK_FALSE(contains(msg, "Exp"));

  // Inf counts as well as NaN: 1 / 0.
  Tensor zero = leaf({0.0});
  std::string inf_msg = runtime_error_message([&] { Tensor r = 1.0 / zero; });
  CHECK(contains(inf_msg, "inf"));
}

TEST_CASE("anomaly mode names the first backward node that produces a non-finite gradient") {
  // sqrt(0) is finite, its gradient 1 / (2 sqrt(0)) is not. The nodes before it in the backward
  // pass (Sum, Mul) are finite; the ones after it would see the Inf and must not be named.
  Tensor x = leaf({0.0, 4.0});
  Tensor y = sqrt(x);
  Tensor loss = (tanh(y * 3.0) * 2.0).sum();
  {
    autograd::DetectAnomalyGuard guard;
    std::string msg = runtime_error_message([&] { loss.backward({}, true); });
    CHECK(contains(msg, "SqrtBackward0"));
    CHECK(contains(msg, "inf"));
    CHECK(contains(msg, "[2]"));
    CHECK_FALSE(contains(msg, "AccumulateGrad"));
    CHECK_FALSE(x.grad().defined());  // the non-finite gradient was not accumulated
  }
  // Without anomaly mode the Inf reaches x.grad silently, as in PyTorch.
  loss.backward();
  CHECK(std::isinf(x.grad().to_vector<double>()[0]));
}

TEST_CASE("anomaly mode finds a NaN created in backward from finite values (0 * inf)") {
  // where() masks a forward Inf, but its backward still multiplies the masked branch's 0
  // gradient by the Inf derivative of 1/x at 0: the classic NaN gradient PyTorch users meet.
  Tensor x = leaf({0.0, 2.0});
  Tensor safe = where(gt(x, 0.0), x, ones_like(x));
  Tensor unsafe = where(gt(x, 0.0), 1.0 / (x + 0.0), zeros_like(x));  // forward Inf in the unused branch
  (void)safe;
  Tensor loss = unsafe.sum();
  CHECK(std::isfinite(loss.item<double>()));
  autograd::DetectAnomalyGuard guard;
  std::string msg = runtime_error_message([&] { loss.backward({}, true); });
  CHECK(contains(msg, "DivBackward"));
  CHECK(contains(msg, "nan"));
}

TEST_CASE("clip_grad_norm_ with error_if_nonfinite throws on an infinite norm too") {
  Tensor w = leaf({1.0, 2.0});
  w.set_grad(tensor(std::vector<double>{std::numeric_limits<double>::infinity(), 1.0}));
  CHECK_THROWS_WITH_AS(nn::utils::clip_grad_norm_(w, 1.0, 2.0, true), doctest::Contains("non-finite"),
                       std::runtime_error);
  CHECK(std::isinf(w.grad().to_vector<double>()[0]));  // left as it was
  // Every norm type: the inf-norm sees the Inf directly, p-norms through the sum.
  CHECK_THROWS_AS(nn::utils::clip_grad_norm_(w, 1.0, std::numeric_limits<double>::infinity(), true),
                  std::runtime_error);
  CHECK_THROWS_AS(nn::utils::clip_grad_norm_(w, 1.0, 1.0, true), std::runtime_error);
}
