// LibTorch's data API: a user's Dataset, map with transforms (Lambda, Normalize, Stack), MNIST
// read from IDX files written at test time (and refused when corrupt), make_data_loader with
// each sampler, drop_last, worker threads giving the same batches as none.
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>
#include <xgrad/xgrad.hpp>

#include "mnist_fixture.hpp"
#include "text_checks.hpp"

using namespace xgrad;

namespace {

// A dataset written the LibTorch way: example i is {[i, i^2], i}.
struct Squares : data::datasets::Dataset<Squares> {
  explicit Squares(std::size_t n, std::optional<std::size_t> throw_at = std::nullopt) : n(n), throw_at(throw_at) {}
  data::Example<> get(std::size_t index) override {
    if (throw_at && index == *throw_at) throw std::runtime_error("Squares: bad example " + std::to_string(index));
    const auto i = static_cast<double>(index);
    return {tensor(std::vector<double>{i, i * i}), scalar_tensor(static_cast<double>(index), kInt64)};
  }
  std::optional<std::size_t> size() const override { return n; }
  std::size_t n;
  std::optional<std::size_t> throw_at;
};

// The targets of one epoch of a stacked loader, batch by batch.
template <class Loader>
std::vector<std::vector<std::int64_t>> epoch(Loader& loader) {
  std::vector<std::vector<std::int64_t>> out;
  for (auto& batch : loader) out.push_back(batch.target.template to_vector<std::int64_t>());
  return out;
}

std::string temp_dir(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("xgrad_test_libtorch_data_" + name)).string();
}

}  // namespace

TEST_CASE("a user's Dataset: get, size, get_batch and map") {
  Squares ds(5);
  CHECK(ds.size().value() == 5);
  data::Example<> e = ds.get(3);
  CHECK(e.data.to_vector<double>() == std::vector<double>{3, 9});
  CHECK(e.target.item<std::int64_t>() == 3);
  std::vector<data::Example<>> batch = ds.get_batch({4, 1});
  REQUIRE(batch.size() == 2);
  CHECK(batch[0].target.item<std::int64_t>() == 4);

  auto doubled = Squares(5).map(data::transforms::Lambda<data::Example<>>([](data::Example<> x) {
    x.data = x.data * 2.0;
    return x;
  }));
  CHECK(doubled.size().value() == 5);
  CHECK(doubled.get_batch({2})[0].data.to_vector<double>() == std::vector<double>{4, 8});

  auto stacked = Squares(5)
                     .map(data::transforms::TensorLambda<>([](Tensor x) { return x + 1.0; }))
                     .map(data::transforms::Stack<>());
  data::Example<> b = stacked.get_batch({0, 2, 4});
  CHECK(b.data.sizes() == Shape{3, 2});
  CHECK(b.data.to_vector<double>() == std::vector<double>{1, 1, 3, 5, 5, 17});
  CHECK(b.target.to_vector<std::int64_t>() == std::vector<std::int64_t>{0, 2, 4});
}

TEST_CASE("datasets::TensorDataset: rows of one tensor, stacked back by Stack<TensorExample>") {
  data::datasets::TensorDataset ds(arange(12, TensorOptions(kFloat64)).reshape({4, 3}));
  CHECK(ds.size().value() == 4);
  CHECK(ds.get(1).data.to_vector<double>() == std::vector<double>{3, 4, 5});
  CHECK_THROWS_AS(ds.get(4), std::out_of_range);
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      std::move(ds).map(data::transforms::Stack<data::TensorExample>()), 3);
  std::vector<std::int64_t> rows;
  for (data::TensorExample& batch : *loader) rows.push_back(batch.data.size(0));
  CHECK(rows == std::vector<std::int64_t>{3, 1});
  CHECK_THROWS_AS(data::datasets::TensorDataset(scalar_tensor(1.0)), std::invalid_argument);
}

TEST_CASE("Normalize: one value or one per channel, shaped [C, 1, 1] as LibTorch") {
  data::transforms::Normalize<> one(0.5, 0.25);
  Tensor x = full({2, 3}, 1.0, kFloat32);
  Tensor y = one(x);
  CHECK(y.sizes() == Shape{1, 2, 3});  // LibTorch broadcasts [1, 1, 1] against [2, 3]
  CHECK(y.dtype() == kFloat32);
  CHECK(y.at<float>({0, 1, 2}) == doctest::Approx(2.0));
  CHECK(one(ones({4}, kFloat32)).sizes() == Shape{1, 1, 4});        // 1-D: [1, 1, n]
  CHECK(one(ones({1, 5, 5}, kFloat32)).sizes() == Shape{1, 5, 5});  // an image keeps its shape
  CHECK(one(ones({3, 1, 5, 5}, kFloat32)).sizes() == Shape{3, 1, 5, 5});

  data::transforms::Normalize<> per_channel({0.0, 1.0}, {1.0, 2.0});
  Tensor img = ones({2, 2, 2}, kFloat32);
  Tensor n = per_channel(img);
  CHECK(n.at<float>({0, 1, 1}) == doctest::Approx(1.0));
  CHECK(n.at<float>({1, 0, 1}) == doctest::Approx(0.0));
  CHECK_THROWS(per_channel(ones({3, 2, 2})));  // 3 channels, 2 means
  CHECK(contains(message_of([] { data::transforms::Normalize<>({0.1, 0.2}, {1.0}); }), "as many means as stddevs"));
  CHECK(contains(message_of([] { data::transforms::Normalize<>(0.0, 0.0); }), "stddev is zero"));
}

