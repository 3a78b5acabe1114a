// Post-accumulate-grad hooks and end-of-backward callbacks (autograd/backward_hooks.hpp), the
// engine features DistributedDataParallel is built on.
#include <doctest/doctest.h>

#include <string>
#include <vector>
#include <xgrad/autograd/backward_hooks.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;

TEST_CASE("post-accumulate-grad hooks see the accumulated gradient") {
  Tensor w = ones({2}, TensorOptions(kFloat64).requires_grad(true));
  Tensor unused = ones({2}, TensorOptions(kFloat64).requires_grad(true));
  std::vector<double> seen;
  int unused_calls = 0;
  auto h = autograd::register_post_accumulate_grad_hook(
      w, [&seen](const Tensor& t) { seen.push_back(t.grad().at<double>({0})); });
  auto hu = autograd::register_post_accumulate_grad_hook(unused, [&unused_calls](const Tensor&) { ++unused_calls; });
  (w * 3.0).sum().backward();
  (w * 2.0).sum().backward();  // accumulates: 3 + 2
  CHECK(seen == std::vector<double>{3.0, 5.0});
  // several hooks on one leaf run in registration order
  std::string order;
  auto h1 = autograd::register_post_accumulate_grad_hook(w, [&order](const Tensor&) { order += "1"; });
  auto h2 = autograd::register_post_accumulate_grad_hook(w, [&order](const Tensor&) { order += "2"; });
  (w * 1.0).sum().backward();
  CHECK(order == "12");
  autograd::remove_post_accumulate_grad_hook(h1);
  autograd::remove_post_accumulate_grad_hook(h2);
  seen.pop_back();
  CHECK(unused_calls == 0);
  autograd::remove_post_accumulate_grad_hook(h);
  (w * 2.0).sum().backward();
  CHECK(seen.size() == 2);
  autograd::remove_post_accumulate_grad_hook(hu);
  Tensor nonleaf = w * 2.0;
  CHECK_THROWS_WITH_AS(autograd::register_post_accumulate_grad_hook(nonleaf, [](const Tensor&) {}),
                       doctest::Contains("leaf tensors that require grad"), std::logic_error);
}

TEST_CASE("queued callbacks run once at the end of backward, in order, and may queue more") {
  Tensor w = ones({2}, TensorOptions(kFloat64).requires_grad(true));
  std::string log;
  auto h = autograd::register_post_accumulate_grad_hook(w, [&log](const Tensor& t) {
    log += "hook;";
    autograd::queue_callback([&log, t] {
      log += "end:" + std::to_string(static_cast<int>(t.grad().at<double>({1}))) + ";";
      autograd::queue_callback([&log] { log += "more;"; });
    });
  });
  (w * 4.0).sum().backward();
  CHECK(log == "hook;end:4;more;");
  autograd::remove_post_accumulate_grad_hook(h);
  CHECK_THROWS_WITH_AS(autograd::queue_callback([] {}), doctest::Contains("no backward pass is running"),
                       std::logic_error);
}

TEST_CASE("an exception from a callback leaves backward; a failed backward drops its callbacks") {
  Tensor w = ones({2}, TensorOptions(kFloat64).requires_grad(true));
  int ran = 0;
  auto h = autograd::register_post_accumulate_grad_hook(w, [&ran](const Tensor&) {
    autograd::queue_callback([&ran] {
      ++ran;
      throw std::runtime_error("callback failed");
    });
  });
  CHECK_THROWS_WITH_AS((w * 1.0).sum().backward(), "callback failed", std::runtime_error);
  CHECK(ran == 1);
  autograd::remove_post_accumulate_grad_hook(h);
  (w * 1.0).sum().backward();  // no stale callback
  CHECK(ran == 1);
}
