// Property-based tests of the engine: seeded random graphs of built-in ops.
//
// Each graph has a few Float64 leaves of random shapes and 1-8 ops drawn from the elementwise,
// broadcasting, reduction, view, linear-algebra, indexing and in-place ops, whose operands are earlier
// values (often the same value several times: shared subexpressions) or new leaves whose shapes
// broadcast against them. The graph's outputs are its values no later op uses. For every graph:
//   - gradcheck passes (slow mode, Float64, including the undefined-grad stage);
//   - the gradients are bit-identical whether computed by autograd::grad, by autograd::backward
//     on the same (retained) graph, or by Tensor::backward() of a scalar loss on a rebuilt graph;
//   - one graph in four also passes gradgradcheck.
// A failing graph is shrunk (ops removed, leaf shapes made smaller) while it still fails, and
// printed with its seed.
//
// Environment:
//   XGRAD_RANDOM_GRAPHS=N         number of graphs (default 8000; 2000 under AddressSanitizer)
//   XGRAD_RANDOM_GRAPHS_SEED=S    seed of the first graph (default 1); graph i uses seed S + i,
//                                 so XGRAD_RANDOM_GRAPHS_SEED=<printed seed> XGRAD_RANDOM_GRAPHS=1
//                                 replays one failing graph.
//
// The generator lives in random_graphs/ (shared with test_functional.cpp).

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "random_graphs/program.hpp"
#include "sanitizers.hpp"

using namespace xgrad;
using namespace xgrad_test::random_graphs;

namespace {

// ---- the properties ---------------------------------------------------------------------------------

bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return false;
  if (!a.defined()) return true;
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  return std::memcmp(va.data(), vb.data(), va.size() * sizeof(double)) == 0;
}

// "" when every property holds, else what failed.
std::string check(const Program& p, bool second_order) {
  using namespace xgrad::autograd;
  try {
    tensor_list leaves = make_leaves(p);
    auto fn = [&p](const tensor_list& in) { return run(p, in); };
    const auto opts = GradcheckOptions().raise_exception(false);
    GradcheckResult r = gradcheck_report(fn, leaves, opts);
    if (!r.passed) return "gradcheck failed:\n" + r.message;

    // Same graph: autograd::grad (retaining it), then autograd::backward into .grad().
    tensor_list outs = fn(leaves);
    tensor_list gouts;
    for (std::size_t i = 0; i < outs.size(); ++i) gouts.push_back(make_leaf(outs[i].sizes().vec(), p.seed * 31 + i));
    tensor_list by_grad =
        grad(outs, leaves, gouts, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
    xgrad::autograd::backward(outs, gouts);
    // Rebuilt graph on fresh leaves, through Tensor::backward when it has a single output.
    tensor_list fresh = make_leaves(p);
    tensor_list outs2 = fn(fresh);
    if (outs2.size() == 1) outs2[0].backward(gouts[0]);
    else xgrad::autograd::backward(outs2, gouts);
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const std::string which = ref_str(Ref{true, static_cast<int>(i)});
      if (!same_bits(by_grad[i], leaves[i].grad())) {
        return which + ": autograd::grad and autograd::backward give different gradients";
      }
      if (!same_bits(by_grad[i], fresh[i].grad())) {
        return which + ": the rebuilt graph's backward gives a different gradient than autograd::grad";
      }
    }
    // A different graph with the same gradient: the scalar loss sum_k <out_k, gout_k>. Its
    // backward reaches shared nodes in another order, so the sums may round differently: equal
    // to rounding, not bit for bit.
    tensor_list again = make_leaves(p);
    tensor_list outs3 = fn(again);
    Tensor loss = (outs3[0] * gouts[0]).sum();
    for (std::size_t i = 1; i < outs3.size(); ++i) loss = loss + (outs3[i] * gouts[i]).sum();
    loss.backward();
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (by_grad[i].defined() != again[i].grad().defined() ||
          (by_grad[i].defined() && !allclose(again[i].grad(), by_grad[i], 1e-10, 1e-12))) {
        return ref_str(Ref{true, static_cast<int>(i)}) + ": the scalar loss's backward() gives a different gradient";
      }
    }

    if (second_order) {
      GradcheckResult gg = gradgradcheck_report(fn, leaves, tensor_list{}, opts);
      if (!gg.passed) return "gradgradcheck failed:\n" + gg.message;
    }
  } catch (const Invalid&) {
    return "";  // not a program (only reached while shrinking)
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
  return "";
}

