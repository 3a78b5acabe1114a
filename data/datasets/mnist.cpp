#include "mnist.hpp"

#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "../../autograd/ops.hpp"

namespace xgrad::data::datasets {

namespace {

constexpr std::uint32_t kImageMagic = 2051, kLabelMagic = 2049;
constexpr std::uint32_t kRows = 28, kCols = 28;

// An IDX file opened through zlib, which reads plain files unchanged and .gz files decompressed.
class IdxFile {
 public:
  explicit IdxFile(std::string path) : path_(std::move(path)) {
    file_ = gzopen(path_.c_str(), "rb");
    if (!file_) fail("cannot open the file");
  }
  ~IdxFile() { gzclose(file_); }
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  [[noreturn]] void fail(const std::string& why) const { throw std::runtime_error("MNIST: '" + path_ + "': " + why); }

  // The next big-endian 32-bit header field, `what` naming it in the error for a short file.
  std::uint32_t read_u32(const char* what) {
    unsigned char b[4];
    if (read(b, 4) != 4) fail(std::string("the file ends inside its header (reading the ") + what + ")");
    return std::uint32_t{b[0]} << 24 | std::uint32_t{b[1]} << 16 | std::uint32_t{b[2]} << 8 | b[3];
  }
  // Exactly `n` payload bytes and then the end of the file. Read in chunks so that memory grows
  // only with bytes that are really there, whatever the header claims.
  std::vector<std::uint8_t> read_payload(std::uint64_t n, const std::string& what) {
    std::vector<std::uint8_t> out;
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    while (out.size() < n) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, n - out.size()));
      const std::size_t old = out.size();
      out.resize(old + want);
      const std::size_t got = read(out.data() + old, want);
      if (got < want) {
        fail("truncated: the header announces " + what + " (" + std::to_string(n) + " bytes of data), the file has " +
             std::to_string(old + got));
      }
    }
    unsigned char extra;
    if (read(&extra, 1) != 0) fail("the file has data after the " + what + " its header announces");
    return out;
  }

 private:
  std::size_t read(void* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
      const int got = gzread(file_, static_cast<char*>(dst) + done, chunk);
      if (got < 0) {
        int err = 0;
        const char* msg = gzerror(file_, &err);
        fail(std::string("read error: ") + (msg ? msg : "unknown"));
      }
      if (got == 0) break;
      done += static_cast<std::size_t>(got);
    }
    return done;
  }

  std::string path_;
  gzFile file_ = nullptr;
};

// root/name, or root/name.gz when only that exists.
std::string locate(const std::string& root, const std::string& name) {
  const std::filesystem::path plain = std::filesystem::path(root) / name;
  std::error_code ec;
  if (!std::filesystem::exists(plain, ec)) {
    std::filesystem::path gz = plain;
    gz += ".gz";
    if (std::filesystem::exists(gz, ec)) return gz.string();
  }
  return plain.string();  // a missing file fails in IdxFile with its plain name
}

Tensor read_images(const std::string& path) {
  IdxFile f(path);
  const std::uint32_t magic = f.read_u32("magic number");
  if (magic != kImageMagic) {
    f.fail("magic number " + std::to_string(magic) + ", expected " + std::to_string(kImageMagic) +
           " (an IDX file of unsigned-byte images)");
  }
  const std::uint32_t count = f.read_u32("image count");
  const std::uint32_t rows = f.read_u32("row count"), cols = f.read_u32("column count");
  if (rows != kRows || cols != kCols) {
    f.fail("images of " + std::to_string(rows) + " x " + std::to_string(cols) + ", expected 28 x 28");
  }
  if (count > static_cast<std::uint32_t>(INT32_MAX)) f.fail("image count " + std::to_string(count) + " is too large");
  const std::vector<std::uint8_t> bytes =
      f.read_payload(std::uint64_t{count} * kRows * kCols, std::to_string(count) + " images");
  std::vector<float> values(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) values[i] = static_cast<float>(bytes[i]) / 255.0f;
  return tensor(values, {static_cast<std::int64_t>(count), 1, kRows, kCols});
}

Tensor read_labels(const std::string& path) {
  IdxFile f(path);
  const std::uint32_t magic = f.read_u32("magic number");
  if (magic != kLabelMagic) {
    f.fail("magic number " + std::to_string(magic) + ", expected " + std::to_string(kLabelMagic) +
           " (an IDX file of unsigned-byte labels)");
  }
  const std::uint32_t count = f.read_u32("label count");
  if (count > static_cast<std::uint32_t>(INT32_MAX)) f.fail("label count " + std::to_string(count) + " is too large");
  const std::vector<std::uint8_t> bytes = f.read_payload(count, std::to_string(count) + " labels");
  return tensor(std::vector<std::int64_t>(bytes.begin(), bytes.end()));
}

}  // namespace

MNIST::MNIST(const std::string& root, Mode mode) : train_(mode == Mode::kTrain) {
  const std::string prefix = train_ ? "train" : "t10k";
  const std::string images_path = locate(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = locate(root, prefix + "-labels-idx1-ubyte");
  // Labels first: the small file catches a wrong directory before 47 MB are read.
  targets_ = read_labels(labels_path);
  images_ = read_images(images_path);
  if (images_.size(0) != targets_.size(0)) {
    throw std::runtime_error("MNIST: '" + images_path + "' holds " + std::to_string(images_.size(0)) + " images but '" +
                             labels_path + "' holds " + std::to_string(targets_.size(0)) + " labels");
  }
}

Example<> MNIST::get(std::size_t index) {
  if (index >= static_cast<std::size_t>(images_.size(0))) {
    throw std::out_of_range("MNIST::get: index " + std::to_string(index) + " is out of range for " +
                            std::to_string(images_.size(0)) + " examples");
  }
  const auto i = static_cast<std::int64_t>(index);
  return {images_[i], targets_[i]};
}

std::optional<std::size_t> MNIST::size() const { return static_cast<std::size_t>(images_.size(0)); }

}  // namespace xgrad::data::datasets
