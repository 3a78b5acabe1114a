// Saving and loading in the safetensors format: bit-exact round trips, the header checked
// against the format's specification, module state_dicts (strict and not), and one test per
// kind of corrupt or mismatching file, each raising its own error naming the file and key.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>
#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed afterwards.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("xgrad_nn_serialize_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file laid out by hand as the specification describes: length, header, data.
std::string make_file(const std::string& header, const std::string& data) {
  std::string h = header;
  h.append((8 - h.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  std::uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::string floats(std::vector<float> v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4); }

bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape()) return false;
  Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.impl()->data(), cb.impl()->data(),
                     static_cast<std::size_t>(a.numel()) * element_size(a.dtype())) == 0;
}

struct Net : nn::Module {
  std::shared_ptr<nn::LinearImpl> fc;
  std::shared_ptr<nn::BatchNorm1dImpl> bn;
  Net() : Module("Net") {
    fc = register_module("fc", std::make_shared<nn::LinearImpl>(3, 2));
    bn = register_module("bn", std::make_shared<nn::BatchNorm1dImpl>(2));
  }
  Tensor forward(const Tensor& x) { return bn->forward(fc->forward(x)); }
};

template <class E, class F>
std::string expect_error(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("wrong exception type: " << e.what());
    return "";
  }
  FAIL("expected an exception");
  return "";
}

}  // namespace

TEST_CASE("tensor maps round-trip bit-exactly in Float32, Float64 and Int64") {
  TempDir dir;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  nn::TensorDict tensors = {
      {"f32", tensor(std::vector<float>{1.5f, -0.0f, nan, std::numeric_limits<float>::infinity(), 1e-45f, 3.14159265f},
                     {2, 3})},
      {"f64", randn({4, 5}, kFloat64)},
      {"i64", tensor(std::vector<std::int64_t>{-1, 0, std::numeric_limits<std::int64_t>::max()})},
      {"scalar", scalar_tensor(2.5, kFloat64)},
      {"empty", zeros({0, 3})},
      {"strided", randn({3, 4}).t()},  // a non-contiguous view is saved by value
  };
  const std::string path = dir.file("t.safetensors");
  nn::save(tensors, path, {{"format", "pt"}, {"note", "round trip"}});
  nn::TensorDict loaded;
  nn::Metadata metadata;
  nn::load(loaded, path, &metadata);
  REQUIRE(loaded.size() == tensors.size());
  for (const auto& entry : tensors) {  // no structured binding: clang 14 cannot capture one
    const auto& name = entry.first;
    const auto& t = entry.second;
    CAPTURE(name);
    REQUIRE(loaded.count(name) == 1);
    CHECK(bit_equal(loaded[name], t));
    CHECK(loaded[name].is_contiguous());
  }
  CHECK(metadata == nn::Metadata{{"format", "pt"}, {"note", "round trip"}});
}

