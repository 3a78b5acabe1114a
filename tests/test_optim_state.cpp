// Parameter groups, option validation and state_dict: a run stopped after k steps and resumed
// from the saved state (also through a safetensors file) continues bit-exactly.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;
using namespace xgrad::optim;

namespace {

// A small least-squares model with two parameter tensors in two groups.
struct Model {
  Tensor w, b;
  explicit Model(Dtype dtype) {
    w = tensor(std::vector<double>{0.3, -0.2, 0.5, 0.1, -0.4, 0.25}, {3, 2}).to(dtype).requires_grad_();
    b = tensor(std::vector<double>{0.05, -0.1}).to(dtype).requires_grad_();
  }
  Model(const Model& other) {  // an independent copy with the same values
    w = other.w.detach().clone().requires_grad_();
    b = other.b.detach().clone().requires_grad_();
  }
  Tensor loss(int t) const {
    // The data changes with t, as mini-batches would.
    Tensor x = tensor(std::vector<double>{1, 2 + 0.1 * t, -1, 0.5, 3, -2 + 0.05 * t, 0, 1, 1}, {3, 3}).to(w.dtype());
    Tensor y = tensor(std::vector<double>{1, 0, -1, 2, 0.5, 1}, {3, 2}).to(w.dtype());
    Tensor r = matmul(x, w) + b - y;
    return (r * r).mean() + tanh(w).sum() * 0.1;
  }
};

using Make = std::function<std::unique_ptr<Optimizer>(Model&)>;

void train(Optimizer& opt, const Model& m, int from, int to) {
  for (int t = from; t < to; ++t) {
    opt.zero_grad();
    m.loss(t).backward();
    opt.step();
  }
}

// 60 uninterrupted steps vs 25 steps, state_dict into a fresh optimizer over copied
// parameters, 35 more steps: the parameters must be identical to the last bit.
void check_resume(const Make& make, Dtype dtype, bool through_file) {
  Model straight(dtype);
  Model resumed(straight);
  auto opt = make(straight);
  train(*opt, straight, 0, 60);

  auto first = make(resumed);
  train(*first, resumed, 0, 25);
  std::map<std::string, Tensor> state = first->state_dict();
  Model copy(resumed);  // new tensors: the state is matched by position, not identity
  first.reset();
  if (through_file) {
    const std::string path = (std::filesystem::temp_directory_path() / "xgrad_test_optim_state.safetensors").string();
    nn::save(state, path);
    state.clear();
    nn::load(state, path);
    std::remove(path.c_str());
  }
  auto second = make(copy);
  second->load_state_dict(state);
  train(*second, copy, 25, 60);
  CHECK(copy.w.to_vector<double>() == straight.w.to_vector<double>());
  CHECK(copy.b.to_vector<double>() == straight.b.to_vector<double>());
}

template <class O, class Opts>
Make two_groups(Opts defaults, Opts second) {
  return [=](Model& m) -> std::unique_ptr<Optimizer> {
    return std::make_unique<O>(
        std::vector<OptimizerParamGroup>{OptimizerParamGroup({m.w}), OptimizerParamGroup({m.b}, second)}, defaults);
  };
}

}  // namespace

