// Atomic, durable file writes: every output of the library and the CLI (safetensors files,
// metrics CSV, plots, gradcheck reports, DOT graphs) goes through write_file_atomically, so a
// crash never leaves a truncated file in place of a good one. (nn/atomic_write.hpp gives the
// same functions their older xgrad::nn names.)
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xgrad::autograd {

// The file could not be written; what() is "cannot write '<path>': <reason>".
class WriteError : public std::runtime_error {
 public:
  WriteError(const std::string& path, const std::string& reason);
  const std::string& path() const noexcept { return path_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string path_, reason_;
};

// Writes `chunks`, one after another, as the whole new content of `path` (mode 0644):
// into a temporary "<name>.tmp.XXXXXX" beside the file, fsync'ed, renamed over it, and the
// rename fsync'ed. A symlink is followed (its target is replaced; the link stays); a path that
// is a directory, device, FIFO or socket is refused, never replaced. Temporaries of the same
// target left by a killed writer are removed first; the writer holds an flock on its own
// temporary until it is renamed, so a live writer's temporary is never taken for a stale one.
// Throws WriteError.
void write_file_atomically(const std::string& path, const std::vector<std::string_view>& chunks);

// The file write_file_atomically(path, ...) would replace: `path` with its symlinks followed
// (the file need not exist yet). Throws WriteError for a directory, device, FIFO or socket, so
// a program can refuse an output before doing the work that produces it.
std::string resolve_write_target(const std::string& path);

}  // namespace xgrad::autograd
