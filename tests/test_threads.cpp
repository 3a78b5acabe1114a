// Threads: grad mode, anomaly mode and the random generator are per thread, and two threads
// training two independent models at once get bit-identical results to running them one after
// the other. Small on purpose: CI also runs this file under ThreadSanitizer.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <latch>
#include <thread>
#include <vector>
#include <xgrad/autograd/small_block.hpp>
#include <xgrad/xgrad.hpp>

#include "sanitizers.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;

TEST_CASE("grad mode is thread-local") {
  std::latch both_set(2), both_checked(2);
  bool other_enabled = false, other_records = false;
  std::thread other([&] {
    // This thread keeps grad mode on while the main thread has turned it off.
    both_set.arrive_and_wait();
    other_enabled = autograd::GradMode::is_enabled();
    Tensor x = ones({2}, TensorOptions(kFloat64).requires_grad(true));
    other_records = (x * 2.0).requires_grad();
    both_checked.arrive_and_wait();
  });
  {
    NoGradGuard no_grad;
    both_set.arrive_and_wait();
    Tensor x = ones({2}, TensorOptions(kFloat64).requires_grad(true));
    CHECK_FALSE((x * 2.0).requires_grad());
    both_checked.arrive_and_wait();
  }
  other.join();
  CHECK(other_enabled);
  CHECK(other_records);
  CHECK(autograd::GradMode::is_enabled());

  // And the other way round: a thread turning it off leaves this one alone.
  std::latch off(1), done(1);
  std::thread turns_off([&] {
    autograd::GradMode::set_enabled(false);
    off.count_down();
    done.wait();
  });
  off.wait();
  CHECK(autograd::GradMode::is_enabled());
  done.count_down();
  turns_off.join();
  // A new thread starts with grad mode on, whatever its creator has.
  NoGradGuard no_grad;
  bool fresh = false;
  std::thread([&] { fresh = autograd::GradMode::is_enabled(); }).join();
  CHECK(fresh);
}

TEST_CASE("anomaly mode is thread-local") {
  std::latch on(1), checked(1);
  bool other_enabled = true, other_threw = true;
  std::thread other([&] {
    on.wait();
    other_enabled = autograd::AnomalyMode::is_enabled();
    // 0/0 in this thread does not throw: anomaly mode is on only in the main thread.
    Tensor x = zeros({1}, TensorOptions(kFloat64).requires_grad(true));
    try {
      Tensor y = x / x;
      other_threw = false;
    } catch (const std::exception&) {
    }
    checked.count_down();
  });
  {
    autograd::DetectAnomalyGuard guard;
    on.count_down();
    checked.wait();
    Tensor x = zeros({1}, TensorOptions(kFloat64).requires_grad(true));
    CHECK_THROWS_WITH_AS(x / x, doctest::Contains("DivBackward0"), std::runtime_error);
  }
  other.join();
  CHECK_FALSE(other_enabled);
  CHECK_FALSE(other_threw);
  CHECK_FALSE(autograd::AnomalyMode::is_enabled());
}

TEST_CASE("the random generator is per thread: manual_seed in one thread does not move another's") {
  manual_seed(5);
  const std::vector<float> expected = randn({4}).to_vector<float>();
  manual_seed(5);
  std::thread([] {
    manual_seed(99);
    randn({1000});
  }).join();
  CHECK(randn({4}).to_vector<float>() == expected);
}

