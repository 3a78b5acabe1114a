// write_file_atomically: symlinks followed, non-regular files refused, stale temporaries of a
// killed writer removed, and the temporary locked while it is live.
#include "atomic_write.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace xgrad::autograd {

WriteError::WriteError(const std::string& path, const std::string& reason)
    : std::runtime_error("cannot write '" + path + "': " + reason), path_(path), reason_(reason) {}

namespace {

std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

// Renaming over a symlink would replace the link, and renaming over a device node would destroy
// it (as root), so the link is followed and anything but a regular file refused.
std::string resolve_write_target(const std::string& path) {
  std::string p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return p;  // absent (created) or unreachable (mkstemp reports why)
    if (S_ISREG(st.st_mode)) return p;
    if (!S_ISLNK(st.st_mode)) {
      const std::string via = p == path ? "" : " (the target of the symlink, '" + p + "')";
      throw WriteError(
          path, std::string("it is ") + kind_of(st.st_mode) + via + ", not a regular file; refusing to replace it");
    }
    std::string link(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    const ssize_t n = ::readlink(p.c_str(), link.data(), link.size());
    if (n <= 0 || static_cast<std::size_t>(n) >= link.size())
      throw WriteError(path, "cannot read the symlink '" + p + "'");
    link.resize(static_cast<std::size_t>(n));
    p = link.front() == '/' ? link : directory_of(p) + "/" + link;
  }
  throw WriteError(path, "too many levels of symbolic links");
}

namespace {

// "<name>.tmp.XXXXXX" with the six characters mkstemp draws: exactly our temporaries of <name>.
bool is_temporary_of(const char* entry, const std::string& name) {
  const std::string prefix = name + ".tmp.";
  if (std::strncmp(entry, prefix.c_str(), prefix.size()) != 0 || std::strlen(entry) != prefix.size() + 6) return false;
  for (const char* c = entry + prefix.size(); *c; ++c)
    if (!std::isalnum(static_cast<unsigned char>(*c))) return false;
  return true;
}

// Removes the temporaries of `name` in `dir` that no live writer holds (a writer keeps an
// flock on its temporary until the rename). Best effort: a failure leaves the file for later.
void remove_stale_temporaries(const std::string& dir, const std::string& name) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  const int dfd = ::dirfd(d);
  while (const dirent* e = ::readdir(d)) {
    if (!is_temporary_of(e->d_name, name)) continue;
    const int fd = ::openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat held, named;
    // The name must still be the file we locked: a writer may have renamed it meanwhile.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::fstat(fd, &held) == 0 && S_ISREG(held.st_mode) &&
        ::fstatat(dfd, e->d_name, &named, AT_SYMLINK_NOFOLLOW) == 0 && named.st_dev == held.st_dev &&
        named.st_ino == held.st_ino) {
      ::unlinkat(dfd, e->d_name, 0);
    }
    ::close(fd);
  }
  ::closedir(d);
}

// A new temporary beside `target`, open and flock'ed. Another writer's cleanup may remove it
// between mkstemp and flock; then the name no longer leads to our file and we make another.
int create_locked_temporary(const std::string& path, const std::string& target, std::string& name) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    name = target + ".tmp.XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0)
      throw WriteError(path, "cannot create a temporary file in " + directory_of(target) + ": " + errno_text());
    struct stat held, named;
    if (::flock(fd, LOCK_EX) == 0 && ::fstat(fd, &held) == 0 && ::stat(name.c_str(), &named) == 0 &&
        named.st_dev == held.st_dev && named.st_ino == held.st_ino) {
      return fd;
    }
    ::close(fd);
  }
  throw WriteError(path, "cannot keep a temporary file in " + directory_of(target) + " (removed by another writer)");
}

// Writes all n bytes, retrying partial writes and interruptions.
bool write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::vector<std::string_view>& chunks) {
  const std::string target = resolve_write_target(path);
  remove_stale_temporaries(directory_of(target), name_of(target));
  std::string tmp;
  const int fd = create_locked_temporary(path, target, tmp);
  auto fail = [&](const std::string& what) {
    std::string why = what + ": " + errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw WriteError(path, why);
  };
  for (std::string_view c : chunks)
    if (!write_all(fd, c.data(), c.size())) fail("write failed");
  if (::fchmod(fd, 0644) != 0) fail("chmod failed");  // mkstemp creates 0600; match a normal file
  if (::fsync(fd) != 0) fail("fsync failed");
  // Renamed while still open and locked, so no cleanup can take it for a stale temporary; the
  // data is already durable (fsync), so close cannot lose it any more.
  if (::rename(tmp.c_str(), target.c_str()) != 0) fail("cannot rename the temporary file into place");
  ::close(fd);
  // Make the rename itself durable.
  int dfd = ::open(directory_of(target).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace xgrad::autograd
