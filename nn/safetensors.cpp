// The safetensors reader and writer: format validation and atomic, durable writes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "../autograd/grad_mode.hpp"
#include "../autograd/kernels/kernels.hpp"
#include "serialize.hpp"

namespace xgrad::nn {

namespace {

using json = nlohmann::json;
constexpr std::uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

std::string compose(const std::string& file, const std::string& key, const std::string& message) {
  std::string s = "safetensors file '" + file + "'";
  if (!key.empty()) s += ", key '" + key + "'";
  return s + ": " + message;
}

const char* dtype_code(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    default: return "I64";
  }
}

bool parse_dtype(const std::string& code, Dtype& out) {
  if (code == "F32") out = Dtype::Float32;
  else if (code == "F64") out = Dtype::Float64;
  else if (code == "I64") out = Dtype::Int64;
  else return false;
  return true;
}

// Raw data is little-endian on disk; swap element bytes on a big-endian host.
void to_little_endian(char* data, std::size_t nbytes, std::size_t elem) {
  if constexpr (std::endian::native == std::endian::little) {
    (void)data, (void)nbytes, (void)elem;
  } else {
    for (std::size_t i = 0; i + elem <= nbytes; i += elem) std::reverse(data + i, data + i + elem);
  }
}

std::string errno_text() { return std::strerror(errno); }

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

std::string directory_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The file's bytes, or FileError.
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path, "", "cannot open for reading: " + errno_text());
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw FileError(path, "", "read failed: " + errno_text());
  return bytes;
}

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  std::uint64_t begin, end;
};

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  auto bad = [&](const std::string& why) { return CorruptFileError(path, name, why); };
  if (!v.is_object()) throw bad("the header entry is not a JSON object");
  auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
  if (dt == v.end() || sh == v.end() || off == v.end()) throw bad("the header entry needs 'dtype', 'shape' and 'data_offsets'");
  Entry e{name, Dtype::Float32, {}, 0, 0};
  if (!dt->is_string() || !parse_dtype(dt->get<std::string>(), e.dtype)) {
    throw bad("unsupported dtype " + dt->dump() + " (this library reads F32, F64 and I64)");
  }
  if (!sh->is_array()) throw bad("'shape' is not an array");
  // span: the product with zero sizes counted as 1, which the strides reach even when numel is 0.
  std::uint64_t numel = 1, span = 1;
  for (const auto& d : *sh) {
    if (!d.is_number_unsigned()) throw bad("'shape' holds " + d.dump() + ", not a non-negative integer");
    auto size = d.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, size, &numel) ||
        __builtin_mul_overflow(span, std::max<std::uint64_t>(size, 1), &span) || span > static_cast<std::uint64_t>(INT64_MAX) / 8) {
      throw bad("'shape' " + sh->dump() + " is too large to be addressed");
    }
    e.shape.push_back(static_cast<std::int64_t>(size));
  }
  if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned()) {
    throw bad("'data_offsets' must be two non-negative integers, got " + off->dump());
  }
  e.begin = (*off)[0].get<std::uint64_t>();
  e.end = (*off)[1].get<std::uint64_t>();
  std::uint64_t nbytes = 0;
  if (e.end < e.begin) throw bad("'data_offsets' end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin));
  if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(element_size(e.dtype)), &nbytes) || e.end - e.begin != nbytes) {
    throw bad("'data_offsets' span " + std::to_string(e.end - e.begin) + " bytes, but " + dt->get<std::string>() + " " +
              shape_str(e.shape) + " needs " + std::to_string(numel * element_size(e.dtype)));
  }
  return e;
}

}  // namespace

SerializationError::SerializationError(const std::string& file, const std::string& key, const std::string& message)
    : std::runtime_error(compose(file, key, message)), file_(file), key_(key) {}

