// Random graphs of built-in ops: programs (leaves and ops), running them and their
// generation from a seed. See ops.hpp; test_random_graphs.cpp states the properties checked.
#pragma once
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ops.hpp"

namespace xgrad_test::random_graphs {

inline double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::isfinite(v) ? std::max(m, std::abs(v)) : HUGE_VAL;
  return m;
}

inline Tensor make_leaf(const Dims& shape, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(numel_of(shape)));
  for (auto& e : v) e = n(g);
  if (shape.empty()) return scalar_tensor(v[0], kFloat64);
  return tensor(v, Shape(shape));
}

inline tensor_list make_leaves(const Program& p) {
  tensor_list out;
  for (std::size_t i = 0; i < p.leaves.size(); ++i)
    out.push_back(make_leaf(p.leaves[i], p.leaf_seeds[i]).requires_grad_());
  return out;
}

// All op results, in order.
inline std::vector<Tensor> run_all(const Program& p, const tensor_list& leaves,
                                   std::vector<std::string>* descs = nullptr) {
  std::vector<Tensor> vals;
  for (const Op& op : p.ops) {
    std::vector<Tensor> args;
    for (const Ref& r : op.args) args.push_back(r.leaf ? leaves[std::size_t(r.index)] : vals[std::size_t(r.index)]);
    std::string desc;
    vals.push_back(apply(op, args, descs ? &desc : nullptr));
    if (descs) descs->push_back(desc);
  }
  return vals;
}

// The graph's outputs: the op results that no later op uses.
inline std::vector<std::size_t> sink_indices(const Program& p) {
  std::vector<bool> used(p.ops.size(), false);
  for (const Op& op : p.ops) {
    for (const Ref& r : op.args) {
      if (!r.leaf) used[std::size_t(r.index)] = true;
    }
  }
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    if (!used[i]) out.push_back(i);
  }
  return out;
}

inline tensor_list run(const Program& p, const tensor_list& leaves) {
  auto vals = run_all(p, leaves);
  tensor_list out;
  for (std::size_t i : sink_indices(p)) out.push_back(vals[i]);
  return out;
}

inline std::string describe(const Program& p) {
  std::ostringstream os;
  os << "  seed " << p.seed << " (replay: XGRAD_RANDOM_GRAPHS_SEED=" << p.seed << " XGRAD_RANDOM_GRAPHS=1)\n";
  for (std::size_t i = 0; i < p.leaves.size(); ++i) os << "  x" << i << ": Float64 " << dims_str(p.leaves[i]) << "\n";
  std::vector<std::string> descs;
  try {
    NoGradGuard no_grad;
    run_all(p, make_leaves(p), &descs);
  } catch (...) {
  }
  for (std::size_t i = 0; i < p.ops.size(); ++i) {
    os << "  v" << i << " = ";
    if (i < descs.size()) {
      // The description starts with the op name; splice in the operand names.
      const std::string& s = descs[i];
      std::size_t paren = s.find('(');
      os << s.substr(0, paren + 1);
      for (std::size_t j = 0; j < p.ops[i].args.size(); ++j) os << (j ? ", " : "") << ref_str(p.ops[i].args[j]);
      os << "; " << s.substr(paren + 1);
    } else {
      os << kNames[static_cast<int>(p.ops[i].kind)] << "(...)";
    }
    os << "\n";
  }
  os << "  outputs:";
  for (std::size_t i : sink_indices(p)) os << " v" << i;
  return os.str();
}

// ---- generation ---------------------------------------------------------------------------------

struct Gen {
  std::mt19937_64 g;
  explicit Gen(std::uint64_t seed) : g(seed) {}
  std::uint32_t word() { return static_cast<std::uint32_t>(g()); }
  std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(g() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
};

inline Dims random_shape(Gen& gen) {
  for (;;) {
    Dims s(static_cast<std::size_t>(gen.below(4)));  // 0-d to 3-d
    for (auto& e : s) e = 1 + gen.below(4);
    if (numel_of(s) <= 24) return s;
  }
}

// A shape that broadcasts with `s`: leading dims dropped, some dims 1, some 1s grown.
inline Dims broadcast_partner(Gen& gen, const Dims& s) {
  Dims out(s.begin() + gen.below(static_cast<std::int64_t>(s.size()) + 1), s.end());
  for (auto& e : out) {
    if (e == 1 && gen.chance(30)) e = 2 + gen.below(2);
    else if (gen.chance(30)) e = 1;
  }
  if (gen.chance(15)) out.insert(out.begin(), 2);  // more dims than s
  return out;
}

inline Program generate(std::uint64_t seed) {
  Gen gen(seed);
  Program p;
  p.seed = seed;
  std::vector<Dims> shapes;  // of the op results
  auto add_leaf = [&](Dims s) {
    p.leaves.push_back(std::move(s));
    p.leaf_seeds.push_back(gen.g());
    return Ref{true, static_cast<int>(p.leaves.size()) - 1};
  };
  add_leaf(random_shape(gen));
  if (gen.chance(50)) add_leaf(random_shape(gen));
  auto shape_of = [&](Ref r) { return r.leaf ? p.leaves[std::size_t(r.index)] : shapes[std::size_t(r.index)]; };
  auto any_value = [&]() -> Ref {
    // Mostly recent results, so that graphs are deep; sometimes anything (shared subexpressions).
    if (!shapes.empty() && gen.chance(70)) {
      std::int64_t n = static_cast<std::int64_t>(shapes.size());
      return Ref{false, static_cast<int>(n - 1 - gen.below(std::min<std::int64_t>(n, 3)))};
    }
    std::int64_t total = static_cast<std::int64_t>(p.leaves.size() + shapes.size());
    std::int64_t i = gen.below(total);
    return i < static_cast<std::int64_t>(p.leaves.size()) ? Ref{true, int(i)}
                                                          : Ref{false, int(i - std::int64_t(p.leaves.size()))};
  };
  // An existing value whose shape satisfies `fits`, or a new leaf of shape `fresh`.
  auto partner = [&](const std::function<bool(const Dims&)>& fits, const Dims& fresh) -> Ref {
    std::vector<Ref> cands;
    for (std::size_t i = 0; i < p.leaves.size(); ++i) {
      if (fits(p.leaves[i])) cands.push_back(Ref{true, int(i)});
    }
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      if (fits(shapes[i])) cands.push_back(Ref{false, int(i)});
    }
    if (!cands.empty() && (gen.chance(50) || p.leaves.size() >= kMaxLeaves))
      return cands[std::size_t(gen.below(std::int64_t(cands.size())))];
    if (numel_of(fresh) > kMaxNumel) invalid();
    return add_leaf(fresh);
  };

