// F::pad's reflect, replicate and circular modes. Each is a gather: output position o of a
// padded dim reads input position map[o] (reflected, clamped or wrapped), so one kernel serves
// all three, and the backward is the matching scatter-add. The two ops are each other's
// adjoints and both linear, so each one's backward is the other: differentiable to any order.
#include "padding.hpp"

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"

namespace xgrad::nn {

const char* to_string(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::Zeros: return "zeros";
    case PaddingMode::Reflect: return "reflect";
    case PaddingMode::Replicate: return "replicate";
    case PaddingMode::Circular: return "circular";
    case PaddingMode::Constant: return "constant";
  }
  return "?";
}

std::string to_string(const ConvPadding& p) {
  if (p.is_same()) return "same";
  if (p.is_valid()) return "valid";
  return to_string(p.size());
}

namespace functional {

using namespace xgrad::autograd;

namespace {

// The input is viewed as [B, I0, I1, I2] and the output as [B, O0, O1, O2] (the padded dims,
// right-aligned; missing ones have size 1 and the map {0}).
struct PadPlan {
  std::array<std::vector<std::int64_t>, 3> map;  // output index -> input index, per padded dim
  std::array<std::int64_t, 3> in{1, 1, 1};
  std::int64_t batch = 1;
  Shape in_shape, out_shape;
  std::string name;  // the forward's node name, e.g. "ReflectionPad2dBackward0"
};
using PlanPtr = std::shared_ptr<const PadPlan>;

Tensor pad_gather(const Tensor& x, const PlanPtr& plan);
Tensor pad_scatter(const Tensor& g, const PlanPtr& plan);

struct PadGatherNode final : Node {
  PlanPtr plan;
  std::string name() const override { return plan->name; }
  tensor_list apply(tensor_list&& g) override { return {pad_scatter(g[0], plan)}; }
};

// ReflectionPad2dBackwardBackward0 and so on: the backward of the scatter is the gather.
struct PadScatterNode final : Node {
  PlanPtr plan;
  std::string name() const override {
    std::string n = plan->name;
    return n.substr(0, n.size() - 1) + "Backward0";
  }
  tensor_list apply(tensor_list&& g) override { return {pad_gather(g[0], plan)}; }
};

// Visits every output element: f(output flat index, input flat index).
template <class F>
void for_each_pair(const PadPlan& p, F&& f) {
  const auto& m = p.map;
  const std::int64_t o0 = static_cast<std::int64_t>(m[0].size()), o1 = static_cast<std::int64_t>(m[1].size()),
                     o2 = static_cast<std::int64_t>(m[2].size());
  std::int64_t out = 0;
  for (std::int64_t b = 0; b < p.batch; ++b)
    for (std::int64_t i = 0; i < o0; ++i)
      for (std::int64_t j = 0; j < o1; ++j) {
        const std::int64_t row = ((b * p.in[0] + m[0][i]) * p.in[1] + m[1][j]) * p.in[2];
        for (std::int64_t l = 0; l < o2; ++l) f(out++, row + m[2][l]);
      }
}

Tensor pad_gather(const Tensor& x_in, const PlanPtr& plan) {
  Tensor x = x_in.contiguous();
  Tensor y = empty_tensor(plan->out_shape, x.dtype(), "pad");
  kernels::dispatch_all(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.impl()->template data_as<T>();
    T* dst = y.impl()->template data_as<T>();
    for_each_pair(*plan, [&](std::int64_t o, std::int64_t i) { dst[o] = src[i]; });
  });
  if (auto n = record<PadGatherNode>({&x}, y)) n->plan = plan;
  return y;
}

Tensor pad_scatter(const Tensor& g_in, const PlanPtr& plan) {
  Tensor g = g_in.contiguous();
  Tensor gx = zeros(plan->in_shape, g.dtype());
  dispatch_float(g.dtype(), "pad backward", [&](auto tag) {
    using T = decltype(tag);
    const T* src = g.impl()->template data_as<T>();
    T* dst = gx.impl()->template data_as<T>();
    for_each_pair(*plan, [&](std::int64_t o, std::int64_t i) { dst[i] += src[o]; });
  });
  if (auto n = record<PadScatterNode>({&g}, gx)) n->plan = plan;
  return gx;
}

std::string widths_str(const std::vector<std::int64_t>& w) {
  std::string s = "[";
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? ", " : "") + std::to_string(w[i]);
  return s + "]";
}

