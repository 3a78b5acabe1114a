// LibTorch's data API on MNIST-format files: datasets::MNIST, Normalize and Stack transforms,
// make_data_loader with a RandomSampler and two worker threads for training, a SequentialSampler
// for testing. Set XGRAD_MNIST_DIR to a directory holding the real MNIST files
// (train-images-idx3-ubyte, ...; gunzipped or .gz); without it, the example writes a small
// MNIST-format set made from the bundled 8x8 digits (scaled to 28x28) and uses that.
// Exits non-zero below 85% test accuracy (about 0.9 on the digits set, whose last 360 rows
// are its test part).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <xgrad/xgrad.hpp>

#include "../tests/mnist_fixture.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;

int main() {
  std::string root;
  if (const char* dir = std::getenv("XGRAD_MNIST_DIR")) {
    root = dir;
  } else {
    root = (std::filesystem::temp_directory_path() / "xgrad_example_mnist").string();
    mnist_fixture::write(root, 1437, 360);  // the digits' usual 80/20 split
  }

  manual_seed(0);
  auto train_set =
      data::datasets::MNIST(root).map(data::transforms::Normalize<>(0.1307, 0.3081)).map(data::transforms::Stack<>());
  const std::size_t train_size = train_set.size().value();
  auto train_loader = data::make_data_loader(std::move(train_set), data::DataLoaderOptions().batch_size(64).workers(2));
  auto test_loader = data::make_data_loader<data::samplers::SequentialSampler>(
      data::datasets::MNIST(root, data::datasets::MNIST::Mode::kTest)
          .map(data::transforms::Normalize<>(0.1307, 0.3081))
          .map(data::transforms::Stack<>()),
      256);

  nn::Sequential model(std::make_shared<nn::FlattenImpl>(), std::make_shared<nn::LinearImpl>(784, 64),
                       std::make_shared<nn::ReLUImpl>(), std::make_shared<nn::LinearImpl>(64, 10));
  optim::Adam adam(model->parameters(), optim::AdamOptions(3e-3));
  for (int epoch = 1; epoch <= 5; ++epoch) {
    double total = 0;
    for (auto& batch : *train_loader) {
      adam.zero_grad();
      Tensor loss = F::nll_loss(log_softmax(model(batch.data), 1), batch.target);
      loss.backward();
      adam.step();
      total += loss.item<double>() * static_cast<double>(batch.data.size(0));
    }
    std::printf("epoch %d: mean training loss %.4f over %zu images\n", epoch, total / static_cast<double>(train_size),
                train_size);
  }

  NoGradGuard no_grad;
  std::int64_t correct = 0, seen = 0;
  for (auto& batch : *test_loader) {
    correct += eq(argmax(model(batch.data), 1), batch.target).sum().item<std::int64_t>();
    seen += batch.data.size(0);
  }
  const double accuracy = static_cast<double>(correct) / static_cast<double>(seen);
  std::printf("test accuracy %.4f on %lld images\n", accuracy, static_cast<long long>(seen));
  return accuracy >= 0.85 ? EXIT_SUCCESS : EXIT_FAILURE;
}
