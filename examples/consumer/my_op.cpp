// A user's own op, written against the installed op-author header only: softsign with its
// backward, gradchecked by main.cpp. Shows that <xgrad/autograd/op_support.hpp> (and the
// xtensor it brings in through the package's find_dependency) works outside the source tree.
#include <xgrad/autograd/op_support.hpp>

namespace A = xgrad::autograd;

namespace {
// d softsign(x) = g / (1 + |x|)^2
struct SoftsignBackward0 final : A::SavedOneNode {
  xgrad::tensor_list apply(xgrad::tensor_list&& g) override {
    const xgrad::Tensor d = 1.0 + xgrad::abs(saved.unpack());
    return {g[0] / (d * d)};
  }
};
}  // namespace

xgrad::Tensor my_softsign(const xgrad::Tensor& x) {
  A::check_defined(x, "my_softsign");
  xgrad::Tensor y = A::dispatch_float(x.dtype(), "my_softsign", [&](auto tag) {
    return A::map_unary<decltype(tag)>(
        x,
        [](const auto& v) {
          using std::abs;
          return v / (1 + abs(v));
        },
        "my_softsign");
  });
  if (auto node = A::record<SoftsignBackward0>({&x}, y)) node->saved = A::save(x);
  return y;
}
