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
// Operands are made valid by construction rather than filtered: an op's integer parameters are
// random words reduced modulo the sizes they index at run time, so the same program still
// makes sense after its leaves shrink. Ops with a restricted domain get their operand mapped
// into it (log(x^2 + 0.5) and so on); kinks (relu, abs, clamp, max) are hit only with
// probability ~1e-6 per element at these magnitudes, and the seeds run in CI are fixed. A
// generated op whose values exceed 100 in magnitude is discarded: far larger values (chains of
// pow) leave central differences no significant digits.
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

#include "sanitizers.hpp"

using namespace xgrad;
using Dims = std::vector<std::int64_t>;


namespace {

#define XGRAD_OP_KINDS(X)                                                                                     \
  X(Neg, 1) X(ExpTanh, 1) X(Sin, 1) X(Cos, 1) X(Tanh, 1) X(Sigmoid, 1) X(Square, 1) X(Relu, 1) X(LeakyRelu, 1) \
  X(Gelu, 1) X(GeluTanh, 1) X(Softplus, 1) X(Abs, 1) X(LogPos, 1) X(Log1pSq, 1) X(SqrtPos, 1) X(PowInt, 1)     \
  X(PowFrac, 1) X(Clamp, 1) X(Affine, 1) X(Rdiv, 1) X(Rsub, 1) X(Clone, 1)                                      \
  X(Add, 2) X(Sub, 2) X(Mul, 2) X(Div, 2) X(Minimum, 2) X(Maximum, 2) X(PowTensor, 2) X(Where, 3)               \
  X(Sum, 1) X(Mean, 1) X(Var, 1) X(Std, 1) X(SumAll, 1) X(MeanAll, 1) X(MaxAll, 1) X(MinAll, 1) X(MaxDim, 1)    \
  X(MinDim, 1) X(Logsumexp, 1) X(Softmax, 1) X(LogSoftmax, 1) X(SumTo, 1)                                       \
  X(Reshape, 1) X(Flatten, 1) X(Transpose, 1) X(Permute, 1) X(Squeeze, 1) X(Unsqueeze, 1) X(Expand, 1)         \
  X(Narrow, 1) X(Slice, 1) X(Select, 1) X(T, 1) X(SplitPick, 1) X(ChunkPick, 1) X(Contiguous, 1)               \
  X(Matmul, 2) X(Mm, 2) X(Dot, 2) X(Outer, 2)                                                                   \
  X(IndexSelect, 1) X(Gather, 1) X(ScatterAdd, 2) X(Cat, 2) X(Stack, 2) X(Pad, 1)                               \
  X(AddInplace, 2) X(MulInplace, 2)

enum class K {
#define X(name, arity) name,
  XGRAD_OP_KINDS(X)
#undef X
      Count
};
constexpr const char* kNames[] = {
#define X(name, arity) #name,
    XGRAD_OP_KINDS(X)
#undef X
};
constexpr int kKinds = static_cast<int>(K::Count);

constexpr std::int64_t kMaxNumel = 48;  // per value: keeps slow-mode gradcheck cheap
constexpr std::size_t kMaxLeaves = 6;
constexpr double kMaxGenerated = 100;  // largest |value| a generated op may produce
constexpr double kMaxShrunk = 1000;    // ... and one kept while shrinking

// An operand: a leaf (x<i>) or the result of an earlier op (v<i>).
struct Ref {
  bool leaf;
  int index;
};

struct Op {
  K kind;
  std::vector<Ref> args;
  std::array<std::uint32_t, 8> r;  // random words, interpreted modulo the operand sizes
};

struct Program {
  std::uint64_t seed = 0;
  std::vector<Dims> leaves;
  std::vector<std::uint64_t> leaf_seeds;  // values of each leaf, independent of its shape's history
  std::vector<Op> ops;
};

// Thrown by the runner when an op does not fit its operands (a generated candidate to discard,
// or a shrink step to undo). Exceptions from xgrad itself are never caught as this.
struct Invalid {};
[[noreturn]] void invalid() { throw Invalid{}; }

std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}
std::string ref_str(const Ref& r) {
  std::string s(1, r.leaf ? 'x' : 'v');  // (not "x" + to_string: GCC 12 warns falsely, -Wrestrict)
  return s.append(std::to_string(r.index));
}
std::int64_t numel_of(const Dims& d) {
  return std::accumulate(d.begin(), d.end(), std::int64_t{1}, std::multiplies<>());
}