TEST_CASE("make_data_loader with a SequentialSampler, drop_last and unstacked batches") {
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(Squares(10).map(data::transforms::Stack<>()),
                                                                          data::DataLoaderOptions().batch_size(4));
  CHECK(epoch(*loader) == std::vector<std::vector<std::int64_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}});
  CHECK(epoch(*loader).size() == 3);  // each begin() is a new epoch

  auto dropping = data::make_data_loader<data::samplers::SequentialSampler>(
      Squares(10).map(data::transforms::Stack<>()), data::DataLoaderOptions(4).drop_last(true));
  CHECK(epoch(*dropping).size() == 2);

  auto unstacked = data::make_data_loader<data::samplers::SequentialSampler>(Squares(3), 2);
  std::vector<std::size_t> sizes;
  for (std::vector<data::Example<>>& batch : *unstacked) sizes.push_back(batch.size());
  CHECK(sizes == std::vector<std::size_t>{2, 1});

  auto it = unstacked->begin();
  CHECK(it != unstacked->end());
  ++it;
  ++it;
  CHECK(it == unstacked->end());
  CHECK_THROWS_AS(*it, std::out_of_range);
  CHECK_THROWS_AS(data::make_data_loader(Squares(3), data::DataLoaderOptions(0)), std::invalid_argument);
}

TEST_CASE("RandomSampler is the default; seeded, repeatable, and the same with workers") {
  auto run = [](std::size_t workers) {
    manual_seed(7);
    auto loader = data::make_data_loader(Squares(23).map(data::transforms::Stack<>()),
                                         data::DataLoaderOptions().batch_size(5).workers(workers));
    std::vector<std::vector<std::vector<std::int64_t>>> epochs;
    for (int e = 0; e < 3; ++e) epochs.push_back(epoch(*loader));
    return epochs;
  };
  const auto sequential = run(0);
  CHECK(run(0) == sequential);
  CHECK(run(1) == sequential);
  CHECK(run(3) == sequential);
  CHECK(sequential[0] != sequential[1]);  // a new permutation per epoch
  std::set<std::int64_t> seen;
  for (const auto& batch : sequential[0]) seen.insert(batch.begin(), batch.end());
  CHECK(seen.size() == 23);
  CHECK(sequential[0].back().size() == 3);
}

