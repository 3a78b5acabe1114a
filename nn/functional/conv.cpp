// conv2d as im2col + GEMM (the kernels are in conv_kernels.cpp). The convolution, the gradient w.r.t. its input
// ("input_grad", a transposed convolution) and the gradient w.r.t. its weight ("weight_grad") are three recorded ops
// whose backwards are written with each other, so conv2d can be differentiated to any order:
//   y  = conv(x, w)          dy -> (input_grad(dy, w), weight_grad(dy, x))
//   gx = input_grad(gy, w)   dgx -> (conv(dgx, w), weight_grad(gy, dgx))
//   gw = weight_grad(gy, x)  dgw -> (conv(x, dgw), input_grad(gy, dgw))
#include <sstream>

#include "../../autograd/op_support.hpp"
#include "conv.hpp"
#include "conv_kernels.hpp"

namespace xgrad::nn {

std::string to_string(Size2 s) {
  std::ostringstream os;
  os << "(" << s.h << ", " << s.w << ")";
  return os.str();
}

namespace functional {

using namespace xgrad::autograd;

namespace {

using conv_impl::ConvParams;
using conv_impl::Geometry;
using conv_impl::make_geometry;

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.impl()->template data_as<T>() : nullptr;
}

// ---- the three recorded ops -----------------------------------------------------------------

Tensor conv_op(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p);
Tensor input_grad_op(const Tensor& gy, const Tensor& w, const Shape& in_shape, const ConvParams& p);
Tensor weight_grad_op(const Tensor& gy, const Tensor& x, const Shape& w_shape, const ConvParams& p);

struct ConvolutionBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"input", &x}, {"weight", &w}});
  }
  SavedVariable x, w;
  Shape x_shape, w_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? input_grad_op(g[0], w.unpack(), x_shape, p) : Tensor(),
            should_compute_output(1) ? weight_grad_op(g[0], x.unpack(), w_shape, p) : Tensor(),
            should_compute_output(2) ? sum(g[0], {0, 2, 3}) : Tensor()};
  }
  void release_variables() override {
    x.reset();
    w.reset();
  }
};

struct ConvolutionBackwardInputBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"grad_output", &gy}, {"weight", &w}});
  }
  SavedVariable gy, w;
  Shape w_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? conv_op(g[0], w.unpack(), Tensor(), p) : Tensor(),
            should_compute_output(1) ? weight_grad_op(gy.unpack(), g[0], w_shape, p) : Tensor()};
  }
  void release_variables() override {
    gy.reset();
    w.reset();
  }
};

struct ConvolutionBackwardWeightBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"grad_output", &gy}, {"input", &x}});
  }
  SavedVariable gy, x;
  Shape x_shape;
  ConvParams p;
  tensor_list apply(tensor_list&& g) override {
    return {should_compute_output(0) ? conv_op(x.unpack(), g[0], Tensor(), p) : Tensor(),
            should_compute_output(1) ? input_grad_op(gy.unpack(), g[0], x_shape, p) : Tensor()};
  }
  void release_variables() override {
    gy.reset();
    x.reset();
  }
};

