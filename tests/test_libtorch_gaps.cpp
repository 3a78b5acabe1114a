// The LibTorch spellings issue 18 left open: sizes() compared with std::vector / IntArrayRef
// and .vec(); ~ & | ^ on Bool masks and Int64 tensors; nn::ModuleDict; Module::clone() for
// holder-made modules, containers and nn::Cloneable<Derived> user modules.
#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using std::int64_t;

namespace {

std::vector<bool> bools(const Tensor& t) {
  std::vector<bool> out;
  for (auto v : t.to_vector<std::int64_t>()) out.push_back(v != 0);
  return out;
}

bool same_values(const Tensor& a, const Tensor& b) { return a.shape() == b.shape() && allclose(a, b, 0, 0); }

// Every parameter and buffer of `a` equals (value, dtype, requires_grad) the one of `b` with the
// same name, and none shares storage with it.
void check_deep_copy(const nn::Module& a, const nn::Module& b) {
  const auto sa = a.state_dict(), sb = b.state_dict();
  REQUIRE(sa.keys() == sb.keys());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    const Tensor& x = sa[i].value();
    const Tensor& y = sb[i].value();
    CAPTURE(sa[i].key());
    CHECK(x.dtype() == y.dtype());
    CHECK(x.requires_grad() == y.requires_grad());
    CHECK(same_values(x, y));
    CHECK(x.impl()->storage != y.impl()->storage);
  }
}

struct NetImpl : nn::Module {
  explicit NetImpl(int64_t hidden) {
    fc1 = register_module("fc1", nn::Linear(3, hidden));
    bn = register_module("bn", nn::BatchNorm1d(hidden));
    fc2 = register_module("fc2", nn::Linear(hidden, 2));
  }
  Tensor forward(Tensor x) { return fc2(relu(bn(fc1(x)))); }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::BatchNorm1d bn{nullptr};
};
XGRAD_MODULE(Net);

// LibTorch's way: register in reset(), derive from Cloneable.
struct CloneNetImpl : nn::Cloneable<CloneNetImpl> {
  explicit CloneNetImpl(int64_t hidden) : hidden(hidden) { reset(); }
  void reset() override {
    fc = register_module("fc", nn::Linear(2, hidden));
    scale = register_parameter("scale", ones({hidden}));
    count = register_buffer("count", zeros({1}, kInt64));
  }
  Tensor forward(const Tensor& x) { return fc(x) * scale; }
  int64_t hidden;
  nn::Linear fc{nullptr};
  Tensor scale, count;
};
XGRAD_MODULE(CloneNet);

}  // namespace

TEST_CASE("sizes() compares with std::vector<int64_t> and IntArrayRef; .vec()") {
  Tensor x = zeros({2, 3});
  CHECK(x.sizes() == std::vector<int64_t>{2, 3});
  CHECK(std::vector<int64_t>{2, 3} == x.sizes());
  CHECK(x.sizes() != std::vector<int64_t>{3, 2});
  CHECK(x.sizes() == IntArrayRef{2, 3});
  std::vector<int64_t> v = x.sizes().vec();
  CHECK(v == std::vector<int64_t>{2, 3});
  CHECK(x.sizes().size() == 2);
  CHECK(x.sizes()[1] == 3);
  CHECK(x.t().strides() == std::vector<int64_t>{1, 3});
  IntArrayRef s = x.sizes();
  CHECK(s.vec() == v);
  std::ostringstream os;
  os << x.sizes();
  CHECK(os.str() == "[2, 3]");
}