TEST_CASE("a written file follows the safetensors specification") {
  TempDir dir;
  const std::string path = dir.file("spec.safetensors");
  nn::save(nn::TensorDict{{"b", tensor(std::vector<double>{1, 2, 3}, {3, 1})},
                          {"a", tensor(std::vector<float>{4, 5})},
                          {"c", tensor(std::vector<std::int64_t>{7})}},
           path, {{"k", "v"}});
  const std::string bytes = read_bytes(path);
  REQUIRE(bytes.size() >= 8);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  CHECK(n % 8 == 0);  // the header is padded so the data starts 8-byte aligned
  REQUIRE(8 + n <= bytes.size());
  const std::string header = bytes.substr(8, n);
  CHECK(header.front() == '{');
  CHECK(header.find_last_not_of(' ') == header.rfind('}'));  // only spaces pad it
  nlohmann::json j = nlohmann::json::parse(header);
  CHECK(j["__metadata__"] == nlohmann::json{{"k", "v"}});
  const std::uint64_t buffer = bytes.size() - 8 - n;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const auto& [name, entry] : j.items()) {
    if (name == "__metadata__") continue;
    REQUIRE(entry.contains("dtype"));
    REQUIRE(entry.contains("shape"));
    REQUIRE(entry["data_offsets"].size() == 2);
    spans[name] = {entry["data_offsets"][0].get<std::uint64_t>(), entry["data_offsets"][1].get<std::uint64_t>()};
  }
  CHECK(j["a"]["dtype"] == "F32");
  CHECK(j["b"]["dtype"] == "F64");
  CHECK(j["c"]["dtype"] == "I64");
  CHECK(j["b"]["shape"] == nlohmann::json::array({3, 1}));
  CHECK(spans["a"].second - spans["a"].first == 8);
  CHECK(spans["b"].second - spans["b"].first == 24);
  CHECK(spans["c"].second - spans["c"].first == 8);
  // The spans tile the byte buffer exactly, and each holds the little-endian values.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sorted;
  for (const auto& [k, s] : spans) sorted.push_back(s);
  std::sort(sorted.begin(), sorted.end());
  std::uint64_t pos = 0;
  for (const auto& [b, e] : sorted) {
    CHECK(b == pos);
    pos = e;
  }
  CHECK(pos == buffer);
  const char* data = bytes.data() + 8 + n;
  double b1;
  std::memcpy(&b1, data + spans["b"].first + 8, 8);
  CHECK(b1 == 2.0);
  std::int64_t c0;
  std::memcpy(&c0, data + spans["c"].first, 8);
  CHECK(c0 == 7);
}

TEST_CASE("a file laid out by another writer loads (header order, metadata, padding)") {
  TempDir dir;
  const std::string path = dir.file("other.safetensors");
  // As Python's safetensors writes it: metadata first, keys in its own order.
  std::string header = R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},)"
                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  write_bytes(path, make_file(header, floats({0.5f, -1}) + floats({1, 2, 3, 4})));
  nn::TensorDict t;
  nn::load(t, path);
  CHECK(t["b"].to_vector<float>() == std::vector<float>{0.5f, -1});
  CHECK(t["w"].shape() == Shape{2, 2});
  CHECK(t["w"].to_vector<float>() == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("single tensors save under the key 'tensor' and load back") {
  TempDir dir;
  Tensor x = randn({2, 3}, kFloat64);
  nn::save(x, dir.file("x.safetensors"));
  Tensor y;
  nn::load(y, dir.file("x.safetensors"));
  CHECK(bit_equal(x, y));
  nn::TensorDict d;
  nn::load(d, dir.file("x.safetensors"));
  CHECK(d.count("tensor") == 1);
  nn::save(nn::TensorDict{{"a", x}, {"b", x}}, dir.file("two.safetensors"));
  std::string msg = expect_error<nn::KeyMismatchError>([&] { nn::load(y, dir.file("two.safetensors")); });
  CHECK(msg.find("exactly one tensor") != std::string::npos);
}

TEST_CASE("a module's state_dict round-trips and loads in place, keeping parameter handles") {
  TempDir dir;
  manual_seed(41);
  auto a = std::make_shared<Net>();
  a->train();
  a->forward(randn({4, 3}));  // moves BatchNorm's running statistics away from their defaults
  nn::save(a, dir.file("net.safetensors"));
  manual_seed(42);
  auto b = std::make_shared<Net>();
  tensor_list handles = b->parameters();  // as an optimizer holds them
  nn::LoadResult r = nn::load(b, dir.file("net.safetensors"));
  CHECK(r.missing_keys.empty());
  CHECK(r.unexpected_keys.empty());
  auto sa = a->state_dict(), sb = b->state_dict();
  REQUIRE(sa.size() == sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i) {
    CAPTURE(sa[i].first);
    CHECK(bit_equal(sa[i].second, sb[i].second));
  }
  CHECK(handles[0].is_same(b->fc->weight));
  CHECK(bit_equal(handles[0], a->fc->weight));
  CHECK(b->bn->num_batches_tracked.item<std::int64_t>() == 1);
  // and in Float64
  a->to(kFloat64);
  b->to(kFloat64);
  nn::save(*a, dir.file("net64.safetensors"));
  nn::load(*b, dir.file("net64.safetensors"));
  CHECK(bit_equal(a->fc->bias, b->fc->bias));
}

TEST_CASE("strict loading reports missing and unexpected keys; non-strict loads the rest") {
  TempDir dir;
  auto net = std::make_shared<Net>();
  nn::TensorDict partial = {{"fc.weight", ones({2, 3})}, {"extra", zeros({1})}};
  const std::string path = dir.file("partial.safetensors");
  nn::save(partial, path);
  std::vector<float> before = net->fc->weight.to_vector<float>();
  try {
    nn::load(net, path);
    FAIL("expected KeyMismatchError");
  } catch (const nn::KeyMismatchError& e) {
    std::string msg = e.what();
    CHECK(e.file() == path);
    CHECK(e.key() == "fc.bias");
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find("missing keys [fc.bias, bn.weight") != std::string::npos);
    CHECK(msg.find("unexpected keys [extra]") != std::string::npos);
  }
  CHECK(net->fc->weight.to_vector<float>() == before);  // nothing was copied
  nn::LoadResult r = nn::load(net, path, /*strict=*/false);
  CHECK(r.unexpected_keys == std::vector<std::string>{"extra"});
  CHECK(r.missing_keys.size() == 6);
  CHECK(net->fc->weight.to_vector<float>() == std::vector<float>(6, 1.0f));
}

