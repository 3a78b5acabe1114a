// MNIST in its original IDX files, as LibTorch's torch::data::datasets::MNIST reads them:
//
//   root/train-images-idx3-ubyte  root/train-labels-idx1-ubyte    (Mode::kTrain)
//   root/t10k-images-idx3-ubyte   root/t10k-labels-idx1-ubyte     (Mode::kTest)
//
// uncompressed (gunzip the downloaded .gz files; the .gz files are read too when the plain ones
// are missing). Example i is {image [1, 28, 28] Float32 in [0, 1] (the byte / 255), label 0-d
// Int64}. Unlike LibTorch, any number of images is accepted (LibTorch requires exactly 60000
// and 10000), so that subsets and test fixtures load too.
//
// The files are untrusted: the loader checks the magic numbers (2051 for images, 2049 for
// labels), 28 x 28 images, equal image and label counts, and that each file's size is exactly
// what its header announces before allocating anything. Each failure throws
// std::runtime_error naming the file. The whole set is read at construction (about 47 MB of
// Float32 for the 60000 training images).
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "../../autograd/tensor.hpp"
#include "base.hpp"

namespace xgrad::data::datasets {

class MNIST : public Dataset<MNIST> {
 public:
  enum class Mode { kTrain, kTest };

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain);

  // {images()[index], targets()[index]}; throws for index >= size().
  Example<> get(std::size_t index) override;
  std::optional<std::size_t> size() const override;
  bool is_train() const noexcept { return train_; }
  const Tensor& images() const noexcept { return images_; }    // [N, 1, 28, 28] Float32
  const Tensor& targets() const noexcept { return targets_; }  // [N] Int64

 private:
  Tensor images_, targets_;
  bool train_;
};

}  // namespace xgrad::data::datasets
