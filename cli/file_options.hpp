// Checks on the files a command reads and writes, run before any training so that a mistake
// costs nothing: an output that cannot be written, and an output that is the same file as an
// input or as another output (which would silently overwrite the data, or lose one output).
#pragma once
#include <string>
#include <vector>

namespace xgrad::cli {

// A file named on the command line: the option that named it (for messages) and its path.
// An empty path means "not given" and is skipped.
struct FileOption {
  std::string option, path;
};

// Throws std::invalid_argument naming `option` when `path` is a directory or cannot be written
// (its parent directories are created, as the writers would).
void check_writable(const FileOption& output);

// Throws std::invalid_argument naming both options when an output is the same file as an input
// or as another output. Files are compared by identity, not by spelling: an existing file by
// device and inode (so ./d.csv, d.csv, a symlink to it and a hard link all match), a file not
// yet written by the canonical path of its parent directory and its name.
void check_distinct_files(const std::vector<FileOption>& inputs, const std::vector<FileOption>& outputs);

}  // namespace xgrad::cli