std::int64_t pick(std::uint32_t r, std::int64_t n) {
  if (n <= 0) invalid();
  return static_cast<std::int64_t>(r % static_cast<std::uint64_t>(n));
}
// A dim of an ndim-tensor; the high bit of r asks for the negative spelling.
std::int64_t dim_of(std::uint32_t r, std::int64_t ndim) {
  std::int64_t d = pick(r & 0xffff, ndim);
  return (r >> 31) ? d - ndim : d;
}
// A subset of the dims selected by the bits of r (empty means "all" for the reductions).
Dims dims_subset(std::uint32_t r, std::int64_t ndim) {
  Dims out;
  for (std::int64_t i = 0; i < ndim; ++i) {
    if (r & (1u << i)) out.push_back((r >> (16 + i)) & 1 ? i - ndim : i);
  }
  return out;
}
std::int64_t reduced_count(const Dims& shape, const Dims& dims) {
  if (dims.empty()) return numel_of(shape);
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= shape[static_cast<std::size_t>(d < 0 ? d + std::int64_t(shape.size()) : d)];
  return n;
}
// Deterministic small integers from one random word (index tensors).
std::vector<std::int64_t> ints_from(std::uint32_t r, std::size_t n, std::int64_t mod) {
  std::vector<std::int64_t> v(n);
  std::uint64_t s = r * 0x9E3779B97F4A7C15ull + 1;
  for (auto& e : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    e = static_cast<std::int64_t>((s >> 33) % static_cast<std::uint64_t>(mod));
  }
  return v;
}
Tensor index_tensor(const std::vector<std::int64_t>& v, const Dims& shape) { return tensor(v, Shape(shape)); }
std::string ints_str(const Tensor& t) { return dims_str(t.to_vector<std::int64_t>()); }

