// Lazy elementwise fusion (internal). A large elementwise op whose operands are contiguous
// tensors of its own shape, or single elements, does not compute its result: it returns a tensor
// whose storage is *pending*, holding a short stack program over the operands' storages. An op on
// a pending operand copies that program into its own, so `tanh(x * a + b)` becomes one program
// reading x, a and b. The program runs the first time anyone calls the storage's data(), 1 KiB
// of elements at a time in cache: one pass over memory instead of one per op, split over
// threads when large (set_num_threads). sum() of a pending result adds each block of 1024
// elements up as it is written (run_summing), so that `tanh(x * a + b).sum()` reads its inputs
// exactly once. A program writes its result over an input that nothing else holds any more
// (typically a backward temporary, freed with the graph before the gradient it feeds is read):
// its stores then go to cache lines that its loads just brought in, not to a fresh buffer whose
// every line must first be read from memory.
//
// Eager semantics are kept exactly:
// - values: each instruction runs the same formula (elementwise.hpp) as the eager op, and
//   rounds its own result (the library is built with -ffp-contract=off);
// - later in-place writes: a program's inputs list it as a reader, and their data() runs every
//   pending reader before handing out the pointer that could be written through;
// - raw pointers kept by users: Tensor::data_ptr() marks the storage escaped, and an escaped
//   storage is never an input (the op then runs eagerly);
// - threads: a pending storage runs its program once, under its own mutex; creating a program
//   and running a storage's readers are serialised by one global mutex, so that a program
//   copied from a pending operand can never miss a write to that operand's inputs.
// Autograd is untouched: ops record their nodes as usual, whatever their outputs hold.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "../tensor.hpp"

namespace xgrad::fusion {

enum class Op : std::uint8_t {
  Load,   // push input `arg`
  Const,  // push `value` in every element
  // unary: pop 1, push 1
  Neg,
  Exp,
  Tanh,
  Sigmoid,
  Relu,
  // binary: pop b, pop a, push f(a, b)
  Add,
  Sub,
  Mul,
  Div,
  TanhBackward,     // g (1 - y^2)      with a = g, b = y
  SigmoidBackward,  // g y (1 - y)
  ReluBackward,     // y > 0 ? g : 0
};

struct Instr {
  Op op;
  std::uint8_t arg = 0;  // input index for Load
  double value = 0;      // for Const
};

struct Input {
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
};

struct Program {
  Dtype dtype = Dtype::Float32;
  std::int64_t numel = 0;
  std::vector<Instr> code;
  std::vector<Input> inputs;
};

// What a pending Storage owns until its program has run.
struct Pending {
  std::mutex mutex;
  Program program;  // cleared after running, releasing the inputs
};

// The deferred result of a unary op, of a binary op on two tensors, or of a binary op with a
// scalar right operand (x op s); an undefined Tensor when the op must run eagerly. The operands
// must already be checked by the caller (defined, valid shapes).
Tensor defer(Op op, const Tensor& x);
Tensor defer(Op op, const Tensor& a, const Tensor& b);
Tensor defer(Op op, const Tensor& x, double s);

// Whether x is a pending result read whole (contiguous, from its first element to its last).
bool pending_whole(const Tensor& x);
// Runs x's pending program, storing in block_sums[i] the block_sum (kernels.hpp) of results
// [i kSumBlock, (i + 1) kSumBlock) as they are written: a sum without a second pass. False when
// x was no longer pending (another reader ran it first); then nothing is stored.
bool run_summing(const Tensor& x, void* block_sums);

// Storage's private fields, for fusion.cpp, data_ptr() and borrow().
struct Access {
  // A storage over memory owned by someone else (adapt() in xtensor.hpp shares an xtensor
  // array's buffer). It is an empty inline storage pointed elsewhere: block_ stays null, so the
  // memory is never freed here, and its owner must outlive it. It is escaped from the start, as
  // the owner may write through its own pointer at any time: fusion never reads it lazily, and
  // so never lends its buffer to a fused result either (take_over_candidate only sees inputs).
  static std::shared_ptr<Storage> borrow(void* data, std::size_t nbytes) {
    auto s = std::make_shared<Storage>(std::size_t{0});
    s->data_ = data;
    s->nbytes_ = nbytes;
    s->escaped_.store(true, std::memory_order_relaxed);
    return s;
  }

  static constexpr std::uint8_t kPending = 1, kHasReaders = 2;
  static Storage& mut(const Storage& s) noexcept { return const_cast<Storage&>(s); }
  static void* raw(const Storage& s) noexcept { return s.data_; }
  static std::uint8_t lazy(const Storage& s) noexcept { return s.lazy_.load(std::memory_order_acquire); }
  static bool escaped(const Storage& s) noexcept { return s.escaped_.load(std::memory_order_relaxed); }
  static void escape(const Storage& s) noexcept { mut(s).escaped_.store(true, std::memory_order_relaxed); }
  static Pending& pending(const Storage& s) noexcept { return *s.pending_; }
  // Called with the global fusion lock held.
  static void add_reader(Storage& input, const std::shared_ptr<Storage>& reader);
  static void make_pending(Storage& s, Program program);
  // Storage::data()'s slow path; run() evaluates one pending storage.
  static void settle(const Storage& s) noexcept;
  static bool run(const Storage& s, void* block_sums = nullptr) noexcept;  // false: was not pending
};

}  // namespace xgrad::fusion