namespace {

struct Run {
  std::vector<double> params;  // every parameter after training, flattened in order
  std::vector<double> losses;
};

// Trains a small MLP (with dropout, so the generator is used every step) on seeded random
// data. Everything random comes from this thread's generator, seeded here.
Run train(std::uint64_t seed, bool adam) {
  manual_seed(seed);
  Tensor x = randn({64, 4});
  Tensor y = argmax(x.matmul(randn({4, 3})), 1);
  auto model = std::make_shared<nn::SequentialImpl>(
      std::make_shared<nn::LinearImpl>(4, 16), std::make_shared<nn::TanhImpl>(), std::make_shared<nn::DropoutImpl>(0.2),
      std::make_shared<nn::LinearImpl>(16, 3));
  std::unique_ptr<optim::Optimizer> opt;
  if (adam) opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(0.01));
  else opt = std::make_unique<optim::SGD>(model->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  data::DataLoader loader(data::TensorDataset(x, y), data::DataLoaderOptions().batch_size(16).shuffle(true));
  Run run;
  for (int epoch = 0; epoch < 8; ++epoch) {
    for (const auto& batch : loader) {
      opt->zero_grad();
      Tensor loss = F::cross_entropy(model->forward(batch.data), batch.target);
      loss.backward();
      opt->step();
      run.losses.push_back(loss.item<double>());
    }
  }
  for (const Tensor& p : model->parameters()) {
    for (float v : p.to_vector<float>()) run.params.push_back(v);
  }
  return run;
}

bool identical(const Run& a, const Run& b) {
  return a.params.size() == b.params.size() && a.losses.size() == b.losses.size() &&
         std::memcmp(a.params.data(), b.params.data(), a.params.size() * sizeof(double)) == 0 &&
         std::memcmp(a.losses.data(), b.losses.data(), a.losses.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("two threads training two models at once match running them one after the other") {
  // One after the other, each in a fresh thread (as the concurrent runs will be).
  Run seq_a, seq_b;
  std::thread([&] { seq_a = train(11, true); }).join();
  std::thread([&] { seq_b = train(22, false); }).join();
  REQUIRE(seq_a.losses.size() == 32);
  CHECK(seq_a.losses.back() < seq_a.losses.front());  // it did train
  CHECK(seq_b.losses.back() < seq_b.losses.front());

  for (int repeat = 0; repeat < 2; ++repeat) {
    Run par_a, par_b;
    std::latch start(2);
    std::thread ta([&] {
      start.arrive_and_wait();
      par_a = train(11, true);
    });
    std::thread tb([&] {
      start.arrive_and_wait();
      par_b = train(22, false);
    });
    ta.join();
    tb.join();
    CHECK(identical(par_a, seq_a));
    CHECK(identical(par_b, seq_b));
  }
  // And in the main thread too: nothing depends on which thread runs it.
  CHECK(identical(train(11, true), seq_a));
}

TEST_CASE("threads sharing read-only leaves backpropagate independently") {
  // Two threads differentiate their own graphs built on the same leaf with autograd::grad (which
  // does not write .grad()), at the same time: results match a single-threaded run.
  Tensor w = randn({8, 8}, TensorOptions(kFloat64).requires_grad(true));
  auto work = [&w](double scale) {
    Tensor out;
    for (int i = 0; i < 50; ++i) {
      Tensor loss = (tanh(w.matmul(w) * scale)).sum();
      out = autograd::grad({loss}, {w})[0];
    }
    return out.to_vector<double>();
  };
  const auto expect1 = work(0.5), expect2 = work(-0.25);
  std::vector<double> got1, got2;
  std::thread t1([&] { got1 = work(0.5); });
  std::thread t2([&] { got2 = work(-0.25); });
  t1.join();
  t2.join();
  CHECK(got1 == expect1);
  CHECK(got2 == expect2);
}

TEST_CASE("threads running backward() into a shared leaf accumulate both gradients") {
  // Each thread adds its own gradient to w.grad(); the accumulation is serialised, so the result
  // is exactly g1 + g2 whichever thread comes first (two terms: the sum is the same either way).
  Tensor w = randn({16}, TensorOptions(kFloat64).requires_grad(true));
  auto grad_of = [&w](double scale) {
    Tensor g = autograd::grad({(sin(w * scale) * w).sum()}, {w})[0];
    return g.to_vector<double>();
  };
  const auto g1 = grad_of(0.5), g2 = grad_of(-2.0);
  for (int round = 0; round < 20; ++round) {
    w.mutable_grad() = Tensor();
    std::thread t1([&] { (sin(w * 0.5) * w).sum().backward(); });
    std::thread t2([&] { (sin(w * -2.0) * w).sum().backward(); });
    t1.join();
    t2.join();
    const auto got = w.grad().to_vector<double>();
    REQUIRE(got.size() == g1.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == g1[i] + g2[i]);
  }
}

TEST_CASE("a graph built on one thread is freed on another, into that thread's block lists") {
  Tensor w = full({4}, 0.5, TensorOptions(kFloat64).requires_grad(true));
  Tensor y = w;
  for (int i = 0; i < 200; ++i) y = y * w + 1.0;  // nodes, TensorImpls, Storages: all small blocks
  std::size_t before = 0, after = 0;
  bool records = false;
  std::thread other([&] {
    before = xgrad::detail::small_block_cached_bytes();
    y = Tensor();  // the last owner: the whole graph dies here
    after = xgrad::detail::small_block_cached_bytes();
    // Using the blocks again on this thread, then exiting, hands them back to malloc.
    records = (w * 2.0).requires_grad();
  });
  other.join();
  CHECK(records);
#ifndef XGRAD_TEST_ASAN  // the lists are off under AddressSanitizer
  CHECK(after > before);
#endif
  CHECK(after <= xgrad::detail::small_block_cache_limit());
  Tensor again = (w * w).sum();
  again.backward();
  CHECK(w.grad().sum().item<double>() == doctest::Approx(4.0));
}
