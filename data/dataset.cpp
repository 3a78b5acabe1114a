#include "dataset.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>

#include "../autograd/grad_mode.hpp"
#include "../autograd/ops.hpp"

namespace xgrad::data {

namespace {

std::string describe(const Tensor& t) { return std::string(dtype_name(t.dtype())) + " " + shape_str(t.shape()); }

Shape without_first(const Shape& s) {
  Shape out;
  for (std::size_t i = 1; i < s.size(); ++i) out.push_back(s[i]);
  return out;
}

// Stacks same-shaped, same-dtype tensors along a new first dim.
Tensor stack_rows(const std::vector<Tensor>& items, const char* what) {
  const Tensor& first = items.front();
  Shape shape = first.shape();
  shape.insert(shape.begin(), static_cast<std::int64_t>(items.size()));
  Tensor out = empty(shape, first.dtype());
  const std::size_t bytes = static_cast<std::size_t>(first.numel()) * element_size(first.dtype());
  auto* dst = static_cast<char*>(out.impl()->data());
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].shape() != first.shape() || items[i].dtype() != first.dtype()) {
      throw std::invalid_argument(std::string("Dataset::get_batch: ") + what + " of example " + std::to_string(i) +
                                  " is " + describe(items[i]) + ", but the first is " + describe(first) +
                                  "; cannot stack them");
    }
    Tensor c = items[i].detach().contiguous();
    std::memcpy(dst + i * bytes, c.impl()->data(), bytes);
  }
  return out;
}

}  // namespace

// ---- Dataset ---------------------------------------------------------------------------------

Example<> Dataset::get_batch(const std::vector<std::int64_t>& indices) const {
  if (indices.empty()) throw std::invalid_argument("Dataset::get_batch: empty list of indices");
  std::vector<Tensor> data, targets;
  for (auto i : indices) {
    Example<> e = get(i);
    data.push_back(e.data);
    if (e.target.defined()) targets.push_back(e.target);
  }
  if (!targets.empty() && targets.size() != data.size()) {
    throw std::invalid_argument("Dataset::get_batch: some examples have a target and others do not");
  }
  return {stack_rows(data, "data"), targets.empty() ? Tensor() : stack_rows(targets, "target")};
}

// ---- TensorDataset ---------------------------------------------------------------------------

TensorDataset::TensorDataset(const Tensor& data, const Tensor& targets) {
  if (!data.defined()) throw std::invalid_argument("TensorDataset: data is an undefined tensor");
  if (data.dim() == 0)
    throw std::invalid_argument("TensorDataset: data must have a first (example) dim, got " + describe(data));
  if (targets.defined() && (targets.dim() == 0 || targets.size(0) != data.size(0))) {
    throw std::invalid_argument("TensorDataset: size mismatch between data " + describe(data) + " and targets " +
                                describe(targets) + " along dim 0");
  }
  data_ = data.detach();
  targets_ = targets.defined() ? targets.detach() : Tensor();
}

Example<> TensorDataset::get(std::int64_t index) const {
  NoGradGuard no_grad;
  Example<> batch = get_batch({index});
  return {reshape(batch.data, without_first(batch.data.shape())),
          batch.target.defined() ? reshape(batch.target, without_first(batch.target.shape())) : Tensor()};
}

Example<> TensorDataset::get_batch(const std::vector<std::int64_t>& indices) const {
  return {take_rows(data_, indices), targets_.defined() ? take_rows(targets_, indices) : Tensor()};
}

Tensor take_rows(const Tensor& t, const std::vector<std::int64_t>& indices) {
  if (!t.defined() || t.dim() == 0) {
    throw std::invalid_argument("take_rows: expected a tensor with at least one dim, got " +
                                (t.defined() ? describe(t) : std::string("an undefined tensor")));
  }
  NoGradGuard no_grad;
  Tensor src = t.detach().contiguous();
  const std::int64_t rows = src.size(0);
  Shape shape = src.shape();
  shape[0] = static_cast<std::int64_t>(indices.size());
  Tensor out = empty(shape, src.dtype());
  const std::size_t row_bytes =
      rows == 0 ? 0 : static_cast<std::size_t>(src.numel() / rows) * element_size(src.dtype());
  const auto* from = static_cast<const char*>(src.impl()->data());
  auto* to = static_cast<char*>(out.impl()->data());
  for (std::size_t i = 0; i < indices.size(); ++i) {
    const std::int64_t r = indices[i];
    if (r < 0 || r >= rows) {
      throw std::out_of_range("take_rows: index " + std::to_string(r) + " is out of bounds for " + describe(t) +
                              " (dim 0 has size " + std::to_string(rows) + ")");
    }
    std::memcpy(to + i * row_bytes, from + static_cast<std::size_t>(r) * row_bytes, row_bytes);
  }
  return out;
}

// ---- train_test_split ------------------------------------------------------------------------

