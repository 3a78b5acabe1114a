// The safetensors reader and writer: format validation (the file is untrusted) and the layout
// of a written file (written by write_file_atomically).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

#include "../autograd/grad_mode.hpp"
#include "../autograd/op_support.hpp"
#include "atomic_write.hpp"
#include "serialize.hpp"

namespace xgrad::nn {

namespace {

using json = nlohmann::json;
constexpr std::uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit

// Text from the file, fit for an error message: at most 64 bytes, control bytes as '?'. The
// file is untrusted: a message must never copy unbounded input.
std::string quote(const std::string& text) {
  constexpr std::size_t kMax = 64;
  std::string s = text.substr(0, kMax);
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  if (text.size() > kMax) s += "... (" + std::to_string(text.size()) + " bytes)";
  return s;
}

std::string compose(const std::string& file, const std::string& key, const std::string& message) {
  std::string s = "safetensors file '" + file + "'";
  if (!key.empty()) s += ", key '" + quote(key) + "'";
  return s + ": " + message;
}

const char* dtype_code(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Bool: return "BOOL";
    default: return "I64";
  }
}

bool parse_dtype(const std::string& code, Dtype& out) {
  if (code == "F32") out = Dtype::Float32;
  else if (code == "F64") out = Dtype::Float64;
  else if (code == "I64") out = Dtype::Int64;
  else if (code == "BOOL") out = Dtype::Bool;
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

// A JSON value from the file for an error message: scalars as written, strings quoted and
// bounded, arrays and objects by their type and size. Never dump(): a value nested 65,000
// deep would overflow the stack, and a long one would copy the file into the message.
std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::array: return "an array of " + std::to_string(v.size()) + " elements";
    case json::value_t::object: return "an object of " + std::to_string(v.size()) + " keys";
    case json::value_t::string: return "\"" + quote(v.get_ref<const std::string&>()) + "\"";
    default: return v.dump();  // a number, boolean or null: a few characters
  }
}

// The file's bytes, or FileError (also for a directory, which opens but cannot be read).
std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileError(path, "", "cannot open for reading: " + errno_text());
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw FileError(path, "", "is a directory, not a safetensors file");
  }
  std::string bytes;
  if (S_ISREG(st.st_mode)) bytes.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      const std::string why = errno_text();
      ::close(fd);
      throw FileError(path, "", "read failed: " + why);
    }
    bytes.append(buf, static_cast<std::size_t>(r));
  }
  ::close(fd);
  return bytes;
}

struct Entry {
  std::string name;
  Dtype dtype;
  Shape shape;
  std::uint64_t begin, end;
};

// The entry's shape, checked: non-negative integers whose product is addressable.
Shape parse_shape(const json& sh, std::uint64_t& numel,
                  const std::function<CorruptFileError(const std::string&)>& bad) {
  if (!sh.is_array()) throw bad("'shape' is " + describe(sh) + ", not an array");
  Shape shape;
  // span: the product with zero sizes counted as 1, which the strides reach even when numel is 0.
  std::uint64_t span = 1;
  numel = 1;
  for (const auto& d : sh) {
    if (!d.is_number_unsigned()) throw bad("'shape' holds " + describe(d) + ", not a non-negative integer");
    auto size = d.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, size, &numel) ||
        __builtin_mul_overflow(span, std::max<std::uint64_t>(size, 1), &span) ||
        span > static_cast<std::uint64_t>(INT64_MAX) / 8) {
      throw bad("'shape' of " + std::to_string(sh.size()) + " dimensions is too large to be addressed (dimension " +
                std::to_string(shape.size()) + " is " + std::to_string(size) + ")");
    }
    shape.push_back(static_cast<std::int64_t>(size));
  }
  return shape;
}

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  std::function<CorruptFileError(const std::string&)> bad = [&](const std::string& why) {
    return CorruptFileError(path, name, why);
  };
  if (!v.is_object()) throw bad("the header entry is " + describe(v) + ", not a JSON object");
  auto dt = v.find("dtype"), sh = v.find("shape"), off = v.find("data_offsets");
  if (dt == v.end() || sh == v.end() || off == v.end())
    throw bad("the header entry needs 'dtype', 'shape' and 'data_offsets'");
  Entry e{name, Dtype::Float32, {}, 0, 0};
  if (!dt->is_string() || !parse_dtype(dt->get<std::string>(), e.dtype)) {
    throw bad("unsupported dtype " + describe(*dt) + " (this library reads F32, F64 and I64)");
  }
  std::uint64_t numel = 1;
  e.shape = parse_shape(*sh, numel, bad);
  if (!off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned()) {
    std::string got = describe(*off);
    if (off->is_array() && off->size() == 2) got += " (" + describe((*off)[0]) + ", " + describe((*off)[1]) + ")";
    throw bad("'data_offsets' must be two non-negative integers, got " + got);
  }
  e.begin = (*off)[0].get<std::uint64_t>();
  e.end = (*off)[1].get<std::uint64_t>();
  std::uint64_t nbytes = 0;
  if (e.end < e.begin)
    throw bad("'data_offsets' end " + std::to_string(e.end) + " is before begin " + std::to_string(e.begin));
  if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(element_size(e.dtype)), &nbytes) ||
      e.end - e.begin != nbytes) {
    throw bad("'data_offsets' span " + std::to_string(e.end - e.begin) + " bytes, but " + dt->get<std::string>() + " " +
              shape_str(e.shape) + " needs " + std::to_string(numel * element_size(e.dtype)));
  }
  return e;
}

