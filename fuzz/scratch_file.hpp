// The loaders under test read files, so each harness writes its input to a private scratch
// file first (one per process, removed at exit).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace xgrad::fuzz {

inline const std::string& scratch_path(const char* suffix) {
  static const std::string path = [&] {
    const char* dir = std::getenv("TMPDIR");
    std::string p = std::string(dir && *dir ? dir : "/tmp") + "/xgrad-fuzz-" + std::to_string(::getpid()) + suffix;
    std::atexit([] { std::remove(scratch_path("").c_str()); });
    return p;
  }();
  return path;
}

inline const std::string& write_scratch(const char* suffix, const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path(suffix);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();  // the harness itself failed, not the code under test
  }
  return path;
}

// A failure is only acceptable with a message a user can act on.
inline void require_message(const char* what) {
  if (!what || std::string(what).size() < 10) {
    std::fprintf(stderr, "exception without a clear message: '%s'\n", what ? what : "(null)");
    std::abort();
  }
}

}  // namespace xgrad::fuzz
