// check_vjp: an external function and its vjp wrapped as a custom Function, then gradcheck.
#include "check_vjp.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../autograd/function.hpp"

namespace xgrad::testing::detail {

std::size_t numel(const ArrayShape& shape) {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

std::vector<double> to_vector(const Array& a) { return std::vector<double>(a.begin(), a.end()); }

Array to_array(const std::vector<double>& v, const ArrayShape& shape) {
  if (v.size() != numel(shape)) {
    throw std::invalid_argument("check_vjp: " + std::to_string(v.size()) + " values for an array of " +
                                std::to_string(numel(shape)) + " elements");
  }
  Array a = Array::from_shape(shape);
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

namespace {

Array array_of(const Tensor& t) {
  ArrayShape shape(t.shape().begin(), t.shape().end());
  return to_array(t.to_vector<double>(), shape);
}

Tensor tensor_of(const Array& a) {
  Shape shape;
  for (std::size_t d : a.shape()) shape.push_back(static_cast<std::int64_t>(d));
  return tensor(to_vector(a), shape, TensorOptions(kFloat64));
}

ArrayList arrays_of(const tensor_list& ts) {
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

}  // namespace

GradcheckResult check_vjp_impl(const ArrayFunction& f, const ArrayVjp& vjp, const ArrayList& x,
                               const GradcheckOptions& options) {
  if (x.empty()) throw std::invalid_argument("check_vjp: no inputs");
  External e{&f, &vjp};
  const auto address = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(&e));
  tensor_list inputs;
  for (const Array& a : x) inputs.push_back(tensor_of(a).requires_grad_(true));
  auto fn = [address](const tensor_list& in) { return ExternalVjp::apply(in, address); };
  return autograd::gradcheck_report(fn, inputs, options.raise_exception(false));
}

ArrayVjp vjp_of_jacobian(ArrayJacobian jac) {
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

}  // namespace xgrad::testing::detail