void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  json header = json::object();
  std::vector<Tensor> data;
  std::uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    if (name == "__metadata__" || !names.insert(name).second || !t.defined()) {
      throw std::invalid_argument(compose(path, name, name == "__metadata__" ? "the name __metadata__ is reserved"
                                                      : t.defined() ? "the name appears twice"
                                                                    : "the tensor is undefined"));
    }
    Tensor c;
    {
      NoGradGuard guard;
      c = kernels::copy_as(t.detach(), t.dtype());  // contiguous, and safe from later writes
    }
    const std::uint64_t nbytes = static_cast<std::uint64_t>(c.numel()) * element_size(c.dtype());
    header[name] = {{"dtype", dtype_code(c.dtype())},
                    {"shape", std::vector<std::int64_t>(c.shape().begin(), c.shape().end())},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(std::move(c));
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  char len[8];
  std::uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((n >> (8 * i)) & 0xff);

  std::string tmpl = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw FileError(path, "", "cannot create a temporary file in " + directory_of(path) + ": " + errno_text());
  auto fail = [&](const std::string& what) {
    std::string why = what + ": " + errno_text();
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw FileError(path, "", why);
  };
  if (!write_all(fd, len, 8) || !write_all(fd, text.data(), text.size())) fail("write failed");
  for (Tensor& c : data) {
    auto* bytes = static_cast<char*>(c.impl()->data());
    const std::size_t nbytes = static_cast<std::size_t>(c.numel()) * element_size(c.dtype());
    to_little_endian(bytes, nbytes, element_size(c.dtype()));
    if (!write_all(fd, bytes, nbytes)) fail("write failed");
  }
  if (::fchmod(fd, 0644) != 0) fail("chmod failed");  // mkstemp creates 0600; match a normal file
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    ::unlink(tmpl.c_str());
    throw FileError(path, "", "close failed: " + errno_text());
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    std::string why = errno_text();
    ::unlink(tmpl.c_str());
    throw FileError(path, "", "cannot rename the temporary file into place: " + why);
  }
  // Make the rename itself durable.
  int dfd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

SafetensorsContents read_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 8) {
    throw CorruptFileError(path, "", "the file is " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  if (n > kMaxHeader || n > bytes.size() - 8) {
    throw CorruptFileError(path, "", "the header length " + std::to_string(n) + " points outside the file of " +
                                         std::to_string(bytes.size()) + " bytes (truncated or not a safetensors file)");
  }
  const char* hbegin = bytes.data() + 8;
  if (n == 0 || *hbegin != '{') throw CorruptFileError(path, "", "the header does not start with a JSON object");

  std::set<std::string> seen;
  std::string duplicate;
  json header;
  try {
    header = json::parse(hbegin, hbegin + n, [&](int depth, json::parse_event_t event, json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 && !seen.insert(parsed.get<std::string>()).second) {
        duplicate = parsed.get<std::string>();
      }
      return true;
    });
  } catch (const json::exception& e) {
    throw CorruptFileError(path, "", std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw CorruptFileError(path, "", "the header is not a JSON object");
  if (!duplicate.empty()) throw CorruptFileError(path, duplicate, "the key appears twice in the header");

  SafetensorsContents out;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw CorruptFileError(path, name, "__metadata__ is not a JSON object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) throw CorruptFileError(path, "__metadata__." + k, "metadata values must be strings");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parse_entry(path, name, value));
  }
  // The data must be exactly the byte buffer, tensor after tensor, with no gap or overlap.
  const std::uint64_t buffer = bytes.size() - 8 - n;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.end > buffer) {
      throw CorruptFileError(path, e.name, "'data_offsets' [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                               "] point outside the " + std::to_string(buffer) +
                                               "-byte data buffer (truncated file?)");
    }
    if (e.begin != expected) {
      throw CorruptFileError(path, e.name, std::string("the data ") + (e.begin < expected ? "overlaps the previous tensor's" : "leaves a gap") +
                                               " (begins at " + std::to_string(e.begin) + ", expected " + std::to_string(expected) + ")");
    }
    expected = e.end;
  }
  if (expected != buffer) {
    throw CorruptFileError(path, "", "the data buffer has " + std::to_string(buffer - expected) + " bytes that no tensor uses");
  }
  const char* data = hbegin + n;
  for (const Entry& e : entries) {
    Tensor t = kernels::empty_tensor(e.shape, e.dtype, "safetensors load");
    auto* dst = static_cast<char*>(t.impl()->data());
    std::memcpy(dst, data + e.begin, e.end - e.begin);
    to_little_endian(dst, e.end - e.begin, element_size(e.dtype));
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

}  // namespace xgrad::nn