std::optional<Dims> broadcast(const Dims& a, const Dims& b) {
  std::size_t n = std::max(a.size(), b.size());
  Dims out(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1) return std::nullopt;
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// The shape torch.matmul gives, or nullopt when the operands do not fit.
std::optional<Dims> matmul_shape(const Dims& a, const Dims& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  if (a.size() == 1 && b.size() == 1) return a[0] == b[0] ? std::optional<Dims>(Dims{}) : std::nullopt;
  Dims A = a.size() == 1 ? Dims{1, a[0]} : a, B = b.size() == 1 ? Dims{b[0], 1} : b;
  if (A.back() != B[B.size() - 2]) return std::nullopt;
  auto batch = broadcast(Dims(A.begin(), A.end() - 2), Dims(B.begin(), B.end() - 2));
  if (!batch) return std::nullopt;
  Dims out = *batch;
  if (a.size() > 1) out.push_back(A[A.size() - 2]);
  if (b.size() > 1) out.push_back(B.back());
  return out;
}

// Runs one op. `desc`, when given, receives the call as it was made (for the failure report).
Tensor apply(const Op& op, const std::vector<Tensor>& a, std::string* desc) {
  const Tensor& x = a[0];
  const Dims xs = x.sizes().vec();
  const std::int64_t nd = x.dim();
  const auto& r = op.r;
  std::ostringstream d;
  auto name = kNames[static_cast<int>(op.kind)];
  d << name << "(";
  Tensor out;
  switch (op.kind) {
    case K::Neg: out = -x; break;
    case K::ExpTanh: out = exp(tanh(x)); break;
    case K::Sin: out = sin(x); break;
    case K::Cos: out = cos(x); break;
    case K::Tanh: out = tanh(x); break;
    case K::Sigmoid: out = sigmoid(x); break;
    case K::Square: out = square(x); break;
    case K::Relu: out = relu(x); break;
    case K::LeakyRelu: out = leaky_relu(x, 0.1); break;
    case K::Gelu: out = gelu(x); break;
    case K::GeluTanh: out = gelu(x, "tanh"); break;
    case K::Softplus: out = softplus(x, r[0] % 2 ? 2.0 : 1.0); break;
    case K::Abs: out = abs(x); break;
    case K::LogPos: out = log(square(x) + 0.5); break;
    case K::Log1pSq: out = log1p(square(x)); break;
    case K::SqrtPos: out = sqrt(square(x) + 0.25); break;
    case K::PowInt: {
      double e = r[0] % 2 ? 3.0 : 2.0;
      d << "exponent " << e << ", ";
      out = pow(x, e);
      break;
    }
    case K::PowFrac: {
      double e = r[0] % 2 ? 1.5 : -0.5;
      d << "(x^2 + 0.5)^" << e << ", ";
      out = pow(square(x) + 0.5, e);
      break;
    }
    case K::Clamp: out = clamp(x, -0.6, 0.7); break;
    case K::Affine: {
      double c = (static_cast<double>(r[0] % 5) - 2.0) * 0.75 + 0.1, b = static_cast<double>(r[1] % 3) - 1.0;
      d << c << " * x + " << b << ", ";
      out = c * x + b;
      break;
    }
    case K::Rdiv: out = 1.0 / (square(x) + 0.5); break;
    case K::Rsub: out = 2.0 - x; break;
    case K::Clone: out = x.clone(); break;
    case K::Add:
    case K::Sub:
    case K::Mul:
    case K::Div:
    case K::Minimum:
    case K::Maximum:
    case K::PowTensor: {
      if (!broadcast(xs, a[1].sizes().vec())) invalid();
      const Tensor& y = a[1];
      double alpha = r[0] % 3 == 0 ? 1.0 : (r[0] % 3 == 1 ? -0.5 : 2.0);
      if (op.kind == K::Add) out = add(x, y, alpha), d << "alpha " << alpha << ", ";
      if (op.kind == K::Sub) out = sub(x, y, alpha), d << "alpha " << alpha << ", ";
      if (op.kind == K::Mul) out = x * y;
      if (op.kind == K::Div) out = x / (square(y) + 0.5), d << "x / (y^2 + 0.5), ";
      if (op.kind == K::Minimum) out = minimum(x, y);
      if (op.kind == K::Maximum) out = maximum(x, y);
      if (op.kind == K::PowTensor) out = pow(square(x) + 0.5, tanh(y)), d << "(x^2 + 0.5)^tanh(y), ";
      break;
    }
    case K::Where: {
      auto s = broadcast(xs, a[1].sizes().vec());
      if (!s || !broadcast(*s, a[2].sizes().vec())) invalid();
      d << "condition x > 0, ";
      out = where(gt(x, 0.0), a[1], a[2]);
      break;
    }
    case K::Sum:
    case K::Mean:
    case K::Logsumexp: {
      Dims dims = dims_subset(r[0], nd);
      bool keep = r[1] & 1;
      d << "dims " << dims_str(dims) << ", keepdim " << keep << ", ";
      if (op.kind == K::Sum) out = sum(x, Shape(dims), keep);
      if (op.kind == K::Mean) out = mean(x, Shape(dims), keep);
      if (op.kind == K::Logsumexp) out = logsumexp(x, Shape(dims), keep);
      break;
    }
    case K::Var:
    case K::Std: {
      Dims dims = dims_subset(r[0], nd);
      bool keep = r[1] & 1;
      std::int64_t count = reduced_count(xs, dims);
      double correction = count > 1 && (r[2] & 1) ? 1.0 : 0.0;
      if (op.kind == K::Std && count < 2) invalid();  // std of one element: sqrt(0), no derivative
      d << "dims " << dims_str(dims) << ", correction " << correction << ", keepdim " << keep << ", ";
      out = op.kind == K::Var ? var(x, Shape(dims), correction, keep) : xgrad::std(x, Shape(dims), correction, keep);
      break;
    }
    case K::SumAll: out = x.sum(); break;
    case K::MeanAll: out = x.mean(); break;
    case K::MaxAll: out = max(x); break;
    case K::MinAll: out = min(x); break;
    case K::MaxDim:
    case K::MinDim: {
      std::int64_t dim = nd == 0 ? 0 : dim_of(r[0], nd);
      bool keep = r[1] & 1;
      d << "dim " << dim << ", keepdim " << keep << ", ";
      out = std::get<0>(op.kind == K::MaxDim ? max(x, dim, keep) : min(x, dim, keep));
      break;
    }
    case K::Softmax:
    case K::LogSoftmax: {
      std::int64_t dim = nd == 0 ? 0 : dim_of(r[0], nd);
      d << "dim " << dim << ", ";
      out = op.kind == K::Softmax ? softmax(x, dim) : log_softmax(x, dim);
      break;
    }
    case K::SumTo: {
      // Drop some leading dims and set some others to 1: a shape x broadcasts to.
      std::size_t drop = static_cast<std::size_t>(pick(r[0], nd + 1));
      Dims target(xs.begin() + static_cast<std::ptrdiff_t>(drop), xs.end());
      for (std::size_t i = 0; i < target.size(); ++i) {
        if (r[1] & (1u << i)) target[i] = 1;
      }
      d << "shape " << dims_str(target) << ", ";
      out = sum_to(x, Shape(target));
      break;
    }
    case K::Reshape: {
      Dims target;
      std::int64_t n = x.numel();
      switch (r[0] % 4) {
        case 0: target = {n}; break;
        case 1: {  // merge two neighbours
          if (nd < 2) invalid();
          std::size_t i = static_cast<std::size_t>(pick(r[1], nd - 1));
          target = xs;
          target[i] *= target[i + 1];
          target.erase(target.begin() + static_cast<std::ptrdiff_t>(i) + 1);
          break;
        }
        default: {  // split one dim into (f, size / f), one of them spelled -1 in case 3
          if (nd < 1) invalid();
          std::size_t i = static_cast<std::size_t>(pick(r[1], nd));
          std::int64_t s = xs[i], f = 1;
          for (std::int64_t c = 2; c <= s; ++c) {
            if (s % c == 0) {
              f = c;
              break;
            }
          }
          target = xs;
          target[i] = s / f;
          target.insert(target.begin() + static_cast<std::ptrdiff_t>(i), f);
          if (r[0] % 4 == 3) target[i + (r[2] & 1)] = -1;
        }
      }
      d << "shape " << dims_str(target) << ", ";
      out = reshape(x, Shape(target));
      break;
    }
    case K::Flatten: {
      if (nd == 0) {
        out = flatten(x);
        break;
      }
      std::int64_t s = pick(r[0], nd), e = s + pick(r[1], nd - s);
      d << "start " << s << ", end " << e << ", ";
      out = flatten(x, s, e);
      break;
    }
    case K::Transpose: {
      std::int64_t d0 = dim_of(r[0], nd), d1 = dim_of(r[1], nd);
      d << d0 << ", " << d1 << ", ";
      out = transpose(x, d0, d1);
      break;
    }
    case K::Permute: {
      Dims perm(static_cast<std::size_t>(nd));
      std::iota(perm.begin(), perm.end(), 0);
      std::mt19937 g(r[0]);
      std::shuffle(perm.begin(), perm.end(), g);
      d << "dims " << dims_str(perm) << ", ";
      out = permute(x, Shape(perm));
      break;
    }
    case K::Squeeze: {
      if (r[0] & 1 || nd == 0) {
        out = squeeze(x);
      } else {
        std::int64_t dim = dim_of(r[1], nd);
        d << "dim " << dim << ", ";
        out = squeeze(x, dim);
      }
      break;
    }
    case K::Unsqueeze: {
      std::int64_t dim = pick(r[0], nd + 1);
      d << "dim " << dim << ", ";
      out = unsqueeze(x, dim);
      break;
    }
    case K::Expand: {
      Dims target;
      if (r[0] & 1) target.push_back(2 + (r[0] >> 1) % 2);
      for (std::int64_t i = 0; i < nd; ++i) {
        std::int64_t s = xs[static_cast<std::size_t>(i)];
        target.push_back(s == 1 && (r[1] & (1u << i)) ? 2 + (r[2] >> i) % 2 : ((r[3] >> i) & 1 ? -1 : s));
      }
      d << "shape " << dims_str(target) << ", ";
      out = expand(x, Shape(target));
      break;
    }
    case K::Narrow: {
      std::int64_t dim = dim_of(r[0], nd), s = xs[static_cast<std::size_t>(dim < 0 ? dim + nd : dim)];
      std::int64_t start = pick(r[1], s), len = 1 + pick(r[2], s - start);
      if (r[3] & 1) start -= s;  // the negative spelling of the same start
      d << "dim " << dim << ", start " << start << ", length " << len << ", ";
      out = narrow(x, dim, start, len);
      break;
    }
    case K::Slice: {
      std::int64_t dim = dim_of(r[0], nd), s = xs[static_cast<std::size_t>(dim < 0 ? dim + nd : dim)];
      std::int64_t start = pick(r[1], s), end = start + 1 + pick(r[2], s - start), step = 1 + pick(r[3], 3);
      std::optional<std::int64_t> so = start, eo = end;
      if (r[4] & 1) so = start - s;
      if (r[4] & 2) eo = end + 2;  // past the end: clamped
      if (start == 0 && (r[4] & 4)) so = std::nullopt;
      d << "dim " << dim << ", " << (so ? std::to_string(*so) : "none") << ":" << (eo ? std::to_string(*eo) : "none")
        << ":" << step << ", ";
      out = slice(x, dim, so, eo, step);
      break;
    }
    case K::Select: {
      std::int64_t dim = dim_of(r[0], nd), s = xs[static_cast<std::size_t>(dim < 0 ? dim + nd : dim)];
      std::int64_t index = pick(r[1], s);
      if (r[2] & 1) index -= s;
      d << "dim " << dim << ", index " << index << ", ";
      out = select(x, dim, index);
      break;
    }
    case K::T:
      if (nd > 2) invalid();
      out = x.t();
      break;
    case K::SplitPick:
    case K::ChunkPick: {
      std::int64_t dim = dim_of(r[0], nd), s = xs[static_cast<std::size_t>(dim < 0 ? dim + nd : dim)];
      tensor_list parts;
      if (op.kind == K::SplitPick) {
        std::int64_t size = 1 + pick(r[1], s);
        d << "split_size " << size;
        parts = split(x, size, dim);
      } else {
        std::int64_t chunks = 1 + pick(r[1], 4);
        d << "chunks " << chunks;
        parts = chunk(x, chunks, dim);
      }
      std::int64_t piece = pick(r[2], static_cast<std::int64_t>(parts.size()));
      d << ", dim " << dim << ", piece " << piece << ", ";
      out = parts[static_cast<std::size_t>(piece)];
      break;
    }
    case K::Contiguous: out = x.contiguous(); break;
    case K::Matmul:
    case K::Mm:
    case K::Dot:
    case K::Outer: {
      const Dims ys = a[1].sizes().vec();
      if (op.kind == K::Matmul && !matmul_shape(xs, ys)) invalid();
      if (op.kind == K::Mm && (xs.size() != 2 || ys.size() != 2 || xs[1] != ys[0])) invalid();
      if (op.kind == K::Dot && (xs.size() != 1 || ys != xs)) invalid();
      if (op.kind == K::Outer && (xs.size() != 1 || ys.size() != 1)) invalid();
      if (op.kind == K::Matmul) out = matmul(x, a[1]);
      if (op.kind == K::Mm) out = mm(x, a[1]);
      if (op.kind == K::Dot) out = dot(x, a[1]);
      if (op.kind == K::Outer) out = outer(x, a[1]);
      break;
    }
    case K::IndexSelect: {
      std::int64_t dim = dim_of(r[0], nd), s = xs[static_cast<std::size_t>(dim < 0 ? dim + nd : dim)];
      Tensor index;
      if (r[1] % 4 == 0) {
        index = scalar_tensor(static_cast<double>(pick(r[2], s)), kInt64);
      } else {
        index = index_tensor(ints_from(r[2], 1 + r[1] % 4, s), {std::int64_t(1 + r[1] % 4)});
      }
      d << "dim " << dim << ", index " << (index.dim() == 0 ? "0-d " : "") << ints_str(index) << ", ";
      out = index_select(x, dim, index);
      break;
    }
    case K::Gather:
    case K::ScatterAdd: {
      if (nd == 0) invalid();
      std::int64_t dim = dim_of(r[0], nd), pd = dim < 0 ? dim + nd : dim;
      Dims src_s = op.kind == K::ScatterAdd ? a[1].sizes().vec() : xs;
      if (src_s.size() != xs.size()) invalid();
      Dims is(xs.size());
      for (std::size_t i = 0; i < xs.size(); ++i) {
        std::int64_t bound = op.kind == K::Gather ? (std::int64_t(i) == pd ? 3 : xs[i])
                                                  : (std::int64_t(i) == pd ? src_s[i] : std::min(src_s[i], xs[i]));
        is[i] = 1 + pick(r[1] >> (4 * i), bound);
      }
      Tensor index = index_tensor(ints_from(r[2], static_cast<std::size_t>(numel_of(is)), xs[std::size_t(pd)]), is);
      d << "dim " << dim << ", index " << dims_str(is) << " " << ints_str(index) << ", ";
      out = op.kind == K::Gather ? gather(x, dim, index) : scatter_add(x, dim, index, a[1]);
      break;
    }
    case K::Cat:
    case K::Stack: {
      const Dims ys = a[1].sizes().vec();
      if (xs.size() != ys.size()) invalid();
      std::int64_t dim = op.kind == K::Cat ? dim_of(r[0], nd) : pick(r[0], nd + 1);
      for (std::int64_t i = 0; i < nd; ++i) {
        bool along = op.kind == K::Cat && (i == dim || i == dim + nd);
        if (!along && xs[std::size_t(i)] != ys[std::size_t(i)]) invalid();
      }
      d << "dim " << dim << ", ";
      out = op.kind == K::Cat ? cat({x, a[1]}, dim) : stack({x, a[1]}, dim);
      break;
    }
    case K::Pad: {
      if (nd == 0) invalid();
      std::int64_t npairs = std::min<std::int64_t>(nd, 1 + r[0] % 2);
      Dims p;
      for (std::int64_t i = 0; i < npairs; ++i) {
        std::int64_t s = xs[std::size_t(nd - 1 - i)];
        std::int64_t before = static_cast<std::int64_t>((r[1] >> (4 * i)) % 4) - 1, after = static_cast<std::int64_t>((r[2] >> (4 * i)) % 4) - 1;
        if (s + before + after < 1) before = after = 0;
        p.push_back(before);
        p.push_back(after);
      }
      double value = (r[3] % 3) * 0.5;
      d << "pad " << dims_str(p) << ", value " << value << ", ";
      out = pad(x, Shape(p), value);
      break;
    }
    case K::AddInplace:
    case K::MulInplace: {
      // In place on a fresh non-leaf (the history is rebased onto the in-place node); the
      // operand must broadcast to x's shape.
      auto s = broadcast(xs, a[1].sizes().vec());
      if (!s || *s != xs) invalid();
      Tensor t = x * 1.0;
      if (op.kind == K::AddInplace) {
        double alpha = r[0] % 2 ? 1.0 : -0.5;
        d << "(x * 1).add_(y, alpha " << alpha << "), ";
        t.add_(a[1], alpha);
      } else {
        d << "(x * 1).mul_(y), ";
        t.mul_(a[1]);
      }
      out = t;
      break;
    }
    case K::Count: invalid();
  }
  if (desc) {
    for (std::size_t i = 0; i < a.size(); ++i) d << (i ? ", " : "") << dims_str(a[i].sizes().vec());
    d << ") -> " << dims_str(out.sizes().vec());
    *desc = d.str();
  }
  if (out.numel() == 0 || out.numel() > kMaxNumel) invalid();
  return out;
}

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::isfinite(v) ? std::max(m, std::abs(v)) : HUGE_VAL;
  return m;
}

