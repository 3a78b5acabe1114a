// DistributedDataParallel: data-parallel training of any nn::Module over MPI, as PyTorch's DDP.
// Each rank runs the same model on its own shard of every batch; after backward, every rank
// holds the gradients averaged over all ranks, so that identical optimizer steps keep the
// replicas identical (bit for bit: every rank applies the same all-reduced numbers).
//
//   distributed::init(&argc, &argv);
//   auto net = std::make_shared<Net>();
//   distributed::DistributedDataParallel ddp(net);      // rank 0's parameters and buffers everywhere
//   optim::SGD opt(net->parameters(), optim::SGDOptions(0.1).momentum(0.9));
//   for (auto& batch : loader) {                         // loader sharded by data::DistributedSampler
//     opt.zero_grad();
//     loss_fn(ddp(batch.data), batch.target).backward(); // all-reduce overlapped with backward
//     opt.step();                                        // gradients are averaged by now
//   }
//
// How: the parameters (those that require grad) are packed, in reverse registration order
// (roughly the order backward produces their gradients), into buckets of at most
// bucket_cap_bytes each (one dtype per bucket). A post-accumulate-grad hook on every parameter
// (autograd/backward_hooks.hpp) copies its gradient into its bucket; when a bucket is full its
// MPI_Iallreduce starts at once, while backward goes on. Buckets start strictly in index order
// on every rank (MPI needs the same collective order everywhere), so a bucket that is complete
// early waits for the ones before it. A callback queued in the engine waits for all of them at
// the end of backward and writes grad = sum / world_size into each parameter's .grad(): the
// synchronisation is automatic, nothing extra to call before optimizer.step().
// After the first synchronised backward the buckets are rebuilt once, as PyTorch's are: in the
// order rank 0 saw the gradients arrive, and split where the next gradient came much later (a
// gap of more than a tenth of backward's span), so that the early layers' all-reduce starts
// while the late layers still compute (for a 784-512-256-10 MLP: fc3 and fc2 overlap fc1's
// backward; fc1's own gradient, the last one computed, cannot overlap anything).
//
// Rules (as PyTorch's):
// - Construction checks that every rank holds the same parameter and buffer list (names,
//   dtypes, shapes) and throws std::invalid_argument on every rank naming the first difference;
//   it then broadcasts rank 0's parameters and buffers.
// - forward() broadcasts rank 0's buffers first when broadcast_buffers (default): BatchNorm's
//   running statistics are rank 0's everywhere, computed from rank 0's shards only, and batch
//   statistics in training mode are per rank. distributed::SyncBatchNorm (sync_batch_norm.hpp)
//   uses the whole global batch's instead.
// - Inside a no_sync() scope backward only accumulates locally; the first backward after the
//   scope reduces the accumulated gradients (gradient accumulation without communication).
// - A parameter that gets no gradient in a backward (unused by this step's graph) makes the
//   end of backward throw std::logic_error naming it, unless find_unused_parameters: then it
//   contributes zeros, and its .grad() is set only when some rank used it (a parameter unused
//   on every rank keeps its .grad(), as PyTorch's).
// - One synchronised backward per forward: a second backward (e.g. two losses, retain_graph)
//   would all-reduce the already-averaged gradients again; sum the losses first instead.
// - Thread-safety: the backward engine runs hooks on the thread that called backward(); MPI
//   calls are serialised (MPI_THREAD_SERIALIZED), so backward may run on any one thread at a
//   time. A backward that throws midway leaves all-reduces in flight: the job cannot continue
//   (other ranks wait for this one), which run_or_abort() turns into a clean job abort.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>
#include "../nn/modules/any.hpp"

#include "../nn/module.hpp"
#include "../optim/arg.hpp"

namespace xgrad::distributed {

class DDPOptions {
  // PyTorch's default bucket_cap_mb = 25. Must be >= 1.
  XGRAD_ARG(std::int64_t, bucket_cap_bytes, 25 * 1024 * 1024)
  XGRAD_ARG(bool, find_unused_parameters, false)
  XGRAD_ARG(bool, broadcast_buffers, true)
};

// Counters over the synchronised backward passes so far: how much all-reduce time backward hid.
struct DDPStats {
  std::int64_t steps = 0;               // synchronised backward passes
  std::int64_t buckets_reduced = 0;     // all-reduces run
  std::int64_t buckets_overlapped = 0;  // of those, started before backward's last node ran
  std::int64_t buckets_hidden = 0;      // of those, already complete when backward ended
  std::int64_t bytes_reduced = 0;
  std::int64_t bytes_overlapped = 0;  // of those, in buckets started before backward's last node ran
  std::int64_t bytes_hidden = 0;      // of those, in buckets complete when backward ended
  double backward_seconds = 0;        // from the first ready gradient to the end of synchronisation
  double exposed_seconds = 0;         // time spent at the end of backward starting and waiting for
                                      // all-reduces: the communication NOT hidden by backward
};

class DistributedDataParallel {
 public:
  // Throws std::logic_error before distributed::init(), std::invalid_argument for a null module,
  // bucket_cap_bytes < 1 or a model that differs across ranks.
  // `module`: a holder, a shared_ptr to a module class with a forward(Tensor), or an nn::AnyModule.
  explicit DistributedDataParallel(nn::AnyModule module, const DDPOptions& options = DDPOptions());
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  // Broadcasts buffers (see above) and runs the module's forward.
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  nn::Module& module() const noexcept { return *module_; }
  const nn::ModulePtr& module_ptr() const noexcept { return module_; }

  // While alive, backward passes do not communicate (see above).
  class NoSync {
   public:
    explicit NoSync(DistributedDataParallel& ddp);
    ~NoSync();
    NoSync(const NoSync&) = delete;
    NoSync& operator=(const NoSync&) = delete;

   private:
    DistributedDataParallel& ddp_;
    bool previous_;
  };
  [[nodiscard]] NoSync no_sync() { return NoSync(*this); }

  // The bucket layout: parameter names per bucket, in all-reduce order.
  std::vector<std::vector<std::string>> bucket_parameter_names() const;
  const DDPStats& stats() const noexcept;

  struct Reducer;  // the buckets and the per-step state (ddp.cpp)

 private:
  nn::AnyModule any_;  // calls the module's own forward (Module has no virtual one)
  nn::ModulePtr module_;
  DDPOptions options_;
  std::unique_ptr<Reducer> reducer_;
};

}  // namespace xgrad::distributed