TrainTestSplit train_test_split(const Tensor& x, const Tensor& y, double test_fraction, std::uint64_t seed) {
  if (!(test_fraction > 0 && test_fraction < 1)) {
    throw std::invalid_argument("train_test_split: test_fraction must be in (0, 1), got " +
                                std::to_string(test_fraction));
  }
  if (!x.defined() || !y.defined() || x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0)) {
    throw std::invalid_argument("train_test_split: x and y must have the same number of rows, got " +
                                (x.defined() ? describe(x) : std::string("undefined")) + " and " +
                                (y.defined() ? describe(y) : std::string("undefined")));
  }
  const std::int64_t n = x.size(0);
  const auto n_test = static_cast<std::int64_t>(std::ceil(test_fraction * static_cast<double>(n)));
  if (n_test >= n) {
    throw std::invalid_argument("train_test_split: test_fraction " + std::to_string(test_fraction) + " of " +
                                std::to_string(n) + " rows leaves no training rows");
  }
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 engine(seed);
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::uniform_int_distribution<std::int64_t> pick(0, i);
    std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(pick(engine))]);
  }
  std::vector<std::int64_t> test(perm.begin(), perm.begin() + n_test), train(perm.begin() + n_test, perm.end());
  return {take_rows(x, train), take_rows(y, train), take_rows(x, test), take_rows(y, test)};
}

// ---- Standardizer --------------------------------------------------------------------------

Standardizer::Standardizer(const Tensor& mean, const Tensor& scale) {
  if (!mean.defined() || !scale.defined() || mean.dim() != 1 || scale.shape() != mean.shape()) {
    throw std::invalid_argument("Standardizer: expected mean and scale of the same [features] shape, got " +
                                (mean.defined() ? describe(mean) : std::string("undefined")) + " and " +
                                (scale.defined() ? describe(scale) : std::string("undefined")));
  }
  mean_ = mean.to(kFloat64).contiguous();
  scale_ = scale.to(kFloat64).contiguous();
}

Standardizer& Standardizer::fit(const Tensor& x) {
  if (!x.defined() || x.dim() != 2 || x.size(0) < 1 || !x.is_floating_point()) {
    throw std::invalid_argument("Standardizer::fit: expected a floating point [n, features] tensor with n >= 1, got " +
                                (x.defined() ? describe(x) : std::string("an undefined tensor")));
  }
  const std::int64_t n = x.size(0), f = x.size(1);
  const std::vector<double> v = x.to_vector<double>();
  std::vector<double> mean(static_cast<std::size_t>(f), 0.0), sd(static_cast<std::size_t>(f), 0.0);
  for (std::int64_t j = 0; j < f; ++j) {
    auto column = [&](std::int64_t i) { return v[static_cast<std::size_t>(i * f + j)]; };
    // Sums of 1e300s (or squares of 1e200s) overflow, and squares of 1e-200s underflow to 0. The
    // sums run on the column divided by a power of two near its largest magnitude, which is
    // exact: for ordinary data the results are bit for bit those of the unscaled formulas.
    double largest = 0;
    for (std::int64_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(column(i)));
    if (!std::isfinite(largest)) {
      throw std::invalid_argument("Standardizer::fit: feature " + std::to_string(j) +
                                  " holds a value that is not finite");
    }
    const int exponent = largest > 0 ? std::ilogb(largest) : 0;
    double sum = 0, squares = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += std::scalbn(column(i), -exponent);
    const double m = sum / static_cast<double>(n);
    for (std::int64_t i = 0; i < n; ++i) {
      const double d = std::scalbn(column(i), -exponent) - m;
      squares += d * d;
    }
    mean[static_cast<std::size_t>(j)] = std::scalbn(m, exponent);
    const double s = std::scalbn(std::sqrt(squares / static_cast<double>(n)), exponent);
    sd[static_cast<std::size_t>(j)] = s == 0 ? 1 : s;  // a constant feature stays centred instead of dividing by zero
  }
  mean_ = tensor(mean, {f});
  scale_ = tensor(sd, {f});
  return *this;
}

Tensor Standardizer::transform(const Tensor& x) const {
  if (!mean_.defined()) throw std::logic_error("Standardizer::transform: call fit() first");
  if (!x.defined() || x.dim() != 2 || x.size(1) != mean_.numel() || !x.is_floating_point()) {
    throw std::invalid_argument("Standardizer::transform: expected a floating point [m, " +
                                std::to_string(mean_.numel()) + "] tensor, got " +
                                (x.defined() ? describe(x) : std::string("an undefined tensor")));
  }
  const std::int64_t n = x.size(0), f = x.size(1);
  std::vector<double> v = x.to_vector<double>();
  const std::vector<double> mean = mean_.to_vector<double>(), scale = scale_.to_vector<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < f; ++j) {
      double& e = v[static_cast<std::size_t>(i * f + j)];
      const double m = mean[static_cast<std::size_t>(j)], sd = scale[static_cast<std::size_t>(j)];
      // x - mean overflows when they are huge and of opposite signs; the quotients do not.
      const double d = e - m;
      e = std::isfinite(d) ? d / sd : e / sd - m / sd;
    }
  }
  Tensor out = tensor(v, {n, f});
  return x.dtype() == kFloat64 ? out : out.to(x.dtype());
}

}  // namespace xgrad::data
