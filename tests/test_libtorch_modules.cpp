// LibTorch's module API, written as a LibTorch program would be (after torch:: -> xgrad::):
// holders and XGRAD_MODULE, a forward taking Tensor by value inside Sequential, option
// builders, nn::Functional, named Sequential entries, OrderedDict items, and save/load of a
// module and of an Adam optimizer that continue training identically.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

namespace nn = xgrad::nn;
namespace F = xgrad::nn::functional;
namespace fs = std::filesystem;
using xgrad::Tensor;

namespace {

struct NetImpl : nn::Module {
  NetImpl(int64_t in, int64_t hidden, int64_t out) {
    fc1 = register_module("fc1", nn::Linear(in, hidden));
    fc2 = register_module("fc2", nn::Linear(nn::LinearOptions(hidden, out).bias(false)));
    drop = register_module("drop", nn::Dropout(nn::DropoutOptions(0.5)));
  }
  // By value, not virtual: LibTorch's usual spelling.
  Tensor forward(Tensor x) {
    x = xgrad::relu(fc1->forward(x));
    x = drop(x);
    return fc2(x);
  }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::Dropout drop{nullptr};
};
XGRAD_MODULE(Net);

struct ConstRefImpl : nn::Module {
  Tensor forward(const Tensor& x) const { return x * 2; }
};
XGRAD_MODULE(ConstRef);

struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("xgrad_libtorch_modules_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

bool same(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && xgrad::equal(a, b); }

}  // namespace

TEST_CASE("XGRAD_MODULE: a holder of a user's NetImpl, with its forward taking Tensor by value") {
  xgrad::manual_seed(1);
  Net net(4, 8, 3);
  net->eval();
  Tensor x = xgrad::randn({5, 4});
  Tensor y = net(x);
  CHECK(y.shape() == xgrad::Shape{5, 3});
  CHECK(same(net->forward(x), y));
  CHECK(net->fc2->bias.defined() == false);
  CHECK(net->parameters().size() == 3);
  // Copying a holder shares the module.
  Net other = net;
  CHECK(other.get() == net.get());
  CHECK(other.ptr() == net.ptr());
  CHECK((*other).is_training() == false);
  // An empty holder is assigned later, and complains clearly when used before.
  Net later{nullptr};
  CHECK(later.is_empty());
  CHECK_FALSE(static_cast<bool>(later));
  CHECK_THROWS_AS(later->parameters(), std::logic_error);
  later = net;
  CHECK_FALSE(later.is_empty());
  std::ostringstream os;
  os << net;  // a module constructed without a type name prints as its class, as LibTorch's
  CHECK(os.str().rfind("NetImpl(\n  (fc1): Linear(in_features=4, out_features=8, bias=true)", 0) == 0);
}

TEST_CASE("Sequential calls a user's forward(Tensor) found at compile time, with holders, Impls and functions") {
  xgrad::manual_seed(2);
  Net net(4, 8, 3);
  nn::Sequential seq(net, nn::Functional(xgrad::relu), nn::Functional(xgrad::leaky_relu, 0.2),
                     std::make_shared<ConstRefImpl>(), [](Tensor t) { return t + 1; });
  seq->eval();
  Tensor x = xgrad::randn({2, 4});
  Tensor expected = F::leaky_relu(xgrad::relu(net(x)), 0.2) * 2 + 1;
  CHECK(xgrad::allclose(seq(x), expected));
  CHECK(xgrad::allclose(seq->forward(x), expected));
  CHECK(seq->size() == 5);
  CHECK(seq[0].get() == net.get());
  CHECK(seq->ptr(0).get() == net.get());
  CHECK(seq->ptr<NetImpl>(0) == net.ptr());
  CHECK_THROWS_AS(seq->ptr<nn::LinearImpl>(0), std::invalid_argument);
  seq->push_back(nn::Linear(3, 1));
  CHECK(seq(x).shape() == xgrad::Shape{2, 1});
  ConstRef c;
  CHECK(same(c(x), x * 2));
}

TEST_CASE("named Sequential entries, named_parameters items and modules()") {
  nn::Sequential seq({{"fc", nn::Linear(3, 4)}, {"act", nn::ReLU()}, {"out", nn::Linear(4, 2)}});
  std::vector<std::string> names;
  for (auto& p : seq->named_parameters()) names.push_back(p.key() + ":" + std::to_string(p.value().dim()));
  CHECK(names == std::vector<std::string>{"fc.weight:2", "fc.bias:1", "out.weight:2", "out.bias:1"});
  auto params = seq->named_parameters();
  CHECK(params["out.bias"].numel() == 2);
  CHECK(params.find("nope") == nullptr);
  CHECK_THROWS_AS(params["nope"], std::out_of_range);
  CHECK(params.keys().size() == 4);
  CHECK(seq->modules().size() == 4);  // itself and three children
  CHECK(seq->children().size() == 3);
  std::ostringstream os;
  os << seq;
  CHECK(os.str().find("(act): ReLU()") != std::string::npos);
}

TEST_CASE("option builders produce the layers LibTorch's produce") {
  auto conv = nn::Conv2d(nn::Conv2dOptions(1, 10, 5).stride(1).padding(2).bias(false));
  CHECK(conv(xgrad::zeros({2, 1, 28, 28})).shape() == xgrad::Shape{2, 10, 28, 28});
  CHECK_FALSE(conv->bias.defined());
  auto conv2 = nn::Conv2d(nn::Conv2dOptions(4, 6, {3, 2}).stride({2, 1}).groups(2));
  CHECK(conv2->weight.shape() == xgrad::Shape{6, 2, 3, 2});
  CHECK(conv2(xgrad::zeros({1, 4, 7, 5})).shape() == xgrad::Shape{1, 6, 3, 4});
  CHECK_THROWS_AS(nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding_mode(nn::kConstant)), std::invalid_argument);
  CHECK(nn::MaxPool2d(nn::MaxPool2dOptions(2))(xgrad::zeros({1, 1, 6, 6})).shape() == xgrad::Shape{1, 1, 3, 3});
  CHECK(nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(1).padding(1))(xgrad::zeros({1, 1, 5, 5})).shape() ==
        xgrad::Shape{1, 1, 5, 5});
  auto bn = nn::BatchNorm2d(nn::BatchNorm2dOptions(3).eps(1e-3).momentum(0.2).affine(false));
  CHECK(bn->parameters().empty());
  CHECK(bn->options.eps == 1e-3);
  CHECK(nn::BatchNorm1d(nn::BatchNorm1dOptions(4).track_running_stats(false))->buffers().empty());
  auto ln = nn::LayerNorm(nn::LayerNormOptions({2, 3}).eps(1e-6).elementwise_affine(false));
  CHECK(ln->parameters().empty());
  auto emb = nn::Embedding(nn::EmbeddingOptions(10, 4).padding_idx(0));
  CHECK(emb(xgrad::zeros({3}, xgrad::kInt64)).sum().item<float>() == 0.0f);
  CHECK(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.5))(xgrad::full({1}, -2.0)).item<float>() == -1.0f);
  CHECK(nn::Softmax(nn::SoftmaxOptions(1))(xgrad::zeros({1, 4})).sum().item<float>() == doctest::Approx(1.0));
  CHECK(nn::Flatten(nn::FlattenOptions().start_dim(0))(xgrad::zeros({2, 3})).shape() == xgrad::Shape{6});
  CHECK(nn::Unflatten(nn::UnflattenOptions(1, {2, -1}))(xgrad::zeros({4, 6})).shape() == xgrad::Shape{4, 2, 3});
  CHECK_THROWS_AS(nn::Unflatten(1, std::vector<int64_t>{4, 2})(xgrad::zeros({4, 6})), std::invalid_argument);
}

