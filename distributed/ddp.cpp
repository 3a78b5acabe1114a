#include "ddp.hpp"

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "../autograd/backward_hooks.hpp"
#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"
#include "collectives.hpp"
#include "model_check.hpp"
#include "mpi_detail.hpp"
#include "process_group.hpp"

namespace xgrad::distributed {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

struct DistributedDataParallel::Reducer {
  struct Param {
    std::string name;
    Tensor tensor;
    std::size_t bucket = 0;
    std::int64_t offset = 0;  // in elements, within the bucket
    bool ready = false;
    HookHandle hook = 0;
  };
  struct Bucket {
    Dtype dtype = kFloat32;
    std::vector<std::size_t> params;
    std::int64_t numel = 0;
    Tensor buffer;  // flat, contiguous
    char* data = nullptr;
    std::size_t pending = 0;
    bool launched = false;
    MPI_Request request = MPI_REQUEST_NULL;
  };

  bool find_unused = false;
  bool no_sync = false;
  bool in_step = false;
  bool rebuilt = false;  // buckets follow the first synchronised step's gradient order
  std::int64_t cap = 0;
  std::size_t next_bucket = 0;
  std::vector<Param> params;
  std::vector<Bucket> buckets;
  std::vector<int> used;                 // per param, this step (find_unused_parameters)
  std::vector<std::size_t> ready_order;  // first synchronised step: params as their gradients came
  std::vector<double> ready_at;          // and when (seconds since the first one)
  DDPStats stats;
  Clock::time_point step_start;