bool valid(const Program& p) {
  try {
    NoGradGuard no_grad;
    for (const Tensor& v : run_all(p, make_leaves(p))) {
      if (max_abs(v) > kMaxShrunk) return false;
    }
    return true;
  } catch (const Invalid&) {
    return false;
  } catch (const std::exception&) {
    return true;  // xgrad rejects a well-formed program: a failure worth keeping
  }
}

bool second_order_for(std::uint64_t seed) { return seed % 4 == 0; }

// Removes op i and every op that depends on it, renumbering the rest.
Program without_op(const Program& p, std::size_t i) {
  std::vector<int> new_index(p.ops.size(), -1);
  Program q = p;
  q.ops.clear();
  for (std::size_t k = 0; k < p.ops.size(); ++k) {
    if (k == i) continue;
    Op op = p.ops[k];
    bool drop = false;
    for (Ref& r : op.args) {
      if (r.leaf) continue;
      if (new_index[std::size_t(r.index)] < 0) drop = true;
      else r.index = new_index[std::size_t(r.index)];
    }
    if (drop) continue;
    new_index[k] = static_cast<int>(q.ops.size());
    q.ops.push_back(op);
  }
  return q;
}

// Removes the leaves no op uses.
Program without_unused_leaves(const Program& p) {
  std::vector<bool> used(p.leaves.size(), false);
  for (const Op& op : p.ops) {
    for (const Ref& r : op.args) {
      if (r.leaf) used[std::size_t(r.index)] = true;
    }
  }
  Program q = p;
  q.leaves.clear();
  q.leaf_seeds.clear();
  std::vector<int> new_index(p.leaves.size(), -1);
  for (std::size_t i = 0; i < p.leaves.size(); ++i) {
    if (!used[i]) continue;
    new_index[i] = static_cast<int>(q.leaves.size());
    q.leaves.push_back(p.leaves[i]);
    q.leaf_seeds.push_back(p.leaf_seeds[i]);
  }
  for (Op& op : q.ops) {
    for (Ref& r : op.args) {
      if (r.leaf) r.index = new_index[std::size_t(r.index)];
    }
  }
  return q;
}

// Greedy shrinking: fewer ops, then fewer and smaller leaf dims, while `fails` (which returns
// "" for a passing program) still reports a failure; `failure` gets the last one.
Program shrink(Program p, const std::function<std::string(const Program&)>& fails, std::string& failure) {
  auto try_accept = [&](const Program& q) {
    if (q.ops.empty() || !valid(q)) return false;
    std::string f = fails(q);
    if (f.empty()) return false;
    p = q;
    failure = f;
    return true;
  };
  try_accept(without_unused_leaves(p));
  for (int round = 0; round < 20; ++round) {
    bool changed = false;
    for (std::size_t i = p.ops.size(); i-- > 0;) {
      if (i < p.ops.size() && try_accept(without_unused_leaves(without_op(p, i)))) changed = true;
    }
    for (std::size_t l = 0; l < p.leaves.size(); ++l) {
      for (std::size_t dd = 0; dd < p.leaves[l].size(); ++dd) {
        if (dd >= p.leaves[l].size()) break;
        Program q = p;
        q.leaves[l].erase(q.leaves[l].begin() + static_cast<std::ptrdiff_t>(dd));
        if (try_accept(q)) {
          changed = true;
          continue;
        }
        for (std::int64_t s : {std::int64_t{1}, p.leaves[l][dd] - 1}) {
          if (s < 1 || s >= p.leaves[l][dd]) continue;
          q = p;
          q.leaves[l][dd] = s;
          if (try_accept(q)) {
            changed = true;
            break;
          }
        }
      }
    }
    if (!changed) break;
  }
  return p;
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

#ifdef XGRAD_TEST_ASAN
constexpr std::uint64_t kDefaultGraphs = 2000;
#else
constexpr std::uint64_t kDefaultGraphs = 8000;
#endif

}  // namespace