TEST_CASE("~ & | ^ on Bool masks are the logical ops, Bool results") {
  Tensor a = tensor({true, true, false, false}), b = tensor({true, false, true, false});
  CHECK((a & b).dtype() == kBool);
  CHECK(bools(a & b) == std::vector<bool>{true, false, false, false});
  CHECK(bools(a | b) == std::vector<bool>{true, true, true, false});
  CHECK(bools(a ^ b) == std::vector<bool>{false, true, true, false});
  CHECK(bools(~a) == std::vector<bool>{false, false, true, true});
  CHECK((~a).dtype() == kBool);
  // Masks from comparisons, broadcast, as LibTorch code writes them.
  Tensor x = tensor({{-1.0, 0.5}, {2.0, -3.0}});
  Tensor m = (x > 0.0) & ~(x > 1.0);
  CHECK(bools(m) == std::vector<bool>{false, true, false, false});
  Tensor row = tensor({true, false});
  CHECK(bools((x > 0.0) | row) == std::vector<bool>{true, true, true, false});
  CHECK(x.index({(x > 0.0) & (x < 1.0)}).item<double>() == 0.5);
  // Non-contiguous operands.
  Tensor t = tensor({{true, false}, {true, true}}).t();
  CHECK(bools(t & tensor({{true, true}, {false, true}})) == std::vector<bool>{true, true, false, true});
}

TEST_CASE("~ & | ^ on Int64 are two's complement bitwise ops; floats throw") {
  Tensor a = tensor({int64_t{12}, int64_t{-1}, int64_t{5}}), b = tensor({int64_t{10}, int64_t{6}, int64_t{0}});
  CHECK((a & b).dtype() == kInt64);
  CHECK((a & b).to_vector<int64_t>() == std::vector<int64_t>{8, 6, 0});
  CHECK((a | b).to_vector<int64_t>() == std::vector<int64_t>{14, -1, 5});
  CHECK((a ^ b).to_vector<int64_t>() == std::vector<int64_t>{6, -7, 5});
  CHECK((~a).to_vector<int64_t>() == std::vector<int64_t>{-13, 0, -6});
  CHECK((~a).dtype() == kInt64);
  // Bool with Int64: the Bool counts as 0 / 1, the result is Int64 (as PyTorch).
  Tensor mixed = a & tensor({true, true, false});
  CHECK(mixed.dtype() == kInt64);
  CHECK(mixed.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 0});
  CHECK(bitwise_xor(a, b).to_vector<int64_t>() == std::vector<int64_t>{6, -7, 5});
  CHECK_THROWS_AS(ones({2}) & ones({2}), std::invalid_argument);
  CHECK_THROWS_AS(~ones({2}), std::invalid_argument);
  CHECK_THROWS_AS(tensor({true, false}) | tensor({true, false, true}), std::invalid_argument);
}

TEST_CASE("ModuleDict: modules under keys, registered as children") {
  nn::ModuleDict dict({{"fc", nn::Linear(3, 4).ptr()}, {"act", nn::ReLU().ptr()}});
  CHECK(dict->size() == 2);
  CHECK(dict->contains("fc"));
  CHECK_FALSE(dict->contains("out"));
  dict->insert("out", nn::Linear(4, 2));
  CHECK(dict->keys() == std::vector<std::string>{"fc", "act", "out"});
  CHECK(dict->named_parameters().keys() == std::vector<std::string>{"fc.weight", "fc.bias", "out.weight", "out.bias"});
  Tensor x = randn({5, 3});
  Tensor y = dict->at<nn::LinearImpl>("out").forward(relu(dict->at<nn::LinearImpl>("fc").forward(x)));
  CHECK(y.sizes() == std::vector<int64_t>{5, 2});
  CHECK(dict["act"]->type_name() == "ReLU");
  CHECK_THROWS_AS(dict["nope"], std::out_of_range);
  CHECK_THROWS_AS(dict->at<nn::LinearImpl>("act"), std::invalid_argument);
  std::vector<std::string> seen;
  for (const auto& item : *dict) seen.push_back(item.key() + ":" + item.value()->type_name());
  CHECK(seen == std::vector<std::string>{"fc:Linear", "act:ReLU", "out:Linear"});
  // insert with an existing key replaces in place; pop removes the child too.
  dict->insert("act", nn::Tanh());
  CHECK(dict->keys() == std::vector<std::string>{"fc", "act", "out"});
  CHECK(dict["act"]->type_name() == "Tanh");
  auto popped = dict->pop("fc");
  CHECK(popped->type_name() == "Linear");
  CHECK(dict->named_parameters().keys() == std::vector<std::string>{"out.weight", "out.bias"});
  CHECK(dict->children().size() == 2);
  CHECK_THROWS_AS(dict->pop("fc"), std::out_of_range);
  CHECK_THROWS_AS(dict->insert("a.b", nn::ReLU()), std::invalid_argument);
  std::ostringstream os;
  os << dict;
  CHECK(os.str().find("(out): Linear(in_features=4, out_features=2") != std::string::npos);
  std::vector<std::pair<std::string, std::shared_ptr<nn::Module>>> list = {{"a", nn::ReLU().ptr()}};
  nn::ModuleDict from_list(list);
  from_list->update(*dict);
  CHECK(from_list->keys() == std::vector<std::string>{"a", "act", "out"});
  from_list->clear();
  CHECK(from_list->empty());
  CHECK(from_list->parameters().empty());
}