TEST_CASE("resuming from state_dict continues bit-exactly") {
  const std::vector<std::pair<std::string, Make>> cases = {
      {"SGD nesterov", two_groups<SGD>(SGDOptions(0.02).momentum(0.9).nesterov(true), SGDOptions(0.05).momentum(0.5))},
      {"Adam amsgrad", two_groups<Adam>(AdamOptions(0.01).amsgrad(true), AdamOptions(0.03).weight_decay(0.1))},
      {"AdamW", two_groups<AdamW>(AdamWOptions(0.01), AdamWOptions(0.02).weight_decay(0.3))},
      {"RMSprop centered momentum",
       two_groups<RMSprop>(RMSpropOptions(0.005).centered(true).momentum(0.9), RMSpropOptions(0.01))},
      {"Adagrad lr_decay",
       two_groups<Adagrad>(AdagradOptions(0.1).lr_decay(0.01), AdagradOptions(0.2).initial_accumulator_value(0.1))},
      {"LBFGS strong_wolfe",
       [](Model& m) -> std::unique_ptr<Optimizer> {
         return std::make_unique<LBFGS>(std::vector<Tensor>{m.w, m.b},
                                        LBFGSOptions(0.5).max_iter(3).history_size(4).line_search_fn("strong_wolfe"));
       }},
  };
  for (const auto& entry : cases) {  // no structured binding: clang 14 cannot capture one
    const auto& name = entry.first;
    const auto& make = entry.second;
    CAPTURE(name);
    if (name.rfind("LBFGS", 0) == 0) {
      // LBFGS needs a closure: resume with one, over a fixed objective.
      for (Dtype dtype : {kFloat32, kFloat64}) {
        Model straight(dtype), resumed(straight);
        auto run = [](Optimizer& opt, const Model& m, int steps) {
          for (int i = 0; i < steps; ++i)
            opt.step([&] {
              opt.zero_grad();
              Tensor l = m.loss(0);
              l.backward();
              return l;
            });
        };
        auto a = make(straight);
        run(*a, straight, 4);
        auto b = make(resumed);
        run(*b, resumed, 2);
        auto state = b->state_dict();
        Model copy(resumed);
        auto c = make(copy);
        c->load_state_dict(state);
        run(*c, copy, 2);
        CHECK(copy.w.to_vector<double>() == straight.w.to_vector<double>());
        CHECK(copy.b.to_vector<double>() == straight.b.to_vector<double>());
        CHECK(static_cast<LBFGS&>(*c).n_iter() == static_cast<LBFGS&>(*a).n_iter());
      }
      continue;
    }
    check_resume(make, kFloat32, false);
    check_resume(make, kFloat64, false);
    check_resume(make, kFloat64, true);
  }
}

TEST_CASE("state_dict holds options per group, parameter indices and per-parameter buffers") {
  Model m(kFloat32);
  Adam opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({m.w}), OptimizerParamGroup({m.b}, AdamOptions(0.5))},
           AdamOptions(0.01).betas({0.8, 0.99}));
  m.loss(0).backward();
  opt.step();
  auto sd = opt.state_dict();
  CHECK(sd.at("param_groups.0.lr").item<double>() == 0.01);
  CHECK(sd.at("param_groups.0.betas.0").item<double>() == 0.8);
  CHECK(sd.at("param_groups.1.lr").item<double>() == 0.5);
  CHECK(sd.at("param_groups.1.params").to_vector<std::int64_t>() == std::vector<std::int64_t>{1});
  CHECK(sd.at("state.0.step").item<std::int64_t>() == 1);
  CHECK(sd.at("state.1.exp_avg").shape() == Shape{2});
  CHECK(sd.at("state.0.exp_avg_sq").dtype() == kFloat32);
  CHECK(sd.count("state.0.max_exp_avg_sq") == 0);
  // A copy, not a view of the live state.
  opt.step();
  CHECK(sd.at("state.0.step").item<std::int64_t>() == 1);
}

TEST_CASE("load_state_dict rejects a state of another shape of model") {
  Model m(kFloat64);
  SGD small({m.w}, SGDOptions(0.1).momentum(0.9));
  SGD big({m.w, m.b}, SGDOptions(0.1).momentum(0.9));
  m.loss(0).backward();
  big.step();
  auto err = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  std::string msg = err([&] { small.load_state_dict(big.state_dict()); });
  CHECK(msg.find("SGD.load_state_dict") != std::string::npos);
  CHECK(msg.find("doesn't match the size") != std::string::npos);

  SGD other({m.b, m.w}, SGDOptions(0.1).momentum(0.9));  // same count, shapes swapped
  msg = err([&] { other.load_state_dict(big.state_dict()); });
  CHECK(msg.find("has shape [3, 2] but parameter 0 has shape [2]") != std::string::npos);
}

TEST_CASE("each parameter group uses its own options") {
  Tensor a = tensor(std::vector<double>{1.0}).requires_grad_();
  Tensor b = tensor(std::vector<double>{1.0}).requires_grad_();
  SGD opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({a}),
                                           OptimizerParamGroup({b}, SGDOptions(0.5).weight_decay(1.0))},
          SGDOptions(0.1));
  (a + b).sum().backward();  // both gradients are 1
  opt.step();
  CHECK(a.item<double>() == doctest::Approx(0.9));  // 1 - 0.1 * 1
  CHECK(b.item<double>() == doctest::Approx(0.0));  // 1 - 0.5 * (1 + 1 * 1)
  CHECK(opt.param_groups()[1].options().get_lr() == 0.5);
  CHECK(opt.param_groups()[1].options().get("weight_decay") == 1.0);

  Tensor c = tensor(std::vector<double>{2.0}).requires_grad_();
  opt.add_param_group(OptimizerParamGroup({c}));
  CHECK(opt.param_groups().size() == 3);
  CHECK(opt.param_groups()[2].options().get_lr() == 0.1);  // the defaults
  CHECK(opt.size() == 3);
}

