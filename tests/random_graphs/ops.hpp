// Random graphs of built-in ops, shared by the tests that need arbitrary differentiable
// functions (test_random_graphs.cpp, test_functional.cpp): the op kinds and their runner.
//
// Operands are made valid by construction rather than filtered: an op's integer parameters are
// random words reduced modulo the sizes they index at run time, so the same program still
// makes sense after its leaves shrink. Ops with a restricted domain get their operand mapped
// into it (log(x^2 + 0.5) and so on); kinks (relu, abs, clamp, max) are hit only with
// probability ~1e-6 per element at these magnitudes, and the seeds run in CI are fixed. A
// generated op whose values exceed 100 in magnitude is discarded: far larger values (chains of
// pow) leave central differences no significant digits.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace xgrad_test::random_graphs {
using namespace xgrad;
using Dims = std::vector<std::int64_t>;

// One table, grouped by family (kept as written).
// clang-format off
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
// clang-format on

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
[[noreturn]] inline void invalid() { throw Invalid{}; }

inline std::string dims_str(const Dims& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}
inline std::string ref_str(const Ref& r) {
  std::string s(1, r.leaf ? 'x' : 'v');  // (not "x" + to_string: GCC 12 warns falsely, -Wrestrict)
  return s.append(std::to_string(r.index));
}
inline std::int64_t numel_of(const Dims& d) {
  return std::accumulate(d.begin(), d.end(), std::int64_t{1}, std::multiplies<>());
}

inline std::int64_t pick(std::uint32_t r, std::int64_t n) {
  if (n <= 0) invalid();
  return static_cast<std::int64_t>(r % static_cast<std::uint64_t>(n));
}
// A dim of an ndim-tensor; the high bit of r asks for the negative spelling.
inline std::int64_t dim_of(std::uint32_t r, std::int64_t ndim) {
  std::int64_t d = pick(r & 0xffff, ndim);
  return (r >> 31) ? d - ndim : d;
}
// A subset of the dims selected by the bits of r (empty means "all" for the reductions).
inline Dims dims_subset(std::uint32_t r, std::int64_t ndim) {
  Dims out;
  for (std::int64_t i = 0; i < ndim; ++i) {
    if (r & (1u << i)) out.push_back((r >> (16 + i)) & 1 ? i - ndim : i);
  }
  return out;
}
inline std::int64_t reduced_count(const Dims& shape, const Dims& dims) {
  if (dims.empty()) return numel_of(shape);
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= shape[static_cast<std::size_t>(d < 0 ? d + std::int64_t(shape.size()) : d)];
  return n;
}
// Deterministic small integers from one random word (index tensors).
inline std::vector<std::int64_t> ints_from(std::uint32_t r, std::size_t n, std::int64_t mod) {
  std::vector<std::int64_t> v(n);
  std::uint64_t s = r * 0x9E3779B97F4A7C15ull + 1;
  for (auto& e : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    e = static_cast<std::int64_t>((s >> 33) % static_cast<std::uint64_t>(mod));
  }
  return v;
}
inline Tensor index_tensor(const std::vector<std::int64_t>& v, const Dims& shape) { return tensor(v, Shape(shape)); }
inline std::string ints_str(const Tensor& t) { return dims_str(t.to_vector<std::int64_t>()); }

inline std::optional<Dims> broadcast(const Dims& a, const Dims& b) {
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
inline std::optional<Dims> matmul_shape(const Dims& a, const Dims& b) {
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
inline Tensor apply(const Op& op, const std::vector<Tensor>& a, std::string* desc) {
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
        std::int64_t before = static_cast<std::int64_t>((r[1] >> (4 * i)) % 4) - 1,
                     after = static_cast<std::int64_t>((r[2] >> (4 * i)) % 4) - 1;
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

}  // namespace xgrad_test::random_graphs
