// Data loading: CSV (plain and gzip) into tensors, TensorDataset, the seeded train/test split,
// standardisation, and the DataLoader's batching and per-epoch shuffling.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
using namespace xgrad::data;

namespace {

const std::string kData = std::string(XGRAD_SOURCE_DIR) + "/datasets/";

std::string temp_file(const std::string& name, const std::string& contents) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path) << contents;
  return path;
}

// The targets of every batch of one epoch, concatenated.
std::vector<std::int64_t> epoch_targets(DataLoader& loader, std::vector<std::int64_t>* sizes = nullptr) {
  std::vector<std::int64_t> seen;
  for (const Example<>& batch : loader) {
    auto t = batch.target.to_vector<std::int64_t>();
    seen.insert(seen.end(), t.begin(), t.end());
    if (sizes) sizes->push_back(batch.data.size(0));
  }
  return seen;
}

// Ten examples: data row i is (i, 10 i), target i.
TensorDataset ten() {
  std::vector<float> x;
  for (int i = 0; i < 10; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(10 * i));
  }
  return TensorDataset(tensor(x, {10, 2}), arange(10));
}

}  // namespace

TEST_CASE("read_csv loads iris into a [150, 5] tensor after skipping the header") {
  Tensor all = read_csv(kData + "iris.csv", CsvOptions().skip_rows(1));
  CHECK(all.shape() == Shape{150, 5});
  CHECK(all.dtype() == kFloat32);
  CHECK(all.at<float>({0, 0}) == doctest::Approx(5.1f));
  CHECK(all.at<float>({50, 2}) == doctest::Approx(4.7f));
  CHECK(all.at<float>({149, 4}) == 2.0f);
  CHECK(read_csv(kData + "iris.csv", CsvOptions().skip_rows(1).dtype(kFloat64)).dtype() == kFloat64);
}

TEST_CASE("load_labeled_csv splits features and Int64 labels") {
  LabeledData iris = load_labeled_csv(kData + "iris.csv", CsvOptions().skip_rows(1));
  CHECK(iris.features.shape() == Shape{150, 4});
  CHECK(iris.labels.shape() == Shape{150});
  CHECK(iris.labels.dtype() == kInt64);
  auto labels = iris.labels.to_vector<std::int64_t>();
  for (std::int64_t c = 0; c < 3; ++c) CHECK(std::count(labels.begin(), labels.end(), c) == 50);
  // The label may sit in any column: here the first feature plays that role.
  LabeledData other = load_labeled_csv(kData + "iris.csv", CsvOptions().skip_rows(1), 0, kFloat64);
  CHECK(other.labels.at<double>({0}) == doctest::Approx(5.1));
  CHECK(other.features.at<float>({0, 3}) == 0.0f);
}

TEST_CASE("a gzip-compressed CSV is read transparently") {
  LabeledData digits = load_labeled_csv(kData + "digits.csv.gz");
  CHECK(digits.features.shape() == Shape{1797, 64});
  CHECK(digits.features.at<float>({0, 2}) == 5.0f);
  auto labels = digits.labels.to_vector<std::int64_t>();
  CHECK(*std::min_element(labels.begin(), labels.end()) == 0);
  CHECK(*std::max_element(labels.begin(), labels.end()) == 9);
}

TEST_CASE("read_csv reports where a file is malformed") {
  CHECK_THROWS_WITH_AS(read_csv(kData + "iris.csv"), doctest::Contains("line 1 column 3: 'setosa' is not a number"),
                       std::invalid_argument);
  const std::string ragged = temp_file("xgrad_test_ragged.csv", "1,2,3\n4,5\n");
  CHECK_THROWS_WITH_AS(read_csv(ragged), doctest::Contains("line 2 has 2 columns, earlier rows have 3"),
                       std::invalid_argument);
  std::remove(ragged.c_str());
  CHECK_THROWS_WITH_AS(read_csv(kData + "no_such_file.csv"), doctest::Contains("cannot open"), std::runtime_error);
  const std::string semi = temp_file("xgrad_test_semicolon.csv", "# header\n1; 2.5\r\n\n-3;4e2\n");
  Tensor t = read_csv(semi, CsvOptions().delimiter(';').skip_rows(1).dtype(kFloat64));
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2.5, -3, 400});
  std::remove(semi.c_str());
  const std::string fractional = temp_file("xgrad_test_label.csv", "1,0.5\n");
  CHECK_THROWS_WITH_AS(load_labeled_csv(fractional), doctest::Contains("label 0.5"), std::invalid_argument);
  std::remove(fractional.c_str());
}

