#include "interrupt.hpp"

#include <atomic>
#include <csignal>

namespace xgrad::cli {

namespace {
// Lock-free, so setting it is async-signal-safe.
std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_sigint(int) { g_interrupted.store(true, std::memory_order_relaxed); }
}  // namespace

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  // SA_RESETHAND: the second Ctrl-C gets the default action and ends the program.
  // SA_RESTART: a read interrupted by the first one (loading a CSV) resumes instead of failing.
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

bool interrupted() noexcept { return g_interrupted.load(std::memory_order_relaxed); }

}  // namespace xgrad::cli
