// autograd/op_support.hpp: the op written in its top comment compiles, is right, and has a
// right backward (first and second order). The example below is the header's, verbatim: the
// last test case fails when the two drift apart.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

// clang-format off
// ---- begin op_support.hpp example
#include <xgrad/autograd/op_support.hpp>
namespace A = xgrad::autograd;

// The backward node: saves x, receives dL/dy, returns dL/dx (one entry per input).
struct SoftsignBackward0 final : A::SavedOneNode {
  xgrad::tensor_list apply(xgrad::tensor_list&& g) override {
    const xgrad::Tensor d = 1.0 + xgrad::abs(saved.unpack());  // built from ops: twice differentiable
    return {g[0] / (d * d)};
  }
};

xgrad::Tensor softsign(const xgrad::Tensor& x) {
  A::check_defined(x, "softsign");
  xgrad::Tensor y = A::dispatch_float(x.dtype(), "softsign", [&](auto tag) {
    return A::map_unary<decltype(tag)>(x, [](const auto& v) { using std::abs; return v / (1 + abs(v)); },
                                       "softsign");
  });
  if (auto node = A::record<SoftsignBackward0>({&x}, y)) node->saved = A::save(x);
  return y;
}
// ---- end op_support.hpp example
// clang-format on

using namespace xgrad;

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The text from `first` to the next `last`, both included.
std::string between(const std::string& s, const std::string& first, const std::string& last) {
  const auto b = s.find(first);
  REQUIRE(b != std::string::npos);
  const auto e = s.find(last, b);
  REQUIRE(e != std::string::npos);
  return s.substr(b, e + last.size() - b);
}
}  // namespace

TEST_CASE("the op_support.hpp example computes softsign and names its node") {
  Tensor x = tensor(std::vector<double>{-3.0, -0.5, 0.0, 2.0}).requires_grad_(true);
  Tensor y = softsign(x);
  CHECK(allclose(y, x / (1.0 + abs(x))));
  CHECK(y.grad_fn()->name() == "SoftsignBackward0");
  y.sum().backward();
  CHECK(allclose(x.grad(), 1.0 / ((1.0 + abs(x)) * (1.0 + abs(x)))));
  Tensor z = softsign(tensor(std::vector<float>{1.0f, -2.0f}));  // Float32 too; nothing recorded without grad
  CHECK(z.dtype() == kFloat32);
  CHECK_FALSE(z.grad_fn());
  CHECK_THROWS_WITH_AS(softsign(tensor(std::vector<std::int64_t>{1, 2})),
                       "softsign: expected a Float32 or Float64 tensor, got Int64", std::invalid_argument);
  CHECK_THROWS_WITH_AS(softsign(Tensor()), "softsign: input is an undefined tensor", std::invalid_argument);
}

TEST_CASE("the op_support.hpp example passes gradcheck and gradgradcheck") {
  Tensor x = (randn({3, 4}, kFloat64) + 0.1).requires_grad_(true);  // abs' kink at 0: avoided w.p. 1
  auto fn = [](const tensor_list& in) { return softsign(in[0]); };
  CHECK(autograd::gradcheck(fn, {x}));
  CHECK(autograd::gradgradcheck(fn, {x}));
}

TEST_CASE("the example in op_support.hpp's top comment is the one compiled here") {
  std::string header = read_file(std::string(XGRAD_SOURCE_DIR) + "/autograd/op_support.hpp");
  std::string in_header = between(header, "//   #include <xgrad/autograd/op_support.hpp>", "//   }\n");
  std::string uncommented;
  std::istringstream lines(in_header);
  for (std::string line; std::getline(lines, line);) uncommented += (line.size() > 5 ? line.substr(5) : "") + "\n";
  std::string here = read_file(std::string(XGRAD_SOURCE_DIR) + "/tests/test_op_support.cpp");
  std::string compiled = between(here, "#include <xgrad/autograd/op_support.hpp>", "\n}\n");
  CHECK(uncommented == compiled);
}