TEST_CASE("TensorDataset gives rows as examples and gathers batches") {
  TensorDataset ds = ten();
  CHECK(ds.size() == 10);
  Example<> e = ds.get(3);
  CHECK(e.data.shape() == Shape{2});
  CHECK(e.data.to_vector<float>() == std::vector<float>{3, 30});
  CHECK(e.target.item<std::int64_t>() == 3);
  Example<> b = ds.get_batch({7, 1});
  CHECK(b.data.shape() == Shape{2, 2});
  CHECK(b.data.to_vector<float>() == std::vector<float>{7, 70, 1, 10});
  CHECK(b.target.to_vector<std::int64_t>() == std::vector<std::int64_t>{7, 1});
  CHECK_THROWS_AS(ds.get(10), std::out_of_range);
  CHECK_THROWS_WITH_AS(TensorDataset(zeros({3, 2}), zeros({4})), doctest::Contains("size mismatch"),
                       std::invalid_argument);
}

TEST_CASE("a custom Dataset gets batches by stacking its examples") {
  struct Squares : Dataset {
    std::int64_t size() const override { return 5; }
    Example<> get(std::int64_t i) const override {
      return {tensor(std::vector<double>{static_cast<double>(i), static_cast<double>(i * i)}), scalar_tensor(1.0)};
    }
  };
  DataLoader loader(Squares{}, DataLoaderOptions().batch_size(2));
  std::vector<Shape> shapes;
  for (const auto& batch : loader) shapes.push_back(batch.data.shape());
  CHECK(shapes == std::vector<Shape>{{2, 2}, {2, 2}, {1, 2}});
  Example<> b = Squares{}.get_batch({4, 2});
  CHECK(b.data.to_vector<double>() == std::vector<double>{4, 16, 2, 4});
  CHECK(b.target.shape() == Shape{2});
}

TEST_CASE("DataLoader batch sizes: full batch, mini-batches with a short last one, drop_last, single examples") {
  std::vector<std::int64_t> sizes;
  DataLoader full(ten(), DataLoaderOptions().batch_size(10));
  CHECK(full.size() == 1);
  CHECK(epoch_targets(full, &sizes) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(sizes == std::vector<std::int64_t>{10});

  sizes.clear();
  DataLoader mini(ten(), DataLoaderOptions().batch_size(3));
  CHECK(mini.size() == 4);
  epoch_targets(mini, &sizes);
  CHECK(sizes == std::vector<std::int64_t>{3, 3, 3, 1});

  sizes.clear();
  DataLoader dropped(ten(), DataLoaderOptions().batch_size(3).drop_last(true));
  CHECK(dropped.size() == 3);
  CHECK(epoch_targets(dropped, &sizes) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8});

  sizes.clear();
  DataLoader single(ten());
  CHECK(single.size() == 10);
  epoch_targets(single, &sizes);
  CHECK(sizes == std::vector<std::int64_t>(10, 1));

  CHECK_THROWS_WITH_AS(DataLoader(ten(), DataLoaderOptions().batch_size(0)),
                       doctest::Contains("batch_size must be a positive"), std::invalid_argument);
}

TEST_CASE("shuffling visits every example once per epoch, in a new order each epoch, reproducibly from the seed") {
  DataLoader a(ten(), DataLoaderOptions().batch_size(4).shuffle(true).seed(42));
  DataLoader b(ten(), DataLoaderOptions().batch_size(4).shuffle(true).seed(42));
  DataLoader c(ten(), DataLoaderOptions().batch_size(4).shuffle(true).seed(43));
  std::set<std::vector<std::int64_t>> orders;
  for (int epoch = 0; epoch < 5; ++epoch) {
    auto ea = epoch_targets(a), eb = epoch_targets(b), ec = epoch_targets(c);
    CHECK(ea == eb);
    CHECK(ea != ec);
    auto sorted = ea;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::int64_t> all(10);
    std::iota(all.begin(), all.end(), 0);
    CHECK(sorted == all);
    orders.insert(ea);
    CHECK(a.epoch() == epoch);
  }
  CHECK(orders.size() == 5);
  // Any epoch can be replayed on its own.
  DataLoader replay(ten(), DataLoaderOptions().batch_size(4).shuffle(true).seed(42));
  replay.set_epoch(3);
  CHECK(epoch_targets(replay) == a.epoch_order(3));
  // Without a seed, the global generator decides.
  manual_seed(5);
  DataLoader d(ten(), DataLoaderOptions().shuffle(true));
  manual_seed(5);
  DataLoader e(ten(), DataLoaderOptions().shuffle(true));
  CHECK(epoch_targets(d) == epoch_targets(e));
}