  void build_buckets(const nn::Module& module, std::int64_t cap_bytes);
  void assign(const std::vector<std::size_t>& order, const std::vector<int>& starts);
  void rebuild_buckets();
  void on_grad_ready(std::size_t index);
  void begin_step();
  void launch_ready_buckets();
  void progress();
  void finish();
  std::string mark_unused();
  void write_back(const std::vector<int>& used_anywhere);
};

void DistributedDataParallel::Reducer::build_buckets(const nn::Module& module, std::int64_t cap_bytes) {
  for (const auto& [name, p] : module.named_parameters())
    if (p.requires_grad()) params.push_back({name, p});
  cap = cap_bytes;
  // Reverse registration order: the output layer's gradients are ready first.
  std::vector<std::size_t> order;
  for (std::size_t k = params.size(); k-- > 0;) order.push_back(k);
  assign(order, std::vector<int>(order.size(), 0));
  used.assign(params.size(), 0);
  ready_at.assign(params.size(), 0.0);
}

// Packs the params, in `order`, into buckets of at most `cap` bytes and one dtype each; starts[j]
// forces a new bucket at position j.
void DistributedDataParallel::Reducer::assign(const std::vector<std::size_t>& order, const std::vector<int>& starts) {
  buckets.clear();
  for (std::size_t j = 0; j < order.size(); ++j) {
    Param& p = params[order[j]];
    const auto esize = static_cast<std::int64_t>(element_size(p.tensor.dtype()));
    const std::int64_t bytes = esize * p.tensor.numel();
    if (buckets.empty() || buckets.back().dtype != p.tensor.dtype() ||
        (!buckets.back().params.empty() && (starts[j] || buckets.back().numel * esize + bytes > cap))) {
      buckets.push_back({});
      buckets.back().dtype = p.tensor.dtype();
    }
    Bucket& b = buckets.back();
    p.bucket = buckets.size() - 1;
    p.offset = b.numel;
    b.numel += p.tensor.numel();
    b.params.push_back(order[j]);
  }
  for (Bucket& b : buckets) {
    if (b.numel > INT32_MAX) throw std::invalid_argument("DistributedDataParallel: a bucket exceeds 2^31 - 1 elements");
    b.buffer = zeros({b.numel}, b.dtype);
    b.data = static_cast<char*>(b.buffer.impl()->data());
  }
}

// After the first synchronised step, as PyTorch's Reducer does: rank 0's observed gradient order
// becomes the bucket order on every rank (a bucket is then never held back by a gradient that
// comes late), and a bucket also ends where the next gradient came much later (more than a
// tenth of the span from the first gradient to the last), so that the buckets of the late
// layers do not delay the all-reduce of the early ones. Costs one broadcast, once.
void DistributedDataParallel::Reducer::rebuild_buckets() {
  rebuilt = true;
  const std::size_t n = params.size();
  std::vector<int> plan(2 * n, 0);  // [order..., starts...]
  if (rank() == 0) {
    std::vector<std::size_t> order = ready_order;
    std::vector<char> seen(n, 0);
    for (std::size_t k : order) seen[k] = 1;
    for (std::size_t k = n; k-- > 0;)
      if (!seen[k]) order.push_back(k);  // unused this step: at the end, as before
    const double span = ready_order.empty() ? 0.0 : ready_at[ready_order.back()] - ready_at[ready_order.front()];
    for (std::size_t j = 0; j < n; ++j) {
      plan[j] = static_cast<int>(order[j]);
      const bool late = j > 0 && j < ready_order.size() && ready_at[order[j]] - ready_at[order[j - 1]] > 0.1 * span;
      plan[n + j] = late ? 1 : 0;
    }
  }
  {
    auto lock = detail::lock_mpi();
    detail::check(MPI_Bcast(plan.data(), static_cast<int>(plan.size()), MPI_INT, 0, detail::comm()),
                  "DistributedDataParallel", "MPI_Bcast");
  }
  std::vector<std::size_t> order(plan.begin(), plan.begin() + static_cast<std::ptrdiff_t>(n));
  assign(order, std::vector<int>(plan.begin() + static_cast<std::ptrdiff_t>(n), plan.end()));
  ready_order.clear();
}

void DistributedDataParallel::Reducer::begin_step() {
  in_step = true;
  next_bucket = 0;
  step_start = Clock::now();
  for (Param& p : params) p.ready = false;
  for (Bucket& b : buckets) {
    b.pending = b.params.size();
    b.launched = false;
  }
  std::fill(used.begin(), used.end(), 0);
  ready_order.clear();  // a step that threw may have left some
  autograd::queue_callback([this] { finish(); });
}

void DistributedDataParallel::Reducer::on_grad_ready(std::size_t index) {
  if (no_sync) return;
  if (!in_step) begin_step();
  Param& p = params[index];
  if (p.ready) return;
  const Tensor g = p.tensor.grad().contiguous();
  Bucket& b = buckets[p.bucket];
  const std::size_t esize = element_size(b.dtype);
  std::memcpy(b.data + static_cast<std::size_t>(p.offset) * esize, g.impl()->data(),
              static_cast<std::size_t>(g.numel()) * esize);
  p.ready = true;
  used[index] = 1;
  if (!rebuilt) {
    ready_at[index] = seconds_since(step_start);
    ready_order.push_back(index);
  }
  if (--b.pending == 0) launch_ready_buckets();
  progress();
}

// Starts, in index order, every bucket whose gradients are all in.
void DistributedDataParallel::Reducer::launch_ready_buckets() {
  auto lock = detail::lock_mpi();
  while (next_bucket < buckets.size() && buckets[next_bucket].pending == 0) {
    Bucket& b = buckets[next_bucket++];
    detail::check(MPI_Iallreduce(MPI_IN_PLACE, b.data, static_cast<int>(b.numel), detail::mpi_type(b.dtype), MPI_SUM,
                                 detail::comm(), &b.request),
                  "DistributedDataParallel", "MPI_Iallreduce");
    b.launched = true;
  }
}

// Non-blocking collectives advance only inside MPI calls: poke the ones in flight.
void DistributedDataParallel::Reducer::progress() {
  auto lock = detail::lock_mpi();
  for (std::size_t i = 0; i < next_bucket; ++i) {
    if (buckets[i].request == MPI_REQUEST_NULL) continue;
    int done = 0;
    detail::check(MPI_Test(&buckets[i].request, &done, MPI_STATUS_IGNORE), "DistributedDataParallel", "MPI_Test");
  }
}

// Unused parameters contribute zeros, so that every bucket completes; returns their names.
std::string DistributedDataParallel::Reducer::mark_unused() {
  std::string missing;
  for (Param& p : params) {
    if (p.ready) continue;
    missing += (missing.empty() ? "" : ", ") + p.name;
    Bucket& b = buckets[p.bucket];
    const std::size_t esize = element_size(b.dtype);
    std::memset(b.data + static_cast<std::size_t>(p.offset) * esize, 0,
                static_cast<std::size_t>(p.tensor.numel()) * esize);
    p.ready = true;
    --b.pending;
  }
  return missing;
}

void DistributedDataParallel::Reducer::finish() {
  const auto end_of_backward = Clock::now();
  const std::size_t overlapped = next_bucket;
  progress();
  std::int64_t hidden = 0;
  std::vector<char> done_early(buckets.size(), 0);
  for (std::size_t i = 0; i < next_bucket; ++i) {
    done_early[i] = buckets[i].request == MPI_REQUEST_NULL ? 1 : 0;
    hidden += done_early[i];
  }
  const std::string missing = mark_unused();
  launch_ready_buckets();
  std::vector<int> used_anywhere = used;
  {
    auto lock = detail::lock_mpi();
    if (find_unused) {
      detail::check(MPI_Allreduce(MPI_IN_PLACE, used_anywhere.data(), static_cast<int>(used_anywhere.size()), MPI_INT,
                                  MPI_MAX, detail::comm()),
                    "DistributedDataParallel", "MPI_Allreduce");
    }
    for (Bucket& b : buckets)
      detail::check(MPI_Wait(&b.request, MPI_STATUS_IGNORE), "DistributedDataParallel", "MPI_Wait");
  }
  write_back(used_anywhere);
  in_step = false;
  // Thrown only now: the reductions completed, so the ranks stay in step.
  if (!missing.empty() && !find_unused) {
    throw std::logic_error("DistributedDataParallel: parameters received no gradient in this backward: " + missing +
                           ". Construct with DDPOptions().find_unused_parameters(true) when the model does not use "
                           "every parameter in every step.");
  }
  stats.steps += 1;
  stats.buckets_reduced += static_cast<std::int64_t>(buckets.size());
  stats.buckets_overlapped += static_cast<std::int64_t>(overlapped);
  stats.buckets_hidden += hidden;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const std::int64_t bytes = buckets[i].numel * static_cast<std::int64_t>(element_size(buckets[i].dtype));
    stats.bytes_reduced += bytes;
    if (i < overlapped) stats.bytes_overlapped += bytes;
    if (done_early[i]) stats.bytes_hidden += bytes;
  }
  stats.exposed_seconds += seconds_since(end_of_backward);
  stats.backward_seconds += seconds_since(step_start);
  if (!rebuilt) rebuild_buckets();
}

