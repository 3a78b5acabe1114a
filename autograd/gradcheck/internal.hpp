// Pieces shared by the gradcheck stages (internal: not part of the public header). Jacobians are
// row-major Matrix values [input elements, output elements], as PyTorch lays them out.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "../format.hpp"
#include "../gradcheck.hpp"
#include "../node.hpp"

namespace xgrad::autograd::detail {

using Matrix = std::vector<double>;  // row-major [rows, cols]

// ---- raw element access (common.cpp) ----
// Storage offsets of t's elements in row-major order.
std::vector<std::int64_t> element_offsets(const Tensor& t);
// All of t's values, as double, into dst (t.numel() entries).
void read_values(const Tensor& t, double* dst);
Matrix values_of(const Tensor& t);
// A fresh tensor holding `values`; with `strided` its elements sit two apart (non-contiguous).
Tensor make_tensor(const Matrix& values, const Shape& shape, Dtype dtype, bool strided = false);
Tensor jacobian_tensor(const Matrix& m, std::int64_t rows, std::int64_t cols);

// ---- formatting (common.cpp) ----
using xgrad::num_str;  // numbers in reports (autograd/format.hpp)
Shape unravel(std::int64_t flat, const Shape& shape);
std::string describe_tensor(const Tensor& t);  // "Float64 [2, 3]"
// "2", "0.25 (= 1/4)", "-1.5": a factor as a person would name it.
std::string factor_str(double k);
// The nodes on the paths from out's grad_fn to `in` (in's own node excluded), newest first;
// empty when out has no grad_fn or no path reaches in.
std::vector<Node*> nodes_on_paths(const Tensor& out, const Tensor& in);
// The node a gradient for `in` arrives at: its grad_fn, or its leaf's AccumulateGrad (or null).
Node* target_node(const Tensor& in);
// The nodes on paths from `out` to `in` in the graph, newest first: "FooBackward -> MulBackward0".
std::string nodes_between(const Tensor& out, const Tensor& in);
// Where `node` sits in the graph between out (output out_index) and the inputs `ins` (indices
// in_indices): "FooBackward (node 2 of 3 on the paths from output 0 to input 1, newest first:
// SumBackward0 -> [FooBackward] -> MulBackward0)".
std::string locate_node(const Node& node, const Tensor& out, std::size_t out_index, const tensor_list& ins,
                        const std::vector<std::size_t>& in_indices);

// ---- comparison (diagnosis.cpp) ----
struct Tolerance {
  double atol, rtol;
  bool ok(double a, double n) const;
};
double max_abs(const Matrix& m);

// What diagnosing one pair needs: the Jacobians of the same output w.r.t. every differentiable
// input (a gradient for the wrong input shows up in another input's Jacobian).
struct PairContext {
  std::size_t output;
  Shape out_shape;
  std::vector<std::size_t> inputs;  // indices into gradcheck's inputs
  std::vector<Shape> in_shapes;
  std::vector<const Matrix*> numerical;
  std::vector<const Matrix*> analytical;
};

// Fills p's comparison fields (counts, worst element, Jacobians) from the two Jacobians.
void compare(GradcheckPair& p, const Matrix& n, const Matrix& a, const Shape& in_shape, const Shape& out_shape,
             Tolerance tol);
// Names the common bug a failing pair k of ctx looks like (see GradcheckDiagnosis).
void diagnose(GradcheckPair& p, const PairContext& ctx, std::size_t k, Tolerance tol);

// ---- report (report.cpp) ----
// The report of a failing pair: location, values, counts, diagnosis, graph, both Jacobians.
std::string mismatch_report(const GradcheckPair& p, const Tensor& input, const Tensor& output, Tolerance tol,
                            const std::string& graph, bool slow_mode_passes = false);

}  // namespace xgrad::autograd::detail
