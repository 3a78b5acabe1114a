#include "file_options.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <xgrad/nn/atomic_write.hpp>

namespace xgrad::cli {

namespace fs = std::filesystem;

void check_writable(const FileOption& output) {
  if (output.path.empty()) return;
  const fs::path p(output.path);
  if (fs::is_directory(p)) {
    throw std::invalid_argument(output.option + " " + output.path + ": is a directory, expected a file name");
  }
  std::error_code ec;
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  // The file the atomic writer would replace: a symlink's target. A FIFO or device is refused
  // now, not after training, when the save itself would refuse it.
  std::string target;
  try {
    target = nn::resolve_write_target(output.path);
  } catch (const std::exception& e) {
    throw std::invalid_argument(output.option + " " + output.path + ": " + e.what());
  }
  const fs::path probe = target + ".xgrad-write-check";
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) {
    throw std::invalid_argument(output.option + " " + output.path + ": cannot write there (" + std::strerror(errno) +
                                ")");
  }
  std::fclose(f);
  fs::remove(probe, ec);
}

namespace {

bool exists_as_file(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);  // follows symlinks: a link to an existing file exists
}

// weakly_canonical resolves the symlinks and the . and .. of the part of the path that exists.
fs::path resolved(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p).lexically_normal() : r;
}

bool same_file(const std::string& a, const std::string& b) {
  if (exists_as_file(a) && exists_as_file(b)) {
    std::error_code ec;
    return fs::equivalent(a, b, ec);
  }
  return resolved(a) == resolved(b);
}

}  // namespace

void check_distinct_files(const std::vector<FileOption>& inputs, const std::vector<FileOption>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const FileOption& out = outputs[i];
    if (out.path.empty()) continue;
    for (const FileOption& in : inputs) {
      if (!in.path.empty() && same_file(out.path, in.path)) {
        throw std::invalid_argument(out.option + " " + out.path + " is the same file as " + in.option + " " + in.path +
                                    ": writing it would overwrite the input; choose another path");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      const FileOption& other = outputs[j];
      if (!other.path.empty() && same_file(out.path, other.path)) {
        throw std::invalid_argument(out.option + " " + out.path + " is the same file as " + other.option + " " +
                                    other.path + ": one output would overwrite the other; choose another path");
      }
    }
  }
}

}  // namespace xgrad::cli