TEST_CASE("loss options take LibTorch's reduction spellings, in modules and in F::") {
  Tensor x = xgrad::tensor(std::vector<double>{1, 2, 3, 0, 1, 0}).reshape({2, 3});
  Tensor t = xgrad::tensor(std::vector<std::int64_t>{2, 0});
  Tensor mean = F::cross_entropy(x, t);
  Tensor sum = F::cross_entropy(x, t, F::CrossEntropyFuncOptions().reduction(xgrad::kSum));
  CHECK(sum.item<double>() == doctest::Approx(2 * mean.item<double>()));
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().reduction(xgrad::kNone));
  CHECK(ce(x, t).shape() == xgrad::Shape{2});
  CHECK(nn::NLLLoss(nn::NLLLossOptions().ignore_index(0))(F::log_softmax(x, 1), t).item<double>() ==
        doctest::Approx(-F::log_softmax(x, F::LogSoftmaxFuncOptions(1))[0][2].item<double>()));
  Tensor a = xgrad::ones({3}, xgrad::kFloat64), b = xgrad::zeros({3}, xgrad::kFloat64);
  CHECK(nn::MSELoss(nn::MSELossOptions(xgrad::kSum))(a, b).item<double>() == 3.0);
  CHECK(F::mse_loss(a, b, F::MSELossFuncOptions().reduction(xgrad::kMean)).item<double>() == 1.0);
  CHECK(F::smooth_l1_loss(a, b, F::SmoothL1LossFuncOptions().beta(2.0)).item<double>() == doctest::Approx(0.25));
  CHECK(nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().reduction(xgrad::kSum))(b, a).item<double>() ==
        doctest::Approx(3 * std::log(2.0)));
}

