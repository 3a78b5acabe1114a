// The backward graph as Graphviz DOT, as torchviz's make_dot draws it: one box per backward
// node (PyTorch's names: MulBackward0, ...), with the tensors it saved and their shapes; the
// leaves' AccumulateGrad nodes with the leaf's dtype and shape; the output tensor on top; edges
// in the direction the gradient flows. Render with `dot -Tsvg graph.dot -o graph.svg`.
//
//   Tensor loss = (w * x).sum();
//   xgrad::autograd::DotOptions o;
//   o.highlight = {"MulBackward0"};
//   xgrad::autograd::write_dot(loss, "graph.dot", o);
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace xgrad::autograd {

class Node;
struct GradcheckResult;

struct DotOptions {
  // Nodes drawn highlighted (red, bold), by name ("FooBackward", e.g. the node a failing
  // gradcheck names) or by address.
  std::vector<std::string> highlight;
  std::vector<const Node*> highlight_nodes;
  // Nodes drawn as suspects (orange, dashed): one of them may be at fault.
  std::vector<const Node*> suspect_nodes;
  // List each node's saved tensors (Node::saved_tensors) in its box.
  bool show_saved = true;
  // A larger graph is cut off (with a note node) so that the file stays readable.
  std::size_t max_nodes = 2000;
};

// The DOT text for the graph behind `root` (a tensor with or without grad_fn). Every label is
// escaped, so names from users' Functions cannot break the syntax. Each node is visited once
// (iteratively: deep graphs do not recurse). Cost: O(nodes + edges). Throws
// std::invalid_argument for an undefined tensor.
std::string to_dot(const Tensor& root, const DotOptions& options = {});

// to_dot written atomically to `path` (write_file_atomically). Throws WriteError.
void write_dot(const Tensor& root, const std::string& path, const DotOptions& options = {});

// The graph of a gradcheck's function (result.graph: one "output i" box per differentiable
// output), with the node the check blamed (result.failing_node) highlighted and, when it
// could not name one, its suspects marked -- no DotOptions needed. The verdict, the failing
// node and why it was blamed are the graph's title. Throws std::invalid_argument when the
// result holds no graph (a default-constructed result).
//   auto r = gradcheck_report(fn, inputs);
//   if (!r.passed) write_dot(r, "failure.dot");   // dot -Tsvg failure.dot -o failure.svg
std::string to_dot(const GradcheckResult& result, const DotOptions& options = {});
void write_dot(const GradcheckResult& result, const std::string& path, const DotOptions& options = {});

// `s` as the inside of a DOT double-quoted string: backslashes and quotes escaped, newlines
// and carriage returns as \n (DOT's centred line break), other control characters dropped.
std::string dot_escape(const std::string& s);

}  // namespace xgrad::autograd