Tensor conv_op(const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, const ConvParams& p) {
  Tensor x = x_in.contiguous(), w = w_in.contiguous(), b = b_in.defined() ? b_in.contiguous() : b_in;
  Geometry g = make_geometry(x.shape(), w.shape(), p);
  Tensor y = empty_tensor({g.N, g.Cout, g.Ho, g.Wo}, x.dtype(), "conv2d");
  dispatch_float(x.dtype(), "conv2d", [&](auto tag) {
    using T = decltype(tag);
    conv_impl::conv_forward<T>(g, ptr<T>(x), ptr<T>(w), ptr<T>(b), y.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackward0>({&x, &w, &b}, y)) {
    if (n->should_compute_output(1)) n->x = save(x);
    if (n->should_compute_output(0)) n->w = save(w);
    n->x_shape = x.shape();
    n->w_shape = w.shape();
    n->p = p;
  }
  return y;
}

Tensor input_grad_op(const Tensor& gy_in, const Tensor& w_in, const Shape& in_shape, const ConvParams& p) {
  Tensor gy = gy_in.contiguous().to(w_in.dtype()), w = w_in.contiguous();
  Geometry g = make_geometry(in_shape, w.shape(), p);
  Tensor gx = zeros(in_shape, w.dtype());
  dispatch_float(w.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    conv_impl::conv_input_grad<T>(g, ptr<T>(gy), ptr<T>(w), gx.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackwardInputBackward0>({&gy, &w}, gx)) {
    if (n->should_compute_output(1)) n->gy = save(gy);
    if (n->should_compute_output(0)) n->w = save(w);
    n->w_shape = w.shape();
    n->p = p;
  }
  return gx;
}

Tensor weight_grad_op(const Tensor& gy_in, const Tensor& x_in, const Shape& w_shape, const ConvParams& p) {
  Tensor gy = gy_in.contiguous().to(x_in.dtype()), x = x_in.contiguous();
  Geometry g = make_geometry(x.shape(), w_shape, p);
  Tensor gw = zeros(w_shape, x.dtype());
  dispatch_float(x.dtype(), "conv2d backward", [&](auto tag) {
    using T = decltype(tag);
    conv_impl::conv_weight_grad<T>(g, ptr<T>(gy), ptr<T>(x), gw.impl()->template data_as<T>());
  });
  if (auto n = record<ConvolutionBackwardWeightBackward0>({&gy, &x}, gw)) {
    if (n->should_compute_output(1)) n->gy = save(gy);
    if (n->should_compute_output(0)) n->x = save(x);
    n->x_shape = x.shape();
    n->p = p;
  }
  return gw;
}

std::string sizes_str(const char* what, Size2 s) { return std::string(what) + "=" + nn::to_string(s); }

void check_conv_args(const Tensor& x, const Tensor& w, const Tensor& b, const ConvParams& p) {
  check_defined(x, "conv2d", "input");
  check_defined(w, "conv2d", "weight");
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("conv2d: " + why + " (input " + describe(x) + ", weight " + describe(w) +
                                (b.defined() ? ", bias " + describe(b) : std::string()) + ")");
  };
  if (!x.is_floating_point()) fail("input must be Float32 or Float64");
  if (w.dtype() != x.dtype() || (b.defined() && b.dtype() != x.dtype()))
    fail("input, weight and bias must have the same dtype");
  if (x.dim() != 4) fail("expected a 3-D (unbatched) or 4-D (batched) input");
  if (w.dim() != 4) fail("expected a 4-D weight [out_channels, in_channels / groups, kH, kW]");
  if (p.groups < 1) fail("groups must be positive, got " + std::to_string(p.groups));
  if (p.stride.h < 1 || p.stride.w < 1) fail("stride must be positive, got " + sizes_str("stride", p.stride));
  if (p.dilation.h < 1 || p.dilation.w < 1) fail("dilation must be positive, got " + sizes_str("dilation", p.dilation));
  if (p.padding.h < 0 || p.padding.w < 0) fail("padding must be non-negative, got " + sizes_str("padding", p.padding));
  if (w.size(0) % p.groups != 0) fail("out_channels must be divisible by groups=" + std::to_string(p.groups));
  if (x.size(1) != w.size(1) * p.groups) {
    fail("expected input with " + std::to_string(w.size(1) * p.groups) + " channels (weight in_channels " +
         std::to_string(w.size(1)) + " x groups " + std::to_string(p.groups) + "), got " + std::to_string(x.size(1)));
  }
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0)))
    fail("expected a bias of shape [" + std::to_string(w.size(0)) + "]");
  Geometry g = make_geometry(x.shape(), w.shape(), p);
  const std::int64_t eh = p.dilation.h * (w.size(2) - 1) + 1, ew = p.dilation.w * (w.size(3) - 1) + 1;
  if (g.Ho < 1 || g.Wo < 1 || x.size(2) + 2 * p.padding.h < eh || x.size(3) + 2 * p.padding.w < ew) {
    fail("the padded input (" + std::to_string(x.size(2) + 2 * p.padding.h) + " x " +
         std::to_string(x.size(3) + 2 * p.padding.w) + ") is smaller than the dilated kernel (" + std::to_string(eh) +
         " x " + std::to_string(ew) + ")");
  }
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dFuncConfig& o) {
  check_defined(input, "conv2d", "input");
  const bool unbatched = input.dim() == 3;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  ConvParams p{o.stride, o.padding, o.dilation, o.groups};
  check_conv_args(x, weight, bias, p);
  Tensor y = conv_op(x, weight, bias, p);
  return unbatched ? squeeze(y, 0) : y;
}

}  // namespace functional
}  // namespace xgrad::nn

// conv_transpose2d (nn/functional/conv_transpose.cpp) is this input-gradient op.
namespace xgrad::nn::functional::detail {
Tensor conv2d_input_grad(const Tensor& gy, const Tensor& weight, const Shape& input_shape, Size2 stride, Size2 padding,
                         Size2 dilation, std::int64_t groups) {
  return input_grad_op(gy, weight, input_shape, ConvParams{stride, padding, dilation, groups});
}
}  // namespace xgrad::nn::functional::detail
