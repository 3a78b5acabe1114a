// check_vjp / check_jacobian: gradcheck for code written outside xgrad (raw loops, Eigen, a
// PyTorch extension's CPU kernels, a physics code): a function on arrays of doubles and its
// hand-written backward, checked against central differences in float64.
//
//   using xgrad::testing::Array;  // xt::xarray<double>
//   auto f = [](const Array& x) { return Array(x * x); };
//   auto vjp = [](const Array& x, const Array& g) { return Array(2.0 * x * g); };
//   GradcheckResult r = xgrad::testing::check_vjp(f, vjp, Array{1.0, 2.0, 3.0});
//   if (!r.passed) std::cerr << r.message;
//
// The function is wrapped in a custom Function whose forward calls f and whose backward calls
// vjp, and autograd::gradcheck runs on it: the same defaults (PyTorch's eps 1e-6, atol 1e-5, rtol
// 1e-3), the same stages (Jacobians, reentrancy, zero grad_output, undefined grad_output -- given
// to vjp as zeros), the same GradcheckResult, report and diagnosis (sign, factor, transposed,
// wrong input, grad_output ignored, not connected). Results are returned, never thrown
// (raise_exception is ignored); an exception from f or vjp propagates.
//
// Forms (x decides which): ArrayList (several inputs and outputs: f(xs) -> ys,
// vjp(xs, grad_ys) -> one gradient per x), Array (one of each), std::vector<double> (1-D), and
// a pointer + shapes (f(x, y) writes y; vjp(x, grad_y, grad_x) writes grad_x).
// check_jacobian takes jac(xs) -> the Jacobians instead of vjp: for ArrayList entry
// o * xs.size() + i is d ys[o] / d xs[i] with shape ys[o].shape + xs[i].shape (as
// torch.autograd.functional.jacobian); for Array the same single block; for std::vector<double>
// a row-major [outputs, inputs] matrix. A Jacobian of the wrong size throws std::invalid_argument.
//
// Cost, as gradcheck's (autograd/gradcheck.hpp) with N = total input elements and M = total
// output elements, K outputs: 1 + 2N calls of f and 2M + 2 calls of vjp (+ K more when K > 1),
// each on copies of the arrays; check_jacobian calls jac instead of vjp, as often.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>
#include <xtensor/xarray.hpp>
#include <xtensor/xbuilder.hpp>

#include "../autograd/function.hpp"
#include "../autograd/gradcheck.hpp"