TEST_CASE("shape and dtype mismatches name the key and leave the module untouched") {
  TempDir dir;
  auto net = std::make_shared<Net>();
  nn::TensorDict sd;
  for (const auto& [name, t] : net->state_dict()) sd[name] = zeros_like(t);
  sd["bn.running_var"] = zeros({3});  // the last key in state_dict order
  nn::save(sd, dir.file("shape.safetensors"));
  std::vector<float> before = net->fc->weight.to_vector<float>();
  std::string msg = expect_error<nn::ShapeMismatchError>([&] { nn::load(net, dir.file("shape.safetensors")); });
  CHECK(msg.find("bn.running_var") != std::string::npos);
  CHECK(msg.find("[3]") != std::string::npos);
  CHECK(net->fc->weight.to_vector<float>() == before);  // validated before any copy

  sd["bn.running_var"] = zeros({2});
  sd["fc.bias"] = zeros({2}, kFloat64);
  nn::save(sd, dir.file("dtype.safetensors"));
  msg = expect_error<nn::DtypeMismatchError>([&] { nn::load(net, dir.file("dtype.safetensors")); });
  CHECK(msg.find("fc.bias") != std::string::npos);
  CHECK(msg.find("Float64") != std::string::npos);
  CHECK(net->fc->weight.to_vector<float>() == before);
}