  const std::int64_t target = 1 + gen.below(8);
  for (int attempt = 0; attempt < 300 && static_cast<std::int64_t>(p.ops.size()) < target; ++attempt) {
    const std::size_t leaves_before = p.leaves.size();
    Op op;
    op.kind = static_cast<K>(gen.below(kKinds));
    for (auto& w : op.r) w = gen.word();
    try {
      Ref x = any_value();
      if (op.kind == K::Std) x = Ref{true, static_cast<int>(gen.below(std::int64_t(p.leaves.size())))};
      const Dims xs = shape_of(x);
      op.args.push_back(x);
      switch (op.kind) {
        case K::Add:
        case K::Sub:
        case K::Mul:
        case K::Div:
        case K::Minimum:
        case K::Maximum:
        case K::PowTensor:
        case K::AddInplace:
        case K::MulInplace:
          op.args.push_back(
              partner([&](const Dims& s) { return broadcast(xs, s).has_value(); }, broadcast_partner(gen, xs)));
          break;
        case K::Where:
          for (int k = 0; k < 2; ++k) {
            op.args.push_back(
                partner([&](const Dims& s) { return broadcast(xs, s).has_value(); }, broadcast_partner(gen, xs)));
          }
          break;
        case K::Matmul: {
          if (xs.empty()) invalid();
          Dims fresh = gen.chance(30) ? Dims{xs.back()} : Dims{xs.back(), 1 + gen.below(3)};
          if (fresh.size() == 2 && xs.size() >= 2 && gen.chance(30)) {
            fresh.insert(fresh.begin(), xs.size() >= 3 && gen.chance(50) ? xs[xs.size() - 3] : 2);  // batched
          }
          op.args.push_back(partner([&](const Dims& s) { return matmul_shape(xs, s).has_value(); }, fresh));
          break;
        }
        case K::Mm:
          if (xs.size() != 2) invalid();
          op.args.push_back(
              partner([&](const Dims& s) { return s.size() == 2 && s[0] == xs[1]; }, Dims{xs[1], 1 + gen.below(3)}));
          break;
        case K::Dot: op.args.push_back(partner([&](const Dims& s) { return s == xs && s.size() == 1; }, xs)); break;
        case K::Outer:
          op.args.push_back(partner([&](const Dims& s) { return s.size() == 1; }, Dims{1 + gen.below(4)}));
          break;
        case K::ScatterAdd: {
          Dims fresh = xs;
          for (auto& e : fresh) e = 1 + gen.below(3);
          op.args.push_back(partner([&](const Dims& s) { return s.size() == xs.size(); }, fresh));
          break;
        }
        case K::Cat: {
          if (xs.empty()) invalid();
          std::int64_t nd = std::int64_t(xs.size()), dim = dim_of(op.r[0], nd), pd = dim < 0 ? dim + nd : dim;
          Dims fresh = xs;
          fresh[std::size_t(pd)] = 1 + gen.below(3);
          op.args.push_back(partner(
              [&](const Dims& s) {
                if (s.size() != xs.size()) return false;
                for (std::size_t i = 0; i < s.size(); ++i) {
                  if (std::int64_t(i) != pd && s[i] != xs[i]) return false;
                }
                return true;
              },
              fresh));
          break;
        }
        case K::Stack: op.args.push_back(partner([&](const Dims& s) { return s == xs; }, xs)); break;
        default: break;
      }
      std::vector<Tensor> args;
      {
        NoGradGuard no_grad;
        auto leaves = make_leaves(p);
        auto vals = run_all(p, leaves);
        for (const Ref& r : op.args) args.push_back(r.leaf ? leaves[std::size_t(r.index)] : vals[std::size_t(r.index)]);
        Tensor out = apply(op, args, nullptr);
        // Keep magnitudes moderate: with values near 1e9 central differences lose every digit
        // (a pow of a pow of a var ...), and gradcheck would fail for numerical reasons only.
        if (max_abs(out) > kMaxGenerated) invalid();
        shapes.push_back(out.sizes().vec());
      }
      p.ops.push_back(op);
    } catch (const Invalid&) {
      p.leaves.resize(leaves_before);
      p.leaf_seeds.resize(leaves_before);
    }
  }
  return p;
}

}  // namespace xgrad_test::random_graphs