TEST_CASE("train_test_split is a seeded partition of the rows") {
  LabeledData iris = load_labeled_csv(kData + "iris.csv", CsvOptions().skip_rows(1).dtype(kFloat64));
  TrainTestSplit s = train_test_split(iris.features, iris.labels, 0.2, 1);
  CHECK(s.x_train.shape() == Shape{120, 4});
  CHECK(s.x_test.shape() == Shape{30, 4});
  CHECK(s.y_train.shape() == Shape{120});
  // Together the parts hold each row exactly once (rows of iris are told apart by their sums
  // with the label, which is enough for this check up to duplicates in the data).
  std::multiset<double> rows, parts;
  auto add = [](std::multiset<double>& set, const Tensor& x, const Tensor& y) {
    auto xv = x.to_vector<double>();
    auto yv = y.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < yv.size(); ++i)
      set.insert(xv[4 * i] * 1e6 + xv[4 * i + 1] * 1e4 + xv[4 * i + 2] * 1e2 + xv[4 * i + 3] +
                 0.001 * static_cast<double>(yv[i]));
  };
  add(rows, iris.features, iris.labels);
  add(parts, s.x_train, s.y_train);
  add(parts, s.x_test, s.y_test);
  CHECK(rows == parts);
  TrainTestSplit again = train_test_split(iris.features, iris.labels, 0.2, 1);
  CHECK(again.y_test.to_vector<std::int64_t>() == s.y_test.to_vector<std::int64_t>());
  TrainTestSplit other = train_test_split(iris.features, iris.labels, 0.2, 2);
  CHECK(other.y_test.to_vector<std::int64_t>() != s.y_test.to_vector<std::int64_t>());
  CHECK_THROWS_WITH_AS(train_test_split(iris.features, iris.labels, 1.0, 1), doctest::Contains("test_fraction"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(train_test_split(iris.features, zeros({3}), 0.5, 1), doctest::Contains("same number of rows"),
                       std::invalid_argument);
}

TEST_CASE("Standardizer centres and scales each feature with the statistics it was fitted on") {
  Tensor train = tensor(std::vector<double>{1, 5, 10, 3, 5, 20, 5, 5, 30}, {3, 3});
  Standardizer st;
  Tensor z = st.fit_transform(train);
  const double sd = std::sqrt(8.0 / 3.0);  // population std of (1, 3, 5)
  CHECK(st.mean().to_vector<double>() == std::vector<double>{3, 5, 20});
  CHECK(z.at<double>({0, 0}) == doctest::Approx(-2 / sd));
  CHECK(z.at<double>({1, 1}) == 0.0);  // a constant column is only centred
  CHECK(z.at<double>({2, 2}) == doctest::Approx(10 / std::sqrt(200.0 / 3.0)));
  Tensor test = tensor(std::vector<float>{3, 6, 20}, {1, 3});
  Tensor zt = st.transform(test);
  CHECK(zt.dtype() == kFloat32);
  CHECK(zt.to_vector<float>() == std::vector<float>{0, 1, 0});
  CHECK_THROWS_WITH_AS(st.transform(zeros({2, 4})), doctest::Contains("[m, 3]"), std::invalid_argument);
}

TEST_CASE("text class labels are encoded as classes, sorted, with the names kept (issue 16 item 18)") {
  const std::string path =
      temp_file("xgrad_test_text_labels.csv", "5.1,3.5,setosa\n4.9,3.0,\"virginica\"\n6.0,2.2,setosa\n7.1,3.1,M\n");
  LabeledData d = load_labeled_csv(path);
  CHECK(d.classes == std::vector<std::string>{"M", "setosa", "virginica"});
  CHECK(d.labels.dtype() == kInt64);
  CHECK(d.labels.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 1, 0});
  CHECK(d.features.at<float>({3, 1}) == doctest::Approx(3.1f));
  // Text outside the label column stays an error; numeric labels give no names.
  CHECK_THROWS_WITH_AS(load_labeled_csv(path, CsvOptions(), 0), doctest::Contains("column 3: 'setosa' is not a number"),
                       std::invalid_argument);
  CHECK(load_labeled_csv(kData + "iris.csv", CsvOptions().skip_rows(1)).classes.empty());
  std::remove(path.c_str());
}

TEST_CASE("missing values are reported as such, with file, line and column (issue 16 item 18)") {
  for (const std::string cell : {"NA", "", "N/A", "?", "null"}) {
    CAPTURE(cell);
    const std::string path = temp_file("xgrad_test_missing.csv", "1,2,0\n3," + cell + ",1\n");
    CHECK_THROWS_WITH_AS(read_csv(path), doctest::Contains("line 2 column 2: missing value"), std::invalid_argument);
    try {
      read_csv(path);
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("header") == std::string::npos);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    // A missing label is not a class named "NA".
    const std::string label = temp_file("xgrad_test_missing_label.csv", "1,2,a\n3,4," + cell + "\n");
    CHECK_THROWS_WITH_AS(load_labeled_csv(label), doctest::Contains("line 2 column 3: missing value"),
                         std::invalid_argument);
    std::remove(path.c_str());
    std::remove(label.c_str());
  }
}

