// nn::Module: registration, dotted names, containers, modes, dtype conversion, printing.
#include <doctest/doctest.h>

#include <sstream>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

std::vector<std::string> names_of(const nn::NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [n, t] : named) out.push_back(n);
  return out;
}

// A user-defined model, the way the docs describe.
struct Net : nn::Module {
  std::shared_ptr<nn::LinearImpl> fc1, fc2;
  Tensor scale;
  Net() : Module("Net") {
    fc1 = register_module("fc1", std::make_shared<nn::LinearImpl>(4, 8));
    fc2 = register_module("fc2", std::make_shared<nn::LinearImpl>(8, 2));
    scale = register_buffer("scale", ones({2}));
  }
  Tensor forward(const Tensor& x) { return fc2->forward(relu(fc1->forward(x))) * scale; }
};

}  // namespace

TEST_CASE("a user-defined module lists its parameters with dotted names in registration order") {
  Net net;
  CHECK(names_of(net.named_parameters()) ==
        std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(names_of(net.named_buffers()) == std::vector<std::string>{"scale"});
  CHECK(names_of(net.state_dict()) ==
        std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(net.parameters().size() == 4);
  CHECK(net.parameters(/*recurse=*/false).empty());
  CHECK(net.children().size() == 2);
  CHECK(net.named_children()[1].first == "fc2");
  for (const Tensor& p : net.parameters()) {
    CHECK(p.is_leaf());
    CHECK(p.requires_grad());
  }
  CHECK_FALSE(net.named_buffers()[0].second.requires_grad());
  // Parameter handles alias the layer's members: the same tensors, not copies.
  CHECK(net.named_parameters()[0].second.is_same(net.fc1->weight));
}

TEST_CASE("forward through a user module and backward reaches every parameter") {
  manual_seed(0);
  Net net;
  Tensor y = net.forward(randn({3, 4}));
  CHECK(y.shape() == Shape{3, 2});
  y.sum().backward();
  for (const Tensor& p : net.parameters()) CHECK(p.grad().defined());
  net.zero_grad();
  for (const Tensor& p : net.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("zero_grad without set_to_none keeps zeroed gradient tensors") {
  nn::Linear lin(2, 1);
  lin(ones({1, 2})).sum().backward();
  lin->zero_grad(/*set_to_none=*/false);
  CHECK(lin->weight.grad().to_vector<float>() == std::vector<float>{0, 0});
}

TEST_CASE("Sequential names children 0, 1, ... and chains their forwards") {
  nn::Sequential seq(std::make_shared<nn::LinearImpl>(3, 4), std::make_shared<nn::ReLUImpl>(),
                     std::make_shared<nn::LinearImpl>(4, 2, /*bias=*/false));
  CHECK(seq->size() == 3);
  CHECK(names_of(seq->named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "2.weight"});
  CHECK(seq->ptr<nn::LinearImpl>(2)->out_features == 2);
  CHECK_THROWS_AS(seq->ptr<nn::LinearImpl>(1), std::invalid_argument);
  CHECK_THROWS_AS(seq[3], std::out_of_range);
  CHECK(seq[-1].get() == seq[2].get());

  // The chained forward equals the layers applied by hand.
  Tensor x = randn({5, 3});
  auto l0 = seq->ptr<nn::LinearImpl>(0), l2 = seq->ptr<nn::LinearImpl>(2);
  Tensor expected = matmul(relu(matmul(x, l0->weight.t()) + l0->bias), l2->weight.t());
  CHECK(allclose(seq->forward(x), expected));
}

TEST_CASE("an empty Sequential returns its input; push_back appends") {
  nn::Sequential seq;
  Tensor x = ones({2});
  CHECK(seq->forward(x).is_same(x));
  seq->push_back(std::make_shared<nn::TanhImpl>());
  CHECK(seq->named_children()[0].first == "0");
}

template <class M>
concept HasForward = requires(M& m) {
  m.forward(Tensor());
};

TEST_CASE("ModuleList holds modules for a custom forward and has no forward itself") {
  static_assert(!HasForward<nn::ModuleListImpl>);  // a compile-time absence, not a run-time throw
  nn::ModuleList list(std::make_shared<nn::LinearImpl>(2, 2), std::make_shared<nn::LinearImpl>(2, 2));
  CHECK(names_of(list->named_parameters()) == std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias"});
  std::size_t n = 0;
  for (const auto& m : *list) n += m->parameters().size();
  CHECK(n == 4);
}

TEST_CASE("registration refuses bad and duplicate names") {
  nn::Module m("M");
  m.register_parameter("w", zeros({2}));
  CHECK_THROWS_AS(m.register_parameter("w", zeros({2})), std::invalid_argument);
  CHECK_THROWS_AS(m.register_buffer("w", zeros({2})), std::invalid_argument);
  CHECK_THROWS_AS(m.register_parameter("a.b", zeros({2})), std::invalid_argument);
  CHECK_THROWS_AS(m.register_parameter("", zeros({2})), std::invalid_argument);
  CHECK_THROWS_AS(m.register_module("child", std::shared_ptr<nn::Module>()), std::invalid_argument);
  CHECK_THROWS_AS(m.register_parameter("i", zeros({2}, kInt64)), std::invalid_argument);
  // An undefined tensor registers nothing.
  m.register_parameter("absent", Tensor());
  CHECK(m.parameters().size() == 1);
}

TEST_CASE("train and eval propagate to every descendant") {
  nn::Sequential seq(std::make_shared<nn::DropoutImpl>(0.5),
                     std::make_shared<nn::SequentialImpl>(std::make_shared<nn::DropoutImpl>(0.1)));
  CHECK(seq->is_training());
  seq->eval();
  CHECK_FALSE(seq->is_training());
  CHECK_FALSE(seq[1]->is_training());
  CHECK_FALSE(seq->ptr<nn::SequentialImpl>(1)->ptr<nn::DropoutImpl>(0)->is_training());
  seq->train();
  CHECK(seq->ptr<nn::SequentialImpl>(1)->ptr<nn::DropoutImpl>(0)->is_training());
}

TEST_CASE("to(dtype) converts parameters and floating buffers in place, keeping every handle valid") {
  nn::Sequential seq(std::make_shared<nn::LinearImpl>(2, 3), std::make_shared<nn::BatchNorm1dImpl>(3));
  tensor_list params = seq->parameters();  // as an optimizer would hold them
  auto lin = seq->ptr<nn::LinearImpl>(0);
  std::vector<float> before = lin->weight.to_vector<float>();
  seq(randn({4, 2})).sum().backward();
  seq->to(kFloat64);
  CHECK(params[0].dtype() == kFloat64);
  CHECK(lin->weight.dtype() == kFloat64);
  CHECK(lin->weight.grad().dtype() == kFloat64);
  CHECK(lin->weight.requires_grad());
  std::vector<double> after = lin->weight.to_vector<double>();
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(after[i] == static_cast<double>(before[i]));
  auto bn = seq->ptr<nn::BatchNorm1dImpl>(1);
  CHECK(bn->running_mean.dtype() == kFloat64);
  CHECK(bn->num_batches_tracked.dtype() == kInt64);
  CHECK(seq(randn({4, 2}, kFloat64)).dtype() == kFloat64);
  CHECK_THROWS_AS(seq->to(kInt64), std::invalid_argument);
}

TEST_CASE("printing shows the module tree with each module's own parameter shapes") {
  Net net;
  std::ostringstream os;
  os << net;
  CHECK(os.str() ==
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=8, bias=true) {weight: Float32 [8, 4], bias: Float32 [8]}\n"
        "  (fc2): Linear(in_features=8, out_features=2, bias=true) {weight: Float32 [2, 8], bias: Float32 [2]}\n"
        ") {scale: Float32 [2]}");
  std::ostringstream os2;
  os2 << nn::Sequential(std::make_shared<nn::Conv2dImpl>(1, 2, 3, nn::Conv2dConfig{.padding = 1}),
                        std::make_shared<nn::ReLUImpl>());
  CHECK(os2.str() ==
        "Sequential(\n"
        "  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)) {weight: Float32 [2, 1, 3, 3], bias: "
        "Float32 [2]}\n"
        "  (1): ReLU()\n"
        ")");
}

TEST_CASE("named_modules walks the tree depth first") {
  Net net;
  auto mods = net.named_modules();
  REQUIRE(mods.size() == 3);
  CHECK(mods[0].first.empty());
  CHECK(mods[1].first == "fc1");
  CHECK(mods[2].second->type_name() == "Linear");
}

TEST_CASE("a parameter shared by two submodules (weight tying) is listed once, so it is stepped once") {
  struct Tied : nn::Module {
    std::shared_ptr<nn::LinearImpl> enc, dec;
    Tied() : Module("Tied") {
      enc = register_module("enc", std::make_shared<nn::LinearImpl>(3, 3));
      dec = register_module("dec", std::make_shared<nn::LinearImpl>(3, 3));
      dec->weight = enc->weight;
      dec->replace_tensor("weight", enc->weight);
    }
    Tensor forward(const Tensor& x) { return dec->forward(enc->forward(x)); }
  } net;
  CHECK(names_of(net.named_parameters()) == std::vector<std::string>{"enc.weight", "enc.bias", "dec.bias"});
  CHECK(net.parameters().size() == 3);
  // state_dict keeps every name, as PyTorch's does: a loader looks tensors up by name.
  CHECK(net.state_dict().size() == 4);
}
