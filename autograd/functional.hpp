// Whole Jacobians, Hessians and their products, with torch.autograd.functional's semantics:
// vjp, jvp, jacobian, hessian, vhp, hvp (same names, same argument order, same result shapes).
//
//   using namespace xgrad::autograd::functional;
//   Tensor H = hessian([](const Tensor& x) { return (x * x * x).sum(); }, x);  // [n, n]
//   auto [fx, Hv] = hvp([](const Tensor& x) { return (x * x * x).sum(); }, x, v);
//
// `f` takes a Tensor or a const tensor_list& and returns a Tensor or a tensor_list; `inputs`
// (and `v`) are a Tensor or a tensor_list to match. The C++ types give PyTorch's nesting: where
// PyTorch returns a tuple, the result is a tensor_list; a tuple of tuples is a
// std::vector<tensor_list> indexed [output][input]. Shapes, with O_i the shape of output i and
// I_j the shape of input j:
//   vjp      -> (outputs, per input: I_j)         v: per output, O_i
//   jvp      -> (outputs, per output: O_i)        v: per input, I_j
//   jacobian -> [i][j]: O_i + I_j (concatenated)
//   hessian  -> [i][j]: I_i + I_j                 f must return one element
//   vhp, hvp -> (f(inputs), per input: I_j)       v: per input, I_j; f must return one element
// `v` may be omitted (an undefined Tensor / empty list) only when it would have one element.
//
// create_graph: results stay in the graph and can be differentiated again (otherwise they are
// detached). strict: an output that does not depend on an input throws std::runtime_error
// naming both (PyTorch's messages), instead of contributing zeros. Bad arguments (undefined or
// non-floating-point inputs, v of the wrong count or shape, a non-scalar f for hessian / vhp /
// hvp) throw std::invalid_argument naming the function, the argument and the shapes.
//
// Costs (F = one call of f, B = one backward through f's graph, N = total numel of the
// inputs, M = total numel of the outputs):
//   vjp: F + B.
//   jvp: F + 2B. There is no forward mode here: as PyTorch's jvp, it uses the double-vjp trick,
//        g(u) = J^T u is linear in u, so J v = d(g(u) . v)/du; one backward with create_graph
//        records g, a second backward through g's graph (about the size of B) gives J v.
//   jacobian, Strategy::ReverseRows (default): F + M B, one row per output element.
//   jacobian, Strategy::ForwardColumns: F + B + N B', one column per input element, each a
//        backward B' through the recorded backward graph (the double-vjp trick again): cheaper
//        when N << M (few inputs, many outputs).
//   vhp: F + B (recorded) + one backward through that graph, about 2-3 B in all.
//   hvp: as vhp. The Hessian of a twice continuously differentiable (or piecewise such) f is
//        symmetric, so H v = (v^T H)^T is computed as vhp does; PyTorch's hvp instead uses the
//        double-vjp trick (one backward more), which xgrad keeps for strict=true only, so that
//        strict mode raises exactly PyTorch's errors. The results agree to rounding.
//   hessian: F + B (recorded once) + N backwards through the gradient's graph, i.e. no more
//        than N vhps, which would each redo F + B.
#pragma once
#include <concepts>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "tensor.hpp"