TEST_CASE("numbers as spreadsheets write them: +3, 1e-400, quoted; delimiters detected (issue 16 item 18)") {
  double v = -1;
  CHECK((parse_number("+3", v) && v == 3));
  CHECK((parse_number("1e-400", v) && v == 0));
  CHECK((parse_number("-4.9e-324", v) && v < 0 && v > -1e-323));  // a subnormal, kept
  CHECK((parse_number("1e999", v) && std::isinf(v)));
  CHECK_FALSE(parse_number("+-3", v));
  CHECK_FALSE(parse_number("+", v));
  CHECK_FALSE(parse_number("3x", v));
  const std::string path = temp_file("xgrad_test_forms.csv", "+3;1e-400;\"2.5\"\n-1;+0.5e1;7\n");
  Tensor t = read_csv(path, CsvOptions().delimiter(';').dtype(kFloat64));
  CHECK(t.to_vector<double>() == std::vector<double>{3, 0, 2.5, -1, 5, 7});
  std::remove(path.c_str());
  const std::string huge = temp_file("xgrad_test_huge.csv", "1,1e999\n");
  CHECK_THROWS_WITH_AS(read_csv(huge), doctest::Contains("'1e999' is not a finite number"), std::invalid_argument);
  std::remove(huge.c_str());
  // Only a word in the first row may be a header's: the hint is not given further down.
  const std::string euro = temp_file("xgrad_test_euro.csv", "1;2\n1,5;3\n");
  const std::string message = "read_csv: '" + euro + "' line 2 column 1: '1,5' is not a number";
  CHECK_THROWS_WITH_AS(read_csv(euro, CsvOptions().delimiter(';')), message.c_str(), std::invalid_argument);
  std::remove(euro.c_str());
  CHECK(detect_delimiter("a;b;c") == ';');
  CHECK(detect_delimiter("a\tb;c") == '\t');
  CHECK(detect_delimiter("1.5,2") == ',');
  CHECK(detect_delimiter("single") == ',');
}

TEST_CASE(
    "standardising columns near the ends of the double range neither overflows nor underflows (issue 16 item 9)") {
  // +-1e300: the sum of squares overflowed, the std became inf and the column all zeros.
  Tensor x = tensor(std::vector<double>{1e300, 1.7e308, 1e-300, -1e300, 1.7e308, -1e-300, 1e300, -1.7e308, 3e-300,
                                        -1e300, 1.7e308, -3e-300},
                    {4, 3});
  Standardizer st;
  Tensor z = st.fit_transform(x);
  for (double e : z.to_vector<double>()) CHECK(std::isfinite(e));
  CHECK(z.at<double>({0, 0}) == doctest::Approx(1.0));
  CHECK(z.at<double>({1, 0}) == doctest::Approx(-1.0));
  CHECK(st.mean().at<double>({0}) == 0.0);
  CHECK(st.scale().at<double>({0}) == doctest::Approx(1e300));
  CHECK(st.mean().at<double>({1}) == doctest::Approx(0.85e308));
  CHECK(z.at<double>({2, 1}) == doctest::Approx(-std::sqrt(3.0)));  // (-1.7e308 - mean) overflows unless divided first
  CHECK(st.scale().at<double>({2}) == doctest::Approx(std::sqrt(5.0) * 1e-300));  // 1e-600 underflowed to 0
  CHECK(z.at<double>({3, 2}) == doctest::Approx(-3 / std::sqrt(5.0)));
  // Ordinary data: the same statistics as the textbook formulas, to the last bit.
  const double v[] = {1000.1, 2000.2, 7000.7, 13000.3};
  Tensor y = tensor(std::vector<double>(v, v + 4), {4, 1});
  st.fit(y);
  const double m = (((v[0] + v[1]) + v[2]) + v[3]) / 4;
  const double d[] = {v[0] - m, v[1] - m, v[2] - m, v[3] - m};
  CHECK(st.mean().at<double>({0}) == m);
  CHECK(st.scale().at<double>({0}) == std::sqrt((((d[0] * d[0] + d[1] * d[1]) + d[2] * d[2]) + d[3] * d[3]) / 4));
  CHECK_THROWS_WITH_AS(st.fit(tensor(std::vector<double>{1, INFINITY}, {2, 1})), doctest::Contains("not finite"),
                       std::invalid_argument);
  Standardizer saved(st.mean(), st.scale());
  CHECK(saved.transform(y).to_vector<double>() == st.transform(y).to_vector<double>());
}
