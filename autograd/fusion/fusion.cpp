// Lazy elementwise fusion: building programs from ops, and running them (see fusion.hpp).
#include "fusion.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "../kernels/elementwise.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad::fusion {

namespace {
// Serialises building programs with running a storage's readers (see fusion.hpp, "threads").
std::mutex g_mutex;

constexpr std::size_t kMaxCode = 32;  // a longer chain is cut: its prefix runs on its own
constexpr std::size_t kMaxInputs = 6;
constexpr int kMaxDepth = 6;
constexpr std::int64_t kBlock = kernels::kSumBlock;  // elements per block (the sum's, for run_summing)

int arity(Op op) {
  switch (op) {
    case Op::Load:
    case Op::Const: return 0;
    case Op::Neg:
    case Op::Exp:
    case Op::Tanh:
    case Op::Sigmoid:
    case Op::Relu: return 1;
    default: return 2;
  }
}

int stack_depth(const std::vector<Instr>& code) {
  int d = 0, most = 0;
  for (const Instr& i : code) {
    d += 1 - arity(i.op);
    most = std::max(most, d);
  }
  return most;
}

// ---- running a program ------------------------------------------------------------------------
// Splits [0, n) into whole blocks over the threads of set_num_threads (the caller runs the first
// part). Below kParallelMin elements, or if a thread cannot be started, the caller runs it all:
// a thread costs ~30 us to start, 1% of a pass over 2^18 floats.
constexpr std::int64_t kParallelMin = std::int64_t{1} << 18;

template <class F>
void in_parallel(std::int64_t n, F&& part) noexcept {
  const std::int64_t threads = std::min<std::int64_t>(get_num_threads(), n / kParallelMin);
  if (threads <= 1) return part(0, n);
  const std::int64_t chunk = (n / kBlock + threads - 1) / threads * kBlock;
  std::vector<std::thread> helpers;
  std::int64_t begin = chunk;
  try {
    helpers.reserve(static_cast<std::size_t>(threads - 1));
    for (; begin < n; begin += chunk) helpers.emplace_back(part, begin, std::min(n, begin + chunk));
  } catch (...) {  // no thread: the caller does the rest
    part(begin, n);
  }
  part(0, std::min(n, chunk));
  for (auto& t : helpers) t.join();
}

// r[i] = f(a[i]), f(a[i], b[i]) or g(f(a[i], b[i]), c[i]) over one step. r never overlaps an
// operand (see execute), so these plain loops vectorise with no run-time overlap checks. The
// formulas are the eager ops' own, and the library is built with -ffp-contract=off, so that
// g(f(a, b), c) rounds twice, as the two ops do when they run one by one.
template <class T, class F>
void each(T* __restrict r, const T* __restrict a, std::int64_t m, F f) {
  for (std::int64_t i = 0; i < m; ++i) r[i] = f(a[i]);
}
template <class T, class F>
void each(T* __restrict r, const T* __restrict a, const T* __restrict b, std::int64_t m, F f) {
  for (std::int64_t i = 0; i < m; ++i) r[i] = f(a[i], b[i]);
}
template <class T, class F, class G>
void each(T* __restrict r, const T* __restrict a, const T* __restrict b, const T* __restrict c, std::int64_t m, F f,
          G g) {
  for (std::int64_t i = 0; i < m; ++i) r[i] = g(f(a[i], b[i]), c[i]);
}

template <class T>
void apply_unary(Op op, const T* a, T* r, std::int64_t m) {
  switch (op) {
    case Op::Neg: return each(r, a, m, [](T v) { return -v; });
    case Op::Relu: return each(r, a, m, kernels::relu_formula);
    case Op::Tanh: return kernels::tanh_contiguous(a, r, m);
    default: break;
  }
  // exp and sigmoid need xsimd to vectorise the exponential.
  auto ro = kernels::flat(r, m);
  if (op == Op::Exp) xt::noalias(ro) = xt::exp(kernels::flat(a, m));
  else xt::noalias(ro) = kernels::sigmoid_formula(kernels::flat(a, m));
}

// Calls k with the scalar formula of a binary op.
template <class T, class K>
void with_binary(Op op, K&& k) {
  switch (op) {
    case Op::Add: return k([](T u, T v) { return u + v; });
    case Op::Sub: return k([](T u, T v) { return u - v; });
    case Op::Mul: return k([](T u, T v) { return u * v; });
    case Op::Div: return k([](T u, T v) { return u / v; });
    case Op::TanhBackward: return k(kernels::tanh_backward_formula);
    case Op::SigmoidBackward: return k(kernels::sigmoid_backward_formula);
    case Op::ReluBackward: return k(kernels::relu_backward_formula);
    default: return;
  }
}

// A stack machine over steps of kStep elements: a Load pushes a pointer into its input (no
// copy), every other instruction writes its step into a buffer of its stack position, the last
// one straight into `out`. Steps are short, and a binary op whose result goes with a Load or
// Const into the next binary op runs in one loop with it (x * a + b is one pass), so that the
// loads and stores of consecutive instructions stay interleaved as in a hand-fused loop: op by
// op over 1024-element blocks, each instruction streamed its input alone, and tanh(x * a + b)
// with its backward ran 1.3x slower. Each stack position has two buffers and a result goes to
// the one its operand does not occupy, so no loop reads what it writes; a constant has a
// buffer of its own per position, filled again only when the value changes.
// With block_sums, the sum of each kBlock elements is taken as soon as they are written.
// With out_is_input, `out` is also an input's buffer (see take_over_candidate): the last
// instruction then writes into a stack buffer too, copied to `out` once the step's reads are done.
template <class T>
void execute(const Program& p, T* out, const void* const* sources, std::int64_t begin, std::int64_t end, T* block_sums,
             bool out_is_input) {
  constexpr std::int64_t kStep = 1024 / sizeof(T);
  static_assert(kBlock % kStep == 0);
  alignas(64) T slots[kMaxDepth][2][kStep];
  alignas(64) T consts[kMaxDepth + 1][kStep];  // + 1: a pair's third operand sits above the stack
  double const_value[kMaxDepth + 1];
  bool const_filled[kMaxDepth + 1] = {};
  auto free_slot = [&](int pos, const T* occupied) {
    return occupied == slots[pos][0] ? slots[pos][1] : slots[pos][0];
  };
  const std::size_t n_code = p.code.size();
  const std::size_t last_into_out = out_is_input ? n_code + 1 : n_code;  // never, or at the end
  for (std::int64_t block = begin; block < end; block += kBlock) {
    const std::int64_t block_end = std::min(block + kBlock, end);
    for (std::int64_t base = block; base < block_end; base += kStep) {
      const std::int64_t m = std::min(kStep, block_end - base);
      // The step of a Load or Const, the latter in the buffer of stack position `pos`.
      auto leaf = [&](const Instr& in, int pos) -> const T* {
        if (in.op == Op::Load) return static_cast<const T*>(sources[in.arg]) + base;
        // Compared bit for bit: -0.0 is not 0.0, and a NaN constant is not refilled forever.
        if (!const_filled[pos] || std::memcmp(&const_value[pos], &in.value, sizeof(double)) != 0) {
          std::fill_n(consts[pos], kStep, static_cast<T>(in.value));
          const_value[pos] = in.value;
          const_filled[pos] = true;
        }
        return consts[pos];
      };
      const T* top[kMaxDepth];
      int sp = 0;
      for (std::size_t k = 0; k < n_code; ++k) {
        const Instr& in = p.code[k];
        const int n_in = arity(in.op);
        if (n_in == 0) {
          top[sp] = leaf(in, sp);
          ++sp;
        } else if (n_in == 1) {
          T* r = k + 1 == last_into_out ? out + base : free_slot(sp - 1, top[sp - 1]);
          apply_unary(in.op, top[sp - 1], r, m);
          top[sp - 1] = r;
        } else {
          const bool pair = k + 2 < n_code && arity(p.code[k + 1].op) == 0 && arity(p.code[k + 2].op) == 2;
          T* r = k + (pair ? 3 : 1) == last_into_out ? out + base : free_slot(sp - 2, top[sp - 2]);
          const T* a = top[sp - 2];
          const T* b = top[sp - 1];
          if (pair) {
            const T* c = leaf(p.code[k + 1], sp);
            const Op second = p.code[k + 2].op;
            with_binary<T>(in.op, [&](auto f) { with_binary<T>(second, [&](auto g) { each(r, a, b, c, m, f, g); }); });
            k += 2;
          } else {
            with_binary<T>(in.op, [&](auto f) { each(r, a, b, m, f); });
          }
          top[sp - 2] = r;
          --sp;
        }
      }
      if (out_is_input) std::memcpy(out + base, top[0], static_cast<std::size_t>(m) * sizeof(T));
    }
    if (block_sums) block_sums[block / kBlock] = kernels::block_sum(out + block, block_end - block);  // still in L1
  }
}

// An input that dies with the program and is as large as its result: the program may write the
// result over it. Such inputs are common in backward, whose temporaries (a saved output, an
// incoming gradient) are freed with the graph before the gradient they feed is read. Writing
// over an input stores to cache lines its loads just brought in, where a fresh buffer costs a
// read-for-ownership of every line: a program reading two arrays takes ~3/4 of the time.
// Only this program holds the input, so nothing can read it afterwards; a weak reference (a
// reader list) may lock it meanwhile, but only to find it settled. Returns the input's index,
// or -1.
int take_over_candidate(const Program& p, const Storage& s) {
  for (std::size_t i = 0; i < p.inputs.size(); ++i) {
    const Input& in = p.inputs[i];
    if (in.offset != 0 || in.storage->nbytes() != s.nbytes()) continue;
    // Counted on a copy, not by use_count() alone: the copy's increment is an acquire-release
    // operation (use_count() is a relaxed load), so the last other holder's reads and writes,
    // in whatever thread, happen before our stores.
    const std::shared_ptr<Storage> probe = in.storage;
    if (probe.use_count() == 2) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

void Access::settle(const Storage& cs) noexcept {
  Storage& s = mut(cs);
  const std::uint8_t flags = lazy(s);
  if (flags & kHasReaders) {
    // Under the global lock, so that no new program can copy a reader's code while the writer
    // that is about to get this pointer could still change the reader's inputs.
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<std::weak_ptr<Storage>> readers;
    if (s.readers_) readers.swap(*s.readers_);
    s.lazy_.fetch_and(static_cast<std::uint8_t>(~kHasReaders), std::memory_order_release);
    for (const auto& w : readers) {
      if (auto r = w.lock()) run(*r);
    }
  }
  if (flags & kPending) run(s);
}

bool Access::run(const Storage& cs, void* block_sums) noexcept {
  Storage& s = mut(cs);
  Pending& p = *s.pending_;  // set before the storage was shared, never reset
  std::lock_guard<std::mutex> lock(p.mutex);
  if (!(lazy(s) & kPending)) return false;
  const void* sources[kMaxInputs];  // the inputs are settled storages (pending operands are copied)
  for (std::size_t i = 0; i < p.program.inputs.size(); ++i) {
    const Input& in = p.program.inputs[i];
    sources[i] = static_cast<const char*>(raw(*in.storage)) +
                 in.offset * static_cast<std::int64_t>(element_size(p.program.dtype));
  }
  // The result takes the dying input's buffer, which takes the result's unused one to free.
  const int donor = s.block_ ? take_over_candidate(p.program, s) : -1;  // not an inline buffer
  if (donor >= 0) {
    Storage& d = *p.program.inputs[static_cast<std::size_t>(donor)].storage;
    std::swap(s.data_, d.data_);
    std::swap(s.block_, d.block_);
  }
  const bool out_is_input = donor >= 0;
  auto part = [&](std::int64_t begin, std::int64_t end) {
    if (p.program.dtype == Dtype::Float32) {
      execute(p.program, static_cast<float*>(s.data_), sources, begin, end, static_cast<float*>(block_sums),
              out_is_input);
    } else {
      execute(p.program, static_cast<double*>(s.data_), sources, begin, end, static_cast<double*>(block_sums),
              out_is_input);
    }
  };
  in_parallel(p.program.numel, part);
  p.program = Program{};  // frees the inputs that only this result kept alive
  s.lazy_.fetch_and(static_cast<std::uint8_t>(~kPending), std::memory_order_release);
  return true;
}

bool pending_whole(const Tensor& x) {
  const TensorImpl& xi = *x.impl();
  if (!(Access::lazy(*xi.storage) & Access::kPending) || !xi.contiguous || xi.offset != 0) return false;
  return static_cast<std::size_t>(xi.numel) * element_size(xi.dtype) == xi.storage->nbytes();
}

bool run_summing(const Tensor& x, void* block_sums) {
  // No readers to settle first: a pending storage never is an input (build copies its program).
  return Access::run(*x.impl()->storage, block_sums);
}

void Access::add_reader(Storage& input, const std::shared_ptr<Storage>& reader) {
  if (!input.readers_) input.readers_ = std::make_unique<std::vector<std::weak_ptr<Storage>>>();
  auto& readers = *input.readers_;
  // Readers that ran or died stay listed until the input's next data(); drop them now and then.
  if (readers.size() >= 8) {
    std::erase_if(readers, [](const std::weak_ptr<Storage>& w) {
      auto r = w.lock();
      return !r || !(lazy(*r) & kPending);
    });
  }
  readers.push_back(reader);
  input.lazy_.fetch_or(kHasReaders, std::memory_order_release);
}

void Access::make_pending(Storage& s, Program program) {
  s.pending_ = std::make_unique<Pending>();
  s.pending_->program = std::move(program);
  s.lazy_.fetch_or(kPending, std::memory_order_release);
}

namespace {

// One operand's part of a new program.
struct Fragment {
  const Tensor* tensor = nullptr;  // read as a whole (Load, or the copy of its pending program)
  double value = 0;                // otherwise one element, read now
};

bool is_whole(const TensorImpl& t, const Shape& shape) { return t.contiguous && t.shape == shape; }

// The shape of a binary op's result, when the fuser can take it (false otherwise).
bool fused_shape(const TensorImpl& a, const TensorImpl& b, Shape& shape) {
  if (a.shape == b.shape) shape = a.shape;
  else if (a.numel == 1 && a.shape.size() <= b.shape.size()) shape = b.shape;
  else if (b.numel == 1 && b.shape.size() <= a.shape.size()) shape = a.shape;
  else return false;
  return true;
}

// Appends t's part to `code` / `inputs`; false when t cannot be read lazily. Holds g_mutex.
bool append_whole(const Tensor& t, std::vector<Instr>& code, std::vector<Input>& inputs) {
  const TensorImpl& ti = *t.impl();
  Storage& s = Access::mut(*ti.storage);
  if (Access::escaped(s)) return false;
  if (Access::lazy(s) & Access::kPending) {
    Pending& p = Access::pending(s);
    std::lock_guard<std::mutex> lock(p.mutex);
    if (Access::lazy(s) & Access::kPending) {
      if (ti.offset != 0 || ti.numel != p.program.numel) return false;  // part of a pending result
      for (Instr i : p.program.code) {
        if (i.op == Op::Load) {
          const Input& in = p.program.inputs[i.arg];
          auto it = std::find_if(inputs.begin(), inputs.end(),
                                 [&](const Input& x) { return x.storage == in.storage && x.offset == in.offset; });
          i.arg = static_cast<std::uint8_t>(it - inputs.begin());
          if (it == inputs.end()) inputs.push_back(in);
        }
        code.push_back(i);
      }
      return true;
    }
  }
  // Settled: load it.
  auto it = std::find_if(inputs.begin(), inputs.end(),
                         [&](const Input& x) { return x.storage == ti.storage && x.offset == ti.offset; });
  code.push_back({Op::Load, static_cast<std::uint8_t>(it - inputs.begin()), 0});
  if (it == inputs.end()) inputs.push_back({ti.storage, ti.offset});
  return true;
}

// The public op that `op` implements, for error messages.
const char* op_name(Op op) {
  switch (op) {
    case Op::Neg: return "neg";
    case Op::Exp: return "exp";
    case Op::Tanh: return "tanh";
    case Op::Sigmoid: return "sigmoid";
    case Op::Relu: return "relu";
    case Op::Add: return "add";
    case Op::Sub: return "sub";
    case Op::Mul: return "mul";
    case Op::Div: return "div";
    case Op::TanhBackward: return "tanh_backward";
    case Op::SigmoidBackward: return "sigmoid_backward";
    case Op::ReluBackward: return "relu_backward";
    default: return "elementwise";
  }
}

Tensor build(Op op, const Shape& shape, Dtype dtype, std::initializer_list<Fragment> operands) {
  std::vector<Instr> code;
  std::vector<Input> inputs;
  std::lock_guard<std::mutex> lock(g_mutex);
  for (const Fragment& f : operands) {
    if (f.tensor) {
      if (!append_whole(*f.tensor, code, inputs)) return Tensor();
    } else {
      code.push_back({Op::Const, 0, f.value});
    }
    if (code.size() > kMaxCode || inputs.size() > kMaxInputs) return Tensor();
  }
  code.push_back({op, 0, 0});
  if (code.size() > kMaxCode || stack_depth(code) > kMaxDepth) return Tensor();

  // Allocated only once the op is known to fuse (an op that runs eagerly allocates its own).
  Tensor out = kernels::empty_tensor(shape, dtype, op_name(op));
  const auto& storage = out.impl()->storage;
  for (const Input& in : inputs) Access::add_reader(*in.storage, storage);
  Access::make_pending(*storage, Program{dtype, out.numel(), std::move(code), std::move(inputs)});
  return out;
}

// Whether t's dtype and size let the fuser take an op producing `numel` elements.
bool eligible(const Tensor& t, std::int64_t numel) {
  return t.defined() && t.is_floating_point() && numel >= std::max<std::int64_t>(fusion_min_numel(), 2);
}

// The fragment for an operand of a result of `shape`; false when it cannot be fused.
template <class T>
bool fragment_of(const Tensor& t, const Shape& shape, Fragment& f) {
  const TensorImpl& ti = *t.impl();
  if (is_whole(ti, shape)) {
    f.tensor = &t;
    return true;
  }
  if (!kernels::reads_one_element(ti)) return false;
  f.value = static_cast<double>(ti.data_as<T>()[0]);  // read now, as the eager op would
  return true;
}

}  // namespace

Tensor defer(Op op, const Tensor& x) {
  if (!eligible(x, x.defined() ? x.numel() : 0) || !is_whole(*x.impl(), x.shape())) return Tensor();
  return build(op, x.shape(), x.dtype(), {Fragment{&x, 0}});
}

Tensor defer(Op op, const Tensor& a, const Tensor& b) {
  if (!a.defined() || !b.defined() || a.dtype() != b.dtype()) return Tensor();
  Shape shape;
  if (!fused_shape(*a.impl(), *b.impl(), shape)) return Tensor();
  const std::int64_t n = checked_numel(shape, "fusion");
  if (!eligible(a, n)) return Tensor();
  Fragment fa, fb;
  bool ok = a.dtype() == Dtype::Float32 ? fragment_of<float>(a, shape, fa) && fragment_of<float>(b, shape, fb)
                                        : fragment_of<double>(a, shape, fa) && fragment_of<double>(b, shape, fb);
  if (!ok || (!fa.tensor && !fb.tensor)) return Tensor();
  return build(op, shape, a.dtype(), {fa, fb});
}

Tensor defer(Op op, const Tensor& x, double s) {
  if (!eligible(x, x.defined() ? x.numel() : 0) || !is_whole(*x.impl(), x.shape())) return Tensor();
  return build(op, x.shape(), x.dtype(), {Fragment{&x, 0}, Fragment{nullptr, s}});
}

}  // namespace xgrad::fusion