// Output index -> input index for one dim of size n padded by (before, after).
std::vector<std::int64_t> index_map(PaddingMode mode, std::int64_t n, std::int64_t before, std::int64_t after) {
  std::vector<std::int64_t> map(static_cast<std::size_t>(n + before + after));
  for (std::size_t o = 0; o < map.size(); ++o) {
    std::int64_t i = static_cast<std::int64_t>(o) - before;
    if (mode == PaddingMode::Reflect) {
      if (i < 0) i = -i;
      if (i >= n) i = 2 * (n - 1) - i;
    } else if (mode == PaddingMode::Replicate) {
      i = std::clamp<std::int64_t>(i, 0, n - 1);
    } else {
      i = ((i % n) + n) % n;
    }
    map[o] = i;
  }
  return map;
}

PlanPtr make_plan(const Tensor& x, const std::vector<std::int64_t>& w, PaddingMode mode) {
  const std::string mode_name = to_string(mode);
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("pad: " + why + " (mode " + mode_name + ", padding " + widths_str(w) + ", input " +
                                describe(x) + ")");
  };
  const auto k = static_cast<std::int64_t>(w.size() / 2);
  if (w.size() % 2 != 0 || k < 1 || k > 3) fail("non-constant padding takes 2, 4 or 6 widths (1 to 3 dims)");
  if (x.dim() != k + 1 && x.dim() != k + 2) {
    fail("padding " + std::to_string(k) + " dims expects a " + std::to_string(k + 1) + "-D (unbatched) or " +
         std::to_string(k + 2) + "-D (batched) input");
  }
  auto plan = std::make_shared<PadPlan>();
  plan->in_shape = plan->out_shape = x.shape();
  for (std::int64_t d = 0; d < x.dim() - k; ++d) plan->batch *= x.size(d);
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t d = x.dim() - 1 - i, n = x.size(d), before = w[2 * i], after = w[2 * i + 1];
    const std::string where = " of dim " + std::to_string(d) + " (size " + std::to_string(n) + ")";
    if (n < 1) fail("the padded dim " + std::to_string(d) + " is empty");
    if (mode == PaddingMode::Reflect && (before >= n || after >= n))
      fail("reflect padding (" + std::to_string(before) + ", " + std::to_string(after) + ") must be < the size" +
           where);
    if (mode == PaddingMode::Circular && (before > n || after > n))
      fail("circular padding (" + std::to_string(before) + ", " + std::to_string(after) + ") must be <= the size" +
           where + ": it would wrap around more than once");
    if (n + before + after < 1) fail("the output size" + where + " would be " + std::to_string(n + before + after));
    const auto slot = static_cast<std::size_t>(2 - i);
    plan->map[slot] = index_map(mode, n, before, after);
    plan->in[slot] = n;
    plan->out_shape[static_cast<std::size_t>(d)] = n + before + after;
  }
  for (std::int64_t i = k; i < 3; ++i) plan->map[static_cast<std::size_t>(2 - i)] = {0};
  const std::string kind = mode == PaddingMode::Reflect     ? "Reflection"
                           : mode == PaddingMode::Replicate ? "Replication"
                                                            : "Circular";
  plan->name = kind + "Pad" + std::to_string(k) + "dBackward0";
  return plan;
}

}  // namespace

Tensor pad(const Tensor& input, const std::vector<std::int64_t>& widths, PaddingMode mode, double value) {
  check_defined(input, "pad");
  if (mode == PaddingMode::Constant) return xgrad::pad(input, Shape(widths.begin(), widths.end()), value);
  if (mode == PaddingMode::Zeros) {
    throw std::invalid_argument("pad: mode zeros is a convolution padding_mode; F::pad takes kConstant (input " +
                                describe(input) + ")");
  }
  return pad_gather(input, make_plan(input, widths, mode));
}

std::pair<std::int64_t, std::int64_t> same_padding(std::int64_t kernel, std::int64_t dilation) {
  const std::int64_t total = dilation * (kernel - 1);
  return {total / 2, total - total / 2};
}

}  // namespace functional
}  // namespace xgrad::nn
