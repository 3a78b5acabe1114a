// Transforms of an example's data tensor (its target is passed through): TensorTransform (write
// operator()), TensorLambda (from a function) and Normalize.
#pragma once
#include <functional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../../autograd/ops.hpp"
#include "../example.hpp"
#include "base.hpp"

namespace xgrad::data::transforms {

template <class Target = Tensor>
class TensorTransform : public Transform<Example<Tensor, Target>, Example<Tensor, Target>> {
 public:
  using E = Example<Tensor, Target>;
  virtual Tensor operator()(Tensor input) = 0;
  E apply(E input) override {
    input.data = (*this)(std::move(input.data));
    return input;
  }
};

template <class Target = Tensor>
class TensorLambda : public TensorTransform<Target> {
 public:
  using FunctionType = std::function<Tensor(Tensor)>;
  explicit TensorLambda(FunctionType function) : function_(std::move(function)) {}
  Tensor operator()(Tensor input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

// (data - mean) / stddev per channel: data [C, H, W] (an image) with one mean and one stddev
// per channel, or one value for all (then data of any shape). Float32 statistics, so Float32 data stays Float32
// (Float64 data gives Float64, by promotion). Throws std::invalid_argument for empty or unequal lists or a zero stddev;
// a data tensor whose channels do not match fails in the subtraction.
template <class Target = Tensor>
class Normalize : public TensorTransform<Target> {
 public:
  Normalize(double mean, double stddev) : Normalize(std::vector<double>{mean}, std::vector<double>{stddev}) {}
  Normalize(const std::vector<double>& mean, const std::vector<double>& stddev) {
    if (mean.empty() || mean.size() != stddev.size()) {
      throw std::invalid_argument("Normalize: expected as many means as stddevs (at least one), got " +
                                  std::to_string(mean.size()) + " and " + std::to_string(stddev.size()));
    }
    for (const double s : stddev) {
      if (s == 0) throw std::invalid_argument("Normalize: a stddev is zero");
    }
    // [C, 1, 1]: broadcast over an image's height and width, as LibTorch, even for one value:
    // data of fewer than 3 dims gains leading dims as under LibTorch ([n] -> [1, 1, n]), so
    // a ported program sees the shapes it was written for.
    const Shape shape{static_cast<std::int64_t>(mean.size()), 1, 1};
    this->mean = tensor(mean, shape, TensorOptions(kFloat32));
    this->stddev = tensor(stddev, shape, TensorOptions(kFloat32));
  }
  Tensor operator()(Tensor input) override { return (input - mean) / stddev; }

  Tensor mean, stddev;
};

}  // namespace xgrad::data::transforms
