// Multinomial logistic regression on the iris flowers: one Linear layer, softmax cross entropy,
// L-BFGS on the full (standardised) training set. Exits non-zero below 90% test accuracy.
#include <cstdio>
#include <cstdlib>

#include <xgrad/xgrad.hpp>

using namespace xgrad;
namespace F = xgrad::nn::functional;

int main() {
  // 4 measurements and a species label 0..2 per row, after a header line.
  const auto iris = data::load_labeled_csv(XGRAD_SOURCE_DIR "/datasets/iris.csv", data::CsvOptions().skip_rows(1));
  const auto split = data::train_test_split(iris.features, iris.labels, 0.2, /*seed=*/0);
  data::Standardizer scaler;
  const Tensor x_train = scaler.fit_transform(split.x_train), x_test = scaler.transform(split.x_test);

  manual_seed(0);
  nn::Linear model(4, 3);
  const double lambda = 1e-3;  // a little L2, so that separable classes keep finite weights
  optim::LBFGS lbfgs(model->parameters(), optim::LBFGSOptions(1.0).line_search_fn("strong_wolfe"));
  auto closure = [&] {
    lbfgs.zero_grad();
    Tensor loss = F::cross_entropy(model(x_train), split.y_train) + 0.5 * lambda * model->weight.square().sum();
    loss.backward();
    return loss;
  };
  for (int step = 0; step < 5; ++step) {
    const double loss = lbfgs.step(closure).item<double>();
    std::printf("L-BFGS step %d: regularised loss %.5f\n", step + 1, loss);
  }

  NoGradGuard no_grad;
  auto accuracy = [&](const Tensor& x, const Tensor& y) {
    return eq(argmax(model(x), 1), y).to(kFloat64).mean().item<double>();
  };
  const double train_acc = accuracy(x_train, split.y_train), test_acc = accuracy(x_test, split.y_test);
  std::printf("train accuracy %.4f, test accuracy %.4f (%lld test flowers)\n", train_acc, test_acc,
              static_cast<long long>(x_test.size(0)));
  return test_acc >= 0.9 ? EXIT_SUCCESS : EXIT_FAILURE;
}