TEST_CASE("each kind of corrupt file raises CorruptFileError naming the file and the key") {
  TempDir dir;
  const std::string path = dir.file("bad.safetensors");
  const std::string good_header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  const std::string good_data = floats({1, 2});
  auto corrupt = [&](const std::string& bytes) {
    write_bytes(path, bytes);
    nn::TensorDict t;
    return expect_error<nn::CorruptFileError>([&] { nn::load(t, path); });
  };
  auto has = [](const std::string& msg, const std::string& part) {
    CHECK_MESSAGE(msg.find(part) != std::string::npos, msg);
  };
  // the reference case loads
  write_bytes(path, make_file(good_header, good_data));
  nn::TensorDict ok;
  nn::load(ok, path);
  CHECK(ok["x"].to_vector<float>() == std::vector<float>{1, 2});

  has(corrupt("abc"), "too short");
  has(corrupt(make_file(good_header, good_data).substr(0, 20)), "points outside the file");
  // truncated in the data: the offsets point past the end
  std::string truncated = make_file(good_header, good_data);
  truncated.pop_back();
  std::string msg = corrupt(truncated);
  has(msg, "key 'x'");
  has(msg, "outside");
  has(msg, path);
  has(corrupt(make_file(R"({"x":{"dtype":"F32",)", good_data)), "not valid JSON");
  has(corrupt(make_file(R"(["x"])", good_data)), "JSON object");
  has(corrupt(make_file(R"({"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", floats({1}))),
      "unsupported dtype");
  has(corrupt(make_file(R"({"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", good_data)), "needs 12");
  has(corrupt(make_file(R"({"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", good_data)), "non-negative");
  has(corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", good_data)), "before begin");
  has(corrupt(make_file(R"({"x":{"dtype":"F32","shape":[2]}})", good_data)), "data_offsets");
  // two tensors sharing bytes, or leaving a gap, or bytes no tensor owns
  has(corrupt(make_file(
          R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          good_data)),
      "overlaps");
  has(corrupt(make_file(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", good_data)), "gap");
  has(corrupt(make_file(good_header, good_data + floats({3}))), "no tensor uses");
  has(corrupt(make_file(
          R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
          good_data)),
      "appears twice");
  has(corrupt(make_file(R"({"__metadata__":{"a":1}})", "")), "strings");
  // a header length far beyond the file
  std::string huge(8, '\xff');
  has(corrupt(huge + good_header), "header length");
  // the module loader reports the same errors before touching anything
  auto net = std::make_shared<Net>();
  write_bytes(path, truncated);
  CHECK_THROWS_AS(nn::load(net, path), nn::CorruptFileError);
}

TEST_CASE("a missing file raises FileError; every error is a SerializationError") {
  TempDir dir;
  nn::TensorDict t;
  std::string msg = expect_error<nn::FileError>([&] { nn::load(t, dir.file("nope.safetensors")); });
  CHECK(msg.find("nope.safetensors") != std::string::npos);
  CHECK_THROWS_AS(nn::load(t, dir.file("nope.safetensors")), nn::SerializationError);
  CHECK_THROWS_AS(nn::save(t, dir.file("no/such/dir/x.safetensors")), nn::FileError);
}

TEST_CASE("saving is atomic: it replaces the file whole and leaves no temporary behind") {
  TempDir dir;
  const std::string path = dir.file("w.safetensors");
  nn::save(nn::TensorDict{{"v", ones({3})}}, path);
  const std::string first = read_bytes(path);
  // A save that fails (an invalid name) leaves the previous file as it was.
  CHECK_THROWS_AS(nn::save(nn::TensorDict{{"__metadata__", ones({3})}}, path), std::invalid_argument);
  CHECK(read_bytes(path) == first);
  nn::save(nn::TensorDict{{"v", zeros({1000})}}, path);
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    ++files;
    CHECK(entry.path().filename() == "w.safetensors");
  }
  CHECK(files == 1);
  nn::TensorDict t;
  nn::load(t, path);
  CHECK(t["v"].numel() == 1000);
}

// ---- untrusted files (issue 16 items 1 and 21) ---------------------------------------------------

TEST_CASE("a header nested 500,000 deep is refused without recursing, and messages stay bounded") {
  TempDir dir;
  const std::string path = dir.file("deep.safetensors");
  const std::string deep = std::string(500000, '[') + std::string(500000, ']');
  const std::string entry_tail = R"(,"shape":[2],"data_offsets":[0,8]}})";
  auto corrupt = [&](const std::string& header) {
    write_bytes(path, make_file(header, floats({1, 2})));
    nn::TensorDict t;
    return expect_error<nn::CorruptFileError>([&] { nn::load(t, path); });
  };
  // Each place a message used to dump the value: dtype, a shape element, data_offsets.
  CHECK(corrupt(R"({"x":{"dtype":)" + deep + entry_tail).find("more than 16 deep") != std::string::npos);
  CHECK(corrupt(R"({"x":{"dtype":"F32","shape":[)" + deep + R"(],"data_offsets":[0,8]}})").find("deep") !=
        std::string::npos);
  CHECK(corrupt(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":)" + deep + "}}").find("deep") != std::string::npos);
  // Within the depth limit, a container is described, never copied into the message.
  std::string msg = corrupt(R"({"x":{"dtype":[[[[1]]]])" + entry_tail);
  CHECK_MESSAGE(msg.find("unsupported dtype an array of 1 elements") != std::string::npos, msg);
  msg = corrupt(R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[[0],8]}})");
  CHECK_MESSAGE(msg.find("got an array of 2 elements (an array of 1 elements, 8)") != std::string::npos, msg);
  // Long strings from the file are cut: a dtype, a key, a JSON syntax error's token.
  const std::string long_text(100000, 'A');
  msg = corrupt(R"({"x":{"dtype":")" + long_text + "\"" + entry_tail);
  CHECK(msg.size() < 400);
  CHECK(msg.find("(100000 bytes)") != std::string::npos);
  CHECK(corrupt(R"({")" + long_text + R"(":{"dtype":"F32"}})").size() < 400);
  CHECK(corrupt(R"({"x":")" + long_text).size() < 400);
}

TEST_CASE("reading a directory raises FileError") {
  TempDir dir;
  std::string msg = expect_error<nn::FileError>([&] { nn::read_safetensors(dir.path.string()); });
  CHECK_MESSAGE(msg.find("is a directory") != std::string::npos, msg);
}

TEST_CASE("a key repeated inside an entry or the metadata is refused, not silently dropped") {
  TempDir dir;
  const std::string path = dir.file("dup.safetensors");
  auto corrupt = [&](const std::string& header, const std::string& data) {
    write_bytes(path, make_file(header, data));
    return expect_error<nn::CorruptFileError>([&] { nn::read_safetensors(path); });
  };
  std::string msg = corrupt(R"({"x":{"dtype":"F64","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", floats({1, 2}));
  CHECK_MESSAGE(msg.find("key 'x': 'dtype' appears twice") != std::string::npos, msg);
  msg = corrupt(R"({"__metadata__":{"layers":"4,3","layers":"4,100,3"}})", "");
  CHECK_MESSAGE(msg.find("key '__metadata__': 'layers' appears twice") != std::string::npos, msg);
}

TEST_CASE("header padding other than spaces is refused") {
  TempDir dir;
  const std::string path = dir.file("pad.safetensors");
  const std::string header = R"({"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  for (const auto& [pad, byte] : std::vector<std::pair<std::string, std::string>>{
           {"\n", "0x0a"}, {"\t ", "0x09"}, {std::string(1, '\0'), "0x00"}, {" x", "0x78"}}) {
    write_bytes(path, make_file(header + pad, floats({1, 2})));
    std::string msg = expect_error<nn::CorruptFileError>([&] { nn::read_safetensors(path); });
    CHECK_MESSAGE(msg.find("padded with byte " + byte) != std::string::npos, msg);
  }
  write_bytes(path, make_file(header + "   ", floats({1, 2})));
  CHECK(nn::read_safetensors(path).tensors.size() == 1);
}

// ---- where a save writes (issue 16 items 4 and 5) -------------------------------------------------

TEST_CASE("saving through a symlink writes its target and keeps the link") {
  TempDir dir;
  fs::create_directories(dir.path / "real");
  nn::save(nn::TensorDict{{"v", ones({2})}}, dir.file("real/model.safetensors"));
  fs::create_symlink("real/model.safetensors", dir.path / "link.safetensors");
  nn::save(nn::TensorDict{{"v", zeros({5})}}, dir.file("link.safetensors"));
  CHECK(fs::is_symlink(dir.path / "link.safetensors"));
  nn::TensorDict t;
  nn::load(t, dir.file("real/model.safetensors"));
  CHECK(t["v"].numel() == 5);
  // A dangling link: the save creates its target.
  fs::create_symlink("real/new.safetensors", dir.path / "dangling.safetensors");
  nn::save(nn::TensorDict{{"v", ones({3})}}, dir.file("dangling.safetensors"));
  CHECK(fs::is_symlink(dir.path / "dangling.safetensors"));
  CHECK(fs::is_regular_file(dir.path / "real/new.safetensors"));
  CHECK(std::distance(fs::directory_iterator(dir.path / "real"), fs::directory_iterator()) == 2);  // no temporary left
}

TEST_CASE("saving over a device, FIFO or directory is refused and leaves it in place") {
  TempDir dir;
  const nn::TensorDict t{{"v", ones({2})}};
  const std::string fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string msg = expect_error<nn::FileError>([&] { nn::save(t, fifo); });
  CHECK_MESSAGE(msg.find("it is a FIFO, not a regular file") != std::string::npos, msg);
  CHECK(fs::is_fifo(fifo));
  msg = expect_error<nn::FileError>([&] { nn::save(t, dir.path.string()); });
  CHECK_MESSAGE(msg.find("it is a directory") != std::string::npos, msg);
  if (fs::is_character_file("/dev/null")) {
    fs::create_symlink("/dev/null", dir.path / "null_link");
    msg = expect_error<nn::FileError>([&] { nn::save(t, dir.file("null_link")); });
    CHECK_MESSAGE(msg.find("it is a character device (the target of the symlink, '/dev/null')") != std::string::npos,
                  msg);
    CHECK(fs::is_character_file("/dev/null"));
  }
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 2);  // fifo, null_link
}

TEST_CASE("a save removes the temporaries a killed save of the same file left, not a live one's") {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  auto touch = [&](const std::string& name) {
    write_bytes(dir.file(name), "partial");
    return dir.file(name);
  };
  touch("m.safetensors.tmp.a1B2c3");  // killed writers'
  touch("m.safetensors.tmp.ZZZZZZ");
  touch("m.safetensors.tmp.abc");  // not the pattern: kept
  touch("m.safetensors.tmp.abcdef.x");
  touch("other.safetensors.tmp.a1B2c3");
  // A live writer holds an flock on its temporary (here: another open file description).
  const std::string live = touch("m.safetensors.tmp.L1veW1");
  const int fd = ::open(live.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  nn::save(nn::TensorDict{{"v", ones({2})}}, path);
  ::close(fd);
  CHECK_FALSE(fs::exists(dir.file("m.safetensors.tmp.a1B2c3")));
  CHECK_FALSE(fs::exists(dir.file("m.safetensors.tmp.ZZZZZZ")));
  CHECK(fs::exists(live));
  CHECK(fs::exists(dir.file("m.safetensors.tmp.abc")));
  CHECK(fs::exists(dir.file("m.safetensors.tmp.abcdef.x")));
  CHECK(fs::exists(dir.file("other.safetensors.tmp.a1B2c3")));
  CHECK(nn::read_safetensors(path).tensors.size() == 1);
}

TEST_CASE("write_file_atomically, which the CLI's metrics and plots use too, follows the same rules") {
  TempDir dir;
  fs::create_symlink("target.csv", dir.path / "log.csv");
  nn::write_file_atomically(dir.file("log.csv"), {"a,b\n", "1,2\n"});
  CHECK(fs::is_symlink(dir.path / "log.csv"));
  CHECK(read_bytes(dir.file("target.csv")) == "a,b\n1,2\n");
  const std::string fifo = dir.file("fifo.csv");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  try {
    nn::write_file_atomically(fifo, {"x"});
    FAIL("expected WriteError");
  } catch (const nn::WriteError& e) {
    CHECK(std::string(e.what()) ==
          "cannot write '" + fifo + "': it is a FIFO, not a regular file; refusing to replace it");
    CHECK(e.path() == fifo);
  }
  CHECK(nn::resolve_write_target(dir.file("log.csv")) == dir.file("target.csv"));
  CHECK_THROWS_AS(nn::resolve_write_target(fifo), nn::WriteError);
  fs::create_symlink("loop_b", dir.path / "loop_a");
  fs::create_symlink("loop_a", dir.path / "loop_b");
  CHECK_THROWS_WITH_AS(nn::write_file_atomically(dir.file("loop_a"), {"x"}), doctest::Contains("too many levels"),
                       nn::WriteError);
}
