// Writes MNIST-format IDX files (train-*, t10k-*) from the bundled 8x8 digits, each image scaled
// 3x and padded to 28x28, so the ported MNIST program runs without downloading MNIST.
// Usage: make_idx DIGITS_CSV_GZ OUT_DIR
#include <zlib.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Row = std::array<int, 65>;  // 64 pixels in 0..16, then the label

std::vector<Row> read_digits(const char* path) {
  gzFile f = gzopen(path, "rb");
  if (!f) throw std::runtime_error(std::string("make_idx: cannot open ") + path);
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  gzclose(f);
  std::vector<Row> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Row r{};
    std::istringstream cells(line);
    std::string cell;
    for (int i = 0; i < 65 && std::getline(cells, cell, ','); ++i) r[i] = std::stoi(cell);
    rows.push_back(r);
  }
  return rows;
}

void put32(std::ofstream& out, std::uint32_t v) {
  const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.write(b, 4);
}

void write_split(const std::string& dir, const std::string& prefix, const std::vector<Row>& rows, std::size_t begin,
                 std::size_t end) {
  std::ofstream images(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream labels(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  put32(images, 2051), put32(images, std::uint32_t(end - begin)), put32(images, 28), put32(images, 28);
  put32(labels, 2049), put32(labels, std::uint32_t(end - begin));
  for (std::size_t i = begin; i < end; ++i) {
    std::array<char, 28 * 28> img{};
    for (int y = 0; y < 24; ++y)
      for (int x = 0; x < 24; ++x) img[(y + 2) * 28 + x + 2] = char(std::min(255, rows[i][(y / 3) * 8 + x / 3] * 16));
    images.write(img.data(), img.size());
    labels.put(char(rows[i][64]));
  }
  if (!images || !labels) throw std::runtime_error("make_idx: cannot write " + dir);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_idx DIGITS_CSV_GZ OUT_DIR\n";
    return 2;
  }
  auto rows = read_digits(argv[1]);
  const std::size_t n_train = rows.size() * 4 / 5;
  write_split(argv[2], "train", rows, 0, n_train);
  write_split(argv[2], "t10k", rows, n_train, rows.size());
  std::cout << "make_idx: " << n_train << " training and " << rows.size() - n_train << " test images\n";
}
