// A small convolutional network on the 8x8 handwritten digits, seen as 1-channel images:
//   [N, 1, 8, 8] -> Conv 3x3 (16) -> ReLU -> MaxPool 2 -> Conv 3x3 (32) -> ReLU -> MaxPool 2
//   -> Flatten [N, 128] -> Linear 10
// Adam on mini-batches of 32. Exits non-zero below 95% test accuracy.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

struct DigitsCNNImpl : nn::Module {
  nn::Conv2d conv1{nullptr}, conv2{nullptr};
  nn::Linear fc{nullptr};
  DigitsCNNImpl() : Module("DigitsCNN") {
    conv1 = register_module("conv1", nn::Conv2d(nn::Conv2dOptions(1, 16, 3).padding(1)));
    conv2 = register_module("conv2", nn::Conv2d(16, 32, 3, {.padding = 1}));
    fc = register_module("fc", nn::Linear(32 * 2 * 2, 10));
  }
  Tensor forward(Tensor x) {
    x = F::max_pool2d(relu(conv1(x)), 2);  // [N, 16, 4, 4]
    x = F::max_pool2d(relu(conv2(x)), 2);  // [N, 32, 2, 2]
    return fc(x.flatten(1));
  }
};
XGRAD_MODULE(DigitsCNN);  // the holder, as LibTorch's TORCH_MODULE

double accuracy(DigitsCNN& model, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  return eq(argmax(model(x), 1), y).to(kFloat64).mean().item<double>();
}

int main() {
  const auto digits = data::load_labeled_csv(XGRAD_SOURCE_DIR "/datasets/digits.csv.gz");
  const auto split = data::train_test_split(digits.features, digits.labels, 0.2, /*seed=*/0);
  // Pixels 0..16 scaled to [0, 1], then each row becomes a 1 x 8 x 8 image.
  const Tensor x_train = (split.x_train / 16.0).reshape({-1, 1, 8, 8});
  const Tensor x_test = (split.x_test / 16.0).reshape({-1, 1, 8, 8});

  manual_seed(0);
  DigitsCNN model;
  std::cout << model;
  optim::Adam adam(model->parameters(), optim::AdamOptions(3e-3));
  data::DataLoader loader(data::TensorDataset(x_train, split.y_train),
                          data::DataLoaderOptions().batch_size(32).shuffle(true).seed(0));
  for (int epoch = 1; epoch <= 8; ++epoch) {
    double total = 0;
    for (const data::Example<>& batch : loader) {
      adam.zero_grad();
      Tensor loss = F::cross_entropy(model->forward(batch.data), batch.target);
      loss.backward();
      adam.step();
      total += loss.item<double>() * static_cast<double>(batch.data.size(0));
    }
    std::printf("epoch %d: mean training loss %.4f, test accuracy %.4f\n", epoch,
                total / static_cast<double>(x_train.size(0)), accuracy(model, x_test, split.y_test));
  }
  const double test_acc = accuracy(model, x_test, split.y_test);
  std::printf("test accuracy %.4f on %lld digits\n", test_acc, static_cast<long long>(x_test.size(0)));
  return test_acc >= 0.95 ? EXIT_SUCCESS : EXIT_FAILURE;
}