namespace xgrad::testing {

using autograd::GradcheckOptions;
using autograd::GradcheckResult;
using Array = xt::xarray<double>;
using ArrayList = std::vector<Array>;
using ArrayFunction = std::function<ArrayList(const ArrayList&)>;
using ArrayVjp = std::function<ArrayList(const ArrayList& x, const ArrayList& grad_out)>;
using ArrayJacobian = std::function<ArrayList(const ArrayList& x)>;
using ArrayShape = std::vector<std::size_t>;

// Header-only: xt::xarray<double> is the caller's type (its alignment follows the caller's
// -march), so nothing with an Array in its signature is compiled into libxgrad.
namespace detail {

inline std::size_t numel(const ArrayShape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

inline std::vector<double> to_vector(const Array& a) { return std::vector<double>(a.begin(), a.end()); }

inline Array to_array(const std::vector<double>& v, const ArrayShape& shape) {
  if (v.size() != numel(shape)) {
    throw std::invalid_argument("check_vjp: " + std::to_string(v.size()) + " values for an array of " +
                                std::to_string(numel(shape)) + " elements");
  }
  Array a = Array::from_shape(shape);
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

inline Array array_of(const Tensor& t) {
  ArrayShape shape(t.shape().begin(), t.shape().end());
  return to_array(t.to_vector<double>(), shape);
}

inline Tensor tensor_of(const Array& a) {
  Shape shape;
  for (std::size_t d : a.shape()) shape.push_back(static_cast<std::int64_t>(d));
  return tensor(to_vector(a), shape, TensorOptions(kFloat64));
}

inline ArrayList arrays_of(const tensor_list& ts) {
  ArrayList out;
  for (const Tensor& t : ts) out.push_back(array_of(t));
  return out;
}

struct External {
  const ArrayFunction* f;
  const ArrayVjp* vjp;
};

// forward calls f, backward calls vjp; the pair travels as an address in saved_data.
struct ExternalVjp : autograd::Function<ExternalVjp> {
  static tensor_list forward(autograd::AutogradContext* ctx, const tensor_list& x, std::int64_t external) {
    ctx->saved_data["external"] = external;
    ctx->save_for_backward(x);
    const auto* e = reinterpret_cast<const External*>(external);
    tensor_list out;
    for (const Array& y : (*e->f)(arrays_of(x))) out.push_back(tensor_of(y));
    return out;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list grads) {
    const auto* e = reinterpret_cast<const External*>(ctx->saved_data["external"].toInt());
    const tensor_list x = ctx->get_saved_variables();
    const ArrayList gx = (*e->vjp)(arrays_of(x), arrays_of(grads));
    if (gx.size() != x.size()) {
      throw std::runtime_error("check_vjp: vjp returned " + std::to_string(gx.size()) + " gradients for " +
                               std::to_string(x.size()) + " inputs");
    }
    tensor_list out;
    for (const Array& g : gx) out.push_back(tensor_of(g));
    out.emplace_back();  // the address argument
    return out;
  }
};

inline GradcheckResult check_vjp_impl(const ArrayFunction& f, const ArrayVjp& vjp, const ArrayList& x,
                                      const GradcheckOptions& options) {
  if (x.empty()) throw std::invalid_argument("check_vjp: no inputs");
  External e{&f, &vjp};
  const auto address = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(&e));
  tensor_list inputs;
  for (const Array& a : x) inputs.push_back(tensor_of(a).requires_grad_(true));
  auto fn = [address](const tensor_list& in) { return ExternalVjp::apply(in, address); };
  return autograd::gradcheck_report(fn, inputs, options.raise_exception(false));
}

inline ArrayVjp vjp_of_jacobian(ArrayJacobian jac) {
  return [jac = std::move(jac)](const ArrayList& x, const ArrayList& g) {
    const ArrayList blocks = jac(x);
    if (blocks.size() != x.size() * g.size()) {
      throw std::invalid_argument("check_jacobian: jac returned " + std::to_string(blocks.size()) +
                                  " blocks; expected outputs x inputs = " + std::to_string(g.size()) + " x " +
                                  std::to_string(x.size()));
    }
    ArrayList gx;
    for (const Array& xi : x) gx.push_back(Array(xt::zeros<double>(xi.shape())));
    for (std::size_t o = 0; o < g.size(); ++o) {
      for (std::size_t i = 0; i < x.size(); ++i) {
        const Array& b = blocks[o * x.size() + i];
        const std::size_t m = g[o].size(), n = x[i].size();
        if (b.size() != m * n) {
          throw std::invalid_argument("check_jacobian: block (output " + std::to_string(o) + ", input " +
                                      std::to_string(i) + ") has " + std::to_string(b.size()) + " elements; expected " +
                                      std::to_string(m) + " x " + std::to_string(n));
        }
        auto gi = gx[i].begin();
        for (std::size_t c = 0; c < n; ++c) {
          double s = 0;
          auto go = g[o].begin();
          for (std::size_t r = 0; r < m; ++r, ++go) s += b.data()[r * n + c] * *go;
          gi[static_cast<std::ptrdiff_t>(c)] += s;
        }
      }
    }
    return gx;
  };
}

}  // namespace detail

template <class F, class V>
GradcheckResult check_vjp(F&& f, V&& vjp, const ArrayList& x, const GradcheckOptions& options = {}) {
  return detail::check_vjp_impl(ArrayFunction(std::forward<F>(f)), ArrayVjp(std::forward<V>(vjp)), x, options);
}

template <class F, class V>
GradcheckResult check_vjp(F&& f, V&& vjp, const Array& x, const GradcheckOptions& options = {}) {
  ArrayFunction fl = [&f](const ArrayList& xs) { return ArrayList{Array(f(xs[0]))}; };
  ArrayVjp vl = [&vjp](const ArrayList& xs, const ArrayList& g) { return ArrayList{Array(vjp(xs[0], g[0]))}; };
  return detail::check_vjp_impl(fl, vl, {x}, options);
}

template <class F, class V>
GradcheckResult check_vjp(F&& f, V&& vjp, const std::vector<double>& x, const GradcheckOptions& options = {}) {
  ArrayFunction fl = [&f](const ArrayList& xs) {
    std::vector<double> y = f(detail::to_vector(xs[0]));
    return ArrayList{detail::to_array(y, {y.size()})};
  };
  ArrayVjp vl = [&vjp](const ArrayList& xs, const ArrayList& g) {
    const std::vector<double> gx = vjp(detail::to_vector(xs[0]), detail::to_vector(g[0]));
    return ArrayList{detail::to_array(gx, {gx.size()})};
  };
  return detail::check_vjp_impl(fl, vl, {detail::to_array(x, {x.size()})}, options);
}

// Raw memory: f(const double* x, double* y) fills y (y_shape, row-major); vjp(const double* x,
// const double* grad_y, double* grad_x) fills grad_x (x_shape), which starts zeroed.
template <class F, class V>
GradcheckResult check_vjp(F&& f, V&& vjp, const double* x, const ArrayShape& x_shape, const ArrayShape& y_shape,
                          const GradcheckOptions& options = {}) {
  ArrayFunction fl = [&f, y_shape](const ArrayList& xs) {
    std::vector<double> in = detail::to_vector(xs[0]), y(detail::numel(y_shape));
    f(static_cast<const double*>(in.data()), y.data());
    return ArrayList{detail::to_array(y, y_shape)};
  };
  ArrayVjp vl = [&vjp, x_shape](const ArrayList& xs, const ArrayList& g) {
    std::vector<double> in = detail::to_vector(xs[0]), gy = detail::to_vector(g[0]), gx(detail::numel(x_shape));
    vjp(static_cast<const double*>(in.data()), static_cast<const double*>(gy.data()), gx.data());
    return ArrayList{detail::to_array(gx, x_shape)};
  };
  std::vector<double> x0(x, x + detail::numel(x_shape));
  return detail::check_vjp_impl(fl, vl, {detail::to_array(x0, x_shape)}, options);
}

template <class F, class J>
GradcheckResult check_jacobian(F&& f, J&& jac, const ArrayList& x, const GradcheckOptions& options = {}) {
  return detail::check_vjp_impl(ArrayFunction(std::forward<F>(f)),
                                detail::vjp_of_jacobian(ArrayJacobian(std::forward<J>(jac))), x, options);
}

template <class F, class J>
GradcheckResult check_jacobian(F&& f, J&& jac, const Array& x, const GradcheckOptions& options = {}) {
  ArrayFunction fl = [&f](const ArrayList& xs) { return ArrayList{Array(f(xs[0]))}; };
  ArrayJacobian jl = [&jac](const ArrayList& xs) { return ArrayList{Array(jac(xs[0]))}; };
  return detail::check_vjp_impl(fl, detail::vjp_of_jacobian(jl), {x}, options);
}

template <class F, class J>
GradcheckResult check_jacobian(F&& f, J&& jac, const std::vector<double>& x, const GradcheckOptions& options = {}) {
  ArrayFunction fl = [&f](const ArrayList& xs) {
    std::vector<double> y = f(detail::to_vector(xs[0]));
    return ArrayList{detail::to_array(y, {y.size()})};
  };
  ArrayJacobian jl = [&jac, &f](const ArrayList& xs) {
    const std::vector<double> in = detail::to_vector(xs[0]);
    const std::vector<double> m = jac(in);
    const std::size_t rows = f(in).size();
    if (rows == 0 || m.size() != rows * in.size()) return ArrayList{detail::to_array(m, {m.size()})};
    return ArrayList{detail::to_array(m, {rows, in.size()})};
  };
  return detail::check_vjp_impl(fl, detail::vjp_of_jacobian(jl), {detail::to_array(x, {x.size()})}, options);
}

}  // namespace xgrad::testing