TEST_CASE("F:: options: dropout in training and eval, max_pool2d, conv2d") {
  Tensor x = xgrad::ones({4, 5});
  CHECK(same(F::dropout(x, F::DropoutFuncOptions().p(0.5).training(false)), x));
  Tensor d = F::dropout(x, F::DropoutFuncOptions().p(0.5).training(true));
  for (float v : d.to_vector<float>()) CHECK((v == 0.0f || v == 2.0f));
  CHECK(F::max_pool2d(xgrad::zeros({1, 1, 4, 4}), F::MaxPool2dFuncOptions(2)).shape() == xgrad::Shape{1, 1, 2, 2});
  Tensor w = xgrad::ones({2, 1, 3, 3});
  CHECK(F::conv2d(xgrad::ones({1, 1, 5, 5}), w, F::Conv2dFuncOptions().padding(1).stride(2)).shape() ==
        xgrad::Shape{1, 2, 3, 3});
}

TEST_CASE("Dropout2d zeroes whole channels and scales the rest; eval is the identity") {
  xgrad::manual_seed(3);
  nn::Dropout2d drop(nn::Dropout2dOptions(0.5));
  Tensor x = xgrad::ones({8, 16, 3, 3});
  Tensor y = drop(x);
  int zero = 0, kept = 0;
  for (int64_t n = 0; n < 8; ++n) {
    for (int64_t c = 0; c < 16; ++c) {
      std::vector<float> v = y[n][c].contiguous().to_vector<float>();
      const float first = v[0];
      CHECK((first == 0.0f || first == 2.0f));
      for (float e : v) CHECK(e == first);  // one draw per channel
      (first == 0.0f ? zero : kept)++;
    }
  }
  CHECK(zero > 20);
  CHECK(kept > 20);
  drop->eval();
  CHECK(same(drop(x), x));
  CHECK_THROWS_AS(drop(xgrad::ones({2, 3})), std::invalid_argument);
  // The gradient flows through the kept channels only.
  drop->train();
  Tensor z = xgrad::ones({2, 4, 2, 2}).requires_grad_();
  Tensor out = nn::Dropout1d(0.5)(z.reshape({2, 4, 4}));
  out.sum().backward();
  CHECK(same(z.grad().reshape({2, 4, 4}), out.detach()));
}

TEST_CASE("xgrad::save / xgrad::load: a module and an Adam optimizer continue identically") {
  TempDir dir;
  auto run = [](Net& net, xgrad::optim::Adam& opt, int steps) {
    for (int i = 0; i < steps; ++i) {
      xgrad::manual_seed(100 + static_cast<std::uint64_t>(i));
      Tensor x = xgrad::randn({6, 4});
      opt.zero_grad();
      Tensor loss = F::cross_entropy(net(x), xgrad::tensor(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}));
      loss.backward();
      opt.step();
    }
  };
  xgrad::manual_seed(7);
  Net a(4, 8, 3);
  xgrad::optim::Adam opt_a(a->parameters(), xgrad::optim::AdamOptions(1e-2));
  run(a, opt_a, 3);
  xgrad::save(a, (dir.path / "net.safetensors").string());
  xgrad::save(opt_a, (dir.path / "adam.safetensors").string());

  xgrad::manual_seed(8);
  Net b(4, 8, 3);  // different initial weights, restored from the files
  xgrad::optim::Adam opt_b(b->parameters(), xgrad::optim::AdamOptions(0.5));
  xgrad::load(b, (dir.path / "net.safetensors").string());
  xgrad::load(opt_b, (dir.path / "adam.safetensors").string());
  CHECK(opt_b.param_groups()[0].options().get_lr() == doctest::Approx(1e-2));

  run(a, opt_a, 3);
  run(b, opt_b, 3);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i].key() == pb[i].key());
    CHECK(same(pa[i].value(), pb[i].value()));
  }
  // A plain Impl saves and loads too.
  auto lin = std::make_shared<nn::LinearImpl>(2, 2);
  xgrad::save(lin, (dir.path / "lin.safetensors").string());
  nn::Linear lin2(2, 2);
  xgrad::load(lin2, (dir.path / "lin.safetensors").string());
  CHECK(same(lin->weight, lin2->weight));
}