namespace {
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no std::invalid_argument";
}
}  // namespace

TEST_CASE("bad parameters and options throw std::invalid_argument naming the optimizer and the value") {
  Tensor w = tensor(std::vector<float>{1, 2}).requires_grad_();
  std::string m;

  m = invalid_argument_message([&] { SGD({w}, SGDOptions(-0.1)); });
  CHECK(contains(m, "SGD: invalid learning rate: -0.1"));
  m = invalid_argument_message([&] { SGD({w}, SGDOptions(0.1).momentum(-0.5)); });
  CHECK(contains(m, "SGD: invalid momentum value: -0.5"));
  m = invalid_argument_message([&] { SGD({w}, SGDOptions(0.1).nesterov(true)); });
  CHECK(contains(m, "SGD"));
  CHECK(contains(m, "Nesterov momentum requires momentum > 0"));
  m = invalid_argument_message([&] { SGD({w}, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); });
  CHECK(contains(m, "Nesterov momentum requires zero dampening"));
  m = invalid_argument_message([&] { Adam({w}, AdamOptions().betas({0.9, 1.0})); });
  CHECK(contains(m, "Adam: invalid beta parameter at index 1: 1"));
  m = invalid_argument_message([&] { AdamW({w}, AdamWOptions().betas({-0.1, 0.9})); });
  CHECK(contains(m, "AdamW: invalid beta parameter at index 0: -0.1"));
  m = invalid_argument_message([&] { Adam({w}, AdamOptions().eps(-1e-8)); });
  CHECK(contains(m, "Adam: invalid epsilon value: -1e-08"));
  m = invalid_argument_message([&] { RMSprop({w}, RMSpropOptions().momentum(-1)); });
  CHECK(contains(m, "RMSprop: invalid momentum value: -1"));
  m = invalid_argument_message([&] { Adagrad({w}, AdagradOptions().lr_decay(-1)); });
  CHECK(contains(m, "Adagrad: invalid lr_decay value: -1"));
  m = invalid_argument_message([&] { LBFGS({w}, LBFGSOptions().line_search_fn("armijo")); });
  CHECK(contains(m, "LBFGS: invalid line_search_fn 'armijo'"));

  m = invalid_argument_message([&] { SGD(std::vector<Tensor>{}, SGDOptions(0.1)); });
  CHECK(contains(m, "SGD: optimizer got an empty parameter list"));
  m = invalid_argument_message([&] {
    Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup({w}), OptimizerParamGroup({w})});
  });
  CHECK(contains(m, "Adam: some parameters appear in more than one parameter group"));
  CHECK(contains(m, "Float32 [2]"));
  m = invalid_argument_message([&] { SGD({w, w}, SGDOptions(0.1)); });
  CHECK(contains(m, "SGD: parameter 1 of group 0 (Float32 [2]) appears more than once in the group"));
  m = invalid_argument_message([&] { SGD({w * w}, SGDOptions(0.1)); });
  CHECK(contains(m, "SGD: can't optimize a non-leaf Tensor"));
  CHECK(contains(m, "MulBackward0"));
  m = invalid_argument_message([&] { SGD({tensor(std::vector<std::int64_t>{1, 2})}, SGDOptions(0.1)); });
  CHECK(contains(m, "SGD: can't optimize parameter 0 of group 0 (Int64 [2])"));
  m = invalid_argument_message(
      [&] { SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup({w}, AdamOptions())}, SGDOptions(0.1)); });
  CHECK(contains(m, "SGD: group 0 has options of Adam"));

  SGD opt({w}, SGDOptions(0.1));
  m = invalid_argument_message([&] { opt.add_param_group(OptimizerParamGroup({w})); });
  CHECK(contains(m, "more than one parameter group"));
  m = invalid_argument_message([&] { opt.param_groups()[0].options().set_lr(-1); });
  CHECK(contains(m, "SGD: invalid learning rate: -1"));
  m = invalid_argument_message([&] { opt.param_groups()[0].options().set("betas.0", 0.5); });
  CHECK(contains(m, "SGD: unknown option 'betas.0'"));

  LBFGS lbfgs({w});
  m = invalid_argument_message(
      [&] { lbfgs.add_param_group(OptimizerParamGroup({tensor(std::vector<float>{1}).requires_grad_()})); });
  CHECK(contains(m, "LBFGS: doesn't support per-parameter options"));
  m = invalid_argument_message([&] { lbfgs.step(); });
  CHECK(contains(m, "LBFGS: step() requires a closure"));
}