TEST_CASE("workers: more batches than jobs, an early break, and an exception") {
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(
      Squares(100).map(data::transforms::Stack<>()), data::DataLoaderOptions(3).workers(2).max_jobs(3));
  std::int64_t next = 0;
  bool in_order = true;
  for (auto& batch : *loader) {
    for (std::int64_t t : batch.target.to_vector<std::int64_t>()) in_order = in_order && t == next++;
  }
  CHECK(in_order);
  CHECK(next == 100);
  for (auto& batch : *loader) {  // a new epoch after an abandoned one starts at 0
    (void)batch;
    break;
  }
  CHECK(epoch(*loader).front() == std::vector<std::int64_t>{0, 1, 2});
  loader->join();
  CHECK_THROWS_AS(loader->begin(), std::logic_error);

  auto failing = data::make_data_loader<data::samplers::SequentialSampler>(
      Squares(20, 9).map(data::transforms::Stack<>()), data::DataLoaderOptions(4).workers(2));
  std::int64_t batches = 0;
  std::string error;
  try {
    for (auto& batch : *failing) {
      (void)batch;
      ++batches;
    }
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
  CHECK(batches == 2);  // the third batch holds example 9
  CHECK(contains(error, "bad example 9"));
}

TEST_CASE("distributed samplers split each epoch between replicas") {
  std::vector<std::size_t> all;
  for (std::size_t rank = 0; rank < 3; ++rank) {
    data::samplers::DistributedRandomSampler s(10, 3, rank);
    s.set_epoch(2);
    s.reset();
    CHECK(s.local_sample_count() == 4);
    while (auto batch = s.next(3)) all.insert(all.end(), batch->begin(), batch->end());
  }
  CHECK(all.size() == 12);
  CHECK(std::set<std::size_t>(all.begin(), all.end()).size() == 10);  // two reused to fill up
  data::samplers::DistributedSequentialSampler seq(10, 3, 1, false);
  CHECK(seq.next(10).value() == std::vector<std::size_t>{3, 4, 5});
  CHECK_THROWS_AS(data::samplers::DistributedRandomSampler(10, 2, 2), std::invalid_argument);
}

TEST_CASE("MNIST reads IDX files: images [1, 28, 28] in [0, 1], Int64 targets") {
  const std::string dir = temp_dir("mnist");
  mnist_fixture::write(dir, 40, 12);
  const auto expected = mnist_fixture::digits_as_mnist(0, 40);

  data::datasets::MNIST train(dir);
  CHECK(train.is_train());
  CHECK(train.size().value() == 40);
  data::Example<> e = train.get(5);
  CHECK(e.data.sizes() == Shape{1, 28, 28});
  CHECK(e.data.dtype() == kFloat32);
  CHECK(e.target.dtype() == kInt64);
  CHECK(e.target.dim() == 0);
  CHECK(e.target.item<std::int64_t>() == expected.labels[5]);
  CHECK(e.data.at<float>({0, 10, 10}) == doctest::Approx(expected.images[5 * 784 + 10 * 28 + 10] / 255.0));
  CHECK(e.data.max().item<float>() <= 1.0f);
  CHECK(e.data.min().item<float>() >= 0.0f);
  CHECK_THROWS_AS(train.get(40), std::out_of_range);

  data::datasets::MNIST test(dir, data::datasets::MNIST::Mode::kTest);
  CHECK_FALSE(test.is_train());
  CHECK(test.size().value() == 12);

  auto dataset =
      data::datasets::MNIST(dir).map(data::transforms::Normalize<>(0.1307, 0.3081)).map(data::transforms::Stack<>());
  const std::size_t dataset_size = dataset.size().value();
  auto loader = data::make_data_loader<data::samplers::SequentialSampler>(std::move(dataset), 16);
  std::int64_t seen = 0;
  for (auto& batch : *loader) {
    CHECK(batch.data.sizes() == Shape{batch.data.size(0), 1, 28, 28});
    CHECK(batch.target.sizes() == Shape{batch.data.size(0)});
    if (seen == 0) CHECK(batch.data.at<float>({0, 0, 0, 0}) == doctest::Approx(-0.1307 / 0.3081));
    seen += batch.data.size(0);
  }
  CHECK(seen == static_cast<std::int64_t>(dataset_size));
  std::filesystem::remove_all(dir);
}

TEST_CASE("MNIST reads gzipped files when the plain ones are missing") {
  const std::string dir = temp_dir("mnist_gz");
  mnist_fixture::write(dir, 8, 2);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"}) {
    const std::string path = dir + "/" + name;
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gzFile gz = gzopen((path + ".gz").c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
    gzclose(gz);
    std::filesystem::remove(path);
  }
  CHECK(data::datasets::MNIST(dir).size().value() == 8);
  std::filesystem::remove_all(dir);
}

TEST_CASE("MNIST refuses corrupt files with the file's name") {
  const std::string dir = temp_dir("mnist_bad");
  const std::string images = dir + "/train-images-idx3-ubyte", labels = dir + "/train-labels-idx1-ubyte";
  auto error = [&] { return message_of([&] { data::datasets::MNIST ds(dir); }); };
  const std::vector<std::uint8_t> pixels(3 * 784, 7);
  auto reset = [&] {
    mnist_fixture::write(dir, 3, 1);
    mnist_fixture::write_idx(images, 2051, {3, 28, 28}, pixels);
  };

  reset();
  CHECK(error().empty());
  mnist_fixture::write_idx(images, 2049, {3, 28, 28}, pixels);
  CHECK(contains(error(), "magic number 2049, expected 2051"));
  CHECK(contains(error(), images));
  reset();
  mnist_fixture::write_idx(labels, 2051, {3}, {1, 2, 3});
  CHECK(contains(error(), "magic number 2051, expected 2049"));
  reset();
  mnist_fixture::write_idx(images, 2051, {3, 32, 32}, pixels);
  CHECK(contains(error(), "images of 32 x 32, expected 28 x 28"));
  reset();
  mnist_fixture::write_idx(images, 2051, {3, 28, 28}, std::vector<std::uint8_t>(2 * 784 + 5));
  CHECK(contains(error(), "truncated"));
  reset();
  mnist_fixture::write_idx(images, 2051, {2000000000u, 28, 28}, pixels);  // claims 1.5 TB: no such allocation
  CHECK(contains(error(), "truncated"));
  reset();
  mnist_fixture::write_idx(images, 2051, {4000000000u, 28, 28}, pixels);
  CHECK(contains(error(), "image count 4000000000 is too large"));
  reset();
  mnist_fixture::write_idx(images, 2051, {3, 28, 28}, std::vector<std::uint8_t>(3 * 784 + 1));
  CHECK(contains(error(), "data after"));
  reset();
  mnist_fixture::write_idx(images, 2051, {2, 28, 28}, std::vector<std::uint8_t>(2 * 784));
  CHECK(contains(error(), "holds 2 images but"));
  reset();
  mnist_fixture::write_idx(labels, 2049, {}, {});
  CHECK(contains(error(), "ends inside its header"));
  reset();
  std::filesystem::remove(images);
  CHECK(contains(error(), "cannot open"));
  CHECK(contains(message_of([] { data::datasets::MNIST ds("/nonexistent/dir"); }), "/nonexistent/dir"));
  std::filesystem::remove_all(dir);
}
