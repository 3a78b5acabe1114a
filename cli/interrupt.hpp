// Ctrl-C during training: the first SIGINT only sets a flag that the training loops check after
// each batch, so the run stops cleanly and still writes its model, metrics and plots; a second
// SIGINT ends the program at once (the default action is restored after the first).
#pragma once

namespace xgrad::cli {

// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
inline constexpr int kInterruptedExitCode = 130;

void install_interrupt_handler();
bool interrupted() noexcept;

}  // namespace xgrad::cli
