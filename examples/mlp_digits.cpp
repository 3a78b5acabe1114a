// A multilayer perceptron on the 8x8 handwritten digits: 64 -> 64 -> 10 with ReLU, softmax
// cross entropy, Adam on mini-batches of 32. Exits non-zero below 95% test accuracy.
#include <cstdio>
#include <cstdlib>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

// The fraction of rows of x that the model classifies as y says.
double accuracy(nn::Sequential& model, const Tensor& x, const Tensor& y) {
  NoGradGuard no_grad;
  return eq(argmax(model(x), 1), y).to(kFloat64).mean().item<double>();
}

int main() {
  // 1,797 rows of 64 pixel values (0..16) and the digit; 80/20 split with a fixed seed.
  const auto digits = data::load_labeled_csv(XGRAD_SOURCE_DIR "/datasets/digits.csv.gz");
  const auto split = data::train_test_split(digits.features, digits.labels, 0.2, /*seed=*/0);
  data::Standardizer scaler;
  const Tensor x_train = scaler.fit_transform(split.x_train), x_test = scaler.transform(split.x_test);

  manual_seed(0);
  nn::Sequential model(nn::Linear(64, 64), nn::ReLU(), nn::Linear(64, 10));
  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(data::TensorDataset(x_train, split.y_train),
                          data::DataLoaderOptions().batch_size(32).shuffle(true).seed(0));
  for (int epoch = 1; epoch <= 20; ++epoch) {
    double total = 0;
    for (const data::Example<>& batch : loader) {
      adam.zero_grad();
      Tensor loss = F::cross_entropy(model(batch.data), batch.target);
      loss.backward();
      adam.step();
      total += loss.item<double>() * static_cast<double>(batch.data.size(0));
    }
    if (epoch % 5 == 0) {
      std::printf("epoch %2d: mean training loss %.4f, test accuracy %.4f\n", epoch,
                  total / static_cast<double>(x_train.size(0)), accuracy(model, x_test, split.y_test));
    }
  }
  const double test_acc = accuracy(model, x_test, split.y_test);
  std::printf("test accuracy %.4f on %lld digits\n", test_acc, static_cast<long long>(x_test.size(0)));
  return test_acc >= 0.95 ? EXIT_SUCCESS : EXIT_FAILURE;
}