TEST_CASE("clone(): a deep copy of holder-made modules, containers and user nets") {
  manual_seed(3);
  nn::Linear lin(nn::LinearOptions(3, 2).bias(false));
  auto lin2 = std::dynamic_pointer_cast<nn::LinearImpl>(lin->clone());
  REQUIRE(lin2);
  check_deep_copy(*lin, *lin2);
  CHECK_FALSE(lin2->bias.defined());
  {
    NoGradGuard g;
    lin2->weight.add_(1.0);  // the original is untouched
  }
  CHECK_FALSE(same_values(lin->weight, lin2->weight));

  Net net(4);
  Tensor x = randn({5, 3});
  net(x);  // moves the BatchNorm running statistics away from their initial values
  net->eval();
  net->to(kFloat64);
  net->fc1->bias.requires_grad_(false);
  auto copy = std::dynamic_pointer_cast<NetImpl>(net->clone());
  REQUIRE(copy);
  check_deep_copy(*net, *copy);
  CHECK_FALSE(copy->is_training());
  CHECK_FALSE(copy->bn->is_training());
  CHECK(same_values(copy->forward(x.to(kFloat64)), net(x.to(kFloat64))));
  CHECK(copy->fc1->weight.impl() == copy->named_parameters()["fc1.weight"].impl());

  nn::Sequential seq(
      nn::Linear(3, 4), nn::Functional(relu), nn::ELU(), [](Tensor t) { return t * 2; }, nn::Linear(4, 1));
  auto seq2 = std::dynamic_pointer_cast<nn::SequentialImpl>(seq->clone());
  REQUIRE(seq2);
  check_deep_copy(*seq, *seq2);
  CHECK(same_values(seq2->forward(x), seq(x)));
  CHECK(seq2->ptr(0).get() != seq->ptr(0).get());

  nn::ModuleList list(nn::Linear(2, 2), nn::PReLU());
  auto list2 = std::dynamic_pointer_cast<nn::ModuleListImpl>(list->clone());
  REQUIRE(list2);
  check_deep_copy(*list, *list2);
  nn::ModuleDict dict({{"fc", nn::Linear(2, 3).ptr()}});
  auto dict2 = std::dynamic_pointer_cast<nn::ModuleDictImpl>(dict->clone());
  REQUIRE(dict2);
  check_deep_copy(*dict, *dict2);
}

TEST_CASE("clone(): nn::Cloneable user modules, and a clear error otherwise") {
  CloneNet net(3);
  {
    NoGradGuard g;
    net->scale.mul_(2.0);
    net->count.add_(int64_t{7});
  }
  auto copy = std::dynamic_pointer_cast<CloneNetImpl>(net->clone());
  REQUIRE(copy);
  CHECK(copy->hidden == 3);
  check_deep_copy(*net, *copy);
  CHECK(copy->count.item<int64_t>() == 7);
  CHECK(copy->fc.get() != net->fc.get());
  Tensor x = randn({4, 2});
  CHECK(same_values(copy->forward(x), net(x)));
  CHECK_NOTHROW(net->clone(Device(kCPU)));
  CHECK_THROWS_AS(net->clone(Device(kCUDA)), std::runtime_error);
  // An Impl made without a holder cannot be rebuilt: a clear error, not a shallow copy.
  auto bare = std::make_shared<nn::LinearImpl>(2, 2);
  CHECK_THROWS_AS(bare->clone(), std::logic_error);
}
