// A tiny MNIST in the original IDX format, written at test time from the bundled 8x8 digits
// (datasets/digits.csv.gz): each image scaled 3x (nearest) to 24x24 and padded to 28x28, its
// 0..16 values mapped to bytes 0..255. No binary files in the repository.
#pragma once
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

namespace mnist_fixture {

inline void put_u32(std::ofstream& out, std::uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
  out.write(b, 4);
}

// An IDX file: magic, then the dims, then the bytes (any of them may be made wrong by tests).
inline void write_idx(const std::string& path, std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                      const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  put_u32(out, magic);
  for (std::uint32_t d : dims) put_u32(out, d);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

struct Split {
  std::vector<std::uint8_t> images;  // count * 784 bytes
  std::vector<std::uint8_t> labels;
};

// `count` digits from row `first` of digits.csv.gz as 28x28 byte images.
inline Split digits_as_mnist(std::int64_t first, std::int64_t count) {
  static const xgrad::data::LabeledData digits =
      xgrad::data::load_labeled_csv(std::string(XGRAD_SOURCE_DIR) + "/datasets/digits.csv.gz");
  Split s;
  s.images.assign(static_cast<std::size_t>(count) * 784, 0);
  for (std::int64_t n = 0; n < count; ++n) {
    const std::vector<float> px = digits.features[first + n].to_vector<float>();
    for (int r = 0; r < 24; ++r) {
      for (int c = 0; c < 24; ++c) {
        const float v = px[static_cast<std::size_t>((r / 3) * 8 + c / 3)];
        s.images[static_cast<std::size_t>(n * 784 + (r + 2) * 28 + c + 2)] =
            static_cast<std::uint8_t>(v * 255.0f / 16.0f + 0.5f);
      }
    }
    s.labels.push_back(static_cast<std::uint8_t>(digits.labels[first + n].item<std::int64_t>()));
  }
  return s;
}

// Writes train (n_train digits) and t10k (the next n_test) files into a fresh directory `dir`.
inline void write(const std::string& dir, std::int64_t n_train, std::int64_t n_test) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const Split train = digits_as_mnist(0, n_train), test = digits_as_mnist(n_train, n_test);
  const auto nt = static_cast<std::uint32_t>(n_train), ne = static_cast<std::uint32_t>(n_test);
  write_idx(dir + "/train-images-idx3-ubyte", 2051, {nt, 28, 28}, train.images);
  write_idx(dir + "/train-labels-idx1-ubyte", 2049, {nt}, train.labels);
  write_idx(dir + "/t10k-images-idx3-ubyte", 2051, {ne, 28, 28}, test.images);
  write_idx(dir + "/t10k-labels-idx1-ubyte", 2049, {ne}, test.labels);
}

}  // namespace mnist_fixture
