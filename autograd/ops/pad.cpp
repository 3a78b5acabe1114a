// Constant padding (F.pad's "constant" mode). Negative widths crop, so the backward is the
// same op with every width negated.
#include <cmath>

#include "../kernels/view_helpers.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {
struct ConstantPadNdBackward0 final : Node {
  Shape negated;
  tensor_list apply(tensor_list&& g) override { return {pad(g[0], negated, 0.0)}; }
};
}  // namespace

Tensor pad(const Tensor& x, const Shape& widths, double value) {
  check_defined(x, "pad");
  if (widths.size() % 2 != 0) {
    throw std::invalid_argument("pad: the padding " + shape_str(widths) + " must list (before, after) pairs; input " +
                                describe(x));
  }
  const auto padded_dims = static_cast<std::int64_t>(widths.size() / 2);
  if (padded_dims > x.dim()) {
    throw std::invalid_argument("pad: the padding " + shape_str(widths) + " covers " + std::to_string(padded_dims) +
                                " dims but the input " + describe(x) + " has only " + std::to_string(x.dim()));
  }
  if (x.dtype() == Dtype::Int64 && !(std::isfinite(value) && std::abs(value) < 9.2e18)) {
    throw std::invalid_argument("pad: value " + std::to_string(value) + " cannot be stored in the Int64 input " +
                                describe(x));
  }
  // Per dim: where x's kept part starts in x (src) and in the output (dst), and its length.
  const auto nd = static_cast<std::size_t>(x.dim());
  Shape out_shape = x.shape(), src_start(nd, 0), dst_start(nd, 0), kept = x.shape();
  bool any_kept = true;
  for (std::size_t i = 0; i < widths.size() / 2; ++i) {
    const std::size_t d = nd - 1 - i;
    const std::int64_t before = widths[2 * i], after = widths[2 * i + 1], size = x.shape()[d];
    out_shape[d] = size + before + after;
    if (out_shape[d] < 0) {
      throw std::invalid_argument("pad: padding (" + std::to_string(before) + ", " + std::to_string(after) +
                                  ") of dimension " + std::to_string(d) + " of " + describe(x) +
                                  " gives the negative size " + std::to_string(out_shape[d]));
    }
    src_start[d] = std::max<std::int64_t>(0, -before);
    dst_start[d] = std::max<std::int64_t>(0, before);
    kept[d] = size - src_start[d] - std::max<std::int64_t>(0, -after);
    if (kept[d] <= 0) any_kept = false;
  }
  Tensor out = full(out_shape, value, x.dtype());
  if (any_kept) {
    std::int64_t src_offset = x.impl()->offset, dst_offset = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      src_offset += src_start[d] * x.strides()[d];
      dst_offset += dst_start[d] * out.strides()[d];
    }
    copy_into(make_view(out, kept, out.strides(), dst_offset), make_view(x, kept, x.strides(), src_offset));
  }
  if (auto n = record<ConstantPadNdBackward0>({&x}, out)) {
    for (auto w : widths) n->negated.push_back(-w);
  }
  return out;
}

}  // namespace xgrad