namespace xgrad {
namespace autograd {
namespace functional {

// How jacobian builds the matrix: by rows (one backward per output element) or by columns
// (one double-vjp product per input element).
enum class Strategy { ReverseRows, ForwardColumns };

namespace detail {
using ListFn = std::function<tensor_list(const tensor_list&)>;

template <class T>
concept TensorOrList = std::same_as<T, Tensor> || std::same_as<T, tensor_list>;

template <class F, class In>
using result_of_t = std::decay_t<std::invoke_result_t<F&, const In&>>;

// Everything is computed on lists; these wrap f and unwrap the results as PyTorch's
// _as_tuple / _tuple_postprocess do.
inline tensor_list as_list(const Tensor& t) { return {t}; }
inline tensor_list as_list(const tensor_list& t) { return t; }
// v not given: an undefined Tensor or an empty list.
inline tensor_list v_list(const Tensor& v) { return v.defined() ? tensor_list{v} : tensor_list{}; }
inline tensor_list v_list(const tensor_list& v) { return v; }
template <class T>
T from_list(tensor_list l) {
  if constexpr (std::same_as<T, Tensor>) {
    return l.at(0);
  } else {
    return l;
  }
}
template <class In, class F>
ListFn wrap(F& f) {
  return [&f](const tensor_list& in) {
    if constexpr (std::same_as<In, Tensor>) {
      return as_list(f(in.at(0)));
    } else {
      return as_list(f(in));
    }
  };
}
// [output][input] to the nesting given by which of the two are lists.
template <class Out, class In>
auto unnest(std::vector<tensor_list> r) {
  if constexpr (std::same_as<Out, Tensor> && std::same_as<In, Tensor>) {
    return r.at(0).at(0);
  } else if constexpr (std::same_as<Out, Tensor>) {
    return r.at(0);
  } else if constexpr (std::same_as<In, Tensor>) {
    tensor_list l;
    for (auto& row : r) l.push_back(row.at(0));
    return l;
  } else {
    return r;
  }
}

struct Flags {
  bool inputs_list = false;
  bool outputs_list = false;
  bool create_graph = false;
  bool strict = false;
};
// v empty: not given. Return {outputs, product}.
std::pair<tensor_list, tensor_list> vjp(const ListFn& f, const tensor_list& inputs, const tensor_list& v, Flags flags);
std::pair<tensor_list, tensor_list> jvp(const ListFn& f, const tensor_list& inputs, const tensor_list& v, Flags flags);
std::vector<tensor_list> jacobian(const ListFn& f, const tensor_list& inputs, Flags flags, Strategy strategy);
std::vector<tensor_list> hessian(const ListFn& f, const tensor_list& inputs, Flags flags, Strategy strategy);
std::pair<tensor_list, tensor_list> vhp(const ListFn& f, const tensor_list& inputs, const tensor_list& v, Flags flags,
                                        bool hvp);
}  // namespace detail

// v^T J: the gradient of sum_i <v_i, output_i> with respect to each input.
template <detail::TensorOrList In, class F, class Out = detail::result_of_t<F, In>>
requires detail::TensorOrList<Out> std::pair<Out, In> vjp(F&& f, const In& inputs, const Out& v = Out(),
                                                          bool create_graph = false, bool strict = false) {
  detail::Flags fl{std::same_as<In, tensor_list>, std::same_as<Out, tensor_list>, create_graph, strict};
  auto [out, res] = detail::vjp(detail::wrap<In>(f), detail::as_list(inputs), detail::v_list(v), fl);
  return {detail::from_list<Out>(std::move(out)), detail::from_list<In>(std::move(res))};
}

// J v, by the double-vjp trick (see the costs above).
template <detail::TensorOrList In, class F, class Out = detail::result_of_t<F, In>>
requires detail::TensorOrList<Out> std::pair<Out, Out> jvp(F&& f, const In& inputs, const In& v = In(),
                                                           bool create_graph = false, bool strict = false) {
  detail::Flags fl{std::same_as<In, tensor_list>, std::same_as<Out, tensor_list>, create_graph, strict};
  auto [out, res] = detail::jvp(detail::wrap<In>(f), detail::as_list(inputs), detail::v_list(v), fl);
  return {detail::from_list<Out>(std::move(out)), detail::from_list<Out>(std::move(res))};
}

// d output_i / d input_j, of shape O_i + I_j. Nesting: Tensor when f maps a Tensor to a
// Tensor; a list over outputs or over inputs when one of them is a list; [output][input] when
// both are.
template <detail::TensorOrList In, class F, class Out = detail::result_of_t<F, In>>
requires detail::TensorOrList<Out>
auto jacobian(F&& f, const In& inputs, bool create_graph = false, bool strict = false,
              Strategy strategy = Strategy::ReverseRows) {
  detail::Flags fl{std::same_as<In, tensor_list>, std::same_as<Out, tensor_list>, create_graph, strict};
  return detail::unnest<Out, In>(detail::jacobian(detail::wrap<In>(f), detail::as_list(inputs), fl, strategy));
}

// d^2 f / d input_i d input_j, of shape I_i + I_j; f returns a one-element Tensor. Tensor for a
// Tensor input, [i][j] for a list. `strategy` is the outer Jacobian's (PyTorch's
// outer_jacobian_strategy); the inner one is a single backward either way.
template <detail::TensorOrList In, class F>
requires std::same_as<detail::result_of_t<F, In>, Tensor>
auto hessian(F&& f, const In& inputs, bool create_graph = false, bool strict = false,
             Strategy strategy = Strategy::ReverseRows) {
  detail::Flags fl{std::same_as<In, tensor_list>, false, create_graph, strict};
  return detail::unnest<In, In>(detail::hessian(detail::wrap<In>(f), detail::as_list(inputs), fl, strategy));
}

// (f(inputs), v^T H); f returns a one-element Tensor.
template <detail::TensorOrList In, class F>
requires std::same_as<detail::result_of_t<F, In>, Tensor> std::pair<Tensor, In> vhp(F&& f, const In& inputs,
                                                                                    const In& v = In(),
                                                                                    bool create_graph = false,
                                                                                    bool strict = false) {
  detail::Flags fl{std::same_as<In, tensor_list>, false, create_graph, strict};
  auto [out, res] = detail::vhp(detail::wrap<In>(f), detail::as_list(inputs), detail::v_list(v), fl, false);
  return {out.at(0), detail::from_list<In>(std::move(res))};
}

// (f(inputs), H v); f returns a one-element Tensor. Equal to vhp for a symmetric Hessian, and
// cheaper there (see the costs above).
template <detail::TensorOrList In, class F>
requires std::same_as<detail::result_of_t<F, In>, Tensor> std::pair<Tensor, In> hvp(F&& f, const In& inputs,
                                                                                    const In& v = In(),
                                                                                    bool create_graph = false,
                                                                                    bool strict = false) {
  detail::Flags fl{std::same_as<In, tensor_list>, false, create_graph, strict};
  auto [out, res] = detail::vhp(detail::wrap<In>(f), detail::as_list(inputs), detail::v_list(v), fl, true);
  return {out.at(0), detail::from_list<In>(std::move(res))};
}

}  // namespace functional
}  // namespace autograd
}  // namespace xgrad
