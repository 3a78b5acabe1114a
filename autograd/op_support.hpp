// Everything needed to write a differentiable op outside autograd/ops (nn::functional, or your
// own op library): include this header and nothing internal. It re-exports, in xgrad::autograd,
// the graph recording (record, save, SavedVariable, the Node bases), the argument checks and
// descriptions that error messages quote, output allocation, and the dtype dispatch and
// element loops that the built-in ops use.
//
// A complete op with its backward (tests/test_op_support.cpp compiles and gradchecks exactly
// this): softsign(x) = x / (1 + |x|), whose derivative is 1 / (1 + |x|)^2.
//
//   #include <xgrad/autograd/op_support.hpp>
//   namespace A = xgrad::autograd;
//
//   // The backward node: saves x, receives dL/dy, returns dL/dx (one entry per input).
//   struct SoftsignBackward0 final : A::SavedOneNode {
//     xgrad::tensor_list apply(xgrad::tensor_list&& g) override {
//       const xgrad::Tensor d = 1.0 + xgrad::abs(saved.unpack());  // built from ops: twice differentiable
//       return {g[0] / (d * d)};
//     }
//   };
//
//   xgrad::Tensor softsign(const xgrad::Tensor& x) {
//     A::check_defined(x, "softsign");
//     xgrad::Tensor y = A::dispatch_float(x.dtype(), "softsign", [&](auto tag) {
//       return A::map_unary<decltype(tag)>(x, [](const auto& v) { using std::abs; return v / (1 + abs(v)); },
//                                          "softsign");
//     });
//     if (auto node = A::record<SoftsignBackward0>({&x}, y)) node->saved = A::save(x);
//     return y;
//   }
//
// The rules this relies on:
// - record<N>({inputs}, outputs...) returns nullptr (recording nothing) when grad mode is off or
//   no input requires grad, so the forward pays nothing for inference. Otherwise it wires N to
//   the inputs (edge i of the node = input i) and becomes the outputs' grad_fn.
// - apply() gets one gradient per forward output, of that output's shape and dtype, and returns
//   one per input, of the input's shape and dtype (undefined where none flows: skip the work
//   when !should_compute_output(i)). The engine does not call a built-in node whose incoming
//   gradients are all undefined, so a single-output node may read g[0] unchecked.
// - Class name = the grad_fn name the node reports (Node::name() demangles it, namespaces
//   dropped), "<Op>Backward0" as PyTorch.
// - save(t) remembers t's version: an in-place write to t before backward makes unpack() throw,
//   as does a second backward once retain_graph=false freed it. save(out, true) for an op's own
//   output avoids a reference cycle.
// - A backward built from differentiable ops (as above) gives create_graph / double backward
//   for free; a backward built from raw loops must record its own node to be differentiable.
//
// Costs: map_unary / map_binary run xsimd-vectorised xtensor loops on contiguous data (one
// pass, no temporaries), a strided scalar loop otherwise. empty_tensor allocates without
// initialising. dispatch / dispatch_float are a switch on the dtype, instantiating f per type.
#pragma once
#include "grad_mode.hpp"
#include "kernels/kernels.hpp"
#include "node.hpp"
#include "ops.hpp"

namespace xgrad::autograd {

// ---- argument checks and error-message text -----------------------------------------------
// check_defined(t, op, what = "input"): std::invalid_argument "op: what is an undefined tensor".
using kernels::check_defined;
// describe(t): "Float32 [2, 3]", the dtype and shape quoted by every error message.
using kernels::describe;
// wrap_dim(dim, ndim, op, shape): dim in [-ndim, ndim) made non-negative, else std::out_of_range.
using kernels::wrap_dim;
// broadcast_shapes(a, b, op): NumPy broadcasting, std::invalid_argument naming shapes and dtypes.
using kernels::broadcast_shapes;

// ---- outputs and conversions ---------------------------------------------------------------
// empty_tensor(shape, dtype, op): fresh contiguous uninitialised storage; std::length_error
// naming op when it cannot be allocated.
using kernels::empty_tensor;
// as_dtype(t, dtype): t itself when it already has dtype, else a converted copy (no history).
using kernels::as_dtype;
// copy_as(t, dtype): always a fresh contiguous copy in dtype, without autograd history.
using kernels::copy_as;

// ---- dtype dispatch and element loops ------------------------------------------------------
// dispatch(dtype, f): f(T{}) with T float, double or std::int64_t.
using kernels::dispatch;
// dispatch_float(dtype, op, f): as dispatch; Int64 throws std::invalid_argument naming op.
using kernels::dispatch_float;
// map_unary<T>(x, f, op) / map_binary<T>(a, b, shape, f, op): out = f(x) / f(a, b) elementwise
// (broadcast to shape). f is a generic lambda taking const references, valid on scalars and on
// xtensor expressions, that builds no expression on its own locals (they would dangle).
using kernels::map_binary;
using kernels::map_unary;
// ptr_or_null<T>(t): t's elements (t contiguous, of dtype T), or nullptr when t is undefined:
// how a raw kernel takes an optional weight.
template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.impl()->template data_as<T>() : nullptr;
}
// flat(p, n): a 1-D xtensor view of n contiguous elements at p, for hand-written kernels.
using kernels::flat;
// for_each_offset(shape, &strides0, &strides1, &strides2, base0, base1, base2, f): row-major
// visit of every element, f(i, off0, off1, off2) with each operand's own strides (null: none).
using kernels::for_each_offset;
// lane_sum<T>(n, f): sum of f(0) ... f(n - 1) in 16 vectorisable lanes (fast, and more accurate
// than a running sum); for row statistics such as a normalisation layer's mean.
using kernels::lane_sum;

// ---- recording the backward ----------------------------------------------------------------
// record<N>, save, SavedVariable, Node and SavedOneNode are declared in node.hpp (this
// namespace); save is the kernels' shorthand for SavedVariable(t, is_output).
using kernels::save;

}  // namespace xgrad::autograd