TEST_CASE("random graphs: gradcheck, identical gradients by every route, gradgradcheck") {
  const std::uint64_t count = env_or("XGRAD_RANDOM_GRAPHS", kDefaultGraphs);
  const std::uint64_t first = env_or("XGRAD_RANDOM_GRAPHS_SEED", 1);
  std::vector<std::int64_t> kind_uses(kKinds, 0);
  std::int64_t graphs = 0, ops = 0, second_order = 0, failures = 0;
  for (std::uint64_t seed = first; seed < first + count && failures < 3; ++seed) {
    Program p = generate(seed);
    ++graphs;
    if (p.ops.empty()) continue;
    for (const Op& op : p.ops) ++kind_uses[static_cast<std::size_t>(op.kind)];
    ops += static_cast<std::int64_t>(p.ops.size());
    second_order += second_order_for(seed);
    std::string failure = check(p, second_order_for(seed));
    if (failure.empty()) continue;
    ++failures;
    const std::string original = describe(p);
    const bool so = second_order_for(seed);
    Program small = shrink(
        p, [so](const Program& q) { return check(q, so); }, failure);
    FAIL_CHECK("random graph " << seed << " fails: " << failure << "\nshrunk to:\n"
                               << describe(small) << "\noriginal graph:\n"
                               << original);
  }
  MESSAGE(graphs << " graphs, " << ops << " ops, " << second_order << " with gradgradcheck");
  // Every op kind was exercised (with the default count), so the generator cannot silently
  // stop producing one.
  if (count >= 500) {
    for (int k = 0; k < kKinds; ++k)
      CHECK_MESSAGE(kind_uses[std::size_t(k)] > 0, "op " << kNames[k] << " never generated");
  }
}

TEST_CASE("random graphs: the shrinker reduces a failing graph and the report names its seed") {
  // A stand-in failure: a graph "fails" when it contains a Mul. Shrinking must keep the Mul and
  // what it depends on, drop everything else, and shrink the leaves to one element each.
  auto op = [](K kind, std::vector<Ref> args) {
    Op o{kind, std::move(args), {}};
    for (std::size_t i = 0; i < o.r.size(); ++i) o.r[i] = static_cast<std::uint32_t>(7 * i + 1);
    return o;
  };
  Program p;
  p.seed = 42;
  p.leaves = {{3, 4}, {4}, {2}};
  p.leaf_seeds = {1, 2, 3};
  p.ops = {op(K::Sin, {{true, 0}}), op(K::Tanh, {{true, 2}}), op(K::Mul, {{false, 0}, {true, 1}}),
           op(K::ExpTanh, {{false, 2}}), op(K::SumAll, {{false, 3}})};
  REQUIRE(valid(p));
  auto has_mul = [](const Program& q) -> std::string {
    for (const Op& o : q.ops) {
      if (o.kind == K::Mul) return "has a Mul";
    }
    return "";
  };
  std::string failure;
  p = shrink(p, has_mul, failure);
  CHECK(failure == "has a Mul");
  REQUIRE(p.ops.size() == 2);
  CHECK(p.ops[0].kind == K::Sin);
  CHECK(p.ops[1].kind == K::Mul);
  CHECK(p.leaves.size() == 2);  // the Tanh's leaf went with it
  for (const Dims& leaf : p.leaves) CHECK(numel_of(leaf) == 1);
  for (const Op& op : p.ops) {
    for (const Ref& r : op.args) CHECK((r.leaf ? r.index < int(p.leaves.size()) : r.index < int(p.ops.size())));
  }
  const std::string text = describe(p);
  CHECK(text.find("XGRAD_RANDOM_GRAPHS_SEED=" + std::to_string(p.seed)) != std::string::npos);
  CHECK(text.find("Mul(") != std::string::npos);
}

TEST_CASE("random graphs: generation is deterministic in the seed") {
  for (std::uint64_t seed : {3u, 17u, 123u}) {
    CHECK(describe(generate(seed)) == describe(generate(seed)));
  }
}