// Parses the header JSON, refusing what nlohmann would accept silently or dangerously: nesting
// deeper than the format ever needs (a parse or a later walk could recurse once per level) and
// a key repeated in any object (nlohmann keeps the last one).
json parse_header(const std::string& path, const char* begin, const char* end) {
  constexpr int kMaxDepth = 16;  // the format needs 3: header, entry, shape
  struct Object {
    std::string name;  // its key in the enclosing object; "" for the header itself
    std::set<std::string> keys;
  };
  std::vector<Object> objects;
  std::string last_key;
  int depth = 0;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if (event == E::object_start || event == E::array_start) {
      if (++depth > kMaxDepth) {
        throw CorruptFileError(path, "",
                               "the header nests arrays or objects more than " + std::to_string(kMaxDepth) + " deep");
      }
      if (event == E::object_start) objects.push_back({objects.empty() ? "" : last_key, {}});
    } else if (event == E::object_end || event == E::array_end) {
      --depth;
      if (event == E::object_end) objects.pop_back();
    } else if (event == E::key) {
      last_key = parsed.get<std::string>();
      Object& o = objects.back();
      if (!o.keys.insert(last_key).second) {
        if (objects.size() == 1) throw CorruptFileError(path, last_key, "the key appears twice in the header");
        throw CorruptFileError(path, o.name, "'" + quote(last_key) + "' appears twice in this object");
      }
    }
    return true;
  };
  try {
    return json::parse(begin, end, callback);
  } catch (const json::exception& e) {
    // nlohmann quotes the token it stopped at, which may be long: keep the message bounded.
    throw CorruptFileError(path, "", "the header is not valid JSON: " + quote(e.what()));
  }
}

CorruptFileError bad_padding(const std::string& path, char byte) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(byte));
  return CorruptFileError(
      path, "",
      std::string("the header is padded with byte ") + hex + "; only spaces (0x20) may follow its JSON object");
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
      throw std::invalid_argument(compose(path, name,
                                          name == "__metadata__" ? "the name __metadata__ is reserved"
                                          : t.defined()          ? "the name appears twice"
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

  for (Tensor& c : data) {
    auto* bytes = static_cast<char*>(c.impl()->data());
    to_little_endian(bytes, static_cast<std::size_t>(c.numel()) * element_size(c.dtype()), element_size(c.dtype()));
  }
  std::vector<std::string_view> chunks{{len, 8}, text};
  for (const Tensor& c : data) {
    chunks.emplace_back(static_cast<const char*>(c.impl()->data()),
                        static_cast<std::size_t>(c.numel()) * element_size(c.dtype()));
  }
  try {
    write_file_atomically(path, chunks);
  } catch (const WriteError& e) {
    throw FileError(path, "", e.reason());
  }
}

SafetensorsContents read_safetensors(const std::string& path) {
  const std::string bytes = read_file(path);
  if (bytes.size() < 8) {
    throw CorruptFileError(
        path, "", "the file is " + std::to_string(bytes.size()) + " bytes, too short for the 8-byte header length");
  }
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  if (n > kMaxHeader || n > bytes.size() - 8) {
    throw CorruptFileError(path, "",
                           "the header length " + std::to_string(n) + " points outside the file of " +
                               std::to_string(bytes.size()) + " bytes (truncated or not a safetensors file)");
  }
  const char* hbegin = bytes.data() + 8;
  if (n == 0 || *hbegin != '{') throw CorruptFileError(path, "", "the header does not start with a JSON object");

  const char* hend = hbegin + n;
  json header;
  try {
    header = parse_header(path, hbegin, hend);
  } catch (const CorruptFileError&) {
    // A valid object followed by padding that is not whitespace: name the padding, not the JSON.
    const char* close = hend;
    while (close > hbegin && close[-1] != '}') --close;
    const char* pad = close;
    while (pad < hend && *pad == ' ') ++pad;
    if (close > hbegin && pad < hend && json::accept(hbegin, close)) throw bad_padding(path, *pad);
    throw;
  }
  // nlohmann also accepts tabs and newlines after the object; the format allows only spaces.
  while (hend[-1] == ' ') --hend;
  if (hend[-1] != '}') throw bad_padding(path, hend[-1]);
  if (!header.is_object()) throw CorruptFileError(path, "", "the header is not a JSON object");

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
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  std::uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.end > buffer) {
      throw CorruptFileError(path, e.name,
                             "'data_offsets' [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                                 "] point outside the " + std::to_string(buffer) +
                                 "-byte data buffer (truncated file?)");
    }
    if (e.begin != expected) {
      throw CorruptFileError(
          path, e.name,
          std::string("the data ") + (e.begin < expected ? "overlaps the previous tensor's" : "leaves a gap") +
              " (begins at " + std::to_string(e.begin) + ", expected " + std::to_string(expected) + ")");
    }
    expected = e.end;
  }
  if (expected != buffer) {
    throw CorruptFileError(path, "",
                           "the data buffer has " + std::to_string(buffer - expected) + " bytes that no tensor uses");
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
