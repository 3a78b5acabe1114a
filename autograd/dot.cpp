// to_dot: the backward graph walked once from the root, written as Graphviz DOT.
#include "dot.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "atomic_write.hpp"
#include "engine.hpp"
#include "gradcheck.hpp"
#include "node.hpp"
#include "tensor_impl.hpp"

namespace xgrad::autograd {

std::string dot_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n' || c == '\r') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
      out += c;
    }
  }
  return out;
}

namespace {

std::string describe(Dtype dtype, const Shape& shape) {
  return std::string(dtype_name(dtype)) + " " + shape_str(shape);
}

// The box of one node: its name, then (AccumulateGrad) the leaf or (others) the saved tensors.
std::string node_label(const Node& n, const DotOptions& o) {
  std::string label = dot_escape(n.name());
  if (const auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) {
    if (acc->variable()) label += "\\n" + dot_escape(describe(acc->variable()->dtype, acc->variable()->shape));
    return label;
  }
  if (!o.show_saved) return label;
  for (const SavedTensorInfo& s : n.saved_tensors()) {
    label += "\\n" + dot_escape(s.name) + ": " + (s.released ? "(freed)" : dot_escape(describe(s.dtype, s.shape)));
  }
  return label;
}

bool suspected(const Node& n, const DotOptions& o) {
  return std::find(o.suspect_nodes.begin(), o.suspect_nodes.end(), &n) != o.suspect_nodes.end();
}

bool highlighted(const Node& n, const DotOptions& o) {
  return std::find(o.highlight_nodes.begin(), o.highlight_nodes.end(), &n) != o.highlight_nodes.end() ||
         std::find(o.highlight.begin(), o.highlight.end(), n.name()) != o.highlight.end();
}

std::string node_style(const Node& n, const DotOptions& o) {
  if (highlighted(n, o)) return ", fillcolor=\"#f4a582\", color=\"#b2182b\", penwidth=3";
  if (suspected(n, o)) return ", fillcolor=\"#fddbc7\", color=\"#d6604d\", penwidth=2, style=\"filled,dashed\"";
  if (dynamic_cast<const AccumulateGrad*>(&n)) return ", fillcolor=lightblue";
  return ", fillcolor=lightgrey";
}

}  // namespace

namespace {

// The graph behind `roots` (one output box each; `title` as the graph's label when not empty).
std::string graph_dot(const tensor_list& roots, const DotOptions& options, const std::string& title) {
  std::string out = "digraph backward {\n  graph [rankdir=TB";
  if (!title.empty()) out += ", labelloc=t, fontname=\"monospace\", label=\"" + dot_escape(title) + "\"";
  out += "];\n  node [shape=box, style=filled, fontname=\"monospace\", fontsize=11];\n";
  std::unordered_map<const Node*, std::size_t> id;
  std::vector<const Node*> stack;
  std::vector<std::shared_ptr<Node>> leaf_accs;  // kept alive while drawn
  for (std::size_t r = 0; r < roots.size(); ++r) {
    const Tensor& root = roots[r];
    const std::string box = roots.size() == 1 ? "output" : "output" + std::to_string(r);
    out += "  " + box + " [label=\"" + (roots.size() == 1 ? "output" : "output " + std::to_string(r)) + "\\n" +
           dot_escape(describe(root.dtype(), root.shape())) + "\", fillcolor=darkolivegreen1];\n";
    Node* start = root.grad_fn().get();
    if (!start && root.requires_grad()) {
      leaf_accs.push_back(gradient_edge(root).function);  // a leaf: its AccumulateGrad node
      start = leaf_accs.back().get();
    }
    if (!start) continue;
    auto [it, fresh] = id.try_emplace(start, id.size());
    if (fresh) stack.push_back(start);
    out += "  " + box + " -> n" + std::to_string(it->second) + ";\n";
  }
  bool cut = false;
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const std::string me = "n" + std::to_string(id.at(n));
    out += "  " + me + " [label=\"" + node_label(*n, options) + "\"" + node_style(*n, options) + "];\n";
    for (const Edge& e : n->next_edges()) {
      if (!e.function) continue;
      auto [it, fresh] = id.try_emplace(e.function.get(), id.size());
      if (fresh && id.size() > options.max_nodes) {
        id.erase(it);
        cut = true;
        continue;
      }
      if (fresh) stack.push_back(e.function.get());
      out += "  " + me + " -> n" + std::to_string(it->second);
      if (e.function->num_inputs() > 1) out += " [label=\"" + std::to_string(e.input_nr) + "\"]";
      out += ";\n";
    }
  }
  if (cut) {
    out += "  truncated [shape=note, fillcolor=white, label=\"graph cut at " + std::to_string(options.max_nodes) +
           " nodes (DotOptions::max_nodes)\"];\n";
  }
  return out + "}\n";
}

}  // namespace

std::string to_dot(const Tensor& root, const DotOptions& options) {
  if (!root.defined()) throw std::invalid_argument("to_dot: the tensor is undefined (default-constructed)");
  return graph_dot({root}, options, "");
}

std::string to_dot(const GradcheckResult& result, const DotOptions& options) {
  if (result.graph.empty()) {
    throw std::invalid_argument(
        "to_dot: the gradcheck result holds no graph (default-constructed, or its function had no differentiable "
        "output)");
  }
  DotOptions o = options;
  if (result.failing_node) o.highlight_nodes.push_back(result.failing_node.get());
  for (const auto& s : result.suspects) o.suspect_nodes.push_back(s.get());
  std::string title =
      result.passed ? "gradcheck passed" : std::string("gradcheck failed: ") + gradcheck_failure_name(result.failure);
  if (result.failing_node) {
    title += "\nfailing node: " + result.failing_node_name + ", " + result.failing_node_why;
  } else if (!result.passed && !result.failing_node_why.empty()) {
    title += "\nfailing node not determined: " + result.failing_node_why;
  }
  return graph_dot(result.graph, o, title);
}

void write_dot(const GradcheckResult& result, const std::string& path, const DotOptions& options) {
  const std::string doc = to_dot(result, options);
  write_file_atomically(path, {doc});
}

void write_dot(const Tensor& root, const std::string& path, const DotOptions& options) {
  const std::string doc = to_dot(root, options);
  write_file_atomically(path, {doc});
}

}  // namespace xgrad::autograd
