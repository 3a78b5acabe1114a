// Which backward node a failing check blames (GradcheckResult::failing_node). Built-in nodes are
// verified by xgrad's own tests, so where several nodes could have produced a wrong gradient the
// custom Functions among them are the suspects; a node is named only when the evidence points at
// exactly one.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "../engine.hpp"
#include "../function.hpp"

#include "checker.hpp"

namespace xgrad::autograd::detail {

namespace {

bool is_custom(const Node* n) { return dynamic_cast<const CppNodeBase*>(n) != nullptr; }

std::string names(const std::vector<Node*>& nodes) {
  std::string s;
  for (const Node* n : nodes) s += (s.empty() ? "" : ", ") + n->name();
  return s;
}

// Every node reachable from the outputs' grad_fns, and for each its predecessors (the nodes
// with an edge to it).
struct Graph {
  std::vector<Node*> nodes;
  std::unordered_map<Node*, std::vector<Node*>> preds;
};

Graph walk(const tensor_list& outs) {
  Graph g;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (const Tensor& o : outs) {
    if (o.grad_fn() && seen.insert(o.grad_fn().get()).second) stack.push_back(o.grad_fn().get());
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    g.nodes.push_back(n);
    for (const Edge& e : n->next_edges()) {
      if (!e.function) continue;
      g.preds[e.function.get()].push_back(n);
      if (seen.insert(e.function.get()).second) stack.push_back(e.function.get());
    }
  }
  return g;
}

// Pre-hooks that note which nodes receive a non-zero gradient; removed when it goes out of scope.
class NonZeroWatch {
 public:
  explicit NonZeroWatch(const std::vector<Node*>& nodes) {
    for (Node* n : nodes) {
      if (dynamic_cast<AccumulateGrad*>(n)) continue;  // its pre-hooks are the leaf's hooks
      for (std::size_t nr = 0; nr < n->num_inputs(); ++nr) {
        HookHandle h = n->add_pre_hook(static_cast<std::uint32_t>(nr), [this, n](const Tensor& g) {
          if (max_abs(values_of(g)) != 0) nonzero.insert(n);
          return Tensor();
        });
        hooks_.emplace_back(n, h);
      }
      watched.insert(n);
    }
  }
  ~NonZeroWatch() {
    for (auto& [n, h] : hooks_) n->remove_pre_hook(h);
  }
  NonZeroWatch(const NonZeroWatch&) = delete;
  NonZeroWatch& operator=(const NonZeroWatch&) = delete;
  std::unordered_set<Node*> watched, nonzero;

