// WorkerQueue (internal to make_data_loader's loader): threads that turn requests into batches
// ahead of the thread that iterates, each with its own fetch function (its own copy of the
// dataset). Results are handed out in the order the requests were pushed, whatever order the
// threads finish in, so that a loader with workers gives the same batches as one without.
// An exception thrown by a fetch is rethrown by the pop() that reaches its request.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace xgrad::data::detail {

template <class Request, class Batch>
class WorkerQueue {
 public:
  using Fetch = std::function<Batch(Request)>;

  WorkerQueue() = default;
  WorkerQueue(const WorkerQueue&) = delete;
  WorkerQueue& operator=(const WorkerQueue&) = delete;
  ~WorkerQueue() { stop(); }

  // One thread per fetch function.
  void start(std::vector<Fetch> fetchers) {
    for (auto& f : fetchers) threads_.emplace_back([this, fetch = std::move(f)]() mutable { run(fetch); });
  }
  // Lets the threads finish their current request, then joins them.
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    jobs_cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // Forgets every request pushed so far (a new epoch); results still being computed are dropped.
  void reset() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
    jobs_.clear();
    results_.clear();
    pushed_ = popped_ = 0;
  }
  // Throws std::logic_error after stop(): no thread would ever answer.
  void push(Request request) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) throw std::logic_error("data loader: its worker threads were joined (join()); it cannot load more");
      jobs_.push_back(Job{generation_, pushed_++, std::move(request)});
    }
    jobs_cv_.notify_one();
  }
  std::size_t in_flight() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pushed_ - popped_;
  }
  // The batch of the oldest request not yet popped (waits for it).
  Batch pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::size_t seq = popped_++;
    results_cv_.wait(lock, [&] { return results_.count(seq) != 0; });
    Result r = std::move(results_.at(seq));
    results_.erase(seq);
    lock.unlock();
    if (r.error) std::rethrow_exception(r.error);
    return std::move(*r.batch);
  }

 private:
  struct Job {
    std::size_t generation, seq;
    Request request;
  };
  struct Result {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  void run(Fetch& fetch) {
    for (;;) {
      std::optional<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        jobs_cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (stop_) return;
        job.emplace(std::move(jobs_.front()));
        jobs_.pop_front();
      }
      Result r;
      try {
        r.batch.emplace(fetch(std::move(job->request)));
      } catch (...) {
        r.error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (job->generation != generation_) continue;  // from an epoch that was reset
        results_.emplace(job->seq, std::move(r));
      }
      results_cv_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable jobs_cv_, results_cv_;
  std::deque<Job> jobs_;
  std::map<std::size_t, Result> results_;
  std::size_t generation_ = 0, pushed_ = 0, popped_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace xgrad::data::detail