TEST_CASE("every optimizer refuses a gradient whose shape or dtype is not its parameter's") {
  using MakeAny = std::function<std::unique_ptr<Optimizer>(std::vector<Tensor>)>;
  const std::vector<std::pair<std::string, MakeAny>> makers = {
      {"SGD", [](auto p) { return std::make_unique<SGD>(p, SGDOptions(0.1).momentum(0.9)); }},
      {"Adam", [](auto p) { return std::make_unique<Adam>(p); }},
      {"AdamW", [](auto p) { return std::make_unique<AdamW>(p); }},
      {"RMSprop", [](auto p) { return std::make_unique<RMSprop>(p); }},
      {"Adagrad", [](auto p) { return std::make_unique<Adagrad>(p); }},
      {"LBFGS", [](auto p) { return std::make_unique<LBFGS>(p); }},
  };
  for (const auto& maker : makers) {  // no structured bindings: clang 14 cannot capture them
    const std::string& name = maker.first;
    const MakeAny& make = maker.second;
    CAPTURE(name);
    Tensor a = tensor(std::vector<float>{1, 2}).requires_grad_();
    Tensor w = tensor(std::vector<float>{1, 2, 3}).requires_grad_();
    auto opt = make({a, w});
    const Tensor before = w.detach().clone();
    for (const auto& case_ : std::vector<std::pair<Tensor, std::string>>{
             {ones({4}), "another shape (Float32 [4])"},  // more elements: read past the end
             {ones({1}), "another shape (Float32 [1])"},
             {ones({3}, kFloat64), "another dtype (Float64 [3])"}}) {
      const Tensor& bad = case_.first;
      const std::string& wording = case_.second;
      // Set inside the closure, as a hook or user code could: the check runs after it.
      auto closure = [&] {
        a.mutable_grad() = ones({2});
        w.mutable_grad() = bad;
        return (a * 0).sum().detach();
      };
      std::string m = invalid_argument_message([&] { opt->step(closure); });
      CHECK(contains(m, name + ": parameter 1 (Float32 [3]) has a gradient of " + wording));
      if (name != "LBFGS") {  // LBFGS requires a closure
        closure();
        m = invalid_argument_message([&] { opt->step(); });
        CHECK(contains(m, wording));
      }
    }
    CHECK(w.to_vector<float>() == before.to_vector<float>());
  }
}

TEST_CASE("loading one optimizer's state into another names both") {
  Tensor w = tensor(std::vector<double>{1, 2}).requires_grad_();
  SGD sgd({w}, SGDOptions(0.1));
  Adam adam({w});
  AdamW adamw({w});
  CHECK(sgd.state_dict().at("optimizer.SGD").item<std::int64_t>() == 1);
  std::string m = invalid_argument_message([&] { adam.load_state_dict(sgd.state_dict()); });
  CHECK(contains(m, "Adam.load_state_dict: the state dict was saved by SGD, not Adam"));
  // Same option names, different rules: only the tag tells them apart.
  m = invalid_argument_message([&] { adam.load_state_dict(adamw.state_dict()); });
  CHECK(contains(m, "saved by AdamW, not Adam"));
  // A state dict without the tag (saved before it existed) still names this optimizer.
  auto untagged = sgd.state_dict();
  untagged.erase("optimizer.SGD");
  m = invalid_argument_message([&] { adam.load_state_dict(untagged); });
  CHECK(contains(m, "Adam.load_state_dict: the options of parameter group 0 are not Adam's"));
  CHECK(contains(m, "saved by another optimizer"));
  adamw.load_state_dict(adamw.state_dict());  // its own loads
}