 private:
  std::vector<std::pair<Node*, HookHandle>> hooks_;
};

}  // namespace

void Checker::set_blame(const std::vector<Node*>& candidates, const std::string& where) {
  std::vector<Node*> custom;
  for (Node* n : candidates) {
    if (is_custom(n)) custom.push_back(n);
  }
  Node* one = candidates.size() == 1 ? candidates[0] : custom.size() == 1 ? custom[0] : nullptr;
  if (one) {
    result_.failing_node = one->shared_from_this();
    result_.failing_node_name = one->name();
    result_.failing_node_why = candidates.size() == 1
                                   ? "the only node " + where
                                   : "the only custom Function " + where + " (the built-in nodes there, " +
                                         std::to_string(candidates.size() - 1) + ", are verified by xgrad's tests)";
    result_.message += "  failing node: " + result_.failing_node_name + ", " + result_.failing_node_why + "\n";
    return;
  }
  const std::vector<Node*>& sus = custom.empty() ? candidates : custom;
  for (Node* n : sus) result_.suspects.push_back(n->shared_from_this());
  result_.failing_node_why =
      sus.empty() ? "no node " + where
                  : std::to_string(sus.size()) + (custom.empty() ? " nodes " : " custom Functions ") + where +
                        " could have produced it; check each alone (testing::check_function) to tell which";
  result_.message += "  failing node: not determined: " + result_.failing_node_why +
                     (sus.empty() ? "" : " (suspects: " + names(sus) + ")") + "\n";
}

void Checker::blame_path(std::size_t i, std::size_t k) {
  set_blame(nodes_on_paths(outputs_[i], diff_tensors_[k]),
            "on the paths from output " + std::to_string(i) + " to input " + std::to_string(diff_in_[k]));
}

// A gradient of the wrong shape or dtype for input k: the node(s) that hand gradients to it.
void Checker::blame_feeder(std::size_t k) {
  tensor_list outs;
  for (std::size_t i : diff_out_) outs.push_back(outputs_[i]);
  const Graph g = walk(outs);
  auto it = g.preds.find(target_node(diff_tensors_[k]));
  std::vector<Node*> feeders = it == g.preds.end() ? std::vector<Node*>{} : it->second;
  std::sort(feeders.begin(), feeders.end());
  feeders.erase(std::unique(feeders.begin(), feeders.end()), feeders.end());
  set_blame(feeders, "passing a gradient to input " + std::to_string(diff_in_[k]));
}

// Zero (or undefined) grad_outputs gave a non-zero gradient: one more backward with every node's
// incoming gradients watched finds a node that received only zeros but passed on a non-zero
// gradient, to a node whose other senders also received only zeros.
void Checker::blame_creator() {
  const Graph g = walk(creator_outs_);
  std::unordered_set<Node*> nonzero;
  {
    NonZeroWatch watch(g.nodes);
    tensor_list grads = vjp(creator_outs_, creator_grads_);
    nonzero = watch.nonzero;
    for (std::size_t k = 0; k < grads.size(); ++k) {
      if (grads[k].defined() && max_abs(values_of(grads[k])) != 0) nonzero.insert(target_node(diff_tensors_[k]));
    }
  }
  std::vector<Node*> creators;
  for (Node* n : g.nodes) {
    if (nonzero.count(n) || dynamic_cast<AccumulateGrad*>(n)) continue;
    for (const Edge& e : n->next_edges()) {
      if (!e.function || !nonzero.count(e.function.get())) continue;
      const auto& senders = g.preds.at(e.function.get());
      if (std::none_of(senders.begin(), senders.end(), [&](Node* p) { return nonzero.count(p) > 0; })) {
        creators.push_back(n);
        break;
      }
    }
  }
  std::sort(creators.begin(), creators.end(),
            [](const Node* a, const Node* b) { return a->sequence_nr() > b->sequence_nr(); });
  set_blame(creators, "that received only zero gradients but passed a non-zero gradient on");
}

void Checker::blame() {
  try {
    switch (result_.failure) {
      case GradcheckFailure::JacobianMismatch:
        if (const GradcheckPair* p = result_.first_failure()) {
          const auto k =
              static_cast<std::size_t>(std::find(diff_in_.begin(), diff_in_.end(), p->input) - diff_in_.begin());
          if (k < diff_in_.size()) blame_path(p->output, k);
        }
        break;
      case GradcheckFailure::NonDeterministic:
        if (nondet_pair_) blame_path(nondet_pair_->first, nondet_pair_->second);
        break;
      case GradcheckFailure::GradShape:
      case GradcheckFailure::GradDtype: blame_feeder(bad_grad_k_); break;
      case GradcheckFailure::NotMultipliedByGradOutput:
      case GradcheckFailure::UndefinedGradNonZero:
        if (!creator_outs_.empty()) blame_creator();
        break;
      case GradcheckFailure::UndefinedGradThrows:
        if (thrower_) set_blame({thrower_.get()}, "whose backward threw");
        break;
      default: break;
    }
  } catch (const std::exception& e) {  // the verdict stands; only the node is unknown
    result_.failing_node_why = std::string("not determined: ") + e.what();
  }
}

}  // namespace xgrad::autograd::detail