Tensor make_leaf(const Dims& shape, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> n(0.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(numel_of(shape)));
  for (auto& e : v) e = n(g);
  if (shape.empty()) return scalar_tensor(v[0], kFloat64);
  return tensor(v, Shape(shape));
}

tensor_list make_leaves(const Program& p) {
  tensor_list out;
  for (std::size_t i = 0; i < p.leaves.size(); ++i) out.push_back(make_leaf(p.leaves[i], p.leaf_seeds[i]).requires_grad_());
  return out;
}

// All op results, in order.
std::vector<Tensor> run_all(const Program& p, const tensor_list& leaves, std::vector<std::string>* descs = nullptr) {
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
std::vector<std::size_t> sink_indices(const Program& p) {
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

tensor_list run(const Program& p, const tensor_list& leaves) {
  auto vals = run_all(p, leaves);
  tensor_list out;
  for (std::size_t i : sink_indices(p)) out.push_back(vals[i]);
  return out;
}

std::string describe(const Program& p) {
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

Dims random_shape(Gen& gen) {
  for (;;) {
    Dims s(static_cast<std::size_t>(gen.below(4)));  // 0-d to 3-d
    for (auto& e : s) e = 1 + gen.below(4);
    if (numel_of(s) <= 24) return s;
  }
}

// A shape that broadcasts with `s`: leading dims dropped, some dims 1, some 1s grown.
Dims broadcast_partner(Gen& gen, const Dims& s) {
  Dims out(s.begin() + gen.below(static_cast<std::int64_t>(s.size()) + 1), s.end());
  for (auto& e : out) {
    if (e == 1 && gen.chance(30)) e = 2 + gen.below(2);
    else if (gen.chance(30)) e = 1;
  }
  if (gen.chance(15)) out.insert(out.begin(), 2);  // more dims than s
  return out;
}

Program generate(std::uint64_t seed) {
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
    return i < static_cast<std::int64_t>(p.leaves.size()) ? Ref{true, int(i)} : Ref{false, int(i - std::int64_t(p.leaves.size()))};
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
    if (!cands.empty() && (gen.chance(50) || p.leaves.size() >= kMaxLeaves)) return cands[std::size_t(gen.below(std::int64_t(cands.size())))];
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
        case K::Add: case K::Sub: case K::Mul: case K::Div: case K::Minimum: case K::Maximum: case K::PowTensor:
        case K::AddInplace: case K::MulInplace:
          op.args.push_back(partner([&](const Dims& s) { return broadcast(xs, s).has_value(); }, broadcast_partner(gen, xs)));
          break;
        case K::Where:
          for (int k = 0; k < 2; ++k) {
            op.args.push_back(partner([&](const Dims& s) { return broadcast(xs, s).has_value(); }, broadcast_partner(gen, xs)));
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
          op.args.push_back(partner([&](const Dims& s) { return s.size() == 2 && s[0] == xs[1]; }, Dims{xs[1], 1 + gen.below(3)}));
          break;
        case K::Dot:
          op.args.push_back(partner([&](const Dims& s) { return s == xs && s.size() == 1; }, xs));
          break;
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
        case K::Stack:
          op.args.push_back(partner([&](const Dims& s) { return s == xs; }, xs));
          break;
        default:
          break;
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
    tensor_list by_grad = grad(outs, leaves, gouts, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
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
    Program small = shrink(p, [so](const Program& q) { return check(q, so); }, failure);
    FAIL_CHECK("random graph " << seed << " fails: " << failure << "\nshrunk to:\n"
                               << describe(small) << "\noriginal graph:\n"
                               << original);
  }
  MESSAGE(graphs << " graphs, " << ops << " ops, " << second_order << " with gradgradcheck");
  // Every op kind was exercised (with the default count), so the generator cannot silently
  // stop producing one.
  if (count >= 500) {
    for (int k = 0; k < kKinds; ++k) CHECK_MESSAGE(kind_uses[std::size_t(k)] > 0, "op " << kNames[k] << " never generated");
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