// grad = bucket sum / world_size, in place into .grad() when there is one.
void DistributedDataParallel::Reducer::write_back(const std::vector<int>& used_anywhere) {
  NoGradGuard no_grad;
  const double n = static_cast<double>(world_size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    Param& p = params[k];
    if (!used_anywhere[k]) continue;  // unused on every rank: .grad() untouched
    const Bucket& b = buckets[p.bucket];
    Tensor g = p.tensor.grad();
    const std::size_t esize = element_size(b.dtype);
    const char* src = b.data + static_cast<std::size_t>(p.offset) * esize;
    if (!(g.defined() && g.is_contiguous() && !g.requires_grad() && g.dtype() == b.dtype)) {
      g = empty(p.tensor.shape(), b.dtype);
      p.tensor.set_grad(g);
    }
    // One pass: the sum divided by the world size straight into .grad() (the same division
    // as a separate div_, so every rank and a single process round alike).
    const auto count = static_cast<std::size_t>(g.numel());
    if (b.dtype == kFloat32) {
      const auto* in = reinterpret_cast<const float*>(src);
      auto* out = static_cast<float*>(g.impl()->data());
      const auto nf = static_cast<float>(n);
      for (std::size_t i = 0; i < count; ++i) out[i] = in[i] / nf;
    } else if (b.dtype == kFloat64) {
      const auto* in = reinterpret_cast<const double*>(src);
      auto* out = static_cast<double*>(g.impl()->data());
      for (std::size_t i = 0; i < count; ++i) out[i] = in[i] / n;
    } else {
      Tensor avg = xgrad::div(b.buffer.narrow(0, p.offset, p.tensor.numel()), n);
      std::memcpy(g.impl()->data(), avg.impl()->data(), count * esize);
    }
    g.impl()->storage->bump_version();
  }
}

// ---- DistributedDataParallel -------------------------------------------------------------

DistributedDataParallel::DistributedDataParallel(nn::AnyModule module, const DDPOptions& options)
    : any_(std::move(module)), module_(any_.ptr()), options_(options), reducer_(std::make_unique<Reducer>()) {
  const char* op = "DistributedDataParallel";
  if (!module_) throw std::invalid_argument("DistributedDataParallel: module is null");
  if (options_.bucket_cap_bytes() < 1) {
    throw std::invalid_argument("DistributedDataParallel: bucket_cap_bytes must be >= 1, got " +
                                std::to_string(options_.bucket_cap_bytes()));
  }
  detail::check_same_model(*module_, op);
  detail::broadcast_state(*module_);
  reducer_->find_unused = options_.find_unused_parameters();
  reducer_->build_buckets(*module_, options_.bucket_cap_bytes());
  Reducer* r = reducer_.get();
  for (std::size_t k = 0; k < r->params.size(); ++k) {
    r->params[k].hook = autograd::register_post_accumulate_grad_hook(r->params[k].tensor,
                                                                     [r, k](const Tensor&) { r->on_grad_ready(k); });
  }
}

DistributedDataParallel::~DistributedDataParallel() {
  for (const auto& p : reducer_->params) autograd::remove_post_accumulate_grad_hook(p.hook);
}

Tensor DistributedDataParallel::forward(const Tensor& input) {
  if (reducer_->in_step) {
    throw std::logic_error(
        "DistributedDataParallel: the previous backward did not finish its gradient reduction (it threw midway); "
        "the ranks are out of step and training cannot continue");
  }
  if (options_.broadcast_buffers() && module_->is_training() && world_size() > 1)
    for (auto b : module_->buffers()) broadcast(b, 0);
  return any_.forward(input);
}

DistributedDataParallel::NoSync::NoSync(DistributedDataParallel& ddp) : ddp_(ddp), previous_(ddp.reducer_->no_sync) {
  ddp_.reducer_->no_sync = true;
}
DistributedDataParallel::NoSync::~NoSync() { ddp_.reducer_->no_sync = previous_; }

std::vector<std::vector<std::string>> DistributedDataParallel::bucket_parameter_names() const {
  std::vector<std::vector<std::string>> out;
  for (const auto& b : reducer_->buckets) {
    out.emplace_back();
    for (std::size_t k : b.params) out.back().push_back(reducer_->params[k].name);
  }
  return out;
}

const DDPStats& DistributedDataParallel::stats() const noexcept { return reducer_->stats; }

}  // namespace xgrad::distributed
